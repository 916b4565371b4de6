package oobkit

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInventoryGapAndPartial(t *testing.T) {
	var nilInv *Inventory
	assert.False(t, nilInv.Partial())
	err := &Error{Protocol: AMT, Op: "Enumerate", Class: ErrNotDetected, DeviceCode: "500", Message: "HTTP 500 without a WS-Management answer"}
	g := Gap(AMT, "AMT_AgentPresenceWatchdog", err)
	assert.Equal(t, InventoryGap{Protocol: AMT, Class: "AMT_AgentPresenceWatchdog", ErrorClass: "not-detected", Code: "500", Error: err.Error()}, g)

	a := &Inventory{Missing: []InventoryGap{g}}
	b := &Inventory{}
	b.Merge(a)
	assert.True(t, b.Partial(), "Merge carries the gaps")
	js, jerr := json.Marshal(b)
	require.NoError(t, jerr)
	assert.Contains(t, string(js), `"missing":[{"protocol":"amt","class":"AMT_AgentPresenceWatchdog","errorClass":"not-detected","code":"500"`)
}

func TestInventoryFatal(t *testing.T) {
	for _, c := range []struct {
		err   error
		fatal bool
	}{
		{&Error{Class: ErrAuth}, true},
		{&Error{Class: ErrUnreachable}, true},
		{&Error{Class: ErrNotProvisioned}, true},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), true},
		{context.Canceled, true},
		{&Error{Class: ErrUnsupported}, false},
		{&Error{Class: ErrNotDetected}, false},
		{&Error{Class: ErrDevice}, false},
		{&Error{Class: ErrProtocol}, false},
	} {
		assert.Equal(t, c.fatal, InventoryFatal(c.err), "%v", c.err)
	}
}
