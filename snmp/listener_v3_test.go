package snmp

import (
	"context"
	"encoding/hex"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/snmp/snmptest"
)

// Inform users the v3 tests configure besides trapUser (SHA + AES).
var (
	informAuthOnly = oobkit.Credential{Auth: oobkit.AuthUSM, Username: "informauth", USM: &oobkit.USM{
		AuthProtocol: "SHA", AuthPassphrase: oobkit.NewSecret(snmptest.AuthPassphrase),
	}}
	informSHA2 = oobkit.Credential{Auth: oobkit.AuthUSM, Username: "informsha2", USM: &oobkit.USM{
		AuthProtocol: "SHA-256", AuthPassphrase: oobkit.NewSecret(snmptest.AuthPassphrase),
		PrivProtocol: "AES256", PrivPassphrase: oobkit.NewSecret(snmptest.PrivPassphrase),
	}}
)

// testEngineID is the engine ID the v3 inform tests give the listener.
var testEngineID = []byte{0x80, 0x00, 0x00, 0x00, 0x05, 'o', 'o', 'b', 'k', 'i', 't'}

func startInformListener(t *testing.T, opts ...ListenerOption) *Listener {
	t.Helper()
	return startTestListener(t, append([]ListenerOption{
		WithUSMUsers(informAuthOnly, informSHA2), WithEngineID(testEngineID), WithEngineBoots(7),
	}, opts...)...)
}

func TestListenerV3InformsNetSNMP(t *testing.T) {
	snmpinform := peer.Require(t, "snmpinform", "snmp")
	l := startInformListener(t)
	dst := l.Addr().String()
	good := []struct {
		name string
		args []string
		user string
	}{
		{"authPriv SHA AES", []string{"-u", snmptest.TrapUser, "-l", "authPriv", "-a", "SHA", "-A", snmptest.AuthPassphrase,
			"-x", "AES", "-X", snmptest.PrivPassphrase}, snmptest.TrapUser},
		{"authNoPriv SHA", []string{"-u", informAuthOnly.Username, "-l", "authNoPriv", "-a", "SHA", "-A", snmptest.AuthPassphrase},
			informAuthOnly.Username},
		{"authPriv SHA-256 AES-256", []string{"-u", informSHA2.Username, "-l", "authPriv", "-a", "SHA-256", "-A", snmptest.AuthPassphrase,
			"-x", "AES-256", "-X", snmptest.PrivPassphrase}, informSHA2.Username},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			before := l.Stats()
			// snmpinform discovers the engine itself and exits 0 only when
			// its inform was acknowledged.
			args := append([]string{"-v", "3", "-t", "2", "-r", "1"}, tt.args...)
			require.NoError(t, runNetSNMP(t, snmpinform, append(args, dst, "", "1.3.6.1.6.3.1.1.5.4",
				"1.3.6.1.2.1.2.2.1.1.1", "i", "1")...))
			ev := nextEvent(t, l)
			assert.Equal(t, "inform", ev.Data["pdu"])
			assert.Equal(t, "3", ev.Data["version"])
			assert.Equal(t, tt.user, ev.Data["user"])
			assert.Equal(t, ".1.3.6.1.6.3.1.1.5.4", ev.Code)
			assert.Equal(t, "1", ev.Data[".1.3.6.1.2.1.2.2.1.1.1"])
			s := l.Stats()
			assert.Equal(t, before.InformsAcked+1, s.InformsAcked)
			assert.Greater(t, s.Reports, before.Reports, "engine discovery was answered")
			assert.Equal(t, before.Rejected, s.Rejected)
		})
	}
	bad := []struct {
		name string
		args []string
	}{
		{"wrong auth passphrase", []string{"-u", snmptest.TrapUser, "-l", "authPriv", "-a", "SHA", "-A", "notthepass",
			"-x", "AES", "-X", snmptest.PrivPassphrase}},
		{"wrong priv passphrase", []string{"-u", snmptest.TrapUser, "-l", "authPriv", "-a", "SHA", "-A", snmptest.AuthPassphrase,
			"-x", "AES", "-X", "notthepriv"}},
		{"wrong auth passphrase, authNoPriv", []string{"-u", informAuthOnly.Username, "-l", "authNoPriv", "-a", "SHA", "-A", "notthepass"}},
		{"unknown user", []string{"-u", "mallory", "-l", "authNoPriv", "-a", "SHA", "-A", snmptest.AuthPassphrase}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			before := l.Stats()
			args := append([]string{"-v", "3", "-t", "1", "-r", "0"}, tt.args...)
			err := runNetSNMP(t, snmpinform, append(args, dst, "", "1.3.6.1.6.3.1.1.5.4")...)
			require.Error(t, err, "snmpinform must not be acknowledged")
			s := waitStats(t, l, func(s ListenerStats) bool { return s.Rejected > before.Rejected })
			assert.Equal(t, before.InformsAcked, s.InformsAcked)
			assert.Equal(t, before.Accepted, s.Accepted)
		})
	}
	assert.Empty(t, l.Events(), "a rejected inform must not produce an event")
}

