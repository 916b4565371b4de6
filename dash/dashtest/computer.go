package dashtest

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dmtf"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
	"github.com/oobkit/oobkit/wsmansim"
)

// Default credential of a simulated computer.
const (
	DefaultUser     = "admin"
	DefaultPassword = "P@ssw0rd"
)

// Registered profiles a computer has by default (DSP1033 RegisteredName).
var DefaultProfiles = []string{
	"Profile Registration", "Base Desktop and Mobile", "Power State Management", "Boot Control",
	"BIOS Management", "Indications", "Software Inventory",
}

// Config describes a simulated computer. The zero value is a computer with
// every default: all profiles, powered on, default BIOS attributes without a
// password, four boot sources (one a redirected CD image), two indication
// filters and room for 8 subscriptions.
type Config struct {
	// Name is the computer system's name (default "dash-sim").
	Name string
	// User and Password are the WS-Management credential (digest).
	User, Password string
	// TLS makes NewServer serve HTTPS (port 664's role) with a fresh
	// self-signed certificate, which Credential pins; without it the
	// computer serves plain HTTP.
	TLS bool
	// Profiles lists the registered profiles; nil means DefaultProfiles. A
	// feature whose profile is missing is not served at all.
	Profiles []string
	// Power is the initial power state, a row of Table C-3 as every oobkit
	// simulator's Config takes it (the zero value, unknown, means S0). The
	// computer reports it as the DSP1027 PowerState of the same meaning:
	// On for S0 and Legacy ON, Sleep-Light for S1, S2 and undetermined
	// sleep, Sleep-Deep for S3 and G1, Hibernate for S4, Off-Hard for G3,
	// Off-Soft for the other off rows.
	Power oobkit.PowerState
	// ExactPowerState is the exact initial DSP1027 power state, for a test
	// that needs a value no row of Table C-3 names (the graceful states
	// 12–16, Other, or Off-Soft rather than Hibernate for S4, say); when set
	// it wins over Power (default: the value Power maps to, above).
	ExactPowerState dmtf.PowerState
	// GracefulPower offers the graceful states 12–16 (an OS agent runs).
	GracefulPower bool
	// BIOSPassword is the BIOS administrator password, which protects BIOS
	// changes ("" leaves the BIOS unprotected unless SystemPassword is set).
	BIOSPassword string
	// SystemPassword is the BIOS system (power-on) password; while no
	// administrator password is set, it protects BIOS changes too.
	SystemPassword string
	// BIOS lists the attributes; nil means DefaultBIOS.
	BIOS []Attribute
	// BootSources lists the boot sources in boot order; nil means
	// DefaultBootSources.
	BootSources []BootSource
	// Filters lists the indication filters; nil means DefaultFilters.
	Filters []Filter
	// MaxSubscriptions bounds subscriptions (default 8).
	MaxSubscriptions int
	// HideCapacity leaves out CIM_IndicationServiceCapabilities, so a full
	// table is only discovered by a QuotaLimit fault.
	HideCapacity bool
	// Subscriptions are present from the start (third-party listeners).
	Subscriptions []Subscription
	// Missing lists classes the computer lacks although their profile is
	// registered (e.g. "CIM_PhysicalMemory"), as real firmware does;
	// MissingStatus says how it answers for them: 0 a
	// DestinationUnreachable fault, 400 or 500 a bare HTTP error.
	Missing       []string
	MissingStatus int
}

// Computer is one simulated DASH computer. It is safe for concurrent use.
type Computer struct {
	cfg   Config
	srv   *wsmantest.Server
	httpc *http.Client

	mu        sync.Mutex
	power     int
	requested int
	boots     int
	attrs     []*Attribute
	biosPass  string
	sysPass   string
	lastAuth  string
	sources   []BootSource
	order     []string // InstanceIDs in boot order
	defOrder  []string // the persistent order a single-use boot returns to
	singleUse bool
	lastBoot  string
	subs      []*Subscription
	nextSub   int
	alertSeq  int
	inject    map[string][]int
}

