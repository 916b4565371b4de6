// Package peer lets tests that need a real third-party peer (ipmi_sim,
// ipmitool, snmpd, snmptrap, ipmi-pet, amtterm, wsl) find it, and decides
// what happens when it is missing: under the project's test command
// (OOBKIT_REQUIRE_PEERS=1, which scripts/test.sh and CI set) the test fails
// loudly; in a plain local `go test` it skips with a message naming the
// Debian package to install.
package peer

import (
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the environment variable that turns a missing peer into a
// test failure.
const RequireEnv = "OOBKIT_REQUIRE_PEERS"

// Required reports whether missing peers must fail tests.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Require returns the absolute path of binary, or stops the test: t.Fatalf
// when peers are required, t.Skipf otherwise. pkg is the Debian package that
// ships the binary.
func Require(t testing.TB, binary, pkg string) string {
	t.Helper()
	for _, dir := range []string{"", "/usr/sbin/", "/usr/bin/", "/sbin/"} {
		if p, err := exec.LookPath(dir + binary); err == nil {
			return p
		}
	}
	if Required() {
		t.Fatalf("real peer %q is missing: install Debian package %q (scripts/test.sh does this)", binary, pkg)
	}
	t.Skipf("real peer %q not installed: apt-get install %s (or run scripts/test.sh)", binary, pkg)
	return ""
}
