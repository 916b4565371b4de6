package oobkit_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

func TestAlertConfigValidate(t *testing.T) {
	yes := true
	ok := oobkit.AlertConfig{Filters: []string{"a"}, Alerts: []oobkit.AlertSetting{
		{Filter: "b", Action: oobkit.AlertSubscribe}, {Filter: "c", Action: oobkit.AlertUnsubscribe},
		{Filter: "d", Action: oobkit.AlertRemove}, {Filter: "e", Log: &yes}}}
	require.NoError(t, ok.Validate())
	assert.True(t, ok.Names("a"))
	assert.True(t, ok.Names("e"))
	assert.False(t, ok.Names("z"))
	for name, bad := range map[string]oobkit.AlertSetting{
		"no filter":      {Action: oobkit.AlertSubscribe},
		"says nothing":   {Filter: "x"},
		"unknown action": {Filter: "x", Action: "pause"},
	} {
		t.Run(name, func(t *testing.T) {
			err := oobkit.AlertConfig{Alerts: []oobkit.AlertSetting{bad}}.Validate()
			require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
		})
	}
	twice := oobkit.AlertConfig{Alerts: []oobkit.AlertSetting{{Filter: "x", Action: oobkit.AlertRemove}, {Filter: "x", Log: &yes}}}
	require.ErrorIs(t, twice.Validate(), oobkit.ErrInvalidArgument)
}

// TestCriticalAlertsMark: "You can configure which alerts are considered
// critical."
func TestCriticalAlertsMark(t *testing.T) {
	c := oobkit.CriticalAlerts{Codes: []string{"PLAT0007"}, SensorTypes: []string{"Temperature"}, Filters: []string{"DASH:Power"}}
	tests := []struct {
		name string
		crit oobkit.CriticalAlerts
		ev   oobkit.Event
		want oobkit.Severity
	}{
		{"by code", c, oobkit.Event{Code: "plat0007", Severity: oobkit.SeverityInfo}, oobkit.SeverityCritical},
		{"by sensor", c, oobkit.Event{SensorType: "temperature", Severity: oobkit.SeverityWarning}, oobkit.SeverityCritical},
		{"by filter", c, oobkit.Event{Data: map[string]string{"IndicationFilterName": "DASH:Power"}}, oobkit.SeverityCritical},
		{"non-recoverable named", c, oobkit.Event{Code: "PLAT0007", Severity: oobkit.SeverityNonRecoverable}, oobkit.SeverityCritical},
		{"unnamed keeps the device's", c, oobkit.Event{Code: "PLAT0001", Severity: oobkit.SeverityCritical}, oobkit.SeverityCritical},
		{"only: unnamed critical lowered", oobkit.CriticalAlerts{Codes: c.Codes, Only: true},
			oobkit.Event{Code: "PLAT0001", Severity: oobkit.SeverityCritical}, oobkit.SeverityWarning},
		{"zero changes nothing", oobkit.CriticalAlerts{}, oobkit.Event{Severity: oobkit.SeverityInfo}, oobkit.SeverityInfo},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.crit.Mark(tc.ev).Severity)
		})
	}
	assert.True(t, oobkit.CriticalAlerts{}.IsZero())
	assert.False(t, c.IsZero())
}
