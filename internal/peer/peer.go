// Package peer lets tests that need a real third-party peer (ipmi_sim,
// ipmitool, snmpd, snmptrap, ipmi-pet, amtterm, wsl) find it, and decides
// what happens when it is missing: under the project's test command
// (OOBKIT_REQUIRE_PEERS=1, which scripts/test.sh and CI set) the test fails
// loudly; in a plain local `go test` it skips with a message naming the
// Debian package to install.
package peer

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the environment variable that turns a missing peer into a
// test failure.
const RequireEnv = "OOBKIT_REQUIRE_PEERS"

// Required reports whether missing peers must fail tests.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// ErrMissing is what a *MissingError wraps, for code outside the module
// (through the simulator's own exported alias, e.g. snmptest.ErrNotInstalled).
var ErrMissing = errors.New("real peer not installed")

// MissingError says that a real peer's binary is not installed, naming the
// Debian package that ships it. Simulators that run a real peer return it
// from their constructor; Check turns it into a skip or a failure.
type MissingError struct {
	// Binary is the program looked for, Package the Debian package.
	Binary, Package string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("real peer %q is not installed: install Debian package %q", e.Binary, e.Package)
}

// Unwrap returns ErrMissing.
func (e *MissingError) Unwrap() error { return ErrMissing }

// Find returns the absolute path of binary, looked for in PATH and the
// sbin directories, or a *MissingError naming pkg.
func Find(binary, pkg string) (string, error) {
	for _, dir := range []string{"", "/usr/sbin/", "/usr/bin/", "/sbin/"} {
		if p, err := exec.LookPath(dir + binary); err == nil {
			return p, nil
		}
	}
	return "", &MissingError{Binary: binary, Package: pkg}
}

// Check stops the test on a constructor's error: a *MissingError fails it
// when peers are required (Required) and skips it otherwise; any other
// error fails it. A nil error does nothing.
func Check(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var m *MissingError
	if errors.As(err, &m) {
		if Required() {
			t.Fatalf("%v (scripts/test.sh does this)", err)
		}
		t.Skipf("%v (or run scripts/test.sh)", err)
	}
	t.Fatal(err)
}

// Require returns the absolute path of binary, or stops the test: t.Fatalf
// when peers are required, t.Skipf otherwise. pkg is the Debian package that
// ships the binary.
func Require(t testing.TB, binary, pkg string) string {
	t.Helper()
	if p, err := Find(binary, pkg); err == nil {
		return p
	}
	if Required() {
		t.Fatalf("real peer %q is missing: install Debian package %q (scripts/test.sh does this)", binary, pkg)
	}
	t.Skipf("real peer %q not installed: apt-get install %s (or run scripts/test.sh)", binary, pkg)
	return ""
}
