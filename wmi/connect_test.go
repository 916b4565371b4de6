package wmi_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsmantest"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

func TestConnectionFailures(t *testing.T) {
	pc := newComputer(t, false)
	tlsPC := newComputer(t, true)
	ntlm := func(user, pass string) (*wmi.Client, error) {
		return wmi.New(pc.Target(), oobkit.Credential{Auth: oobkit.AuthNTLM, Username: user, Password: oobkit.NewSecret(pass)})
	}
	tests := []struct {
		name   string
		client func() (*wmi.Client, error)
		class  error
		advice string
	}{
		{"wrong NTLM password", func() (*wmi.Client, error) { return ntlm(`PC42\Administrator`, "wrong") }, oobkit.ErrAuth, "wrong user name or password"},
		{"unknown user", func() (*wmi.Client, error) { return ntlm(`nobody`, adminPassword) }, oobkit.ErrAuth, "wrong user name or password"},
		{"wrong basic password over TLS", func() (*wmi.Client, error) {
			return wmi.New(tlsPC.Target(), oobkit.Credential{Username: "Administrator", Password: oobkit.NewSecret("wrong"),
				TLS: oobkit.TLSSettings{Enabled: true, PinnedSHA256: tlsPC.Fingerprint()}})
		}, oobkit.ErrAuth, "wrong user name or password"},
		{"UAC remote restrictions", func() (*wmi.Client, error) { return ntlm(`PC42\helpdesk`, adminPassword) }, oobkit.ErrAuth, "LocalAccountTokenFilterPolicy"},
		{"not an administrator", func() (*wmi.Client, error) { return ntlm(`alice`, "Alice-Passw0rd") }, oobkit.ErrAuth, "not an administrator"},
		{"untrusted certificate", func() (*wmi.Client, error) {
			return wmi.New(tlsPC.Target(), oobkit.Credential{Username: "Administrator", Password: oobkit.NewSecret(adminPassword),
				TLS: oobkit.TLSSettings{Enabled: true}})
		}, oobkit.ErrAuth, "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.client()
			require.NoError(t, err)
			defer c.Close()
			_, err = c.Services(ctx(t))
			require.ErrorIs(t, err, tt.class)
			assert.Contains(t, err.Error(), tt.advice)
			assert.NotContains(t, err.Error(), adminPassword)
		})
	}

	// With LocalAccountTokenFilterPolicy=1 the second administrator works.
	pc.Do(func(pc *wmitest.Computer) { pc.LocalAccountTokenFilterPolicy = true })
	c, err := ntlm(`PC42\helpdesk`, adminPassword)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Services(ctx(t))
	require.NoError(t, err)
}

func TestWinRMNotListening(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	c, err := wmi.New(oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.WMI: port}},
		oobkit.Credential{Auth: oobkit.AuthNTLM, Username: "Administrator", Password: oobkit.NewSecret("x")})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Identify(ctx(t))
	require.ErrorIs(t, err, oobkit.ErrUnreachable)
	assert.Contains(t, err.Error(), "Home edition")
}

func TestFirewallDrops(t *testing.T) {
	host := wsmantest.NewHost()
	require.NoError(t, host.Start())
	defer host.Close()
	host.Blackhole("127.0.0.1:5985")
	tr := host.Transport()
	defer tr.CloseIdleConnections()
	c, err := wmi.New(oobkit.Target{Address: "127.0.0.1"},
		oobkit.Credential{Auth: oobkit.AuthNTLM, Username: "Administrator", Password: oobkit.NewSecret("x")}, wmi.WithTransport(tr))
	require.NoError(t, err)
	cx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = c.Services(cx)
	require.ErrorIs(t, err, oobkit.ErrUnreachable)
	assert.Contains(t, err.Error(), "firewall")
}

func TestNotWinRM(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Server", "nginx")
		http.Error(w, "<html>hello</html>", http.StatusNotFound)
	}))
	defer srv.Close()
	_, portS, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ := strconv.Atoi(portS)
	c, err := wmi.New(oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.WMI: port}},
		oobkit.Credential{Auth: oobkit.AuthNTLM, Username: "Administrator", Password: oobkit.NewSecret("x")})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Services(ctx(t))
	require.ErrorIs(t, err, oobkit.ErrNotDetected)
}

