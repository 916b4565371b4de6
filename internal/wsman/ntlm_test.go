package wsman_test

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// splitFirstHandshake closes idle connections before the third request it
// carries, so the first NTLM handshake's authenticate leg goes out on a new
// connection, as net/http sometimes does on a loaded machine.
type splitFirstHandshake struct {
	tr    *http.Transport
	calls atomic.Int64
}

func (s *splitFirstHandshake) RoundTrip(r *http.Request) (*http.Response, error) {
	if s.calls.Add(1) == 3 { // go-ntlmssp: anonymous, negotiate, authenticate
		s.tr.CloseIdleConnections()
	}
	return s.tr.RoundTrip(r)
}

func TestNTLMHandshakeSplitAcrossConnectionsIsRetried(t *testing.T) {
	const pw = "CANARY-ntlm-Pw1"
	comp := wmitest.NewComputer(wmitest.Config{AdminPassword: pw})
	require.NoError(t, comp.Start())
	defer comp.Close()
	cred := oobkit.UserPassword("Administrator", pw)
	cred.Auth = oobkit.AuthNTLM
	rt := &splitFirstHandshake{tr: &http.Transport{}}
	defer rt.tr.CloseIdleConnections()
	var retries []string
	c, err := wsman.New(comp.URL(), cred, wsman.WithProtocol(oobkit.WMI), wsman.WithTransport(rt),
		wsman.WithHooks(wsman.Hooks{OnRetry: func(_ wsman.RequestInfo, why string) { retries = append(retries, why) }}))
	require.NoError(t, err)
	_, err = c.Get(context.Background(), wsman.WMIBase+"Win32_Service", wsman.Sel("Name", "Spooler"))
	require.NoError(t, err, "a handshake split by the transport is retried once")
	assert.Equal(t, []string{"NTLM legs split across connections"}, retries)

	// A wrong password on one connection is refused without a retry, so it
	// counts once towards an account lockout.
	cred.Password = oobkit.NewSecret("wrong")
	retries = nil
	c2, err := wsman.New(comp.URL(), cred, wsman.WithProtocol(oobkit.WMI), wsman.WithTransport(&http.Transport{}),
		wsman.WithHooks(wsman.Hooks{OnRetry: func(_ wsman.RequestInfo, why string) { retries = append(retries, why) }}))
	require.NoError(t, err)
	_, err = c2.Get(context.Background(), wsman.WMIBase+"Win32_Service", wsman.Sel("Name", "Spooler"))
	assert.ErrorIs(t, err, oobkit.ErrAuth)
	assert.Empty(t, retries)
	assert.EqualValues(t, 1, c2.Stats().Requests)
}

// closeTracker remembers whether the connection was closed.
type closeTracker struct {
	net.Conn
	closed atomic.Bool
}

func (c *closeTracker) Close() error { c.closed.Store(true); return c.Conn.Close() }

// An NTLM client's own connections close with CloseIdleConnections (what
// the protocol clients' Close calls): go-ntlmssp's negotiator does not pass
// the call on to the transport it wraps.
func TestNTLMCloseIdleConnectionsClosesConnections(t *testing.T) {
	const pw = "CANARY-ntlm-Pw1"
	comp := wmitest.NewComputer(wmitest.Config{AdminPassword: pw})
	require.NoError(t, comp.Start())
	defer comp.Close()
	cred := oobkit.UserPassword("Administrator", pw)
	cred.Auth = oobkit.AuthNTLM
	var mu sync.Mutex
	var conns []*closeTracker
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		tc := &closeTracker{Conn: c}
		mu.Lock()
		conns = append(conns, tc)
		mu.Unlock()
		return tc, nil
	}
	c, err := wsman.New(comp.URL(), cred, wsman.WithProtocol(oobkit.WMI), wsman.WithDialContext(dial))
	require.NoError(t, err)
	_, err = c.Get(context.Background(), wsman.WMIBase+"Win32_Service", wsman.Sel("Name", "Spooler"))
	require.NoError(t, err)
	c.CloseIdleConnections()
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, conns)
	for i, tc := range conns {
		assert.True(t, tc.closed.Load(), "connection %d left open", i)
	}
}
