package digest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// RFC 7616 §3.9.1 and RFC 2617 §3.5 examples.
func TestKnownVectors(t *testing.T) {
	tests := []struct {
		name      string
		alg       Algorithm
		realm     string
		nonce     string
		cnonce    string
		user, pw  string
		uri       string
		method    string
		want      string
		qop       string
		withOpaue string
	}{
		{"rfc7616-md5", MD5, "http-auth@example.org", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
			"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "Mufasa", "Circle of Life", "/dir/index.html", "GET",
			"8ca523f5e9506fed4657c9700eebdbec", QopAuth, ""},
		{"rfc7616-sha256", SHA256, "http-auth@example.org", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
			"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "Mufasa", "Circle of Life", "/dir/index.html", "GET",
			"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", QopAuth, ""},
		{"rfc2617", "", "testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "0a4f113b",
			"Mufasa", "Circle Of Life", "/dir/index.html", "GET", "6629fae49393a05397450978507c4ef1", QopAuth, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Challenge{Realm: tt.realm, Nonce: tt.nonce, Algorithm: tt.alg, Qop: []string{tt.qop}}
			r, err := c.Respond(tt.user, tt.pw, Request{Method: tt.method, URI: tt.uri}, tt.qop, 1, tt.cnonce)
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Response)
			assert.Equal(t, "00000001", r.NC)
			back, err := ParseAuthorization(r.Header())
			require.NoError(t, err)
			assert.Equal(t, r, back)
		})
	}
}

func TestParseChallenges(t *testing.T) {
	// AMT 16 sends qop="auth-int, auth"; several challenges may share a header.
	v := `Negotiate, Digest realm="Digest:4A4D0000000000000000000000000000", nonce="aB3x", stale="false", qop="auth-int, auth", Basic realm="x"`
	cs, err := ParseChallenges(v, `Digest realm="r", nonce="n2", algorithm=SHA-256, qop="auth", stale=TRUE, opaque="o\"q"`)
	require.NoError(t, err)
	require.Len(t, cs, 2)
	assert.Equal(t, "Digest:4A4D0000000000000000000000000000", cs[0].Realm)
	assert.Equal(t, []string{"auth-int", "auth"}, cs[0].Qop)
	assert.Equal(t, QopAuth, cs[0].ChooseQop(false))
	assert.Equal(t, QopAuthInt, cs[0].ChooseQop(true))
	assert.False(t, cs[0].Stale)
	assert.True(t, cs[1].Stale)
	assert.Equal(t, `o"q`, cs[1].Opaque)
	best, ok := Best(cs)
	require.True(t, ok)
	assert.Equal(t, SHA256, best.Algorithm)

	for _, bad := range []string{`Digest realm="x`, `Digest nonce="n"`, `Digest realm="r"`, `Digest realm="r", realm="s", nonce="n"`} {
		_, err := ParseChallenges(bad)
		assert.ErrorIs(t, err, ErrBadChallenge, bad)
	}
	cs, err = ParseChallenges(`Negotiate YIIGhgYJKoZIhvcSAQICAQBuggZ1==`, `Basic realm="a"`)
	require.NoError(t, err)
	assert.Empty(t, cs)
}

func TestAuthIntAndSession(t *testing.T) {
	srv := &Server{Realm: "r", Qop: "auth-int, auth", Algorithm: SHA256Sess}
	cl := NewClient("admin", oobkit.NewSecret("P@ssw0rd"), WithAuthInt())
	_, err := cl.Challenged(srv.Challenge(false))
	require.NoError(t, err)
	body := []byte("<Envelope/>")
	r, ok, err := cl.Respond(Request{Method: "POST", URI: "/wsman", Body: body})
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, QopAuthInt, r.Qop)
	require.NoError(t, srv.Check(r, Request{Method: "POST", URI: "/wsman", Body: body}, "P@ssw0rd"))
	// A changed body fails auth-int.
	r2, _, _ := cl.Respond(Request{Method: "POST", URI: "/wsman", Body: body})
	assert.ErrorIs(t, srv.Check(r2, Request{Method: "POST", URI: "/wsman", Body: []byte("<x/>")}, "P@ssw0rd"), ErrUnauthorized)
	// Replay of an nc already seen is stale.
	assert.ErrorIs(t, srv.Check(r, Request{Method: "POST", URI: "/wsman", Body: body}, "P@ssw0rd"), ErrStale)
	// Wrong password.
	r3, _, _ := cl.Respond(Request{Method: "POST", URI: "/wsman", Body: body})
	assert.ErrorIs(t, srv.Check(r3, Request{Method: "POST", URI: "/wsman", Body: body}, "nope"), ErrUnauthorized)
	// Empty response (CVE-2017-5689) never passes.
	r3.Response = ""
	assert.ErrorIs(t, srv.Check(r3, Request{Method: "POST", URI: "/wsman", Body: body}, "P@ssw0rd"), ErrUnauthorized)
}

