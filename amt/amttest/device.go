package amttest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsmantest"
	"github.com/oobkit/oobkit/wsmansim"
)

// Config describes a simulated device. The zero value is a provisioned
// AMT 12 desktop in admin control mode, powered on, user "admin".
type Config struct {
	// Username and Password are the accepted digest credential
	// (default "admin" / "P@ssw0rd1").
	Username, Password string
	// Firmware is the AMT version string (default "12.0.67"). The major
	// number decides behaviour: below 9 there is no sleep, hibernate or
	// graceful power (12/14); 16 and later offer digest qop "auth-int, auth";
	// 16.1 and later answer over TLS only (see Generation).
	Firmware string
	// TLS makes NewServer serve HTTPS with a fresh self-signed certificate,
	// which Credential pins (see Fingerprint); without it the device serves
	// plain HTTP. A device of firmware 16.1 and later needs it: its plain
	// port does not listen (Generation.TLSOnly).
	TLS bool
	// Unprovisioned puts the device in pre-provisioning.
	Unprovisioned bool
	// ClientControl selects client control mode (CCM) instead of admin (ACM).
	ClientControl bool
	// Power is the initial power state (default S0): any row of Table C-3
	// except unknown (the zero value means S0; use Device.SetPowerState for
	// unknown). The device reports it as AMT does: the DMTF PowerState of
	// CIM_AssociatedPowerManagementService where DSP1027 has a value for it,
	// 1 (Other) or 3 (Sleep-Light) otherwise, with the row in its event log
	// as a "System ACPI Power State" record (see SetPowerState).
	Power oobkit.PowerState
	// OSPowerSaving starts the OS in Modern Standby (InstantGo) power
	// saving: the hardware stays in S0 and only IPS_PowerManagementService
	// tells (firmware 10 and later with Power S0; see SetOSPowerSaving).
	OSPowerSaving bool
	// PowerGetNeedsKeys makes the device decline a Get of
	// CIM_AssociatedPowerManagementService without selectors with an
	// InvalidSelectors fault: it answers only a Get that names the instance
	// by its keys (DSP0226 §7.1), as firmware that does not single out a
	// class's one instance would. AMT answers both.
	PowerGetNeedsKeys bool
	// NoKVM removes CIM_KVMRedirectionSAP (AMT without KVM, e.g. 8.x on
	// some SKUs).
	NoKVM bool
	// Missing lists classes the device lacks (e.g.
	// "AMT_AgentPresenceWatchdog", "CIM_WiFiPort"), as real firmware lacks
	// classes other firmware has; MissingStatus says how it answers for
	// them: 0 a DestinationUnreachable fault, 400 or 500 a bare HTTP error.
	Missing       []string
	MissingStatus int
	// ConsentRequired is the initial IPS_OptInService.OptInRequired.
	ConsentRequired int64
	// GUID is the platform GUID (32 hex digits); random by default.
	GUID string
	// HostName is AMT_GeneralSettings.HostName (default "amt-sim").
	HostName string
	// StaticIP gives the wired interface a static address (DHCPEnabled
	// false), which System Defense refuses.
	StaticIP bool
	// Now is the device clock (default time.Now).
	Now func() time.Time
	// MaxSubscriptions is the number of WS-Eventing subscription slots
	// (default DefaultMaxSubscriptions); a Subscribe beyond it is refused
	// with QuotaLimit.
	MaxSubscriptions int
	// MaxPETSubscribers is the number of AMT_SNMPEventSubscriber slots
	// (default DefaultMaxPETSubscribers). Firmware 18 and later has no PET.
	MaxPETSubscribers int
	// PETPort is the UDP port PET traps are sent to (default 162, the only
	// port real firmware uses: tests point it at a listener on a free
	// port). Traps go to loopback destinations only.
	PETPort int
	// EventFilters are the device's AMT_PETFilterSetting event filters
	// (nil: DefaultEventFilters). Firmware 18 and later has none.
	EventFilters []EventFilter
	// MaxEventFilters is the number of event filter slots (default
	// DefaultMaxEventFilters).
	MaxEventFilters int
	// OnRedirectionState, if set, is called with the new
	// AMT_RedirectionService.EnabledState (32768 IDE-R and SOL disabled,
	// 32769 IDE-R only, 32770 SOL only, 32771 both) after each accepted
	// RequestStateChange, outside the device's lock. A real device ends the
	// active sessions of a feature it disables: tests link this to the
	// redirection side (redirecttest's Server.SetRedirectionState) so it
	// does the same.
	OnRedirectionState func(enabledState uint16)
}

