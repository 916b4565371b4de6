package tasks

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/dmtf"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

const gracefulAdminPassword = "Adm1n-Passw0rd"

// gracefulRig is one computer: a simulated AMT device (firmware fw, none
// when fw is ""), a simulated Windows (when win is set) on the same address,
// and a runner that knows both. A shutdown Windows carries out turns the
// AMT device's computer off (S5), as it would on real hardware.
type gracefulRig struct {
	amt    *amttest.Server
	pc     *wmitest.Computer
	target oobkit.Target
	runner *Runner
}

func newGracefulRig(t *testing.T, fw string, win bool, power oobkit.PowerState) *gracefulRig {
	t.Helper()
	rig := &gracefulRig{}
	creds := StaticCredentials{}
	conn := NewConnector(creds)
	var protos []oobkit.Protocol
	tg := oobkit.Target{Name: "pc42", Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{}}
	if fw != "" {
		a, err := amttest.NewServer(amttest.Config{Firmware: fw, Power: power})
		require.NoError(t, err)
		t.Cleanup(func() { _ = a.Close() })
		rig.amt = a
		tg.Ports[oobkit.AMT] = a.Target().Ports[oobkit.AMT]
		creds[oobkit.AMT] = []NamedCredential{{Name: "amt", Credential: a.Credential()}}
		conn.Register(oobkit.AMT, amtDialer(nil))
		protos = append(protos, oobkit.AMT)
	}
	if win {
		pc := wmitest.NewComputer(wmitest.Config{AdminPassword: gracefulAdminPassword})
		pc.BootTime = 0 // a restart is over at the next request
		if rig.amt != nil {
			dev := rig.amt
			pc.OnShutdown = func(reboot bool) {
				if !reboot {
					dev.SetPowerState(oobkit.PowerS5)
				}
			}
		}
		require.NoError(t, pc.Start())
		t.Cleanup(func() { _ = pc.Close() })
		rig.pc = pc
		tg.Ports[oobkit.WMI] = pc.Target().Ports[oobkit.WMI]
		creds[oobkit.WMI] = []NamedCredential{{Name: "wmi", Credential: oobkit.Credential{Auth: oobkit.AuthNTLM,
			Username: `PC42\Administrator`, Password: oobkit.NewSecret(gracefulAdminPassword)}}}
		conn.Register(oobkit.WMI, wmiDialer())
		protos = append(protos, oobkit.WMI)
	}
	rig.target = tg
	rig.runner = NewRunner(conn, WithProbe(nil), WithRetry(fastRetry), WithTargetTimeout(60*time.Second),
		WithTargetProtocols(func(oobkit.Target) []oobkit.Protocol { return protos }))
	return rig
}

// holdBack makes the logged-on user hold a graceful shutdown back: through
// WMI, an editor with unsaved work; through AMT's WS-Management, the OS
// agent's request meets the same editor.
func (r *gracefulRig) holdBack() {
	if r.pc != nil {
		r.pc.StartProcess(wmitest.Process{Name: "notepad.exe", ExecutablePath: `C:\Windows\notepad.exe`, UnsavedData: true})
	}
	if r.amt != nil {
		r.amt.SetUserHoldsShutdown(true)
	}
}

func (r *gracefulRig) run(t *testing.T, task *PowerTask) (Result, *PowerOutput) {
	t.Helper()
	res := r.runner.RunTarget(context.Background(), &Job{Name: "power", Steps: []Step{{ID: "power", Task: task}}}, r.target)
	out, _ := res.Output("power").(*PowerOutput)
	require.NotNil(t, out, res.Error)
	return res, out
}

