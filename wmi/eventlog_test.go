package wmi_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

func TestEventLog(t *testing.T) {
	pc := newComputer(t, false)
	for i := 0; i < 30; i++ {
		typ := []int{1, 2, 3}[i%3]
		pc.LogEvent(wmitest.Event{Log: "Application", Type: typ, Code: uint32(100 + i), Source: "TestApp", Message: "app event"})
		pc.Advance(time.Second) // distinct TimeGenerated
	}
	pc.LogEvent(wmitest.Event{Log: "System", Type: 1, Code: 41, Source: "Microsoft-Windows-Kernel-Power",
		Message: "The system has rebooted without cleanly shutting down first."})
	c := ntlmClient(t, pc)

	events, err := c.EventLog(ctx(t), 10)
	require.NoError(t, err)
	require.Len(t, events, 10)
	assert.Equal(t, "41", events[0].Code, "newest first across logs")
	assert.Equal(t, oobkit.SeverityCritical, events[0].Severity)
	assert.Equal(t, "Microsoft-Windows-Kernel-Power", events[0].Entity)
	assert.Equal(t, "System", events[0].Data["Logfile"])
	for i := 1; i < len(events); i++ {
		assert.False(t, events[i].Time.After(events[i-1].Time), "sorted newest first")
		assert.Equal(t, oobkit.WMI, events[i].Source)
	}
	assert.Equal(t, "129", events[1].Code)

	errorsOnly, err := c.Events(ctx(t), wmi.EventQuery{Logs: []string{"Application"},
		Types: []wmi.EventType{wmi.EventError, wmi.EventWarning}, Max: 5})
	require.NoError(t, err)
	require.Len(t, errorsOnly, 5)
	for _, e := range errorsOnly {
		assert.Contains(t, []string{"Error", "Warning"}, e.EventType)
	}

	all, err := c.EventLog(ctx(t), 0)
	require.NoError(t, err)
	assert.Greater(t, len(all), 31, "boot and service events too")

	_, err = c.Events(ctx(t), wmi.EventQuery{Logs: []string{"App'lication"}})
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}

func TestEventLogEmpty(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)
	events, err := c.Events(ctx(t), wmi.EventQuery{Logs: []string{"Application"}, Source: "Nobody"})
	require.NoError(t, err)
	assert.NotNil(t, events)
	assert.Empty(t, events)
}

func TestEventTypeSeverity(t *testing.T) {
	assert.Equal(t, oobkit.SeverityCritical, wmi.EventError.Severity())
	assert.Equal(t, oobkit.SeverityWarning, wmi.EventWarning.Severity())
	assert.Equal(t, oobkit.SeverityInfo, wmi.EventInformation.Severity())
	assert.Equal(t, oobkit.SeverityInfo, wmi.EventAuditSuccess.Severity())
	assert.Equal(t, oobkit.SeverityWarning, wmi.EventAuditFailure.Severity())
	assert.Equal(t, "Audit Failure", wmi.EventAuditFailure.String())
}