func (c Config) withDefaults() Config {
	if c.Username == "" {
		c.Username = "admin"
	}
	if c.Password == "" {
		c.Password = "P@ssw0rd1"
	}
	if c.Firmware == "" {
		c.Firmware = "12.0.67"
	}
	if c.Power == oobkit.PowerUnknown {
		c.Power = oobkit.PowerS0
	}
	if c.GUID == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		c.GUID = strings.ToUpper(hex.EncodeToString(b))
	}
	if c.HostName == "" {
		c.HostName = "amt-sim"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxSubscriptions <= 0 {
		c.MaxSubscriptions = DefaultMaxSubscriptions
	}
	if c.MaxPETSubscribers <= 0 {
		c.MaxPETSubscribers = DefaultMaxPETSubscribers
	}
	if c.PETPort <= 0 {
		c.PETPort = 162
	}
	if c.EventFilters == nil {
		c.EventFilters = DefaultEventFilters()
	}
	if c.MaxEventFilters <= 0 {
		c.MaxEventFilters = DefaultMaxEventFilters
	}
	return c
}

// Major returns the firmware's major version.
func (c Config) Major() int {
	n, _ := strconv.Atoi(strings.SplitN(c.Firmware, ".", 2)[0])
	return n
}

// Credential returns the credential the device accepts.
func (c Config) Credential() oobkit.Credential {
	c = c.withDefaults()
	return oobkit.UserPassword(c.Username, c.Password)
}

// BootState is what the device will do at its next boot and what it did
// at the last one.
type BootState struct {
	// Settings are the AMT_BootSettingData flags.
	Settings BootSettings
	// Source is the CIM_BootSourceSetting InstanceID chosen by
	// ChangeBootOrder ("" none).
	Source string
	// SingleUse is true after SetBootConfigRole(1).
	SingleUse bool
	// LastBoot is what the last boot booted: "hdd", "pxe", "cd", "bios",
	// "ider-floppy", "ider-cd" ("" before any boot).
	LastBoot string
	// InBIOSSetup is true while the computer sits in BIOS setup.
	InBIOSSetup bool
	// SOL is true when the last boot redirected its console over
	// Serial-over-LAN (AMT_BootSettingData UseSOL): a SOL console
	// ([Device.SOLConsole]) shows BIOS setup while InBIOSSetup.
	SOL bool
	// Boots counts the boots since the device was created.
	Boots int
}

// Device is one simulated AMT device: its state changes as methods are
// invoked. It is safe for concurrent use.
type Device struct {
	srv *wsmantest.Server
	cfg Config

	mu           sync.Mutex
	power        int               // DMTF PowerState
	row          oobkit.PowerState // the Table C-3 row power stands for
	osSaving     bool              // OS in Modern Standby power saving (ospower.go)
	changed      chan struct{}     // closed and replaced on every power or boot change
	boot         BootState
	redirState   int // AMT_RedirectionService.EnabledState
	listener     bool
	kvmState     int
	optRequired  int64
	optState     int
	optCode      string
	idleTimeout  int
	activeScheme string
	provState    int
	provMode     int
	records      []Record // newest first
	sessionOpen  bool
	stuck        bool
	heldBack     bool // the logged-on user holds graceful shutdowns and reboots back
	powerChanges int
	requests     []int // accepted RequestPowerStateChange values, oldest first
	defense      defenseState
	nodes        nodeState // nodes.go
	alerts       alertState
	pending      sync.WaitGroup // alerts being delivered
	deliveries   []Delivery     // outcomes of power-event alerts
	started      time.Time      // for the PET sysUpTime
}

// AMTServerHeader is the prefix of the HTTP Server header AMT firmware
// sends; the firmware version follows.
const AMTServerHeader = "Intel(R) Active Management Technology "

