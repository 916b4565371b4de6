package tasks

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

func TestAlertRuleMatches(t *testing.T) {
	rule := AlertRule{Name: "hot", Source: oobkit.SNMP, Severity: oobkit.SeverityCritical, SeverityOp: SeverityAtLeast,
		SensorType: "temperature", AssertionOnly: true}
	base := oobkit.Event{Source: oobkit.SNMP, Severity: oobkit.SeverityCritical, SensorType: "Temperature", Assertion: true}
	tests := []struct {
		name string
		mod  func(*oobkit.Event)
		want bool
	}{
		{"match", func(*oobkit.Event) {}, true},
		{"more severe", func(e *oobkit.Event) { e.Severity = oobkit.SeverityNonRecoverable }, true},
		{"less severe", func(e *oobkit.Event) { e.Severity = oobkit.SeverityWarning }, false},
		{"other source", func(e *oobkit.Event) { e.Source = oobkit.AMT }, false},
		{"other sensor", func(e *oobkit.Event) { e.SensorType = "Fan" }, false},
		{"deassertion", func(e *oobkit.Event) { e.Assertion = false }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := base
			tc.mod(&ev)
			assert.Equal(t, tc.want, rule.Matches(ev))
		})
	}
}

// TestAlertRuleSeverityEquals follows the guide's task rule: "In the Select
// comparison drop-down list, click equals. In the Enter value drop-down
// list, click Critical." Critical matches Critical only, unless the rule
// asks for at-least explicitly.
func TestAlertRuleSeverityEquals(t *testing.T) {
	all := []oobkit.Severity{oobkit.SeverityUnknown, oobkit.SeverityInfo, oobkit.SeverityWarning,
		oobkit.SeverityCritical, oobkit.SeverityNonRecoverable}
	tests := []struct {
		name string
		rule AlertRule
		want []oobkit.Severity
	}{
		{"default comparison is equals", AlertRule{Severity: oobkit.SeverityCritical}, []oobkit.Severity{oobkit.SeverityCritical}},
		{"explicit equals", AlertRule{Severity: oobkit.SeverityCritical, SeverityOp: SeverityEquals}, []oobkit.Severity{oobkit.SeverityCritical}},
		{"at least when asked", AlertRule{Severity: oobkit.SeverityCritical, SeverityOp: SeverityAtLeast},
			[]oobkit.Severity{oobkit.SeverityCritical, oobkit.SeverityNonRecoverable}},
		{"no severity matches any", AlertRule{}, all},
		{"equals unknown", AlertRule{SeverityOp: SeverityEquals}, []oobkit.Severity{oobkit.SeverityUnknown}},
		{"the guide's rule", CriticalPowerOff(), []oobkit.Severity{oobkit.SeverityCritical}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []oobkit.Severity
			for _, s := range all {
				if tc.rule.Matches(oobkit.Event{Source: oobkit.SNMP, Severity: s}) {
					got = append(got, s)
				}
			}
			assert.Equal(t, tc.want, got)
		})
	}
	// "Alert protocol ... equals ... Simple Network Management Protocol"
	guide := CriticalPowerOff()
	assert.False(t, guide.Matches(oobkit.Event{Source: oobkit.DASH, Severity: oobkit.SeverityCritical}))

	bad := AlertRule{Name: "x", Severity: oobkit.SeverityCritical, SeverityOp: "greater",
		Job: &Job{Name: "off", Steps: []Step{{Task: &PowerTask{Action: oobkit.ActionOff}}}}}
	require.ErrorIs(t, bad.Validate(), oobkit.ErrInvalidArgument)
	h := &AlertHandler{Runner: testRunner(newFleet(), goodCreds(allProtos...)), Rules: []AlertRule{bad}}
	events := make(chan oobkit.Event)
	close(events)
	require.ErrorIs(t, h.Serve(context.Background(), events), oobkit.ErrInvalidArgument)
}