// The RTSM guide: "A graceful Reboot and Power Off through the WMI is always
// tried first. If the WMI operation fails, the Power Off, Reboot/Reset, and
// Restore State actions perform a hard shutdown (losing all unsaved data)
// through DASH, IPMI, or Intel AMT. ... For Intel AMT 9.0 and higher,
// graceful shutdown is performed through WSMan." And of Power Off: "Uses
// graceful shutdown to turn off the target computer. WMI is used for pre
// Intel AMT 9.0. For later technology, WSMan is used." Each case reads what
// the simulators saw: the DMTF values the AMT device accepted (8 is the hard
// power off, 12 the graceful one) and the shutdowns Windows carried out.
func TestPowerOffGracefulFirstPerGuide(t *testing.T) {
	const grace = Duration(150 * time.Millisecond) // the user's hold outlasts it; nothing else waits on it
	tests := []struct {
		name         string
		fw           string
		win, hold    bool
		action       oobkit.PowerAction
		wantPath     string
		wantVia      string
		wantAction   oobkit.PowerAction
		wantRequests []int
		wantWinDowns int
		wantFallback string
		wantNote     string
	}{
		{name: "off, wmi and amt 8: wmi shuts windows down, nothing hard", fw: "8.1.40", win: true, action: oobkit.ActionOff,
			wantPath: PathGraceful, wantVia: "wmi", wantAction: oobkit.ActionShutdown, wantWinDowns: 1},
		{name: "off, wmi only", win: true, action: oobkit.ActionOff,
			wantPath: PathGraceful, wantVia: "wmi", wantAction: oobkit.ActionShutdown, wantWinDowns: 1},
		{name: "off, amt 12 without wmi: ws-man graceful, nothing hard", fw: "12.0.67", action: oobkit.ActionOff,
			wantPath: PathGraceful, wantVia: ViaAMTWSMan, wantAction: oobkit.ActionShutdown, wantRequests: rawInts(amt.PowerOffSoftGraceful),
			wantNote: "AMT 12 ≥ 9"},
		{name: "off, amt 16 and wmi: ws-man graceful", fw: "16.0.15", win: true, action: oobkit.ActionOff,
			wantPath: PathGraceful, wantVia: ViaAMTWSMan, wantAction: oobkit.ActionShutdown, wantRequests: rawInts(amt.PowerOffSoftGraceful)},
		{name: "off, amt 8 without wmi: hard at once", fw: "8.1.40", action: oobkit.ActionOff,
			wantPath: PathHard, wantVia: "amt", wantAction: oobkit.ActionOff, wantRequests: rawInts(amt.PowerOffSoft),
			wantFallback: "no graceful shutdown here (AMT 8 < 9", wantNote: "AMT 8 < 9"},
		{name: "shutdown held back through wmi: hard off through amt 8 after the grace period", fw: "8.1.40", win: true, hold: true,
			action: oobkit.ActionShutdown, wantPath: PathHard, wantVia: "amt", wantAction: oobkit.ActionOff,
			wantRequests: rawInts(amt.PowerOffSoft), wantFallback: "graceful shutdown through wmi held back for"},
		{name: "off held back through ws-man: hard off through amt 12 after the grace period", fw: "12.0.67", hold: true,
			action: oobkit.ActionOff, wantPath: PathHard, wantVia: "amt", wantAction: oobkit.ActionOff,
			wantRequests: rawInts(amt.PowerOffSoftGraceful, amt.PowerOffSoft), wantFallback: "graceful shutdown through amt-wsman held back for"},
		{name: "reset held back through wmi: hard reset through amt 8", fw: "8.1.40", win: true, hold: true,
			action: oobkit.ActionReset, wantPath: PathHard, wantVia: "amt", wantAction: oobkit.ActionReset,
			wantRequests: rawInts(amt.PowerMasterBusReset), wantFallback: "graceful restart through wmi held back for"},
		{name: "reboot through ws-man on amt 12, read back from the event log", fw: "12.0.67", action: oobkit.ActionReboot,
			wantPath: PathGraceful, wantVia: ViaAMTWSMan, wantAction: oobkit.ActionReboot, wantRequests: rawInts(amt.PowerMasterBusResetGrace)},
		{name: "reboot held back through ws-man on amt 12: hard reset", fw: "12.0.67", hold: true, action: oobkit.ActionReboot,
			wantPath: PathHard, wantVia: "amt", wantAction: oobkit.ActionReset,
			wantRequests: rawInts(amt.PowerMasterBusResetGrace, amt.PowerMasterBusReset), wantFallback: "graceful restart through amt-wsman held back for"},
		{name: "reset through wmi on amt 8, read back from LastBootUpTime", fw: "8.1.40", win: true, action: oobkit.ActionReset,
			wantPath: PathGraceful, wantVia: "wmi", wantAction: oobkit.ActionReboot, wantWinDowns: 1},
		// "Power On: Turns on the target computers using the out-of-band
		// management technology (DASH, IPMI, or Intel AMT)"
		{name: "on is out of band only", fw: "12.0.67", win: true, action: oobkit.ActionOn,
			wantPath: PathOutOfBand, wantVia: "amt", wantAction: oobkit.ActionOn, wantRequests: rawInts(amt.PowerOn)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			power := oobkit.PowerS0
			if tc.action == oobkit.ActionOn {
				power = oobkit.PowerS5
			}
			rig := newGracefulRig(t, tc.fw, tc.win, power)
			if tc.hold {
				rig.holdBack()
			}
			res, out := rig.run(t, &PowerTask{Action: tc.action, GracePeriod: grace})
			require.Equal(t, StatusOK, res.Status, res.Error)
			assert.Equal(t, tc.wantPath, out.Path, "%+v", out)
			assert.Equal(t, tc.wantVia, out.Via)
			assert.Equal(t, tc.wantAction, out.Action)
			assert.True(t, out.Changed)
			assert.Equal(t, tc.wantPath == PathGraceful, out.Graceful)
			if tc.wantFallback == "" {
				assert.Empty(t, out.Fallback)
			} else {
				assert.Contains(t, out.Fallback, tc.wantFallback)
			}
			if tc.wantNote != "" {
				assert.Contains(t, out.Note, tc.wantNote)
			}
			if rig.amt != nil {
				assert.Equal(t, tc.wantRequests, rig.amt.PowerRequests(), "what the AMT device was sent")
				if tc.action == oobkit.ActionOff || tc.action == oobkit.ActionShutdown {
					assert.Equal(t, oobkit.PowerS5, rig.amt.PowerState(), "the computer is off")
				}
			}
			if rig.pc != nil {
				assert.Equal(t, tc.wantWinDowns, rig.pc.Shutdowns(), "shutdowns Windows carried out")
			}
			if tc.hold {
				assert.Equal(t, oobkit.PowerS0, out.After, "the state read back when the grace period ended")
			}
		})
	}
}