// NewDevice returns the device for cfg without a listener of its own: its
// Handler serves on a listener of yours or a wsmansim.Host shared by many
// devices (as Fleet does). NewServer starts one device on its own port
// instead.
func NewDevice(cfg Config) *Device {
	cfg = cfg.withDefaults()
	d := &Device{
		cfg: cfg, srv: wsmantest.New(cfg.Username, cfg.Password),
		redirState: 32771, listener: true, kvmState: 6,
		optRequired: cfg.ConsentRequired, idleTimeout: 65535, activeScheme: "SCHEME 1",
		provState: statePost, provMode: modeAdminControl, started: time.Now(),
		changed: make(chan struct{}),
	}
	d.srv.SetMissing(cfg.Missing, cfg.MissingStatus)
	// AMT 16.1 and later: the plain port does not answer (see
	// Generation.TLSOnly); only a TLS listener reaches the device.
	d.srv.TLSOnly = cfg.Generation().TLSOnly
	if cfg.NoKVM {
		d.kvmState = 0
	}
	// Real firmware names itself in the HTTP Server header of every
	// answer, 401s included (what scanners such as Nmap's AMT fingerprints
	// read): "Intel(R) Active Management Technology 12.0.67".
	d.srv.ServerHeader = AMTServerHeader + cfg.Firmware
	d.initEventFilters()
	if cfg.Major() >= 16 {
		// AMT 16.1 advertises qop="auth-int, auth" (rps issue #779).
		d.srv.Digest.Qop = "auth-int, auth"
	}
	if cfg.Unprovisioned {
		d.provState = statePre
	}
	if cfg.ClientControl {
		d.provMode = modeClientControl
	}
	d.row, d.power = cfg.Power, dmtfFromState(cfg.Power)
	d.osSaving = cfg.OSPowerSaving && cfg.Power == oobkit.PowerS0 && cfg.Generation().ModernStandby
	d.register()
	return d
}

// dmtfFromState is the CIM_AssociatedPowerManagementService.PowerState a
// device in row s reports (DMTF DSP1027 values): On, Sleep-Light for S1,
// S2 and undetermined sleep, Sleep-Deep, Hibernate, Off-Soft, Off-Hard for
// G3, Other for the rows DSP1027 has no value for, 0 (Unknown) for unknown.
func dmtfFromState(s oobkit.PowerState) int {
	switch s {
	case oobkit.PowerS0:
		return powerOn
	case oobkit.PowerS1, oobkit.PowerS2, oobkit.PowerSleeping:
		return powerSleepLight
	case oobkit.PowerS3:
		return powerSleepDeep
	case oobkit.PowerS4:
		return powerHibernate
	case oobkit.PowerS5:
		return powerOffSoft
	case oobkit.PowerG3:
		return powerOffHard
	case oobkit.PowerS4S5, oobkit.PowerG1, oobkit.PowerS5Override, oobkit.PowerLegacyOn, oobkit.PowerLegacyOff:
		return powerOther
	}
	return 0
}

// setRowLocked puts the device in row s and wakes SOL consoles.
func (d *Device) setRowLocked(s oobkit.PowerState) {
	d.row, d.power = s, dmtfFromState(s)
	if s != oobkit.PowerS0 {
		d.osSaving = false // Modern Standby is a state of S0 (ospower.go)
	}
	d.notifyLocked()
}

func (d *Device) notifyLocked() {
	close(d.changed)
	d.changed = make(chan struct{})
}

// Handler returns the device's WS-Management server: an http.Handler with
// fault injection and counters (serve it with ConnState from the result so
// connections are counted).
func (d *Device) Handler() wsmansim.Device { return d.srv }

// Config returns the device's configuration with defaults filled in.
func (d *Device) Config() Config { return d.cfg }

// PowerState returns the simulated power state: its row of Table C-3.
func (d *Device) PowerState() oobkit.PowerState {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.row
}

// SetPowerState forces the power state to any row of Table C-3, including
// unknown (as if someone pressed the button, pulled the plug or the
// management engine lost track). Like the firmware, the device logs the
// change as a "System ACPI Power State" record (sensor type 22h, offset =
// row - 1, 0Eh for unknown).
func (d *Device) SetPowerState(s oobkit.PowerState) {
	d.mu.Lock()
	d.setRowLocked(s)
	d.addRecordLocked(acpiRecord(acpiOffset(s)))
	d.mu.Unlock()
}

// BootState returns the boot settings and the last boot.
func (d *Device) BootState() BootState {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.boot
}

// Redirection returns the redirection settings.
func (d *Device) Redirection() RedirectionSettings {
	d.mu.Lock()
	defer d.mu.Unlock()
	return RedirectionSettings{
		IDER: d.redirState == 32769 || d.redirState == 32771, SOL: d.redirState == 32770 || d.redirState == 32771,
		KVM: d.kvmState == 2 || d.kvmState == 6, Listener: d.listener,
	}
}

