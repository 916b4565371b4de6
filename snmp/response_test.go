package snmp

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// fakeAgent is a UDP "agent" on loopback whose answers a test chooses: it
// decodes each v1/v2c request and sends back whatever reply returns (nothing
// for nil). It stands in for the hostile or broken devices a fleet meets.
type fakeAgent struct {
	conn *net.UDPConn
	done chan struct{}
}

func startFakeAgent(t *testing.T, reply func(raw []byte, req *gosnmp.SnmpPacket) [][]byte) *fakeAgent {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	a := &fakeAgent{conn: conn, done: make(chan struct{})}
	go func() {
		defer close(a.done)
		buf := make([]byte, 65535)
		dec := &gosnmp.GoSNMP{Logger: gosnmp.NewLogger(nil)}
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			raw := append([]byte(nil), buf[:n]...)
			req, err := dec.SnmpDecodePacket(raw)
			if err != nil {
				req = nil // v3 or garbage: reply sees only the raw bytes
			}
			for _, out := range reply(raw, req) {
				_, _ = conn.WriteToUDP(out, from)
			}
		}
	}()
	t.Cleanup(func() {
		_ = conn.Close()
		<-a.done
	})
	return a
}

func (a *fakeAgent) target() oobkit.Target {
	return oobkit.Target{Name: "fake", Address: "127.0.0.1",
		Ports: map[oobkit.Protocol]int{oobkit.SNMP: a.conn.LocalAddr().(*net.UDPAddr).Port}}
}

// response builds a Response to req carrying a value for each requested
// OID, with the given PDU type and request id.
func response(t *testing.T, req *gosnmp.SnmpPacket, pduType gosnmp.PDUType, reqID uint32) []byte {
	t.Helper()
	vars := make([]gosnmp.SnmpPDU, 0, len(req.Variables))
	for _, v := range req.Variables {
		vars = append(vars, gosnmp.SnmpPDU{Name: v.Name, Type: gosnmp.OctetString, Value: []byte("forged")})
	}
	out := &gosnmp.SnmpPacket{Version: req.Version, Community: req.Community, PDUType: pduType,
		RequestID: reqID, Variables: vars, Logger: gosnmp.NewLogger(nil)}
	b, err := out.MarshalMsg()
	require.NoError(t, err)
	return b
}

