package secretcheck_test

import (
	"context"
	"encoding/base64"
	"net"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
	"github.com/oobkit/oobkit/internal/digest"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/internal/secretcheck"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
	"github.com/oobkit/oobkit/profile"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
	"github.com/oobkit/oobkit/snmp"
	"github.com/oobkit/oobkit/snmp/snmptest"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// assertNoCanary walks v as a reflection printer would and fails where the
// canary, or any of the other texts (encodings of it), appears. The walk
// does not enter net/http's Transport: its connection goroutines write
// there while the walk would read (a data race), and it holds connections,
// not credentials (but see the WMI Basic case).
func assertNoCanary(t *testing.T, name string, v any, canary string, encoded ...string) {
	t.Helper()
	for _, text := range append([]string{canary}, encoded...) {
		r := secretcheck.Find(v, text, reflect.TypeFor[http.Transport]())
		assert.True(t, r.Complete, "%s: the walk stopped at its bound after %d values", name, r.Nodes)
		assert.Empty(t, r.Paths, "%s: %q found by reflection (%d values walked)", name, text, r.Nodes)
	}
}

// basic is the HTTP Basic encoding of user and password (RFC 7617).
func basic(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestFindFollowsEverything checks the walker itself: a plain copy behind
// unexported fields, pointers, interfaces, maps and byte slices is found.
func TestFindFollowsEverything(t *testing.T) {
	const c = "canary-find-1"
	type inner struct{ b []byte }
	type outer struct {
		p *inner
		i any
		m map[string]*string
		a [2]string
	}
	s := "x " + c
	for name, v := range map[string]any{
		"bytes behind a pointer": &outer{p: &inner{b: []byte("..." + c)}},
		"interface":              outer{i: &inner{b: []byte(c)}},
		"map value":              outer{m: map[string]*string{"k": &s}},
		"array":                  outer{a: [2]string{"", c}},
	} {
		assert.NotEmpty(t, secretcheck.Find(v, c).Paths, name)
	}
	cyc := &struct{ self any }{}
	cyc.self = cyc
	assert.True(t, secretcheck.Find(cyc, c).Complete)
}

// TestSecretHidesFromReflection: an oobkit.Secret must not give its value
// to a pointer-following reflection printer, or every client holding one
// would print it.
func TestSecretHidesFromReflection(t *testing.T) {
	const c = "canary-secret-2"
	cred := oobkit.Credential{Username: "u", Password: oobkit.NewSecret(c), Community: oobkit.NewSecret(c),
		USM: &oobkit.USM{AuthPassphrase: oobkit.NewSecret(c), PrivPassphrase: oobkit.NewSecret(c)}}
	assertNoCanary(t, "credential", &cred, c)
	assert.Equal(t, c, cred.Password.Reveal())
	// Still compared by value, as testify's Equal and reflect.DeepEqual do.
	assert.Equal(t, cred.Password, oobkit.NewSecret(c))
	assert.NotEqual(t, cred.Password, oobkit.NewSecret(c+"x"))
	assert.True(t, cred.Password.Equal(oobkit.NewSecret(c)))
}

// TestClientsHoldNoPlainSecrets builds every client with a canary secret,
// uses it once against its simulator, and walks the client by reflection
// (unexported fields and pointers included, as testify's diff printer
// does): the canary appears nowhere. Secrets stay oobkit.Secret and are
// revealed only while the bytes that go on the wire are computed.
//
// closeThenWalk: a redirection session has reader goroutines; it is closed
// before the walk, which would otherwise read memory they write. Close
// drops connections, not fields, so what is kept for the lifetime is still
// walked.
func TestClientsHoldNoPlainSecrets(t *testing.T) {
	t.Run("amt", func(t *testing.T) {
		const user, pw = "admin", "Canary-amt-7f3a9c!"
		srv, err := amttest.NewServer(amttest.Config{Username: user, Password: pw})
		require.NoError(t, err)
		t.Cleanup(func() { _ = srv.Close() })
		c, err := amt.New(srv.Target(), oobkit.UserPassword(user, pw))
		require.NoError(t, err)
		_, err = c.PowerState(ctxT(t))
		require.NoError(t, err)
		defer c.Close()
		assertNoCanary(t, "amt", c, pw, basic(user, pw))
	})

	t.Run("dash", func(t *testing.T) {
		const user, pw = "admin", "Canary-dash-51d2e8!"
		sim, err := dashtest.NewServer(dashtest.Config{User: user, Password: pw})
		require.NoError(t, err)
		t.Cleanup(func() { _ = sim.Close() })
		c, err := dash.New(sim.Target(), sim.Credential())
		require.NoError(t, err)
		_, err = c.PowerState(ctxT(t))
		require.NoError(t, err)
		defer c.Close()
		assertNoCanary(t, "dash", c, pw, basic(user, pw))
	})

	for _, auth := range []oobkit.AuthKind{oobkit.AuthBasic, oobkit.AuthNTLM} {
		t.Run("wmi "+string(auth), func(t *testing.T) {
			const user, pw = "Administrator", "Canary-wmi-90ab1c!"
			sim := wmitest.NewComputer(wmitest.Config{AdminPassword: pw})
			require.NoError(t, sim.Start())
			t.Cleanup(func() { _ = sim.Close() })
			cred := oobkit.UserPassword(user, pw)
			cred.Auth = auth
			c, err := wmi.New(sim.Target(), cred, wmi.WithAllowUnencrypted())
			require.NoError(t, err)
			_, err = c.Identify(ctxT(t))
			require.NoError(t, err)
			defer c.Close()
			// With Basic, base64(user:password) goes on the wire with every
			// request, and while a keep-alive connection is idle net/http
			// keeps the last request's bytes in its write buffer
			// (persistConn.bw, inside the Transport this walk skips): a
			// residual copy outside our fields, overwritten by the next
			// request and dropped with the connection. NTLM sends none.
			encoded := []string{basic(user, pw)}
			assertNoCanary(t, "wmi", c, pw, encoded...)
		})
	}

	t.Run("ipmi", func(t *testing.T) {
		const user, pw = "admin", "canary-ipmi-4e5f6a" // RMCP+: at most 20 bytes
		bmc, err := ipmitest.NewServer(ipmitest.Config{Username: user, Password: pw})
		require.NoError(t, err)
		t.Cleanup(func() { _ = bmc.Close() })
		c, err := ipmi.New(bmc.Target(), bmc.Credential())
		require.NoError(t, err)
		_, err = c.PowerState(ctxT(t))
		require.NoError(t, err)
		// While the session is open, go-ipmi's own client holds the
		// password (it needs a plain string and reads it from its keepalive
		// goroutine; see ipmi's newConn): that must be the only copy.
		r := secretcheck.Find(c, pw)
		assert.True(t, r.Complete)
		assert.Equal(t, []string{"(*(*v).conn).Password"}, r.Paths, "the only plain copy is go-ipmi's session client's")
		require.NoError(t, c.Close())
		assertNoCanary(t, "ipmi", c, pw)
	})

	t.Run("redirect", func(t *testing.T) {
		const user, pw = "admin", "Canary-redir-3c4d5e!"
		sim, err := redirecttest.NewServer(redirecttest.Config{Users: map[string]string{user: pw}})
		require.NoError(t, err)
		t.Cleanup(func() { _ = sim.Close() })
		c, err := redirect.New(sim.Target(), oobkit.UserPassword(user, pw))
		require.NoError(t, err)
		defer c.Close()
		sol, err := c.OpenSOL(ctxT(t), redirect.SOLSettings{})
		require.NoError(t, err)
		require.NoError(t, sol.Close()) // see closeThenWalk
		assertNoCanary(t, "redirect SOL", sol, pw)
		assertNoCanary(t, "redirect", c, pw)
	})

	t.Run("snmp v2c", func(t *testing.T) {
		const community = "canary-community-8b9c"
		agent := startAgent(t, community)
		c, err := snmp.New(agent, oobkit.Credential{Community: oobkit.NewSecret(community)})
		require.NoError(t, err)
		defer c.Close()
		sys, err := c.System(ctxT(t))
		require.NoError(t, err)
		assert.Equal(t, "ok", sys.Name)
		assertNoCanary(t, "snmp v2c", c, community)
	})

	t.Run("snmp v3", func(t *testing.T) {
		// snmptest's snmpd knows its users' passphrases only; they are the
		// canaries here.
		a, err := snmptest.NewServer(snmptest.Config{})
		peer.Check(t, err)
		defer a.Close()
		target := a.Target()
		c, err := snmp.New(target, oobkit.Credential{Username: snmptest.UserSHA256, USM: &oobkit.USM{
			AuthProtocol: "SHA-256", AuthPassphrase: oobkit.NewSecret(snmptest.AuthPassphrase),
			PrivProtocol: "AES", PrivPassphrase: oobkit.NewSecret(snmptest.PrivPassphrase)}})
		require.NoError(t, err)
		defer c.Close()
		_, err = c.System(ctxT(t))
		require.NoError(t, err)
		assertNoCanary(t, "snmp v3 auth", c, snmptest.AuthPassphrase)
		assertNoCanary(t, "snmp v3 priv", c, snmptest.PrivPassphrase)
	})

	t.Run("digest", func(t *testing.T) {
		const user, pw = "admin", "canary-digest-2d3e4f"
		c := digest.NewClient(user, oobkit.NewSecret(pw))
		_, err := c.Challenged(`Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256`)
		require.NoError(t, err)
		h, err := c.Authorize(digest.Request{Method: "POST", URI: "/wsman"})
		require.NoError(t, err)
		require.NotEmpty(t, h)
		assertNoCanary(t, "digest", c, pw)
	})

	t.Run("profile", func(t *testing.T) {
		const user, pw = "admin", "canary-profile-6a7b8c"
		store := profile.NewMemoryStore()
		p := profile.Profile{Name: "lab", Protocols: map[oobkit.Protocol]profile.Settings{
			oobkit.AMT: {Enabled: true, Credential: oobkit.UserPassword(user, pw)}}}
		require.NoError(t, store.Put(ctxT(t), p))
		rt := profile.NewRuntime(store)
		target := oobkit.Target{Address: "10.0.0.1"}
		cands, err := rt.Resolve(ctxT(t), target, oobkit.AMT, &p)
		require.NoError(t, err)
		require.NotEmpty(t, cands)
		rt.Succeeded(target, cands[0])
		assertNoCanary(t, "profile runtime", rt, pw)
		assertNoCanary(t, "profile store", store, pw)
	})
}

// startAgent answers every v2c request that carries community with a
// Response naming the requested variables, each the text "ok". The client
// under test holds no reference to it.
func startAgent(t *testing.T, community string) oobkit.Target {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65535)
		dec := &gosnmp.GoSNMP{Logger: gosnmp.NewLogger(nil)}
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			req, err := dec.SnmpDecodePacket(append([]byte(nil), buf[:n]...))
			if err != nil || req.Community != community {
				continue
			}
			out := &gosnmp.SnmpPacket{Version: req.Version, Community: req.Community, PDUType: gosnmp.GetResponse,
				RequestID: req.RequestID, Logger: gosnmp.NewLogger(nil)}
			for _, v := range req.Variables {
				out.Variables = append(out.Variables, gosnmp.SnmpPDU{Name: v.Name, Type: gosnmp.OctetString, Value: []byte("ok")})
			}
			if b, err := out.MarshalMsg(); err == nil {
				_, _ = conn.WriteToUDP(b, from)
			}
		}
	}()
	t.Cleanup(func() {
		_ = conn.Close()
		<-done
	})
	return oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.SNMP: conn.LocalAddr().(*net.UDPAddr).Port}}
}
