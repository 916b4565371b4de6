package discovery_test

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/bougou/go-ipmi/pkg/bmc"
	"github.com/bougou/go-ipmi/pkg/hal/mock"
	"github.com/bougou/go-ipmi/pkg/server"
	"github.com/bougou/go-ipmi/pkg/transport/udp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/asf/asftest"
	"github.com/oobkit/oobkit/dash/dashtest"
	"github.com/oobkit/oobkit/discovery"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/internal/wsmantest"
	"github.com/oobkit/oobkit/snmp/snmptest"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serveHTTP serves h on ip (a free port), over TLS when useTLS, until the
// test ends, and returns the port.
func serveHTTP(t *testing.T, ip string, h http.Handler, useTLS bool) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	require.NoError(t, err)
	if useTLS {
		cert, _, err := wsmantest.SelfSigned(ip)
		require.NoError(t, err)
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}})
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	return ln.Addr().(*net.TCPAddr).Port
}

// startBMC runs go-ipmi's reference BMC (written by others) on ip.
func startBMC(t *testing.T, ip string) int {
	t.Helper()
	conn, err := udp.Listen(net.JoinHostPort(ip, "0"), udp.WithReadTimeout(0))
	require.NoError(t, err)
	b := bmc.New(bmc.DeviceInfo{DeviceID: 0x20, DeviceRevision: 1, FirmwareMajor: 1, IPMIVersion: 0x20, ManufacturerID: 0x0157},
		[16]byte{1, 2, 3}, mock.New())
	u, err := b.Users.Add(2, "ADMIN")
	require.NoError(t, err)
	u.SetPassword([]byte("ADMIN"))
	u.Enabled = true
	u.ChannelAccess[1] = bmc.UserChannelAccess{MaxPrivilege: bmc.PrivilegeLevelAdministrator, Enabled: true}
	srv := server.NewServer(b, conn)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(context.Background()) }()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	return conn.LocalAddr().(*net.UDPAddr).Port
}

// silent binds the given TCP ports (accepting, never answering) and UDP
// ports (reading, never answering) on ip.
func silent(t *testing.T, ip string, tcpPorts, udpPorts []int) {
	t.Helper()
	for _, p := range tcpPorts {
		ln, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(p)))
		require.NoError(t, err)
		done := make(chan struct{})
		var held []net.Conn
		go func() {
			defer close(done)
			for {
				c, err := ln.Accept()
				if err != nil {
					for _, c := range held {
						_ = c.Close()
					}
					return
				}
				held = append(held, c)
			}
		}()
		t.Cleanup(func() { _ = ln.Close(); <-done })
	}
	for _, p := range udpPorts {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip), Port: p})
		require.NoError(t, err)
		done := make(chan struct{})
		go func() {
			defer close(done)
			buf := make([]byte, 2048)
			for {
				if _, _, err := c.ReadFromUDP(buf); err != nil {
					return
				}
			}
		}()
		t.Cleanup(func() { _ = c.Close(); <-done })
	}
}