// SetRedirectionSession opens or closes a simulated SOL/IDE-R/KVM session.
// While one is open, power changes that reset or remove power are refused
// (Intel: "power cycle or power off is rejected while a redirection session
// is active").
func (d *Device) SetRedirectionSession(open bool) {
	d.mu.Lock()
	d.sessionOpen = open
	d.mu.Unlock()
}

// SetStuck makes the device accept power changes without the computer's
// state changing (a computer that does not wake or go down), or ends that.
func (d *Device) SetStuck(stuck bool) {
	d.mu.Lock()
	d.stuck = stuck
	d.mu.Unlock()
}

// SetUserHoldsShutdown makes the logged-on user hold back graceful power
// changes, or ends that: the firmware accepts RequestPowerStateChange 12
// (Off-Soft Graceful) and 14 (Master Bus Reset Graceful) and passes them to
// the operating system through its agent, an application asks the user to
// save, the user keeps working, and the computer stays on (nothing is
// logged). Hard changes act as usual.
func (d *Device) SetUserHoldsShutdown(hold bool) {
	d.mu.Lock()
	d.heldBack = hold
	d.mu.Unlock()
}

// PowerRequests returns the DMTF values of the accepted
// RequestPowerStateChange calls, oldest first (8 Off-Soft is the hard power
// off, 12 the graceful one…).
func (d *Device) PowerRequests() []int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]int(nil), d.requests...)
}

// ConsentCode returns the six-digit code the device "displays" after
// StartOptIn ("" when none).
func (d *Device) ConsentCode() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.optCode
}

// ConsentState returns OptInRequired and OptInState.
func (d *Device) ConsentState() (required int64, state int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.optRequired, d.optState
}

// ConsentGiven reports whether a redirection session may show the screen
// now: no user consent is required (OptInRequired 0), or the user typed the
// code (OptInState 3, "Received") or a session runs on it (4, "In Session")
// — the IPS_OptInService values of the Intel AMT SDK.
func (d *Device) ConsentGiven() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.optRequired == 0 || d.optState == 3 || d.optState == 4
}

// MESettings returns the idle timeout and the active power scheme.
func (d *Device) MESettings() (idleTimeout int, scheme string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.idleTimeout, d.activeScheme
}

// Provisioning returns the provisioning state and mode.
func (d *Device) Provisioning() (state, mode int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.provState, d.provMode
}

// Records returns the event log, newest first.
func (d *Device) Records() []Record {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Record(nil), d.records...)
}

// AddRecord appends a record to the event log, whatever the event filters
// say.
func (d *Device) AddRecord(r Record) {
	d.mu.Lock()
	d.appendRecordLocked(r)
	d.mu.Unlock()
}

// maxRecords is the log's capacity; the oldest records are dropped.
const maxRecords = 390

// addRecordLocked logs a firmware event when an enabled event filter with
// LogOnEvent catches it (firmware without event filters logs everything).
// AddRecord bypasses the filters.
func (d *Device) addRecordLocked(r Record) {
	if !d.logsLocked(r.SensorType, r.EventType) {
		return
	}
	d.appendRecordLocked(r)
}

func (d *Device) appendRecordLocked(r Record) {
	if r.Time.IsZero() {
		r.Time = d.cfg.Now()
	}
	d.records = append([]Record{r}, d.records...)
	if len(d.records) > maxRecords {
		d.records = d.records[:maxRecords]
	}
}

// PowerChanges counts accepted RequestPowerStateChange calls.
func (d *Device) PowerChanges() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.powerChanges
}

// Faults are the transport faults a device can inject (latency, a dropped
// or malformed answer, an oversize body, a wrong-auth storm, busy), optionally
// only for some actions or a number of requests. It is the shared WS-Man
// simulator's type, named here so code outside this module can use it.
type Faults = wsmansim.Faults

// Counters are the requests, 401 challenges and TCP connections a device saw.
type Counters = wsmansim.Counters

// SetFaults injects faults into the next requests.
func (d *Device) SetFaults(f Faults) { d.srv.SetFaults(f) }

// Counters returns the requests, 401s and connections the device saw.
func (d *Device) Counters() Counters { return d.srv.Counters() }

func randomCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1000000))
	return fmt.Sprintf("%06d", n.Int64())
}
