package wsman_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/xmllimit"
)

// hostile returns a SOAP envelope of about n bytes whose Body is unit
// repeated (after open, before close).
func hostile(n int, open, unit, close string) []byte {
	const head, tail = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/><s:Body>`, `</s:Body></s:Envelope>`
	fixed := len(head) + len(open) + len(close) + len(tail)
	return []byte(head + open + strings.Repeat(unit, (n-fixed)/len(unit)) + close + tail)
}

func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A reply under the 4 MiB response cap must not cost more than a small
// multiple of its size: before bounded reading, 4 MiB of empty elements
// took 236 MiB of heap because the whole tree was built before anything
// was checked. Each hostile shape is now refused with ErrProtocol naming
// the limit it broke, having allocated at most 16 times its size.
func TestParseEnvelopeRefusesHostileReplies(t *testing.T) {
	const size = wsman.DefaultMaxResponseBytes - 1
	for _, tc := range []struct {
		name, limit string
		body        []byte
	}{
		{"empty elements", "MaxElements", hostile(size, "", "<a/>", "")},
		{"deep nesting", "MaxDepth", hostile(size, "", "<a>", "")},
		{"attributes on one element", "MaxAttrsPerElement", hostile(size, "<a", ` b=""`, "/>")},
		{"attributes on many elements", "MaxAttrs", hostile(size, "", "<a"+strings.Repeat(` b=""`, 100)+"/>", "")},
		{"giant text", "MaxTokenBytes", hostile(size, "<a>", "x", "</a>")},
		{"comments", "MaxNodes", hostile(size, "", "<!---->", "")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			alloc := allocatedBy(func() { _, err = wsman.ParseEnvelope(bytes.NewReader(tc.body)) })
			require.Error(t, err)
			assert.ErrorIs(t, err, oobkit.ErrProtocol)
			var le *xmllimit.Error
			require.True(t, errors.As(err, &le), "%v", err)
			assert.Equal(t, tc.limit, le.Limit)
			assert.Contains(t, err.Error(), "limit "+tc.limit)
			assert.LessOrEqual(t, alloc, uint64(16*len(tc.body)), "%d MiB allocated", alloc>>20)

			alloc = allocatedBy(func() { _, err = wsman.ParseEnvelopeBytes(tc.body, wsman.Limits{}) })
			require.True(t, errors.As(err, &le), "%v", err)
			assert.Equal(t, tc.limit, le.Limit)
			assert.LessOrEqual(t, alloc, uint64(16*len(tc.body)), "%d MiB allocated", alloc>>20)
		})
	}
}

// A document whose root is not a SOAP envelope is refused at its root tag,
// before its content is read.
func TestParseEnvelopeRefusesOtherRootsAtOnce(t *testing.T) {
	var body bytes.Buffer
	body.WriteString("<html><body>")
	for body.Len() < 1<<20 {
		body.WriteString("<p>x</p>")
	}
	var err error
	alloc := allocatedBy(func() { _, err = wsman.ParseEnvelopeBytes(body.Bytes(), wsman.Limits{}) })
	assert.ErrorIs(t, err, oobkit.ErrProtocol)
	assert.Contains(t, err.Error(), "not a SOAP envelope")
	assert.Less(t, alloc, uint64(64<<10))

	_, err = wsman.ParseEnvelope(strings.NewReader(`<e:Envelope xmlns:e="urn:other"><e:Body/></e:Envelope>`))
	assert.ErrorIs(t, err, oobkit.ErrProtocol)
	assert.Contains(t, err.Error(), `envelope namespace "urn:other" is not SOAP`)
}

// The client reports a hostile reply as a protocol error naming the limit.
func TestClientRefusesHostileReply(t *testing.T) {
	body := hostile(wsman.DefaultMaxResponseBytes-1, "", "<a/>", "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	c, err := wsman.New(srv.URL+"/wsman", oobkit.UserPassword(user, password))
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	_, err = c.Get(context.Background(), uriGS, nil)
	var oe *oobkit.Error
	require.True(t, errors.As(err, &oe), "%v", err)
	assert.Equal(t, oobkit.ErrProtocol, oe.Class)
	assert.Contains(t, err.Error(), "limit MaxElements")
}

// WithParseLimits tightens (or widens) the bounds; zero fields keep the
// defaults.
func TestWithParseLimits(t *testing.T) {
	d := newDevice(t, false)
	ctx := context.Background()
	_, err := newClient(t, d).Get(ctx, uriGS, nil)
	require.NoError(t, err)

	_, err = newClient(t, d, wsman.WithParseLimits(wsman.Limits{MaxElements: 5})).Get(ctx, uriGS, nil)
	assert.ErrorIs(t, err, oobkit.ErrProtocol)
	assert.Contains(t, err.Error(), "more than 5 elements (limit MaxElements)")
}
