package filter

import (
	"net/netip"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	mgmt     = netip.MustParseAddr("10.0.0.5")
	computer = netip.MustParseAddr("10.0.0.77")
	stranger = netip.MustParseAddr("192.0.2.9")
)

func mustRemediation(t testing.TB, opts RemediationOptions) *Policy {
	t.Helper()
	p, err := DefaultRemediation(mgmt, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func mustAddr(s string) netip.Addr     { return netip.MustParseAddr(s) }