// "If the WMI operation fails, ... perform a hard shutdown": with nothing
// out of band to fall back on, a held-back shutdown fails and says why.
func TestPowerOffHeldBackWithoutOutOfBandFails(t *testing.T) {
	rig := newGracefulRig(t, "", true, oobkit.PowerS0)
	rig.holdBack()
	res, out := rig.run(t, &PowerTask{Action: oobkit.ActionOff, GracePeriod: Duration(100 * time.Millisecond)})
	assert.Equal(t, StatusFailed, res.Status)
	assert.Contains(t, res.Error, "graceful shutdown through wmi held back")
	assert.Contains(t, res.Error, "no hard off")
	assert.False(t, out.Changed)
	assert.Zero(t, rig.pc.Shutdowns())
	assert.True(t, rig.pc.IsOn())
	assert.Equal(t, 1, res.Attempts, "a held-back shutdown is not retried")
}

// "(Optional) To perform a graceful restart or shutdown through WMI, check
// Allow user to save data before power operation." The user sees the
// message and the countdown (Win32ShutdownTracker); Windows shuts down when
// the countdown runs out, and nothing hard follows.
func TestSaveDataNoticeReachesWindows(t *testing.T) {
	rig := newGracefulRig(t, "12.0.67", true, oobkit.PowerS0)
	shown := rig.pc.NoticeShown()
	const msg = "IT will shut this computer down for maintenance. Save your work."
	type ran struct {
		res Result
		out *PowerOutput
	}
	done := make(chan ran, 1)
	go func() {
		res := rig.runner.RunTarget(context.Background(), &Job{Name: "power", Steps: []Step{{ID: "power", Task: &PowerTask{
			Action: oobkit.ActionOff, GracePeriod: Duration(10 * time.Second),
			SaveData: &SaveData{Message: msg, Countdown: Duration(30 * time.Second)}}}}}, rig.target)
		out, _ := res.Output("power").(*PowerOutput)
		done <- ran{res, out}
	}()
	select {
	case <-shown:
	case r := <-done:
		t.Fatalf("the step ended without showing a notice: %s", r.res.Error)
	}
	n := rig.pc.Notices()
	require.Len(t, n, 1)
	assert.Equal(t, msg, n[0].Comment)
	assert.Equal(t, 30*time.Second, n[0].Timeout)
	assert.Equal(t, int64(8), n[0].Flags, "power off, not forced: the user may save")
	assert.Zero(t, rig.pc.Shutdowns(), "the countdown is running")
	rig.pc.Advance(30 * time.Second) // the countdown runs out on the computer's clock
	r := <-done
	require.Equal(t, StatusOK, r.res.Status, r.res.Error)
	assert.Equal(t, PathGraceful, r.out.Path)
	assert.Equal(t, "wmi", r.out.Via, "the notice needs Windows, whatever the AMT version")
	assert.Equal(t, 1, rig.pc.Shutdowns())
	assert.Empty(t, rig.amt.PowerRequests(), "nothing out of band")
}

