package main

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/asf/asftest"
	"github.com/oobkit/oobkit/discovery"
)

// TestDiscoverRange: "oobctl discover --range" reports an ASF device on
// its own loopback address and nothing at its neighbours.
func TestDiscoverRange(t *testing.T) {
	d, err := asftest.NewServer(asftest.Config{Addr: "127.0.0.41", State: asftest.StateS0})
	require.NoError(t, err)
	defer d.Close()
	port := strconv.Itoa(d.Port())
	r := oobctl(t, nil, "discover", "--range", "127.0.0.40/30", "--protocols", "asf,ipmi",
		"--port", "asf="+port, "--port", "ipmi="+port, "--tls-port", "asf="+strconv.Itoa(d.SecurePort()),
		"--probe-timeout", "1s", "--json")
	require.Equal(t, exitOK, r.code, "%s", r.stderr)
	var recs []discovery.Record
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &recs))
	require.Len(t, recs, 2)
	assert.Equal(t, []oobkit.Protocol{oobkit.ASF}, recs[0].Offers())
	f, _ := recs[0].Finding(oobkit.ASF)
	assert.Equal(t, "S0/G0 working", f.State)
	assert.Empty(t, recs[1].Offers())

	r = oobctl(t, nil, "discover", "--range", "127.0.0.40/30", "--protocols", "asf", "--port", "asf="+port, "--probe-timeout", "1s")
	require.Equal(t, exitOK, r.code, "%s", r.stderr)
	assert.Contains(t, r.stdout, "127.0.0.41  asf")
	assert.Contains(t, r.stdout, "2 addresses, 1 offer nothing")

	r = oobctl(t, nil, "discover", "--range", "127.0.0.0/8")
	assert.Equal(t, exitUsage, r.code)
	r = oobctl(t, nil, "discover", "--range", "127.0.0.40/30", "--port", "telnet=23")
	assert.Equal(t, exitUsage, r.code)
}