// TestListenerV3InformGoSNMPSender: gosnmp as the sender performs engine
// discovery and waits for the Response.
func TestListenerV3InformGoSNMPSender(t *testing.T) {
	l := startInformListener(t)
	for _, cred := range []oobkit.Credential{trapUser(snmptest.AuthPassphrase, snmptest.PrivPassphrase), informAuthOnly, informSHA2} {
		t.Run(cred.Username, func(t *testing.T) {
			sp, flags, err := usmParams(cred, "")
			require.NoError(t, err)
			g := &gosnmp.GoSNMP{
				Target: "127.0.0.1", Port: uint16(l.Addr().Port), Transport: "udp", Version: gosnmp.Version3,
				SecurityModel: gosnmp.UserSecurityModel, MsgFlags: flags, SecurityParameters: sp,
				Timeout: 5 * time.Second, Retries: 1, Context: context.Background(),
			}
			require.NoError(t, g.Connect())
			defer g.Conn.Close()
			res, err := g.SendTrap(gosnmp.SnmpTrap{IsInform: true, Variables: []gosnmp.SnmpPDU{
				{Name: oidSnmpTrapOID, Type: gosnmp.ObjectIdentifier, Value: ".1.3.6.1.6.3.1.1.5.3"},
			}})
			require.NoError(t, err)
			assert.Equal(t, gosnmp.GetResponse, res.PDUType)
			ev := nextEvent(t, l)
			assert.Equal(t, ".1.3.6.1.6.3.1.1.5.3", ev.Code)
			assert.Equal(t, cred.Username, ev.Data["user"])
		})
	}
}

// TestListenerV3Reports sends hand-built v3 messages and checks the
// listener's answer, as the RFC 3414 authoritative engine.
func TestListenerV3Reports(t *testing.T) {
	l := startInformListener(t)
	user := trapUser(snmptest.AuthPassphrase, snmptest.PrivPassphrase)
	id := string(testEngineID)
	tests := []struct {
		name        string
		msg         []byte
		wantPDU     gosnmp.PDUType
		wantOID     string
		wantFlags   gosnmp.SnmpV3MsgFlags
		wantIgnored bool
	}{
		{"discovery", discoveryProbe(t), gosnmp.Report, oidUsmStatsUnknownEngineIDs, gosnmp.NoAuthNoPriv, true},
		{"inform for another engine", v3Message(t, user, "\x80\x00\x1f\x88\x04other", 7, 0, gosnmp.InformRequest),
			gosnmp.Report, oidUsmStatsUnknownEngineIDs, gosnmp.NoAuthNoPriv, false},
		{"inform with old boots", v3Message(t, user, id, 6, 0, gosnmp.InformRequest),
			gosnmp.Report, oidUsmStatsNotInTimeWindows, gosnmp.AuthNoPriv, false},
		{"inform from the future", v3Message(t, user, id, 7, 1000, gosnmp.InformRequest),
			gosnmp.Report, oidUsmStatsNotInTimeWindows, gosnmp.AuthNoPriv, false},
		{"inform in time", v3Message(t, user, id, 7, 0, gosnmp.InformRequest), gosnmp.GetResponse, "", gosnmp.AuthPriv, false},
		{"authNoPriv inform", v3Message(t, informAuthOnly, id, 7, 3, gosnmp.InformRequest), gosnmp.GetResponse, "", gosnmp.AuthNoPriv, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := l.Stats()
			reply := exchange(t, l, tt.msg)
			require.Equal(t, tt.wantPDU, reply.PDUType)
			assert.Equal(t, uint32(42), reply.MsgID, "msgID echoed")
			assert.Equal(t, uint32(7), reply.RequestID, "request-id echoed")
			assert.Equal(t, tt.wantFlags, reply.MsgFlags)
			usm := reply.SecurityParameters.(*gosnmp.UsmSecurityParameters)
			assert.Equal(t, id, usm.AuthoritativeEngineID)
			assert.Equal(t, uint32(7), usm.AuthoritativeEngineBoots)
			s := waitStats(t, l, func(s ListenerStats) bool { return s.Received == before.Received+1 })
			if tt.wantPDU == gosnmp.Report {
				require.Len(t, reply.Variables, 1)
				assert.Equal(t, tt.wantOID, reply.Variables[0].Name)
				assert.Equal(t, before.Reports+1, s.Reports)
				if tt.wantIgnored {
					assert.Equal(t, before.Ignored+1, s.Ignored)
				} else {
					assert.Equal(t, before.Rejected+1, s.Rejected)
				}
				return
			}
			assert.Equal(t, before.InformsAcked+1, s.InformsAcked)
			ev := nextEvent(t, l)
			assert.Equal(t, "inform", ev.Data["pdu"])
		})
	}
}