// The restore across a job, through the runner, over a mixed fleet: "The
// Restore State power action of the Power Management task returns computers
// to the power state they were in, before the previous power action ran."
// "if a computer was turned off, the Restore State action turns off the
// computer. If a computer was turned on, the Restore State action keeps the
// computer turned on." A computer that slept or hibernated is returned to
// that state where AMT can (9+: Sleep-Deep 4, Hibernate 7), otherwise off.
func TestRestoreStateMixedFleetOnOffSleepingHibernating(t *testing.T) {
	type want struct {
		end      oobkit.PowerState
		requests []int // what the AMT device was sent over the whole job
		path     string
		note     string
	}
	fleetCases := []struct {
		name  string
		fw    string
		power oobkit.PowerState
		want  want
	}{
		{"on", "12.0.67", oobkit.PowerS0, want{oobkit.PowerS0, nil, "", "kept"}},
		{"off", "12.0.67", oobkit.PowerS5, want{oobkit.PowerS5, rawInts(amt.PowerOn, amt.PowerOffSoftGraceful), PathGraceful, "turned off again"}},
		{"off-amt8", "8.1.40", oobkit.PowerS5, want{oobkit.PowerS5, rawInts(amt.PowerOn, amt.PowerOffSoft), PathHard, "turned off again"}},
		{"sleeping", "12.0.67", oobkit.PowerS3, want{oobkit.PowerS3, rawInts(amt.PowerOn, amt.PowerSleepDeep), PathOutOfBand, "back to sleep"}},
		{"hibernating", "16.0.15", oobkit.PowerS4, want{oobkit.PowerS4, rawInts(amt.PowerOn, amt.PowerHibernate), PathOutOfBand, "hibernate again"}},
		{"sleeping-amt8", "8.1.40", oobkit.PowerS3, want{oobkit.PowerS5, rawInts(amt.PowerOn, amt.PowerOffSoft), PathHard, "turned off instead"}},
	}
	fleet, err := amttest.NewFleet(amttest.FleetConfig{Size: len(fleetCases), Vary: func(i int, c *amttest.Config) {
		c.Firmware, c.Power = fleetCases[i].fw, fleetCases[i].power
	}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = fleet.Close() })
	bmcs, err := ipmitest.NewFleet(2, ipmitest.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bmcs.Close() })

	var targets []oobkit.Target
	for i, c := range fleetCases {
		tg := labelled(fleet.Target(i), oobkit.AMT)
		tg.Name = c.name
		targets = append(targets, tg)
	}
	for i, b := range bmcs.BMCs {
		b.SetPowerOn(i == 0)
		tg := labelled(b.Target(), oobkit.IPMI)
		tg.Name = fmt.Sprintf("bmc-%d", i)
		targets = append(targets, tg)
	}
	conn := NewConnector(StaticCredentials{
		oobkit.AMT:  {{Name: "amt", Credential: fleet.Credential(0)}},
		oobkit.IPMI: {{Name: "ipmi", Credential: oobkit.UserPassword(ipmitest.BMCUser, ipmitest.BMCPassword)}},
	})
	conn.Register(oobkit.AMT, amtDialer(fleet.Transport()))
	conn.Register(oobkit.IPMI, ipmiDialer(ipmi.WithTimeout(2*time.Second), ipmi.WithRetries(1)))
	r := NewRunner(conn, WithProbe(nil), WithConcurrency(8), WithTargetTimeout(30*time.Second),
		WithRetry(fastRetry), WithTargetProtocols(byLabel))
	job := &Job{Name: "restore", Steps: []Step{
		{ID: "on", Task: &PowerTask{Action: oobkit.ActionOn}},
		{ID: "inv", Task: &InventoryTask{}},
		{ID: "restore", Always: true, Task: &PowerTask{Restore: "on", GracePeriod: Duration(time.Second)}},
	}}
	rep, err := r.Run(context.Background(), job, targets)
	require.NoError(t, err)
	require.Len(t, rep.Results, len(targets))
	for i, c := range fleetCases {
		res := rep.Results[i]
		require.Equal(t, StatusOK, res.Status, "%s: %s", res.Target, res.Error)
		d := fleet.Device(i)
		assert.Equal(t, c.want.end, d.PowerState(), "%s: the simulator's own state after the job", c.name)
		assert.Equal(t, c.want.requests, d.PowerRequests(), c.name)
		out := res.Output("restore").(*PowerOutput)
		assert.Equal(t, c.want.path, out.Path, "%s: %+v", c.name, out)
		assert.Contains(t, out.Note, c.want.note, c.name)
		if c.power != oobkit.PowerS0 {
			assert.Equal(t, c.want.end, out.RestoreTo, c.name)
		}
	}
	for i, b := range bmcs.BMCs {
		res := rep.Results[len(fleetCases)+i]
		require.Equal(t, StatusOK, res.Status, "%s: %s", res.Target, res.Error)
		assert.Equal(t, i == 0, b.PowerOn(), "%s: back as it was", res.Target)
	}
}