func TestAlertTurnsOffCriticalComputers(t *testing.T) {
	f := newFleet()
	hot := newDevice(oobkit.PowerS0, oobkit.AMT)
	cool := newDevice(oobkit.PowerS0, oobkit.AMT)
	f.add("10.0.0.1", hot)
	f.add("10.0.0.2", cool)
	var mu sync.Mutex
	var outcomes []AlertOutcome
	h := &AlertHandler{
		Runner:    testRunner(f, goodCreds(allProtos...)),
		Rules:     []AlertRule{CriticalPowerOff()},
		OnOutcome: func(o AlertOutcome) { mu.Lock(); outcomes = append(outcomes, o); mu.Unlock() },
	}
	events := make(chan oobkit.Event, 4)
	events <- oobkit.Event{Source: oobkit.SNMP, Target: "10.0.0.1", Severity: oobkit.SeverityCritical, SensorType: "Temperature"}
	events <- oobkit.Event{Source: oobkit.SNMP, Target: "10.0.0.2", Severity: oobkit.SeverityWarning}
	events <- oobkit.Event{Source: oobkit.SNMP, Severity: oobkit.SeverityCritical} // no sender: dropped
	close(events)
	require.NoError(t, h.Serve(context.Background(), events))
	require.Len(t, outcomes, 1)
	assert.Equal(t, "critical-power-off", outcomes[0].Rule)
	assert.Equal(t, StatusOK, outcomes[0].Result.Status)
	assert.Equal(t, oobkit.PowerS5, hot.State())
	assert.Equal(t, oobkit.PowerS0, cool.State())
}

// TestCriticalAlertsConfigurable follows the guide's note: "Alerts that are
// marked as critical power down the client computers. You can configure
// which alerts are considered critical." The configured set marks a
// chassis intrusion (reported as a warning) critical, so the guide's rule
// powers that computer off; with Only, a temperature alert the device
// called critical but the set does not name leaves its computer on.
func TestCriticalAlertsConfigurable(t *testing.T) {
	f := newFleet()
	intruded := newDevice(oobkit.PowerS0, oobkit.AMT)
	warm := newDevice(oobkit.PowerS0, oobkit.AMT)
	fan := newDevice(oobkit.PowerS0, oobkit.AMT)
	f.add("10.0.0.1", intruded)
	f.add("10.0.0.2", warm)
	f.add("10.0.0.3", fan)
	var mu sync.Mutex
	var outcomes []AlertOutcome
	h := &AlertHandler{
		Runner:    testRunner(f, goodCreds(allProtos...)),
		Rules:     []AlertRule{CriticalPowerOff()},
		Critical:  oobkit.CriticalAlerts{SensorTypes: []string{"physical security"}, Codes: []string{"PLAT0104"}, Only: true},
		OnOutcome: func(o AlertOutcome) { mu.Lock(); outcomes = append(outcomes, o); mu.Unlock() },
	}
	events := make(chan oobkit.Event, 4)
	events <- oobkit.Event{Source: oobkit.SNMP, Target: "10.0.0.1", Severity: oobkit.SeverityWarning, SensorType: "Physical Security"}
	events <- oobkit.Event{Source: oobkit.SNMP, Target: "10.0.0.2", Severity: oobkit.SeverityCritical, SensorType: "Temperature"}
	events <- oobkit.Event{Source: oobkit.SNMP, Target: "10.0.0.3", Severity: oobkit.SeverityInfo, Code: "plat0104"}
	close(events)
	require.NoError(t, h.Serve(context.Background(), events))
	require.Len(t, outcomes, 2)
	for _, o := range outcomes {
		assert.Equal(t, oobkit.SeverityCritical, o.Event.Severity, "the outcome shows the event as marked")
	}
	assert.Equal(t, oobkit.PowerS5, intruded.State(), "named by sensor type: powered down")
	assert.Equal(t, oobkit.PowerS5, fan.State(), "named by code: powered down")
	assert.Equal(t, oobkit.PowerS0, warm.State(), "not in the configured set: left on")
}
