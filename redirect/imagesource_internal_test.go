package redirect

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRangeLength(t *testing.T) {
	for cr, want := range map[string]int64{
		"bytes 0-0/1474560":              1474560,
		"bytes 0-0/1":                    1,
		"bytes 0-0/*":                    -1,
		"bytes 0-0/0":                    -1,
		"bytes 0-0/-5":                   -1,
		"0-0/100":                        -1,
		"bytes 0-0":                      -1,
		"":                               -1,
		"bytes 0-0/99999999999999999999": -1,
	} {
		got, ok := rangeLength(cr)
		if want < 0 {
			assert.False(t, ok, cr)
			continue
		}
		assert.True(t, ok, cr)
		assert.Equal(t, want, got, cr)
	}
}

// FuzzRangeLength: whatever a server sends, a length read from its
// Content-Range is positive and spelled after the header's last "/".
func FuzzRangeLength(f *testing.F) {
	for _, s := range []string{"bytes 0-0/1474560", "bytes */100", "bytes 0-0/*", "bytes 0-0/-1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cr string) {
		n, ok := rangeLength(cr)
		if !ok {
			return
		}
		if n <= 0 {
			t.Fatalf("length %d from %q", n, cr)
		}
		tail := cr[strings.LastIndexByte(cr, '/')+1:]
		if v, err := strconv.ParseInt(tail, 10, 64); err != nil || v != n {
			t.Fatalf("length %d from %q, whose tail is %q", n, cr, tail)
		}
	})
}

// The default client bounds every wait on the server: connecting, the TLS
// handshake and the answer's headers (http.DefaultClient bounds none of
// them in its client and not the headers in its transport).
func TestImageTransportTimeouts(t *testing.T) {
	tr := imageTransport()
	assert.NotNil(t, tr.DialContext)
	assert.Positive(t, tr.TLSHandshakeTimeout)
	assert.Positive(t, tr.ResponseHeaderTimeout)
	assert.Nil(t, tr.TLSClientConfig, "certificate verification as net/http's default: on")
}
