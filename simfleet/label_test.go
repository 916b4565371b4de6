package simfleet_test

import (
	"testing"

	"github.com/oobkit/oobkit/connect"
	"github.com/oobkit/oobkit/simfleet"
)

// The fleet's protocols label is the one connect.TargetProtocols reads; the
// fleet spells it itself so that it imports no client package.
func TestLabelProtocolsIsConnects(t *testing.T) {
	if simfleet.LabelProtocols != connect.LabelProtocols {
		t.Fatalf("simfleet.LabelProtocols %q, connect.LabelProtocols %q", simfleet.LabelProtocols, connect.LabelProtocols)
	}
}
