package wmi_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/wmi"
)

// The fixtures in testdata are our own messages shaped after the protocol
// examples of [MS-WSMV] section 4 (4.1.1 Get, 4.1.2 Enumerate/Pull, 4.1.4
// Invoke of Win32_Process.Create), plus WinRM's AccessDenied fault.

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// capture records the request bodies a client sends.
type capture struct {
	rt     http.RoundTripper
	mu     sync.Mutex
	bodies [][]byte
}

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		_ = r.Body.Close() // a RoundTripper closes the body it was given
		if err != nil {
			return nil, err
		}
		r = r.Clone(r.Context()) // a RoundTripper must not change the caller's request
		r.Body = io.NopCloser(bytes.NewReader(b))
		c.mu.Lock()
		c.bodies = append(c.bodies, b)
		c.mu.Unlock()
	}
	return c.rt.RoundTrip(r)
}

// sent returns the last request envelope with action.
func (c *capture) sent(t *testing.T, action string) *wsman.Envelope {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.bodies) - 1; i >= 0; i-- {
		env, err := wsman.ParseEnvelope(bytes.NewReader(c.bodies[i]))
		if err == nil && env.Action() == action {
			return env
		}
	}
	t.Fatalf("no request with action %s", action)
	return nil
}

// sameShape checks that every element of want (tag, namespace, Dialect and
// Name attributes, text) appears in got at the same place.
func sameShape(t *testing.T, want, got *etree.Element, path string) {
	t.Helper()
	require.NotNil(t, got, "%s: missing", path)
	assert.Equal(t, want.Tag, got.Tag, path)
	assert.Equal(t, want.NamespaceURI(), got.NamespaceURI(), "%s namespace", path)
	for _, a := range []string{"Dialect", "Name"} {
		assert.Equal(t, want.SelectAttrValue(a, ""), got.SelectAttrValue(a, ""), "%s @%s", path, a)
	}
	if len(want.ChildElements()) == 0 {
		assert.Equal(t, strings.TrimSpace(want.Text()), strings.TrimSpace(got.Text()), "%s text", path)
	}
	for _, wc := range want.ChildElements() {
		var match *etree.Element
		for _, gc := range got.ChildElements() {
			if gc.Tag == wc.Tag && gc.NamespaceURI() == wc.NamespaceURI() {
				match = gc
				break
			}
		}
		sameShape(t, wc, match, path+"/"+wc.Tag)
	}
}

func TestRequestShapesMatchMSWSMV(t *testing.T) {
	pc := newComputer(t, false)
	capt := &capture{rt: &http.Transport{}}
	defer capt.rt.(*http.Transport).CloseIdleConnections()
	c := ntlmClient(t, pc, wmi.WithTransport(capt))
	_, err := c.Service(ctx(t), "Spooler")
	require.NoError(t, err)
	_, err = c.TerminateProcesses(ctx(t), "notepad.exe")
	require.NoError(t, err)
	_, err = c.StartProcess(ctx(t), wmi.StartOptions{CommandLine: "notepad.exe"})
	require.NoError(t, err)

	for _, tt := range []struct{ file, action string }{
		{"wsmv-4.1.1-get-request.xml", wsman.ActionGet},
		{"wsmv-4.1.2-enumerate-request.xml", wsman.ActionEnumerate},
		{"wsmv-4.1.4-invoke-request.xml", wsman.WMIBase + "Win32_Process/Create"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			want, err := wsman.ParseEnvelope(bytes.NewReader(fixture(t, tt.file)))
			require.NoError(t, err)
			got := capt.sent(t, tt.action)
			assert.Equal(t, want.Action(), got.Action())
			assert.Equal(t, want.ResourceURI(), got.ResourceURI())
			assert.Equal(t, want.Selectors(), got.Selectors())
			assert.True(t, strings.HasPrefix(got.MessageID(), "uuid:"))
			assert.Equal(t, wsman.AnonymousAddress, strings.TrimSpace(got.Header.SelectElement("ReplyTo").SelectElement("Address").Text()))
			assert.Equal(t, "PT60.000S", strings.TrimSpace(got.Header.SelectElement("OperationTimeout").Text()))
			if w := want.Content(); w != nil {
				sameShape(t, w, got.Content(), "Body")
			}
		})
	}
}

