package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/simfleet"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// TestEventLogCommandWindowsFilters: the guide's "By default, only error
// type of events are viewed in the list. To change the parameters, ...
// apply new filters." oobctl eventlog on a Windows computer shows its errors
// by default, every type with --types all, and names the domain-controller
// logs a workstation lacks with --dc.
func TestEventLogCommandWindowsFilters(t *testing.T) {
	f, targets := startFleet(t, simfleet.Config{WMI: 1})
	w := f.Computers[0].WMI
	for i, typ := range []int{1, 2, 3, 3, 3} {
		w.LogEvent(wmitest.Event{Log: "Application", Type: typ, Code: uint32(300 + i), Source: "Payroll", Message: "payroll event"})
	}
	base := []string{"--targets-file", targets, "--user", simfleet.User, "eventlog", "--log", "Application"}

	res := oobctl(t, nil, base...)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	assert.Regexp(t, `win-01 .* ok .*1 events, newest: payroll event`, res.stdout)

	res = oobctl(t, nil, append(base, "--types", "all")...)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	assert.Regexp(t, `win-01 .* ok .*5 events`, res.stdout)

	res = oobctl(t, nil, append(base, "--types", "warning,information", "--max", "2")...)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	assert.Regexp(t, `win-01 .* ok .*2 events`, res.stdout)

	res = oobctl(t, nil, append(base, "--dc")...)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	assert.Regexp(t, `no Directory Service, DNS Server, File Replication Service log here`, res.stdout)

	res = oobctl(t, nil, append(base, "--types", "critical")...)
	assert.Equal(t, exitUsage, res.code)
	assert.Contains(t, res.stderr, `"critical" is not an event type`)
}
