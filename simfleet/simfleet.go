// Package simfleet starts a simulated mixed fleet of managed computers on
// loopback, for programs' own tests and demonstrations: Intel AMT devices
// (package amttest), each with a redirection endpoint for SOL, IDE-R and
// KVM (package redirecttest), IPMI BMCs (go-ipmi's embedded BMC through
// package ipmitest), DASH computers (package dashtest) and Windows
// computers answering WMI (package wmitest). Every simulator accepts the
// same user and password ([User], [Password]), so one profile
// ([Fleet.Profile]) or one user ([connect.UserCredentials]) reaches them
// all, and each computer's target carries the [LabelProtocols] label, so a
// runner given [connect.TargetProtocols] tries only what it has.
//
// An AMT device is served behind a thin host that plays the computer
// behind the firmware: when AMT powers it on or resets it with an IDE-R
// boot device selected, its BIOS boots from the IDE-R drive (reads the
// image whole and checks its hash, see Config.BootImageSHA256); and it notes
// which requests the device answered while a System Defense policy was
// active (Computer.Quarantine).
//
// The fleet composes the simulators; it is not one itself, so it may read
// their state through client-side types (a DASH power state, AMT consent).
// examples/oobsim runs one until interrupted, and `oobctl demo` one that
// lives for a job.
package simfleet

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/connect"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
	"github.com/oobkit/oobkit/dmtf"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
	"github.com/oobkit/oobkit/profile"
	"github.com/oobkit/oobkit/redirect/redirecttest"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// Default credential of every simulated computer. It is a simulator's
// password, printed on purpose so an operator can point oobctl at the fleet.
const (
	User     = "admin"
	Password = "Sim-P@ssw0rd1"
)

// ProfileName is the name of the profile Fleet.Profile returns.
const ProfileName = "oobsim"

// LabelProtocols is the target label listing the protocols a simulated
// computer has, comma-separated ("amt,redirection"): [connect.LabelProtocols].
const LabelProtocols = connect.LabelProtocols

// Firmwares is the AMT firmware mix, assigned round-robin: an AMT 8 device
// without graceful power, AMT 11 and 12, and an AMT 16.0 device whose digest
// offers qop "auth-int, auth" (16.0, not 16.1: the fleet serves plain HTTP,
// which 16.1 and later no longer answer).
var Firmwares = []string{"12.0.67", "8.1.40", "16.0.15", "11.8.50"}

// Config describes a fleet.
type Config struct {
	// AMT is the number of AMT devices, IPMI the number of BMCs, DASH the
	// number of DASH computers, WMI the number of Windows computers
	// (running: WMI cannot power a computer on).
	AMT, IPMI, DASH, WMI int
	// BootImageSHA256 is the hex SHA-256 of the image the AMT hosts' BIOS
	// expects over IDE-R: a boot that reads other bytes fails. Empty boots
	// any image.
	BootImageSHA256 string
	// Off says whether computer i of its kind starts powered off; nil powers
	// off every third computer (indexes 1, 4, 7…).
	Off func(kind oobkit.Protocol, i int) bool
	// Faults makes some AMT devices misbehave (see Fleet.Faults): the last
	// device refuses the fleet password, the one before is unprovisioned,
	// the one before that has a redirection session open (busy for power
	// changes). It needs at least four AMT devices.
	Faults bool
}

// Computer is one simulated computer.
type Computer struct {
	// Target reaches it (127.0.0.1 with port overrides and the protocols
	// label).
	Target oobkit.Target
	// AMT and Redirect are set for an AMT device, BMC for an IPMI
	// computer, DASH for a DASH computer, WMI for a Windows computer.
	AMT      *amttest.Device
	Redirect *redirecttest.Server
	BMC      *ipmitest.Server
	DASH     *dashtest.Computer
	WMI      *wmitest.Computer
	// InitiallyOn is the power state the computer started in.
	InitiallyOn bool
	// Screen is an AMT device's screen, served over KVM and following its
	// power and boot state.
	Screen     *redirecttest.Screen
	stopScreen func()
	// Fault describes the injected fault ("" for none).
	Fault string

	host *amtHost
}

// Quarantine returns what an AMT device saw of System Defense (zero for
// other computers).
func (c *Computer) Quarantine() Quarantine {
	if c.host == nil {
		return Quarantine{}
	}
	return c.host.observed()
}

// BootReports returns every IDE-R boot an AMT host's firmware has run, in
// order (nil for other computers). It reads Redirect.Boots: use one or the
// other.
func (c *Computer) BootReports() []redirecttest.BootReport {
	if c.host == nil {
		return nil
	}
	return c.host.boots()
}

// PowerOn reports the simulated computer's power state now.
func (c *Computer) PowerOn() bool {
	switch {
	case c.AMT != nil:
		return c.AMT.PowerState().IsOn()
	case c.DASH != nil:
		return dash.StateFromDMTF(dmtf.PowerState(c.DASH.PowerState())).IsOn()
	case c.WMI != nil:
		return c.WMI.IsOn()
	}
	return c.BMC.PowerOn()
}

