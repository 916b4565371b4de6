package tasks

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// mixedWindowsLogs writes errors, warnings, information and an audit
// failure to the simulated computer's logs.
func mixedWindowsLogs(pc *wmitest.Computer) {
	for i, typ := range []int{1, 2, 3, 1, 2, 3} {
		pc.LogEvent(wmitest.Event{Log: "Application", Type: typ, Code: uint32(200 + i), Source: "Payroll", Message: "payroll event"})
	}
	pc.LogEvent(wmitest.Event{Log: "Security", Type: 5, Code: 4625, Source: "Microsoft-Windows-Security-Auditing", Message: "An account failed to log on."})
	pc.LogEvent(wmitest.Event{Log: "System", Type: 1, Code: 7000, Source: "Service Control Manager", Message: "The Fax service failed to start."})
}

// TestEventLogTaskErrorsOnlyByDefault: the RTSM guide, "Viewing client
// computer logs": "Note:By default, only error type of events are viewed in
// the list." A step with no filter returns the errors of the Application,
// Security and System logs and nothing else.
func TestEventLogTaskErrorsOnlyByDefault(t *testing.T) {
	pc, tg, r, _ := winRig(t)
	mixedWindowsLogs(pc)
	res := runOne(t, r, tg, &EventLogTask{})
	require.Equal(t, StatusOK, res.Status, res.Error)
	out := res.Output("s").(*EventLogOutput)
	var got []string
	for _, e := range out.Events {
		assert.Equal(t, "Error", e.EventType, e.Code)
		got = append(got, e.Code)
	}
	assert.ElementsMatch(t, []string{"200", "203", "7000"}, got)
	assert.Empty(t, out.Absent)
}

// TestEventLogTaskFiltersChange: "To change the parameters, on the
// Appliction Log page, double-click Event filters, and apply new filters."
// A job file changes the types, logs, source and count.
func TestEventLogTaskFiltersChange(t *testing.T) {
	pc, tg, r, _ := winRig(t)
	mixedWindowsLogs(pc)
	var job Job
	require.NoError(t, json.Unmarshal([]byte(`{"name":"logs","steps":[{"id":"s","task":"eventlog",
		"with":{"logs":["Application","Security"],"types":["warning","audit-failure"],"max":10}}]}`), &job))
	step := job.Steps[0].Task.(*EventLogTask)
	assert.Equal(t, []wmi.EventType{wmi.EventWarning, wmi.EventAuditFailure}, step.Types)
	res := r.RunTarget(t.Context(), &job, tg)
	require.Equal(t, StatusOK, res.Status, res.Error)
	var got []string
	for _, e := range res.Output("s").(*EventLogOutput).Events {
		got = append(got, e.EventType+" "+e.Code)
	}
	assert.ElementsMatch(t, []string{"Warning 201", "Warning 204", "Audit Failure 4625"}, got)

	res = runOne(t, r, tg, &EventLogTask{Logs: []string{"Application"}, Types: wmi.AllEventTypes, Source: "Payroll", Max: 2})
	require.Equal(t, StatusOK, res.Status, res.Error)
	assert.Len(t, res.Output("s").(*EventLogOutput).Events, 2)

	b, err := json.Marshal(&EventLogTask{Types: []wmi.EventType{wmi.EventError, wmi.EventInformation}, Within: Duration(24 * 3600e9)})
	require.NoError(t, err)
	assert.JSONEq(t, `{"types":["error","information"],"within":"24h0m0s"}`, string(b))

	for name, bad := range map[string]*EventLogTask{
		"negative max":  {Max: -1},
		"unknown type":  {Types: []wmi.EventType{7}},
		"within, since": {Within: Duration(3600e9), Since: pc.Events("System")[0].Time},
	} {
		assert.ErrorIs(t, bad.Validate(), oobkit.ErrInvalidArgument, name)
	}
}

// TestEventLogTaskDomainControllerLogs: Table A-5, "Directory Service Log *
// ... DNS Server Log * ... File Replication Service Log * — * This log is
// only available for clients that are Domain Controllers." The same step
// reads them on a domain controller and reports them absent on a
// workstation without failing.
func TestEventLogTaskDomainControllerLogs(t *testing.T) {
	dc, tg, r, _ := winRig(t)
	dc.PromoteToDomainController("CORP")
	task := &EventLogTask{DomainControllerLogs: true}
	res := runOne(t, r, tg, task)
	require.Equal(t, StatusOK, res.Status, res.Error)
	out := res.Output("s").(*EventLogOutput)
	assert.Empty(t, out.Absent)
	logs := map[string]bool{}
	for _, e := range out.Events {
		logs[e.Data["Logfile"]] = true
	}
	for _, l := range wmi.DomainControllerLogs {
		assert.True(t, logs[l], "errors of the %s log", l)
	}

	ws, wtg, wr, _ := winRig(t)
	mixedWindowsLogs(ws)
	res = runOne(t, wr, wtg, task)
	require.Equal(t, StatusOK, res.Status, res.Error)
	out = res.Output("s").(*EventLogOutput)
	assert.Equal(t, wmi.DomainControllerLogs, out.Absent)
	assert.NotEmpty(t, out.Events, "the workstation's own logs are still read")
}
