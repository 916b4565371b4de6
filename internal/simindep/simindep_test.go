package simindep

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/oobkit/oobkit/"

// simulators are the device simulators that must build and read their wire
// bytes themselves.
var simulators = []string{
	"amt/amttest", "dash/dashtest", "wmi/wmitest", "redirect/redirecttest", "ipmi/ipmitest",
	"snmp/snmptest", "asf/asftest", "internal/wsmanreplay", "wsmansim", "simfleet",
}

// clientTrees are the client packages' directories: every package in them
// is a client package, except the simulators and the trees' internal/
// packages, which hold names and framing shared on purpose (listed by
// allowedShared so that a new one is a visible decision).
var clientTrees = []string{"amt", "dash", "wmi", "redirect", "filter", "ipmi", "snmp", "asf"}

// allowedShared are the internal packages under a client tree that a
// simulator may use: class and instance names checked against recorded
// firmware output (amt/internal/schema, tested by its own test against
// amt/testdata) and the redirection protocol's framing and RFB server
// (redirect/internal/wire, redirect/internal/rfbserve), which are wire
// plumbing, not a reading of device answers.
var allowedShared = []string{"amt/internal/schema", "redirect/internal/wire", "redirect/internal/rfbserve"}

type listed struct {
	ImportPath string
	Deps       []string
}

// deps runs go list -deps -json on pkgs and returns each package's
// transitive imports.
func deps(t *testing.T, pkgs ...string) map[string][]string {
	t.Helper()
	args := append([]string{"list", "-json=ImportPath,Deps"}, pkgs...)
	out, err := exec.Command("go", args...).Output()
	require.NoError(t, err, "go list")
	dec := json.NewDecoder(bytes.NewReader(out))
	m := map[string][]string{}
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		m[p.ImportPath] = p.Deps
	}
	return m
}

// forbidden returns the client packages among deps.
func forbidden(deps []string) []string {
	var bad []string
	for _, d := range deps {
		rel, ok := strings.CutPrefix(d, module)
		if !ok || slices.Contains(simulators, rel) || slices.Contains(allowedShared, rel) {
			continue
		}
		for _, tree := range clientTrees {
			if rel == tree || strings.HasPrefix(rel, tree+"/") {
				bad = append(bad, rel)
				break
			}
		}
	}
	return bad
}

// TestSimulatorsImportNoClientPackage: "amttest, dashtest, wmitest,
// redirecttest and ipmitest import no client package (amt, dash, wmi,
// redirect, filter, ipmi, snmp): they build and read their wire bytes
// themselves" (issue 18). Each simulator's transitive imports are listed
// with go list and any client package among them is named.
func TestSimulatorsImportNoClientPackage(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	var pkgs []string
	for _, s := range simulators {
		pkgs = append(pkgs, module+s)
	}
	all := deps(t, pkgs...)
	for _, s := range simulators {
		d, ok := all[module+s]
		require.True(t, ok, "go list did not list %s", s)
		assert.Empty(t, forbidden(d), "%s imports client packages", s)
	}
}

// TestCheckNamesAClientImport: the check does find a client package where
// there is one (internal/simconv bridges the simulator to amt and filter).
func TestCheckNamesAClientImport(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	d := deps(t, module+"internal/simconv")[module+"internal/simconv"]
	bad := forbidden(d)
	assert.Contains(t, bad, "amt")
	assert.Contains(t, bad, "filter")
}