// NewServer starts a simulated computer described by cfg on its own
// 127.0.0.1 listener, over TLS when cfg.TLS is set and plain HTTP
// otherwise; Close stops it. (NewComputer builds one, not yet serving, to
// serve on a shared wsmansim.Host instead.)
func NewServer(cfg Config) (*Server, error) {
	c := NewComputer(cfg)
	start := c.Start
	if cfg.TLS {
		start = c.StartTLS
	}
	if err := start(); err != nil {
		return nil, err
	}
	return &Server{Computer: c}, nil
}

// Server is a simulated computer serving on its own listener: the shape
// every oobkit simulator shares (NewServer, Target, Credential, Close).
type Server struct {
	*Computer
}

// NewComputer returns a simulated computer described by cfg, not yet
// serving: Start or StartTLS it, or add it to a wsmansim.Host (AddTo).
func NewComputer(cfg Config) *Computer {
	if cfg.Name == "" {
		cfg.Name = "dash-sim"
	}
	if cfg.User == "" {
		cfg.User, cfg.Password = DefaultUser, DefaultPassword
	}
	if cfg.Profiles == nil {
		cfg.Profiles = DefaultProfiles
	}
	if cfg.ExactPowerState == dmtf.PowerUnknown {
		cfg.ExactPowerState = dmtf.PowerState(dmtfFromRow(cfg.Power))
	}
	if cfg.BIOS == nil {
		cfg.BIOS = DefaultBIOS()
	}
	if cfg.BootSources == nil {
		cfg.BootSources = DefaultBootSources()
	}
	if cfg.Filters == nil {
		cfg.Filters = DefaultFilters()
	}
	if cfg.MaxSubscriptions == 0 {
		cfg.MaxSubscriptions = 8
	}
	c := &Computer{cfg: cfg, srv: wsmantest.New(cfg.User, cfg.Password), power: int(cfg.ExactPowerState), requested: 12,
		biosPass: cfg.BIOSPassword, sysPass: cfg.SystemPassword, sources: cfg.BootSources, inject: map[string][]int{},
		httpc: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2}}}
	c.srv.SetMissing(cfg.Missing, cfg.MissingStatus)
	for i := range cfg.BIOS {
		a := cfg.BIOS[i]
		c.attrs = append(c.attrs, &a)
	}
	for _, s := range cfg.BootSources {
		if s.Order > 0 {
			c.order = append(c.order, s.InstanceID)
		}
	}
	c.defOrder = append([]string(nil), c.order...)
	for i := range cfg.Subscriptions {
		s := cfg.Subscriptions[i]
		c.nextSub++
		s.handler = "handler-" + strconv.Itoa(c.nextSub)
		c.subs = append(c.subs, &s)
	}
	c.register()
	return c
}

func (c *Computer) has(profile string) bool {
	for _, p := range c.cfg.Profiles {
		if p == profile {
			return true
		}
	}
	return false
}

func (c *Computer) register() {
	c.registerDiscovery()
	c.registerInventory()
	c.registerNodes() // nodes.go
	if c.has("Power State Management") {
		c.registerPower()
	}
	if c.has("Boot Control") {
		c.registerBoot()
	}
	if c.has("BIOS Management") {
		c.registerBIOS()
	}
	if c.has("Indications") {
		c.registerIndications()
	}
}

// Server returns the WS-Management device, an http.Handler (for a
// wsmansim.Host) with counters and fault injection.
func (c *Computer) Server() wsmansim.Device { return c.srv }

// Start serves the computer on its own 127.0.0.1 listener over http.
func (c *Computer) Start() error { return c.srv.Start() }

// StartTLS serves the computer over https with a self-signed certificate.
func (c *Computer) StartTLS() error { return c.srv.StartTLS() }

