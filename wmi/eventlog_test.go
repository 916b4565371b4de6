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

// mixedLog fills the Application log with 30 records cycling error,
// warning, information (codes 100-129, one second apart) and the System log
// with one error (41), the newest.
func mixedLog(pc *wmitest.Computer) {
	for i := 0; i < 30; i++ {
		typ := []int{1, 2, 3}[i%3]
		pc.LogEvent(wmitest.Event{Log: "Application", Type: typ, Code: uint32(100 + i), Source: "TestApp", Message: "app event"})
		pc.Advance(time.Second) // distinct TimeGenerated
	}
	pc.LogEvent(wmitest.Event{Log: "System", Type: 1, Code: 41, Source: "Microsoft-Windows-Kernel-Power",
		Message: "The system has rebooted without cleanly shutting down first."})
}

// TestEventLogErrorsOnlyByDefault: the RTSM guide, "Viewing client computer
// logs": "Note:By default, only error type of events are viewed in the list."
// The simulated logs hold errors, warnings, information and audit records;
// only errors come back without a filter.
func TestEventLogErrorsOnlyByDefault(t *testing.T) {
	pc := newComputer(t, false)
	mixedLog(pc)
	pc.LogEvent(wmitest.Event{Log: "Security", Type: 5, Code: 4625, Source: "Microsoft-Windows-Security-Auditing", Message: "An account failed to log on."})
	c := ntlmClient(t, pc)

	events, err := c.EventLog(ctx(t), 0)
	require.NoError(t, err)
	require.Len(t, events, 11, "10 application errors and the system error, nothing else")
	assert.Equal(t, "41", events[0].Code, "newest first across logs")
	assert.Equal(t, oobkit.SeverityCritical, events[0].Severity)
	assert.Equal(t, "Microsoft-Windows-Kernel-Power", events[0].Entity)
	assert.Equal(t, "System", events[0].Data["Logfile"])
	assert.Equal(t, "127", events[1].Code, "the newest application error")
	for i, e := range events {
		assert.Equal(t, "Error", e.EventType, e.Code)
		assert.Equal(t, oobkit.WMI, e.Source)
		if i > 0 {
			assert.False(t, e.Time.After(events[i-1].Time), "sorted newest first")
		}
	}

	// The zero query is the same default view.
	same, err := c.Events(ctx(t), wmi.EventQuery{})
	require.NoError(t, err)
	assert.Equal(t, events, same)

	capped, err := c.EventLog(ctx(t), 3)
	require.NoError(t, err)
	assert.Equal(t, []string{"41", "127", "124"}, codes(capped))
}

// TestEventLogFiltersChange: "To change the parameters, on the Appliction
// Log page, double-click Event filters, and apply new filters." Types, log,
// source, event IDs, time range and count each narrow or widen the view.
func TestEventLogFiltersChange(t *testing.T) {
	pc := newComputer(t, false)
	mixedLog(pc)
	c := ntlmClient(t, pc)
	app := []string{wmi.LogApplication}

	warnings, err := c.Events(ctx(t), wmi.EventQuery{Logs: app, Types: []wmi.EventType{wmi.EventWarning}})
	require.NoError(t, err)
	require.Len(t, warnings, 10)
	for _, e := range warnings {
		assert.Equal(t, "Warning", e.EventType)
	}

	all, err := c.Events(ctx(t), wmi.EventQuery{Logs: app, Types: wmi.AllEventTypes})
	require.NoError(t, err)
	assert.Len(t, all, 30, "every type of the application log")

	everything, err := c.Events(ctx(t), wmi.EventQuery{Types: wmi.AllEventTypes})
	require.NoError(t, err)
	assert.Greater(t, len(everything), 31, "boot and service events of System and Security too")

	bySource, err := c.Events(ctx(t), wmi.EventQuery{Types: wmi.AllEventTypes, Source: "Microsoft-Windows-Kernel-Power"})
	require.NoError(t, err)
	assert.Equal(t, []string{"41"}, codes(bySource))

	byCode, err := c.Events(ctx(t), wmi.EventQuery{Logs: app, Types: wmi.AllEventTypes, Codes: []uint32{103, 104, 999}})
	require.NoError(t, err)
	assert.Equal(t, []string{"104", "103"}, codes(byCode))

	// A time range from record 110's TimeGenerated to record 119's,
	// both ends inclusive.
	at := map[uint32]time.Time{}
	for _, e := range pc.Events("Application") {
		at[e.Code] = e.Time
	}
	window, err := c.Events(ctx(t), wmi.EventQuery{Logs: app, Types: wmi.AllEventTypes, Since: at[110], Until: at[119]})
	require.NoError(t, err)
	assert.Equal(t, []string{"119", "118", "117", "116", "115", "114", "113", "112", "111", "110"}, codes(window))

	errorsAndWarnings, err := c.Events(ctx(t), wmi.EventQuery{Logs: app,
		Types: []wmi.EventType{wmi.EventError, wmi.EventWarning}, Max: 5})
	require.NoError(t, err)
	assert.Equal(t, []string{"128", "127", "125", "124", "122"}, codes(errorsAndWarnings))

	for name, q := range map[string]wmi.EventQuery{
		"quote in log":    {Logs: []string{"App'lication"}},
		"unknown type":    {Types: []wmi.EventType{9}},
		"range backwards": {Since: at[120], Until: at[110]},
		"negative max":    {Max: -1},
	} {
		_, err := c.Events(ctx(t), q)
		require.ErrorIs(t, err, oobkit.ErrInvalidArgument, name)
	}
}