// Fleet is a running simulated fleet.
type Fleet struct {
	Computers []*Computer
}

func defaultOff(_ oobkit.Protocol, i int) bool { return i%3 == 1 }

// New starts a fleet, each computer serving on its own loopback port.
// Close it when done.
func New(cfg Config) (f *Fleet, err error) {
	if cfg.AMT < 0 || cfg.IPMI < 0 || cfg.DASH < 0 || cfg.WMI < 0 || cfg.AMT+cfg.IPMI+cfg.DASH+cfg.WMI == 0 {
		return nil, fmt.Errorf("%w: a fleet needs at least one computer", oobkit.ErrInvalidArgument)
	}
	if cfg.Faults && cfg.AMT < 4 {
		return nil, fmt.Errorf("%w: faults need at least four AMT devices", oobkit.ErrInvalidArgument)
	}
	off := cfg.Off
	if off == nil {
		off = defaultOff
	}
	f = &Fleet{}
	defer func() {
		if err != nil {
			_ = f.Close()
			f = nil
		}
	}()
	for i := range cfg.AMT {
		fault := ""
		if cfg.Faults {
			fault = faultFor(i, cfg.AMT)
		}
		c, err := startAMT(i, off(oobkit.AMT, i), fault, cfg.BootImageSHA256)
		if err != nil {
			return nil, err
		}
		f.Computers = append(f.Computers, c)
	}
	for i := range cfg.IPMI {
		on := !off(oobkit.IPMI, i)
		b, err := ipmitest.NewServer(ipmitest.Config{
			Name: fmt.Sprintf("bmc-%02d", i+1), Username: User, Password: Password, Power: initialPower(on),
		})
		if err != nil {
			return nil, fmt.Errorf("start BMC %d: %w", i+1, err)
		}
		t := b.Target()
		t.Labels = map[string]string{LabelProtocols: string(oobkit.IPMI)}
		f.Computers = append(f.Computers, &Computer{Target: t, BMC: b, InitiallyOn: on})
	}
	for i := range cfg.DASH {
		on := !off(oobkit.DASH, i)
		srv, err := dashtest.NewServer(dashtest.Config{Name: fmt.Sprintf("dash-%02d", i+1), User: User, Password: Password,
			Power: initialPower(on)})
		if err != nil {
			return nil, fmt.Errorf("start DASH computer %d: %w", i+1, err)
		}
		comp := srv.Computer
		t := comp.Target()
		t.Labels = map[string]string{LabelProtocols: string(oobkit.DASH)}
		f.Computers = append(f.Computers, &Computer{Target: t, DASH: comp, InitiallyOn: on})
	}
	for i := range cfg.WMI {
		c, err := startWMI(i)
		if err != nil {
			return nil, err
		}
		f.Computers = append(f.Computers, c)
	}
	return f, nil
}

// startWMI starts a running Windows computer whose local administrator
// [User] may log on remotely over NTLM (LocalAccountTokenFilterPolicy set,
// as domain-less fleets configure it).
func startWMI(i int) (*Computer, error) {
	name := fmt.Sprintf("win-%02d", i+1)
	w := wmitest.NewComputer(wmitest.Config{AdminPassword: Password})
	w.Name = strings.ToUpper(name)
	w.LocalAccountTokenFilterPolicy = true
	w.AddUser(wmitest.User{Name: User, Password: Password, Admin: true})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start Windows computer %s: %w", name, err)
	}
	t := w.Target()
	t.Name = name
	t.Labels = map[string]string{LabelProtocols: string(oobkit.WMI)}
	return &Computer{Target: t, WMI: w, InitiallyOn: true}, nil
}

// initialPower is the Table C-3 row a simulator starts in: S0 when on,
// S5 (soft off) otherwise.
func initialPower(on bool) oobkit.PowerState {
	if on {
		return oobkit.PowerS0
	}
	return oobkit.PowerS5
}

func faultFor(i, n int) string {
	switch i {
	case n - 1:
		return "auth"
	case n - 2:
		return "unprovisioned"
	case n - 3:
		return "busy"
	}
	return ""
}