func v2cClient(t *testing.T, target oobkit.Target, opts ...Option) *Client {
	t.Helper()
	c, err := New(target, oobkit.Credential{Community: oobkit.NewSecret("public")}, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// requireProtocol asserts err is an SNMP protocol error whose text contains
// every one of words.
func requireProtocol(t *testing.T, err error, words ...string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, oobkit.ErrProtocol)
	assert.NotErrorIs(t, err, oobkit.ErrUnreachable)
	for _, w := range words {
		assert.Contains(t, err.Error(), w)
	}
}

// RFC 3416 §4.2.1-§4.2.3: an agent answers a Get, GetNext or GetBulk with a
// Response-PDU carrying the request's request-id (and the requested
// variables, for a Get). Whatever else comes back is no answer.
func TestClientRejectsNonResponses(t *testing.T) {
	ctx := context.Background()

	t.Run("echo", func(t *testing.T) {
		a := startFakeAgent(t, func(raw []byte, _ *gosnmp.SnmpPacket) [][]byte { return [][]byte{raw} })
		c := v2cClient(t, a.target())
		inv, err := c.Inventory(ctx)
		assert.Nil(t, inv)
		requireProtocol(t, err, "GetRequest", "not a Response")
		_, err = c.Walk(ctx, OIDIfEntry)
		requireProtocol(t, err, "GetBulkRequest", "not a Response")
	})

	t.Run("echo v1", func(t *testing.T) {
		a := startFakeAgent(t, func(raw []byte, _ *gosnmp.SnmpPacket) [][]byte { return [][]byte{raw} })
		c := v2cClient(t, a.target(), WithVersion(Version1))
		_, err := c.Walk(ctx, OIDIfEntry)
		requireProtocol(t, err, "GetNextRequest", "not a Response")
	})

	t.Run("v2 trap with the request's id", func(t *testing.T) {
		a := startFakeAgent(t, func(_ []byte, req *gosnmp.SnmpPacket) [][]byte {
			return [][]byte{response(t, req, gosnmp.SNMPv2Trap, req.RequestID)}
		})
		_, err := v2cClient(t, a.target()).System(ctx)
		requireProtocol(t, err, "SNMPv2Trap", "not a Response")
	})

	t.Run("v1 trap", func(t *testing.T) {
		// A v1 Trap-PDU has no request-id; gosnmp reads it as 0, which it
		// lets through for Reports.
		a := startFakeAgent(t, func(_ []byte, req *gosnmp.SnmpPacket) [][]byte {
			trap := &gosnmp.SnmpPacket{Version: gosnmp.Version1, Community: req.Community, PDUType: gosnmp.Trap,
				SnmpTrap: gosnmp.SnmpTrap{Enterprise: ".1.3.6.1.4.1.3183.1.1", AgentAddress: "127.0.0.1", GenericTrap: 6, SpecificTrap: 1,
					Variables: []gosnmp.SnmpPDU{{Name: OIDSysName + ".0", Type: gosnmp.OctetString, Value: []byte("forged")}}},
				Logger: gosnmp.NewLogger(nil)}
			b, err := trap.MarshalMsg()
			require.NoError(t, err)
			return [][]byte{b}
		})
		_, err := v2cClient(t, a.target(), WithVersion(Version1)).System(ctx)
		requireProtocol(t, err, "Trap", "not a Response")
	})

	t.Run("request id zero", func(t *testing.T) {
		a := startFakeAgent(t, func(_ []byte, req *gosnmp.SnmpPacket) [][]byte {
			return [][]byte{response(t, req, gosnmp.GetResponse, 0)}
		})
		_, err := v2cClient(t, a.target()).System(ctx)
		requireProtocol(t, err, "request id 0")
	})

	t.Run("other variables", func(t *testing.T) {
		a := startFakeAgent(t, func(_ []byte, req *gosnmp.SnmpPacket) [][]byte {
			req.Variables = req.Variables[1:]
			return [][]byte{response(t, req, gosnmp.GetResponse, req.RequestID)}
		})
		_, err := v2cClient(t, a.target()).System(ctx)
		requireProtocol(t, err, "variables")
	})

	t.Run("other version", func(t *testing.T) {
		a := startFakeAgent(t, func(_ []byte, req *gosnmp.SnmpPacket) [][]byte {
			req.Version = gosnmp.Version1
			return [][]byte{response(t, req, gosnmp.GetResponse, req.RequestID)}
		})
		_, err := v2cClient(t, a.target()).System(ctx)
		requireProtocol(t, err, "v1", "v2c")
	})
}

// A Response whose request-id is not the request's is discarded, not
// fatal: RFC 3416 §4.1 says the request-id lets an application "correlate
// incoming responses with outstanding requests" and, over an unreliable
// datagram service, identify "messages duplicated by the network" — so a
// late answer to an earlier (timed-out) request, or a duplicate, must not
// fail the current one, and a matching answer after it still counts (RFC
// 3412 §4.2.2.2 likewise drops a Response that matches no outstanding
// request). Only when the wait ends with nothing but such answers is the
// request a protocol failure rather than a timeout: the agent is there and
// talking, just not answering.
func TestClientWrongRequestID(t *testing.T) {
	ctx := context.Background()

	t.Run("then the right one", func(t *testing.T) {
		a := startFakeAgent(t, func(_ []byte, req *gosnmp.SnmpPacket) [][]byte {
			return [][]byte{
				response(t, req, gosnmp.GetResponse, req.RequestID+1000),
				response(t, req, gosnmp.GetResponse, req.RequestID),
			}
		})
		sys, err := v2cClient(t, a.target()).System(ctx)
		require.NoError(t, err)
		assert.Equal(t, "forged", sys.Name)
	})

	t.Run("only wrong ones", func(t *testing.T) {
		t.Parallel()
		a := startFakeAgent(t, func(_ []byte, req *gosnmp.SnmpPacket) [][]byte {
			return [][]byte{response(t, req, gosnmp.GetResponse, req.RequestID+1000)}
		})
		// The timeout only has to outlast one loopback round trip on a
		// loaded machine; the outcome does not depend on it otherwise.
		c := v2cClient(t, a.target(), WithTimeout(time.Second), WithRetries(0))
		_, err := c.System(ctx)
		requireProtocol(t, err, "none was a response", "request id")
		// Detect does not mistake it for "no SNMP here".
		_, err = c.Detect(ctx)
		assert.NotErrorIs(t, err, oobkit.ErrNotDetected)
		assert.ErrorIs(t, err, oobkit.ErrProtocol)
	})

	t.Run("v3 echo", func(t *testing.T) {
		t.Parallel()
		// An echoed v3 discovery probe is an unauthenticated GetRequest,
		// which gosnmp drops while it waits for the engine's Report.
		a := startFakeAgent(t, func(raw []byte, _ *gosnmp.SnmpPacket) [][]byte { return [][]byte{raw} })
		c, err := New(a.target(), oobkit.Credential{Username: "u", USM: &oobkit.USM{
			AuthProtocol: "SHA", AuthPassphrase: oobkit.NewSecret("authpass1"),
			PrivProtocol: "AES", PrivPassphrase: oobkit.NewSecret("privpass1")}},
			WithTimeout(time.Second), WithRetries(0))
		require.NoError(t, err)
		defer c.Close()
		_, err = c.System(ctx)
		requireProtocol(t, err, "none was a response")
	})
}

// TestWithDialContextTunnel: a client whose dial function hands it a
// connected socket (as a tunnel would) reads inventory through it, asks for
// the target's own address, and closes the socket on Close.
func TestWithDialContextTunnel(t *testing.T) {
	a := startFakeAgent(t, func(_ []byte, req *gosnmp.SnmpPacket) [][]byte {
		if req == nil {
			return nil
		}
		return [][]byte{response(t, req, gosnmp.GetResponse, req.RequestID)}
	})
	conn, err := net.DialUDP("udp", nil, a.conn.LocalAddr().(*net.UDPAddr))
	require.NoError(t, err)
	// The target's address is not where the agent is: only conn reaches it.
	var dialled []string
	dial := func(_ context.Context, network, addr string) (net.Conn, error) {
		dialled = append(dialled, network+" "+addr)
		return conn, nil
	}
	c := v2cClient(t, oobkit.Target{Name: "tunnelled", Address: "192.0.2.1"}, WithDialContext(dial))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	inv, err := c.Inventory(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, inv.System)
	assert.Equal(t, "forged", inv.System[0].Name)
	assert.Equal(t, []string{"udp 192.0.2.1:161"}, dialled, "dialled once, for the target's own address")
	require.NoError(t, c.Close())
	_, err = conn.Write([]byte{0})
	assert.ErrorIs(t, err, net.ErrClosed, "Close closes the caller's conn")
}
