package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/simfleet"
)

// TestIDERImageURL: ider --image takes an http(s) URL as job files do, and
// a URL it cannot serve says why.
func TestIDERImageURL(t *testing.T) {
	f, _ := startFleet(t, simfleet.Config{AMT: 1})
	c := f.Computers[0]
	img := make([]byte, 1<<20)
	_, _ = rand.Read(img)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "boot.iso", time.Time{}, bytes.NewReader(img))
	}))
	defer srv.Close()
	targets := writeTargets(t, c.Target)
	res := oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "--json", "ider", "--image", srv.URL+"/boot.iso")
	require.Equal(t, exitOK, res.code, res.stderr)
	var st struct{ BytesSent uint64 }
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &st))
	assert.GreaterOrEqual(t, st.BytesSent, uint64(len(img)), "the simulated firmware read the whole image")
	select {
	case boot := <-c.Redirect.Boots():
		require.NoError(t, boot.Err)
		assert.Equal(t, int64(len(img)), boot.Bytes)
	case <-time.After(time.Minute):
		t.Fatal("no boot report")
	}

	res = oobctl(t, nil, "--targets-file", targets, "--user", simfleet.User, "ider", "--image", "ftp://mirror.example/boot.iso")
	assert.Equal(t, exitSetup, res.code, res.stderr)
	assert.Contains(t, res.stderr, `unsupported scheme "ftp"`)
}