func startAMT(i int, off bool, fault, imageSHA256 string) (*Computer, error) {
	name := fmt.Sprintf("amt-%02d", i+1)
	fw := Firmwares[i%len(Firmwares)]
	cfg := amttest.Config{
		Username: User, Password: Password, Firmware: fw, HostName: name,
		GUID: fmt.Sprintf("%032x", 0x5eed0000+i),
	}
	if off {
		cfg.Power = oobkit.PowerS5
	}
	switch fault {
	case "auth":
		cfg.Password = "Another-P@ss9"
	case "unprovisioned":
		cfg.Unprovisioned = true
	}
	// Disabling SOL or IDE-R in AMT_RedirectionService ends that feature's
	// active sessions, as on a real device. The redirection endpoint starts
	// after the device (its screen follows the device), before either serves.
	var red *redirecttest.Server
	cfg.OnRedirectionState = func(state uint16) { red.SetRedirectionState(state) }
	dev := amttest.NewDevice(cfg)
	if fault == "busy" {
		dev.SetRedirectionSession(true)
	}
	screen := redirecttest.NewScreen(redirecttest.ScreenConfig{HostName: name, Consent: func() bool {
		req, st := dev.ConsentState()
		return req == amt.ConsentNone || st == amt.ConsentReceived || st == amt.ConsentInSession
	}})
	stopScreen := screen.Follow(context.Background(), ScreenOf(dev))
	red, err := redirecttest.NewServer(redirecttest.Config{
		KVM:          screen.Serve,
		Users:        map[string]string{User: cfg.Password},
		Legacy:       legacyRedirectionLogin(fw),
		EndAfterBoot: true,
		Firmware:     redirecttest.Boot(redirecttest.BootOptions{Device: redirecttest.CD, SHA256: imageSHA256}),
	})
	if err != nil {
		stopScreen()
		return nil, fmt.Errorf("start redirection endpoint of %s: %w", name, err)
	}
	host, err := serveAMT(dev, red)
	if err != nil {
		stopScreen()
		_ = red.Close()
		return nil, fmt.Errorf("start AMT device %s: %w", name, err)
	}
	t := oobkit.Target{Name: name, Address: "127.0.0.1", GUID: cfg.GUID,
		Ports: map[oobkit.Protocol]int{oobkit.AMT: host.port(), oobkit.Redirection: red.Port()}}
	t.Labels = map[string]string{
		LabelProtocols: strings.Join([]string{string(oobkit.AMT), string(oobkit.Redirection)}, ","),
		"firmware":     fw,
	}
	if fault != "" {
		t.Labels["fault"] = fault
	}
	return &Computer{Target: t, AMT: dev, Redirect: red, Screen: screen, stopScreen: stopScreen, InitiallyOn: !off, Fault: fault, host: host}, nil
}

// ScreenOf maps an AMT device's power and boot state to what its screen
// shows, for redirecttest.Screen.Follow: off when not on, BIOS setup while
// the computer sits there, the OS login while it runs from the start, the
// boot progress of an IDE-R boot, the POST prompt after other boots; the
// consent code while a consent request is pending.
func ScreenOf(dev *amttest.Device) func() (redirecttest.Machine, <-chan struct{}) {
	return func() (redirecttest.Machine, <-chan struct{}) {
		ch := dev.Changed()
		b := dev.BootState()
		m := redirecttest.Machine{ConsentCode: dev.ConsentCode()}
		switch {
		case !dev.PowerState().IsOn():
			m.Phase = redirecttest.PhaseOff
		case b.InBIOSSetup:
			m.Phase = redirecttest.PhaseBIOSSetup
		case b.Boots == 0:
			m.Phase = redirecttest.PhaseOS
		case b.LastBoot == "ider-cd" || b.LastBoot == "ider-floppy":
			m.Phase, m.BootDevice, m.Progress = redirecttest.PhaseBooting, b.LastBoot, 50
		default:
			m.Phase = redirecttest.PhasePOST
		}
		return m, ch
	}
}

// Targets returns every computer's target, AMT devices first.
func (f *Fleet) Targets() []oobkit.Target {
	out := make([]oobkit.Target, len(f.Computers))
	for i, c := range f.Computers {
		out[i] = c.Target
	}
	return out
}

// Computer returns the computer whose target is called name, or nil.
func (f *Fleet) Computer(name string) *Computer {
	for _, c := range f.Computers {
		if c.Target.Name == name {
			return c
		}
	}
	return nil
}

// Profile returns a connection profile named [ProfileName] enabling AMT,
// DASH, IPMI, redirection and WMI (NTLM, as WinRM offers it over plain
// HTTP) with the fleet's credential.
func (f *Fleet) Profile() profile.Profile {
	p := profile.Profile{Name: ProfileName, Description: "simulated fleet (package simfleet)"}
	for _, proto := range []oobkit.Protocol{oobkit.AMT, oobkit.DASH, oobkit.Redirection, oobkit.IPMI} {
		_ = p.Enable(proto, oobkit.UserPassword(User, Password))
	}
	w := oobkit.UserPassword(User, Password)
	w.Auth = oobkit.AuthNTLM
	_ = p.Enable(oobkit.WMI, w)
	return p
}

// SetFaults injects WS-Management faults into every AMT device (latency,
// dropped connections…), for load and resilience runs.
func (f *Fleet) SetFaults(faults amttest.Faults) {
	for _, c := range f.Computers {
		if c.AMT != nil {
			c.AMT.SetFaults(faults)
		}
	}
}

// Close stops every simulator.
func (f *Fleet) Close() error {
	var errs []error
	for _, c := range f.Computers {
		if c.host != nil {
			errs = append(errs, c.host.close())
		}
		if c.Redirect != nil {
			errs = append(errs, c.Redirect.Close())
		}
		if c.stopScreen != nil {
			c.stopScreen()
		}
		if c.BMC != nil {
			errs = append(errs, c.BMC.Close())
		}
		if c.DASH != nil {
			errs = append(errs, c.DASH.Close())
		}
		if c.WMI != nil {
			errs = append(errs, c.WMI.Close())
		}
	}
	return errors.Join(errs...)
}