func TestRealmPinning(t *testing.T) {
	cl := NewClient("u", oobkit.NewSecret("p"), WithPinnedRealm("Digest:AAAA"))
	_, err := cl.Challenged(`Digest realm="Digest:BBBB", nonce="n", qop="auth"`)
	assert.ErrorIs(t, err, ErrRealmMismatch)
	assert.False(t, cl.Ready())
	_, err = cl.Challenged(`Digest realm="Digest:AAAA", nonce="n", qop="auth"`)
	require.NoError(t, err)
	assert.True(t, cl.Ready())
}

func TestNonceExpiry(t *testing.T) {
	now := time.Unix(1000, 0)
	srv := &Server{Realm: "r", Qop: "auth", NonceTTL: time.Minute, Now: func() time.Time { return now }}
	cl := NewClient("u", oobkit.NewSecret("p"))
	_, _ = cl.Challenged(srv.Challenge(false))
	r, _, _ := cl.Respond(Request{Method: "POST", URI: "/wsman"})
	require.NoError(t, srv.Check(r, Request{Method: "POST", URI: "/wsman"}, "p"))
	now = now.Add(2 * time.Minute)
	r, _, _ = cl.Respond(Request{Method: "POST", URI: "/wsman"})
	assert.ErrorIs(t, srv.Check(r, Request{Method: "POST", URI: "/wsman"}, "p"), ErrStale)
}

// Against Go's own HTTP server with a digest handler: the first request
// draws a 401, later ones reuse the nonce with nc+1 in one request each, and
// a stale nonce costs exactly one extra round trip.
func TestAgainstHTTPServer(t *testing.T) {
	srv := &Server{Realm: "Digest:0123456789ABCDEF0123456789ABCDEF", Qop: "auth-int, auth"}
	var requests, unauthorized atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		body, _ := io.ReadAll(r.Body)
		resp, err := ParseAuthorization(r.Header.Get("Authorization"))
		if err == nil {
			err = srv.Check(resp, Request{Method: r.Method, URI: r.URL.RequestURI(), Body: body}, "P@ssw0rd")
		}
		if err != nil {
			unauthorized.Add(1)
			w.Header().Set("WWW-Authenticate", srv.Challenge(err == ErrStale))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, "ok "+resp.NC)
	}))
	defer ts.Close()

	cl := NewClient("admin", oobkit.NewSecret("P@ssw0rd"))
	do := func() string {
		for attempt := 0; attempt < 3; attempt++ {
			req, _ := http.NewRequest(http.MethodPost, ts.URL+"/wsman", strings.NewReader("x"))
			h, err := cl.Authorize(Request{Method: "POST", URI: "/wsman", Body: []byte("x")})
			require.NoError(t, err)
			if h != "" {
				req.Header.Set("Authorization", h)
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return string(b)
			}
			_, err = cl.Challenged(res.Header.Values("WWW-Authenticate")...)
			require.NoError(t, err)
		}
		t.Fatal("never authorized")
		return ""
	}
	assert.Equal(t, "ok 00000001", do())
	assert.Equal(t, int64(2), requests.Load())
	for i := 2; i <= 10; i++ {
		do()
	}
	assert.Equal(t, int64(11), requests.Load(), "steady state: one request per call")
	srv.Expire()
	assert.Equal(t, "ok 00000001", do(), "after stale=true the new nonce starts at nc 1")
	assert.Equal(t, int64(13), requests.Load())
	assert.Equal(t, int64(2), unauthorized.Load())
}

func FuzzParseChallenges(f *testing.F) {
	for _, s := range []string{
		`Digest realm="Digest:4A4D", nonce="x", qop="auth-int, auth"`,
		`Negotiate abc==, Digest realm="r", nonce="n", stale=true, algorithm=SHA-256`,
		`Basic realm="a", Digest realm="b\"c", nonce=n, opaque="o"`,
		``, `,,,`, `Digest`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseChallenges(s)
		if err != nil {
			return
		}
		for _, c := range cs {
			if c.Nonce == "" {
				t.Fatalf("challenge without nonce accepted: %q", s)
			}
			if c.Algorithm.supported() {
				if _, err := c.Respond("u", "p", Request{Method: "POST", URI: "/wsman"}, c.ChooseQop(false), 1, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add(`Digest username="admin", realm="r", nonce="n", uri="/wsman", qop=auth, nc=00000001, cnonce="c", response="abc"`)
	f.Add(`Digest username="a\"b"`)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseAuthorization(s)
		if err != nil {
			return
		}
		srv := &Server{Realm: r.Realm, Qop: "auth"}
		_ = srv.Check(r, Request{Method: "POST", URI: r.URI}, "p")
		// Header/parse round trip keeps every field.
		back, err := ParseAuthorization(r.Header())
		if err == nil && back.Username != r.Username {
			t.Fatalf("round trip changed username %q -> %q", r.Username, back.Username)
		}
	})
}
