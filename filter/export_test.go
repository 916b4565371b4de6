package filter

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExportReadsBack: what a device holds is written so Read takes it,
// even when another console left filters unnamed or named alike.
func TestExportReadsBack(t *testing.T) {
	p := mustRemediation(t, RemediationOptions{})
	var b bytes.Buffer
	require.NoError(t, Export(&b, p))
	back, err := Read(&b)
	require.NoError(t, err)
	assert.Equal(t, p, back, "a well-formed policy is exported unchanged")

	odd := LimitPing(3)
	odd.Name = ""
	odd.Rules = append(odd.Rules, odd.Rules[0], Rule{Direction: Transmit, Action: Pass, Ether: &EtherMatch{EtherType: EtherTypeARP}},
		Rule{Name: "ping-rx-2", Direction: Transmit, Action: Pass, IP: &IPMatch{Version: 4}})
	b.Reset()
	require.NoError(t, Export(&b, odd))
	back, err = Read(&b)
	require.NoError(t, err, b.String())
	assert.Equal(t, ExportedName, back.Name)
	var names []string
	for _, r := range back.Rules {
		names = append(names, r.Name)
	}
	assert.Equal(t, []string{"ping-rx", "ping6-rx", "ping-rx-3", "filter-4", "ping-rx-2"}, names)
	assert.Equal(t, "", odd.Name, "the device's policy is not changed")
}