// TestDiscoverMixedRange: the field notes' "Out of Band Discovery" over a
// simulated range, each computer on its own loopback address: AMT over
// plain HTTP (provisioned) and over TLS only (pre-provisioning), DASH,
// IPMI, ASF, SNMP, WinRM, a closed address and a silent one. "select the
// data class OOB Capability. This will give you the details of AMT": one
// record per address with each protocol's presence, version and state.
func TestDiscoverMixedRange(t *testing.T) {
	const (
		amtIP, amtTLSIP, dashIP, ipmiIP = "127.0.0.10", "127.0.0.11", "127.0.0.12", "127.0.0.13"
		asfIP, snmpIP, wmiIP            = "127.0.0.14", "127.0.0.15", "127.0.0.16"
		closedIP, silentIP              = "127.0.0.17", "127.0.0.18"
	)
	amtCfg := amttest.Config{Firmware: "12.0.67"}
	amtPort := serveHTTP(t, amtIP, amttest.NewDevice(amtCfg).Handler(), false)
	amtTLSPort := serveHTTP(t, amtTLSIP, amttest.NewDevice(amttest.Config{Firmware: "11.8.50", Unprovisioned: true}).Handler(), true)
	dc := dashtest.NewComputer(dashtest.Config{})
	dashPort := serveHTTP(t, dashIP, dc.Server(), false)
	ipmiPort := startBMC(t, ipmiIP)
	dev, err := asftest.NewServer(asftest.Config{Addr: asfIP, State: asftest.StateS5})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Close() })
	agent, err := snmptest.NewServer(snmptest.Config{IP: snmpIP})
	peer.Check(t, err)
	t.Cleanup(func() { _ = agent.Close() })
	wmiPort := serveHTTP(t, wmiIP, wmitest.NewComputer(wmitest.Config{AdminPassword: "Adm1n-Passw0rd"}).Server(), false)
	silent(t, silentIP, []int{amtPort, amtTLSPort, dashPort, wmiPort}, []int{ipmiPort, dev.Port(), agent.Port()})

	cfg := discovery.Config{
		Ports: map[oobkit.Protocol]int{oobkit.AMT: amtPort, oobkit.DASH: dashPort, oobkit.IPMI: ipmiPort,
			oobkit.ASF: dev.Port(), oobkit.WMI: wmiPort, oobkit.SNMP: agent.Port()},
		TLSPorts: map[oobkit.Protocol]int{oobkit.AMT: amtTLSPort, oobkit.DASH: -1, oobkit.WMI: -1,
			oobkit.ASF: dev.SecurePort()},
		Community: oobkit.NewSecret(snmptest.Community),
		Credentials: map[oobkit.Protocol]oobkit.Credential{
			oobkit.AMT:  func() oobkit.Credential { c := amtCfg.Credential(); c.TLS.InsecureSkipVerify = true; return c }(),
			oobkit.DASH: dc.Credential(),
			oobkit.WMI:  {Auth: oobkit.AuthNTLM, Username: `PC42\Administrator`, Password: oobkit.NewSecret("Adm1n-Passw0rd")},
		},
		Concurrency: 4,
		Timeout:     1500 * time.Millisecond,
	}
	recs, err := discovery.Range(context.Background(), "127.0.0.0/27", cfg) // .1 … .30
	require.NoError(t, err)
	require.Len(t, recs, 30)
	byAddr := map[string]discovery.Record{}
	for _, r := range recs {
		byAddr[r.Address] = r
		t.Logf("%s offers %v", r.Address, r.Offers())
	}

	offers := map[string][]oobkit.Protocol{
		"127.0.0.9": nil,
		amtIP:       {oobkit.AMT}, amtTLSIP: {oobkit.AMT}, dashIP: {oobkit.DASH},
		// go-ipmi's BMC names IPMI and ASF 1.0 in its pong, but the range's
		// ASF port is the ASF device's, closed here; with the default ports
		// (both 623) such a BMC shows both.
		ipmiIP: {oobkit.IPMI},
		asfIP:  {oobkit.ASF}, snmpIP: {oobkit.SNMP}, wmiIP: {oobkit.WMI},
		closedIP: nil, silentIP: nil, "127.0.0.30": nil,
	}
	for addr, want := range offers {
		r, ok := byAddr[addr]
		require.True(t, ok, "a record for %s", addr)
		assert.Equal(t, want, r.Offers(), "%s", addr)
	}

	f, _ := byAddr[amtIP].Finding(oobkit.AMT)
	assert.Equal(t, "12.0.67", f.Version)
	assert.Equal(t, "post-provisioning", f.State)
	assert.Equal(t, "admin control", f.Details["mode"])
	assert.False(t, f.TLS)
	f, _ = byAddr[amtTLSIP].Finding(oobkit.AMT)
	assert.True(t, f.TLS, "answered on the TLS port only")
	assert.Equal(t, "11.8.50", f.Version)
	assert.Equal(t, "pre-provisioning", f.State)

	f, _ = byAddr[dashIP].Finding(oobkit.DASH)
	assert.Equal(t, "identified", f.State)
	assert.NotEmpty(t, f.Details["vendor"])

	f, _ = byAddr[ipmiIP].Finding(oobkit.IPMI)
	assert.Equal(t, "2.0", f.Version, "Get Channel Authentication Capabilities: IPMI v2.0 extended capabilities")
	assert.Equal(t, "ipmi", f.Details["pong"])

	f, _ = byAddr[asfIP].Finding(oobkit.ASF)
	assert.Equal(t, "S5/G2 soft-off", f.State)
	assert.Equal(t, "6", f.Details["tableC3Row"])
	assert.Equal(t, "true", f.Details["security"])
	f, _ = byAddr[asfIP].Finding(oobkit.IPMI)
	assert.False(t, f.Present, "an ASF-only device is not IPMI")

	f, _ = byAddr[snmpIP].Finding(oobkit.SNMP)
	assert.NotEmpty(t, f.Details["sysDescr"])

	f, _ = byAddr[wmiIP].Finding(oobkit.WMI)
	assert.Equal(t, "identified", f.State)

	for _, addr := range []string{closedIP, silentIP} {
		for _, f := range byAddr[addr].Findings {
			want := "unreachable"
			if f.Protocol == oobkit.SNMP {
				want = "not-detected" // silence: no agent, or a wrong community
			}
			assert.Equal(t, want, f.Class, "%s %s", addr, f.Protocol)
		}
	}
}