// relatesTo finds a reply's wsa:RelatesTo text.
var relatesTo = regexp.MustCompile(`(<[A-Za-z]*:?RelatesTo[^>]*>)[^<]*(<)`)

// replay answers like WinRM with the fixtures: Get, Enumerate (context
// only), Pull (the items and EndOfSequence), Create, and an AccessDenied
// fault for selector Name=Denied.
func replay(t *testing.T) *wmi.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		env, err := wsman.ParseEnvelope(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
		// A recorded reply relates to the recorded request: answer this
		// request's MessageID instead, as the device would.
		reply := func(b []byte) { _, _ = w.Write(relatesTo.ReplaceAll(b, []byte("${1}"+env.MessageID()+"${2}"))) }
		switch {
		case env.Selectors().Get("Name") == "Denied":
			w.WriteHeader(http.StatusInternalServerError)
			reply(fixture(t, "winrm-fault-access-denied.xml"))
		case env.Action() == wsman.ActionGet:
			reply(fixture(t, "wsmv-4.1.1-get-response.xml"))
		case env.Action() == wsman.ActionEnumerate:
			reply([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration"><s:Header><a:Action>http://schemas.xmlsoap.org/ws/2004/09/enumeration/EnumerateResponse</a:Action><a:RelatesTo>x</a:RelatesTo></s:Header><s:Body><n:EnumerateResponse><n:EnumerationContext>uuid:1B2C3D4E-5F60-4172-8384-95A6B7C8D9EA</n:EnumerationContext></n:EnumerateResponse></s:Body></s:Envelope>`))
		case env.Action() == wsman.ActionPull:
			reply(fixture(t, "wsmv-4.1.2-pull-response.xml"))
		case strings.HasSuffix(env.Action(), "/Create"):
			reply(fixture(t, "wsmv-4.1.4-invoke-response.xml"))
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	_, portS, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ := strconv.Atoi(portS)
	c, err := wmi.New(oobkit.Target{Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.WMI: port}},
		oobkit.Credential{Auth: oobkit.AuthNTLM, Username: "Administrator", Password: oobkit.NewSecret("x")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestResponsesFromMSWSMVFixtures(t *testing.T) {
	c := replay(t)
	s, err := c.Service(ctx(t), "Spooler")
	require.NoError(t, err)
	assert.Equal(t, wmi.Service{Name: "Spooler", DisplayName: "Print Spooler", State: "Running", StartMode: "Auto",
		PathName: `C:\Windows\System32\spoolsv.exe`, StartName: "LocalSystem", PID: 2316, AcceptStop: true, Started: true}, s)

	n, err := c.TerminateProcesses(ctx(t), "notepad.exe")
	require.Error(t, err, "the replay server has no Terminate")
	assert.Zero(t, n)

	procs, err := c.Processes(ctx(t))
	require.NoError(t, err)
	require.Len(t, procs, 2)
	assert.Equal(t, uint32(6112), procs[0].PID)
	assert.Equal(t, `"C:\Windows\system32\notepad.exe" C:\notes.txt`, procs[0].CommandLine)
	assert.Equal(t, time.Date(2026, 3, 2, 8, 15, 42, 123456000, time.UTC), procs[0].Created.UTC())
	assert.Equal(t, "", procs[1].CommandLine, "xsi:nil")
	assert.Equal(t, uint64(12001280), procs[1].WorkingSetBytes)

	pid, err := c.StartProcess(ctx(t), wmi.StartOptions{CommandLine: "notepad.exe"})
	require.NoError(t, err)
	assert.Equal(t, uint32(6112), pid)

	_, err = c.Service(ctx(t), "Denied")
	require.ErrorIs(t, err, oobkit.ErrAuth)
	assert.Equal(t, "AccessDenied", oobkit.DeviceCode(err))
	assert.Contains(t, err.Error(), "UAC remote restrictions")
}