// Close stops the listener and the alert sender's idle connections.
func (c *Computer) Close() error {
	c.httpc.CloseIdleConnections()
	return c.srv.Close()
}

// URL is the computer's WS-Management endpoint.
func (c *Computer) URL() string { return c.srv.URL() }

// Target returns an oobkit target reaching the started computer.
func (c *Computer) Target() oobkit.Target {
	host, port, _ := net.SplitHostPort(c.srv.Addr())
	p, _ := strconv.Atoi(port)
	return oobkit.Target{Name: c.cfg.Name, Address: host, Ports: map[oobkit.Protocol]int{oobkit.DASH: p}}
}

// Credential returns the credential the computer accepts; over TLS it pins
// the computer's certificate.
func (c *Computer) Credential() oobkit.Credential {
	cred := oobkit.UserPassword(c.cfg.User, c.cfg.Password)
	if fp := c.srv.Fingerprint(); fp != "" {
		cred.TLS = oobkit.TLSSettings{Enabled: true, PinnedSHA256: fp}
	}
	return cred
}

// AddTo serves the computer on h at hostport ("127.0.0.1:20001") and returns
// the target that reaches it there (dial through h.Transport()).
func (c *Computer) AddTo(h *wsmansim.Host, hostport string) oobkit.Target {
	h.Add(hostport, c.srv)
	host, port, _ := net.SplitHostPort(hostport)
	p, _ := strconv.Atoi(port)
	return oobkit.Target{Name: c.cfg.Name, Address: host, Ports: map[oobkit.Protocol]int{oobkit.DASH: p}}
}

// Faults are the transport faults a computer can inject (latency, a dropped
// or malformed answer, an oversize body, a wrong-auth storm, busy),
// optionally only for some actions or a number of requests. It is the
// shared WS-Management simulator's type, named here so code outside this
// module can use it.
type Faults = wsmansim.Faults

// Counters are the requests, 401 challenges and TCP connections the
// computer saw.
type Counters = wsmansim.Counters

// SetFaults injects transport faults into the next requests.
func (c *Computer) SetFaults(f Faults) { c.srv.SetFaults(f) }

// Counters returns what the computer has seen so far.
func (c *Computer) Counters() Counters { return c.srv.Counters() }

// InjectReturnValue makes the next calls of method ("RequestPowerStateChange",
// "ChangeBootOrder", "SetBootConfigRole", "SetBIOSAttribute",
// "SetBIOSAttributes") return the given values, one per call, without
// acting.
func (c *Computer) InjectReturnValue(method string, values ...int) {
	c.mu.Lock()
	c.inject[method] = append(c.inject[method], values...)
	c.mu.Unlock()
}

// injected pops an injected return value for method; call with c.mu held.
func (c *Computer) injected(method string) (int, bool) {
	q := c.inject[method]
	if len(q) == 0 {
		return 0, false
	}
	c.inject[method] = q[1:]
	return q[0], true
}

// uri returns a CIM class's resource URI.
func uri(class string) string { return wsman.CIMBase + class }

// dmtfFromRow is the DSP1027 PowerState (DMTF DSP1027 §7.3,
// https://www.dmtf.org/dsp/DSP1027) a DASH computer in Table C-3 row s
// reports; unknown (the zero value) means On.
func dmtfFromRow(s oobkit.PowerState) int {
	switch s {
	case oobkit.PowerS1, oobkit.PowerS2, oobkit.PowerSleeping:
		return 3 // Sleep-Light
	case oobkit.PowerS3, oobkit.PowerG1:
		return 4 // Sleep-Deep
	case oobkit.PowerS4:
		return 7 // Hibernate (Off-Soft)
	case oobkit.PowerG3:
		return 6 // Off-Hard
	case oobkit.PowerS5, oobkit.PowerS4S5, oobkit.PowerS5Override, oobkit.PowerLegacyOff:
		return 8 // Off-Soft
	}
	return 2 // On: S0, Legacy ON, unknown
}