// TestListenerV3TrapKeepsSenderEngine: a v3 trap (unconfirmed) names the
// sender's engine and needs no time window; it is accepted, not answered.
func TestListenerV3TrapKeepsSenderEngine(t *testing.T) {
	l := startInformListener(t)
	msg := v3Message(t, trapUser(snmptest.AuthPassphrase, snmptest.PrivPassphrase), "\x80\x00\x1f\x88\x04other", 99, 12345, gosnmp.SNMPv2Trap)
	before := l.Stats()
	send(t, l, msg)
	ev := nextEvent(t, l)
	assert.Equal(t, "trap", ev.Data["pdu"])
	s := l.Stats()
	assert.Equal(t, before.Reports, s.Reports)
	assert.Equal(t, before.InformsAcked, s.InformsAcked)
}

func TestListenerEngineOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  ListenerOption
	}{
		{"engine ID too short", WithEngineID([]byte{1, 2, 3, 4})},
		{"engine ID too long", WithEngineID(make([]byte, 33))},
		{"boots zero", WithEngineBoots(0)},
		{"boots latched", WithEngineBoots(maxEngineBoots)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Listen(context.Background(), "127.0.0.1:0", tt.opt)
			require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
		})
	}
	t.Run("generated engine ID", func(t *testing.T) {
		a, b := startTestListener(t), startTestListener(t)
		assert.Len(t, a.EngineID(), 17)
		assert.Equal(t, byte(0x80), a.EngineID()[0], "RFC 3411 format bit")
		assert.NotEqual(t, a.EngineID(), b.EngineID())
		assert.Equal(t, uint32(1), a.EngineBoots())
	})
	t.Run("configured engine ID keeps boots growing", func(t *testing.T) {
		l := startTestListener(t, WithEngineID(testEngineID))
		assert.Equal(t, hex.EncodeToString(testEngineID), hex.EncodeToString(l.EngineID()))
		assert.Equal(t, defaultBoots(time.Now()), l.EngineBoots())
		assert.Less(t, defaultBoots(time.Now()), defaultBoots(time.Now().Add(time.Second)))
	})
}

func TestEngineTimeWindow(t *testing.T) {
	now := time.Now()
	e := &localEngine{boots: 5, start: now.Add(-1000 * time.Second)}
	tests := []struct {
		boots, time uint32
		want        bool
	}{
		{5, 1000, true},
		{5, 1150, true},
		{5, 850, true},
		{5, 1200, false},
		{5, 800, false},
		{4, 1000, false},
		{6, 1000, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, e.inTimeWindow(tt.boots, tt.time), "boots %d time %d", tt.boots, tt.time)
	}
	latched := &localEngine{boots: maxEngineBoots, start: now}
	assert.False(t, latched.inTimeWindow(maxEngineBoots, 0))
}

// v3Message builds an SNMPv3 message from cred to engineID with the given
// boots and time: msgID 42, request-id 7, reportable when it is an inform.
func v3Message(t testing.TB, cred oobkit.Credential, engineID string, boots, engineTime uint32, pdu gosnmp.PDUType) []byte {
	t.Helper()
	sp, flags, err := usmParams(cred, engineID)
	require.NoError(t, err)
	sp.AuthoritativeEngineBoots, sp.AuthoritativeEngineTime = boots, engineTime
	require.NoError(t, sp.InitSecurityKeys())
	if flags&gosnmp.AuthPriv == gosnmp.AuthPriv {
		sp.PrivacyParameters = []byte{0, 0, 0, 0, 0, 0, 0, 1}
	}
	if pdu == gosnmp.InformRequest {
		flags |= gosnmp.Reportable
	}
	pkt := &gosnmp.SnmpPacket{
		Version: gosnmp.Version3, MsgFlags: flags, MsgID: 42, SecurityModel: gosnmp.UserSecurityModel,
		SecurityParameters: sp, ContextEngineID: engineID, PDUType: pdu, RequestID: 7,
		Variables: []gosnmp.SnmpPDU{
			{Name: oidSysUpTime, Type: gosnmp.TimeTicks, Value: uint32(1)},
			{Name: oidSnmpTrapOID, Type: gosnmp.ObjectIdentifier, Value: ".1.3.6.1.6.3.1.1.5.1"},
		},
	}
	b, err := pkt.MarshalMsg()
	require.NoError(t, err)
	return b
}