func TestAddresses(t *testing.T) {
	a, err := discovery.Addresses("127.0.0.8/29", 0)
	require.NoError(t, err)
	require.Len(t, a, 6)
	assert.Equal(t, "127.0.0.9", a[0].String())
	assert.Equal(t, "127.0.0.14", a[5].String())
	a, err = discovery.Addresses("127.0.0.20", 0)
	require.NoError(t, err)
	assert.Len(t, a, 1)
	_, err = discovery.Addresses("127.0.0.0/8", 65536)
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	_, err = discovery.Addresses("not a range", 0)
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}

// TestDiscoverTLSOnlyAMT: an AMT 16.1 device answers on 16993 only (Intel,
// "Intel AMT and Security Considerations": "Starting from Alder Lake
// platforms with Raptor Lake CPUs running Intel CSME 16.1 firmware, remote
// connections to Intel AMT unsecure TCP/IP ports 16992, 16994 and 623 are
// no longer supported"); discovery finds it on the TLS port, says
// "tlsOnly", and detects it over TLS with the credential.
func TestDiscoverTLSOnlyAMT(t *testing.T) {
	const ip = "127.0.0.19"
	cfg := amttest.Config{Firmware: "16.1.25"}
	dev := amttest.NewDevice(cfg)
	plain := serveHTTP(t, ip, dev.Handler(), false)
	tlsPort := serveHTTP(t, ip, dev.Handler(), true)
	cred := cfg.Credential()
	cred.TLS.InsecureSkipVerify = true
	for _, withCred := range []bool{false, true} {
		dc := discovery.Config{Protocols: []oobkit.Protocol{oobkit.AMT},
			Ports: map[oobkit.Protocol]int{oobkit.AMT: plain}, TLSPorts: map[oobkit.Protocol]int{oobkit.AMT: tlsPort},
			Timeout: 1500 * time.Millisecond}
		if withCred {
			dc.Credentials = map[oobkit.Protocol]oobkit.Credential{oobkit.AMT: cred}
		}
		recs, err := discovery.Range(context.Background(), ip+"/32", dc)
		require.NoError(t, err)
		require.Len(t, recs, 1)
		f, _ := recs[0].Finding(oobkit.AMT)
		assert.True(t, f.Present)
		assert.Equal(t, []int{tlsPort}, f.Ports, "the plain port does not answer")
		assert.True(t, f.TLS)
		assert.Equal(t, "16.1.25", f.Version)
		assert.Equal(t, "true", f.Details["tlsOnly"])
		if withCred {
			assert.Equal(t, "post-provisioning", f.State)
			assert.Empty(t, f.Class)
		}
	}
}