func TestNewRefuses(t *testing.T) {
	target := oobkit.Target{Address: "pc42"}
	_, err := wmi.New(target, oobkit.Credential{Username: "a", Password: oobkit.NewSecret("b")})
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument, "basic over plain HTTP")
	_, err = wmi.New(target, oobkit.Credential{Auth: oobkit.AuthKerberos, Username: "a@R"})
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument, "Kerberos over plain HTTP (WinRM would want its messages sealed)")
	_, err = wmi.New(target, oobkit.Credential{Auth: "magic", Username: "a"})
	require.ErrorIs(t, err, oobkit.ErrUnsupported)
	_, err = wmi.New(oobkit.Target{}, oobkit.Credential{Auth: oobkit.AuthNTLM})
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	c, err := wmi.New(target, oobkit.Credential{Username: "a", Password: oobkit.NewSecret("b")}, wmi.WithAllowUnencrypted())
	require.NoError(t, err)
	assert.Equal(t, "http://pc42:5985/wsman", c.Endpoint())
	assert.Equal(t, oobkit.WMI, c.Protocol())
	c, err = wmi.New(target, oobkit.Credential{Username: "a", Password: oobkit.NewSecret("b"), TLS: oobkit.TLSSettings{Enabled: true}})
	require.NoError(t, err)
	assert.Equal(t, "https://pc42:5986/wsman", c.Endpoint())
}

func TestInjectedFaults(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	tests := []struct {
		name  string
		f     wsmantest.Faults
		class error
	}{
		{"busy", wsmantest.Faults{Busy: true}, oobkit.ErrBusy},
		{"malformed", wsmantest.Faults{MalformedXML: true}, oobkit.ErrProtocol},
		{"dropped", wsmantest.Faults{DropMidResponse: true}, oobkit.ErrUnreachable},
		{"oversize", wsmantest.Faults{OversizeBytes: 5 << 20}, oobkit.ErrProtocol},
		{"wrong-auth storm", wsmantest.Faults{WrongAuth: true}, oobkit.ErrAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pc.Server().SetFaults(tt.f)
			defer pc.Server().SetFaults(wsmantest.Faults{})
			_, err := c.Services(ctx(t))
			require.ErrorIs(t, err, tt.class)
		})
	}
	_, err := c.Services(ctx(t))
	require.NoError(t, err, "the client recovers")

	pc.Server().SetFaults(wsmantest.Faults{Latency: time.Second})
	defer pc.Server().SetFaults(wsmantest.Faults{})
	cx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Services(cx)
	require.ErrorIs(t, err, oobkit.ErrUnreachable, "a slow answer past the deadline")
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestAuthOffered(t *testing.T) {
	pc := newComputer(t, false)
	pc.Do(func(pc *wmitest.Computer) { pc.AllowNTLM = false })
	_, err := ntlmClient(t, pc).Services(ctx(t))
	require.ErrorIs(t, err, oobkit.ErrAuth, "NTLM switched off")

	basic, err := wmi.New(pc.Target(), oobkit.Credential{Username: "Administrator", Password: oobkit.NewSecret(adminPassword)},
		wmi.WithAllowUnencrypted())
	require.NoError(t, err)
	defer basic.Close()
	_, err = basic.Services(ctx(t))
	require.NoError(t, err, "basic still offered")

	pc.Do(func(pc *wmitest.Computer) { pc.AllowBasic, pc.AllowNTLM = false, true })
	_, err = basic.Services(ctx(t))
	require.ErrorIs(t, err, oobkit.ErrAuth, "basic switched off")
}

func TestIdentifyAndBasicOverTLS(t *testing.T) {
	pc := newComputer(t, true)
	c := tlsClient(t, pc)
	id, err := c.Identify(ctx(t))
	require.NoError(t, err)
	assert.NotEmpty(t, id.ProductVendor)
	_, err = c.Services(ctx(t))
	require.NoError(t, err)
}

// TestFleetOnHost: many computers on one listener, managed concurrently.
func TestFleetOnHost(t *testing.T) {
	host := wsmantest.NewHost()
	require.NoError(t, host.Start())
	defer host.Close()
	const n = 40
	pcs := make([]*wmitest.Computer, n)
	for i := range pcs {
		pcs[i] = wmitest.NewComputer(wmitest.Config{AdminPassword: adminPassword})
		host.Add("127.0.0.1:"+strconv.Itoa(20000+i), pcs[i])
	}
	tr := host.Transport()
	defer tr.CloseIdleConnections()
	var g errgroup.Group
	g.SetLimit(8)
	for i := range pcs {
		g.Go(func() error {
			c, err := wmi.New(oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.WMI: 20000 + i}},
				oobkit.Credential{Auth: oobkit.AuthNTLM, Username: "Administrator", Password: oobkit.NewSecret(adminPassword)},
				wmi.WithTransport(tr))
			if err != nil {
				return err
			}
			if i%2 == 0 {
				return c.SetPower(ctx(t), oobkit.ActionShutdown)
			}
			return c.StopService(ctx(t), "Spooler")
		})
	}
	require.NoError(t, g.Wait())
	for i, pc := range pcs {
		if i%2 == 0 {
			assert.False(t, pc.IsOn(), "computer %d shut down", i)
		} else {
			state, _, _ := pc.ServiceState("Spooler")
			assert.Equal(t, "Stopped", state)
		}
	}
}
