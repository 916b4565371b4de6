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
	rule := AlertRule{Name: "hot", Source: oobkit.SNMP, MinSeverity: oobkit.SeverityCritical, SensorType: "temperature", AssertionOnly: true}
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

func TestAlertTurnsOffCriticalComputers(t *testing.T) {
	f := newFleet()
	hot := newDevice(oobkit.PowerS0, oobkit.AMT)
	cool := newDevice(oobkit.PowerS0, oobkit.AMT)
	f.add("10.0.0.1", hot)
	f.add("10.0.0.2", cool)
	var mu sync.Mutex
	var outcomes []AlertOutcome
	h := &AlertHandler{
		Runner: testRunner(f, goodCreds(allProtos...)),
		Rules: []AlertRule{{Name: "critical-off", MinSeverity: oobkit.SeverityCritical,
			Job: &Job{Name: "off", Steps: []Step{{Task: &PowerTask{Action: oobkit.ActionOff}}}}}},
		OnOutcome: func(o AlertOutcome) { mu.Lock(); outcomes = append(outcomes, o); mu.Unlock() },
	}
	events := make(chan oobkit.Event, 4)
	events <- oobkit.Event{Source: oobkit.SNMP, Target: "10.0.0.1", Severity: oobkit.SeverityCritical, SensorType: "Temperature"}
	events <- oobkit.Event{Source: oobkit.SNMP, Target: "10.0.0.2", Severity: oobkit.SeverityWarning}
	events <- oobkit.Event{Source: oobkit.SNMP, Severity: oobkit.SeverityCritical} // no sender: dropped
	close(events)
	require.NoError(t, h.Serve(context.Background(), events))
	require.Len(t, outcomes, 1)
	assert.Equal(t, "critical-off", outcomes[0].Rule)
	assert.Equal(t, StatusOK, outcomes[0].Result.Status)
	assert.Equal(t, oobkit.PowerS5, hot.State())
	assert.Equal(t, oobkit.PowerS0, cool.State())
}