// discoveryProbe is an RFC 3414 §4 engine discovery request (msgID 42,
// request-id 7).
func discoveryProbe(t testing.TB) []byte {
	t.Helper()
	pkt := &gosnmp.SnmpPacket{
		Version: gosnmp.Version3, MsgFlags: gosnmp.Reportable, MsgID: 42, SecurityModel: gosnmp.UserSecurityModel,
		SecurityParameters: &gosnmp.UsmSecurityParameters{}, PDUType: gosnmp.GetRequest, RequestID: 7,
	}
	b, err := pkt.MarshalMsg()
	require.NoError(t, err)
	return b
}

// send writes msg to the listener from a fresh loopback socket.
func send(t *testing.T, l *Listener, msg []byte) {
	t.Helper()
	c, err := net.DialUDP("udp", nil, l.Addr())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write(msg)
	require.NoError(t, err)
}

// exchange sends msg and decodes the listener's answer with the test users'
// keys (reports at noAuthNoPriv decode without them).
func exchange(t *testing.T, l *Listener, msg []byte) *gosnmp.SnmpPacket {
	t.Helper()
	c, err := net.DialUDP("udp", nil, l.Addr())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write(msg)
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(waitLimit)))
	buf := make([]byte, maxDatagram)
	n, err := c.Read(buf)
	require.NoError(t, err, "no answer; stats %+v", l.Stats())
	table := gosnmp.NewSnmpV3SecurityParametersTable(gosnmp.NewLogger(nil))
	for _, u := range []oobkit.Credential{trapUser(snmptest.AuthPassphrase, snmptest.PrivPassphrase), informAuthOnly} {
		sp, _, err := usmParams(u, "")
		require.NoError(t, err)
		require.NoError(t, table.Add(u.Username, sp))
	}
	withUsers := &gosnmp.GoSNMP{Version: gosnmp.Version3, SecurityModel: gosnmp.UserSecurityModel}
	withUsers.SetTrapSecurityParametersTable(table)
	if reply, err := withUsers.UnmarshalTrap(buf[:n], true); err == nil {
		return reply
	}
	plain := &gosnmp.GoSNMP{Version: gosnmp.Version3, SecurityModel: gosnmp.UserSecurityModel}
	reply, err := plain.UnmarshalTrap(buf[:n], true)
	require.NoError(t, err)
	return reply
}

// TestListenerV3NoReportForOverlongUser: a user name beyond RFC 3414's 32
// octets (here a configured noAuthNoPriv user) is not echoed into a Report.
func TestListenerV3NoReportForOverlongUser(t *testing.T) {
	long := oobkit.Credential{Auth: oobkit.AuthUSM, Username: strings.Repeat("u", maxUserNameLen+1)}
	l := startInformListener(t, WithUSMUsers(long))
	for _, tt := range []struct {
		name        string
		engine      string
		wantReports uint64
	}{
		{"inform for another engine, 33-octet user", "\x80\x00\x1f\x88\x04other", 0},
		{"discovery still answered", "", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := l.Stats()
			msg := discoveryProbe(t)
			if tt.engine != "" {
				msg = v3Message(t, long, tt.engine, 0, 0, gosnmp.InformRequest)
			}
			send(t, l, msg)
			s := waitStats(t, l, func(s ListenerStats) bool { return s.Received == before.Received+1 })
			assert.Equal(t, before.Reports+tt.wantReports, s.Reports)
		})
	}
}

// TestListenerStatsCountOutcomeFirst: a datagram shows in Received only
// once its outcome is counted, so a reader waiting for Received sees the
// outcome in the same Stats (here: each engine discovery probe is Ignored and
// answered with a Report). A poller checks every Stats it takes while probes
// arrive one after another.
func TestListenerStatsCountOutcomeFirst(t *testing.T) {
	l := startInformListener(t)
	const probes = 300
	done := make(chan struct{})
	var bad []ListenerStats
	go func() {
		defer close(done)
		for {
			s := l.Stats()
			if (s.Ignored < s.Received || s.Reports < s.Received) && len(bad) < 5 {
				bad = append(bad, s)
			}
			if s.Received == probes {
				return
			}
			runtime.Gosched()
		}
	}()
	c, err := net.DialUDP("udp", nil, l.Addr())
	require.NoError(t, err)
	defer c.Close()
	buf := make([]byte, maxDatagram)
	for range probes {
		_, err = c.Write(discoveryProbe(t))
		require.NoError(t, err)
		require.NoError(t, c.SetReadDeadline(time.Now().Add(waitLimit)))
		_, err = c.Read(buf)
		require.NoError(t, err, "no report; stats %+v", l.Stats())
	}
	select {
	case <-done:
	case <-time.After(waitLimit):
		t.Fatalf("never received %d probes: %+v", probes, l.Stats())
	}
	assert.Empty(t, bad, "Stats with datagrams in Received whose outcome was not counted")
}