// "You can use the Restore State power action only in a job." A restore
// that names no earlier power step is refused before anything runs: no
// request reaches the device.
func TestRestoreWithoutEarlierPowerStepRefused(t *testing.T) {
	a, err := amttest.NewServer(amttest.Config{Power: oobkit.PowerS5})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	conn := NewConnector(StaticCredentials{oobkit.AMT: {{Name: "amt", Credential: a.Credential()}}})
	conn.Register(oobkit.AMT, amtDialer(nil))
	r := NewRunner(conn, WithProbe(nil))
	tests := []struct {
		name  string
		steps []Step
		want  string
	}{
		{"alone", []Step{{ID: "restore", Task: &PowerTask{Restore: "on"}}}, "a step the job does not have"},
		{"itself", []Step{{ID: "restore", Task: &PowerTask{Restore: "restore"}}}, "the step itself"},
		{"later", []Step{{ID: "restore", Task: &PowerTask{Restore: "on"}}, {ID: "on", Task: &PowerTask{Action: oobkit.ActionOn}}}, "a later step"},
		{"not power", []Step{{ID: "inv", Task: &InventoryTask{}}, {ID: "restore", Task: &PowerTask{Restore: "inv"}}}, "a inventory step"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := r.Run(context.Background(), &Job{Name: "restore", Steps: tc.steps}, []oobkit.Target{a.Target()})
			require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
			assert.Nil(t, rep)
			assert.Contains(t, err.Error(), "is not an earlier power step ("+tc.want+")")
			assert.Contains(t, err.Error(), "Restore State returns computers to the state an earlier power step of the same job found")
			assert.Zero(t, a.Counters().Requests, "nothing reached the device")
		})
	}
}

// rawInts turns DMTF values into the plain numbers the simulator records.
func rawInts(vs ...dmtf.PowerState) []int {
	out := make([]int, len(vs))
	for i, v := range vs {
		out[i] = int(v)
	}
	return out
}
