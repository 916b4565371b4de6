package view_test

import (
	"context"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsmantest"
	"github.com/oobkit/oobkit/tasks"
	"github.com/oobkit/oobkit/view"
	"github.com/oobkit/oobkit/wsbrowse"
)

// basicOpenWSMan is an OpenWSMan service over plain HTTP that takes basic
// authentication (openwsmand's basic_authenticator) and serves one class.
func basicOpenWSMan(t *testing.T) *wsmantest.Server {
	t.Helper()
	srv := wsmantest.New("root", "linux-pass")
	srv.Mode = wsmantest.AuthBasic
	uri := wsbrowse.SBLIMBase + "Linux_ComputerSystem"
	srv.HandleEnumerate(uri, func(*wsmantest.Request) ([]*etree.Element, error) {
		e := etree.NewElement("p:Linux_ComputerSystem")
		e.CreateAttr("xmlns:p", uri)
		e.CreateElement("p:Name").SetText("linux01.example.com")
		return []*etree.Element{e}, nil
	})
	require.NoError(t, srv.Start())
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// wmiCreds offers cred for WMI, as connect.UserCredentials does (NTLM,
// what WinRM is offered by default).
func wmiCreds(cred oobkit.Credential) tasks.StaticCredentials {
	return tasks.StaticCredentials{oobkit.WMI: {{Name: "--user", Source: "explicit", Credential: cred}}}
}

// TestBrowserOpenWSManNoSilentBasic: OpenWSMan takes basic or digest, not
// NTLM. An NTLM credential is not silently turned into basic over plain
// HTTP (the password would cross the network base64-encoded): it is
// refused before anything is sent, unless the caller allows unencrypted
// traffic explicitly; then the custom view is served through WithBrowser.
func TestBrowserOpenWSManNoSilentBasic(t *testing.T) {
	srv := basicOpenWSMan(t)
	tg := oobkit.Target{Name: "linux01", Address: "127.0.0.1"}
	ntlm := oobkit.UserPassword("root", "linux-pass")
	ntlm.Auth = oobkit.AuthNTLM
	plain := view.BrowserOptions{Endpoint: srv.URL() + "/wsman"}

	_, err := view.Browser(ctx(t), tg, wmiCreds(ntlm), wsbrowse.OpenWSMan, plain)
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "clear text")
	basic := ntlm
	basic.Auth = oobkit.AuthBasic
	_, err = view.Browser(ctx(t), tg, wmiCreds(basic), wsbrowse.WMI, plain)
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument, "basic over plain HTTP, any flavor")
	assert.Zero(t, srv.Counters().Requests, "refused before anything is sent")

	// Over TLS NTLM becomes basic (New does not touch the network).
	b, err := view.Browser(ctx(t), tg, wmiCreds(ntlm), wsbrowse.OpenWSMan, view.BrowserOptions{Endpoint: "https://127.0.0.1:1/wsman"})
	require.NoError(t, err)
	_ = b.Close()

	allowed := plain
	allowed.AllowUnencrypted = true
	b, err = view.Browser(ctx(t), tg, wmiCreds(ntlm), wsbrowse.OpenWSMan, allowed)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	f, err := view.ParseViewFile([]byte("name: Linux\nflavor: openwsman\nnodes:\n  - name: Computer System\n    class: Linux_ComputerSystem\n"))
	require.NoError(t, err)
	reg := view.Default.Clone()
	f.Register(reg)
	rows := append(rowsNamed(t, "Basic Information/Computer name"), f.Rows()...)
	nodes, err := (&view.View{Rows: rows, Registry: reg}).Assemble(ctx(t), view.WithBrowser(view.Clients{}, b))
	require.NoError(t, err)
	require.Len(t, nodes, 2)
	assert.ErrorIs(t, nodes[0].Err, oobkit.ErrNotDetected, "the other protocols come from the session given")
	require.NoError(t, nodes[1].Err)
	assert.Equal(t, "linux01.example.com", nodes[1].Content.Records[0].Get("Name"))
	assert.NotZero(t, srv.Counters().Requests)
}

// TestBrowserCredentials: the credential is the flavor's protocol's first;
// none is the caller's error; an unknown flavor is refused.
func TestBrowserCredentials(t *testing.T) {
	tg := oobkit.Target{Name: "amt01", Address: "127.0.0.1"}
	assert.Equal(t, oobkit.AMT, view.FlavorProtocol(wsbrowse.AMT))
	assert.Equal(t, oobkit.DASH, view.FlavorProtocol(wsbrowse.DASH))
	assert.Equal(t, oobkit.WMI, view.FlavorProtocol(wsbrowse.WMI))
	assert.Equal(t, oobkit.WMI, view.FlavorProtocol(wsbrowse.OpenWSMan))
	_, err := view.Browser(ctx(t), tg, wmiCreds(oobkit.UserPassword("a", "b")), wsbrowse.AMT, view.BrowserOptions{})
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "no AMT credential")
	_, err = view.Browser(ctx(t), tg, wmiCreds(oobkit.UserPassword("a", "b")), "cim", view.BrowserOptions{})
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	digest := tasks.StaticCredentials{oobkit.AMT: {{Name: "admin", Credential: oobkit.UserPassword("admin", "pw")}}}
	b, err := view.Browser(ctx(t), tg, digest, wsbrowse.AMT, view.BrowserOptions{})
	require.NoError(t, err, "digest over plain HTTP sends no password")
	assert.Equal(t, "http://127.0.0.1:16992/wsman", b.Endpoint())
	_ = b.Close()
}

// TestWithBrowserNone: without a service the custom nodes say so.
func TestWithBrowserNone(t *testing.T) {
	err := view.WithBrowser(view.Clients{}, nil).Use(context.Background(), wsbrowse.Protocol, func(oobkit.Client) error { return nil })
	assert.ErrorIs(t, err, oobkit.ErrNotDetected)
}

// TestCustomFlavorAndFindIn: a computer's custom views share one service;
// FindIn finds custom rows as Find finds the tables'.
func TestCustomFlavorAndFindIn(t *testing.T) {
	parse := func(name, flavor string) *view.ViewFile {
		f, err := view.ParseViewFile([]byte("name: " + name + "\nflavor: " + flavor + "\nnodes:\n  - name: Systems\n    class: CIM_ComputerSystem\n"))
		require.NoError(t, err)
		return f
	}
	fl, err := view.CustomFlavor()
	require.NoError(t, err)
	assert.Empty(t, fl)
	fl, err = view.CustomFlavor(parse("A", "DASH"), parse("B", "dash"))
	require.NoError(t, err)
	assert.Equal(t, wsbrowse.DASH, fl)
	_, err = view.CustomFlavor(parse("A", "dash"), parse("B", "amt"))
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "share one WS-Management service")

	rows := append(view.Rows(), parse("Mine", "dash").Rows()...)
	r, ok := view.FindIn(rows, "mine/systems")
	require.True(t, ok)
	assert.Equal(t, view.CustomTable, r.Table)
	r, ok = view.FindIn(rows, "computer name")
	require.True(t, ok)
	want, _ := view.Find("Computer name")
	assert.Equal(t, want, r)
	_, ok = view.FindIn(rows, "no such node")
	assert.False(t, ok)
}