// TestDomainControllerLogs: Table A-5 lists "Directory Service Log *",
// "DNS Server Log *" and "File Replication Service Log *" with "* This log
// is only available for clients that are Domain Controllers." A simulated
// DC serves them under Windows' own log names; a workstation reports them
// absent.
func TestDomainControllerLogs(t *testing.T) {
	dc := newComputer(t, false)
	dc.PromoteToDomainController("CORP")
	c := ntlmClient(t, dc)

	logs, err := c.Logs(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, []string{"Application", "Security", "System", "Directory Service", "DNS Server", "File Replication Service"}, logs)

	r, err := c.ReadEvents(ctx(t), wmi.EventQuery{Logs: wmi.DomainControllerLogs})
	require.NoError(t, err)
	assert.Empty(t, r.Absent)
	byLog := map[string][]string{}
	for _, e := range r.Events {
		assert.Equal(t, "Error", e.EventType, "errors only by default on these logs too")
		byLog[e.Data["Logfile"]] = append(byLog[e.Data["Logfile"]], e.Code)
	}
	assert.Equal(t, map[string][]string{"Directory Service": {"1311"}, "DNS Server": {"4000"}, "File Replication Service": {"13568"}}, byLog)

	all, err := c.Events(ctx(t), wmi.EventQuery{Logs: []string{wmi.LogDNSServer}, Types: wmi.AllEventTypes})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"2", "4013", "4000"}, codes(all))

	ws := newComputer(t, false)
	wc := ntlmClient(t, ws)
	logs, err = wc.Logs(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, []string{"Application", "Security", "System"}, logs)
	r, err = wc.ReadEvents(ctx(t), wmi.EventQuery{Logs: append([]string{wmi.LogSystem}, wmi.DomainControllerLogs...), Types: wmi.AllEventTypes})
	require.NoError(t, err)
	assert.Equal(t, wmi.DomainControllerLogs, r.Absent)
	assert.NotEmpty(t, r.Events, "the System log is still read")
	_, err = wc.Events(ctx(t), wmi.EventQuery{Logs: []string{wmi.LogDirectoryService}})
	require.ErrorIs(t, err, oobkit.ErrUnsupported)
	assert.Contains(t, err.Error(), `no "Directory Service" log`)
	assert.Contains(t, err.Error(), "only on domain controllers")
}

func TestEventTypeText(t *testing.T) {
	for _, typ := range wmi.AllEventTypes {
		b, err := typ.MarshalText()
		require.NoError(t, err)
		var back wmi.EventType
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, typ, back, string(b))
	}
	b, _ := wmi.EventAuditFailure.MarshalText()
	assert.Equal(t, "audit-failure", string(b))
	for in, want := range map[string]wmi.EventType{"Error": wmi.EventError, "Audit Success": wmi.EventAuditSuccess, "info": wmi.EventInformation, "2": wmi.EventWarning} {
		got, err := wmi.ParseEventType(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := wmi.ParseEventType("critical")
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}

func codes(evs []oobkit.Event) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.Code)
	}
	return out
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
