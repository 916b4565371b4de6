package peer

import (
	"errors"
	"testing"
)

func TestFindMissingNamesThePackage(t *testing.T) {
	_, err := Find("oobkit-no-such-binary", "oobkit-pkg")
	var m *MissingError
	if !errors.As(err, &m) || m.Binary != "oobkit-no-such-binary" || m.Package != "oobkit-pkg" {
		t.Fatalf("Find: %v, want a *MissingError", err)
	}
	if !errors.Is(err, ErrMissing) {
		t.Fatalf("%v does not wrap ErrMissing", err)
	}
	if got, want := err.Error(), `real peer "oobkit-no-such-binary" is not installed: install Debian package "oobkit-pkg"`; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}

func TestFindPresent(t *testing.T) {
	if p, err := Find("go", "golang-go"); err != nil || p == "" {
		t.Fatalf("Find(go) = %q, %v", p, err)
	}
}
