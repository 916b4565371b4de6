package tasks

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/wmi"
)

// fakeDevice is a simulated computer behind the oobkit capability
// interfaces: a power state that actions change per the power table, the
// protocols it answers on, the password each accepts, and injected faults.
type fakeDevice struct {
	mu        sync.Mutex
	state     oobkit.PowerState
	protocols map[oobkit.Protocol]string // protocol → accepted password
	graceful  map[oobkit.Protocol]bool   // protocols that do shutdown/reboot
	actions   []string                   // "amt:on" …
	boots     []oobkit.BootOptions
	alerts    []oobkit.AlertConfig
	busyLeft  int           // calls answered ErrBusy before working
	dropLeft  int           // calls answered ErrUnreachable before working
	malformed bool          // every call answers ErrProtocol
	hang      bool          // every call blocks until ctx ends
	delay     time.Duration // every call takes this long
	calls     atomic.Int64
}

func newDevice(state oobkit.PowerState, protos ...oobkit.Protocol) *fakeDevice {
	d := &fakeDevice{state: state, protocols: map[oobkit.Protocol]string{}, graceful: map[oobkit.Protocol]bool{oobkit.WMI: true}}
	for _, p := range protos {
		d.protocols[p] = "good"
	}
	return d
}

func (d *fakeDevice) State() oobkit.PowerState {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.state
}

func (d *fakeDevice) Actions() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.actions...)
}

// fakeFleet maps addresses to devices and dials them.
type fakeFleet struct {
	mu      sync.Mutex
	devices map[string]*fakeDevice
	open    atomic.Int64 // open clients
	// callTimeout, when set, bounds each call on a hanging device as a real
	// client's own request timeout does (wsman.WithTimeout, ipmi.WithTimeout):
	// the call then fails unreachable without waiting for the target deadline.
	callTimeout time.Duration
}

func newFleet() *fakeFleet { return &fakeFleet{devices: map[string]*fakeDevice{}} }

func (f *fakeFleet) add(addr string, d *fakeDevice) oobkit.Target {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.devices[addr] = d
	return oobkit.Target{Name: addr, Address: addr}
}

func (f *fakeFleet) dialer(p oobkit.Protocol) Dialer {
	return func(ctx context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		f.mu.Lock()
		d := f.devices[t.Address]
		f.mu.Unlock()
		if d == nil {
			return nil, &oobkit.Error{Protocol: p, Op: "dial", Class: oobkit.ErrUnreachable, Message: "no such host"}
		}
		f.open.Add(1)
		return &fakeClient{p: p, d: d, cred: c, fleet: f, callTimeout: f.callTimeout}, nil
	}
}

func (f *fakeFleet) connector(creds Credentials, protos ...oobkit.Protocol) *Connector {
	c := NewConnector(creds)
	for _, p := range protos {
		c.Register(p, f.dialer(p))
	}
	return c
}

// fakeClient is one protocol's client of a fakeDevice.
type fakeClient struct {
	p           oobkit.Protocol
	d           *fakeDevice
	cred        oobkit.Credential
	fleet       *fakeFleet
	callTimeout time.Duration
	closed      atomic.Bool
}

func (c *fakeClient) Protocol() oobkit.Protocol { return c.p }

func (c *fakeClient) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.fleet.open.Add(-1)
	}
	return nil
}

func (c *fakeClient) fail(op string, class error, code string) error {
	return &oobkit.Error{Protocol: c.p, Op: op, Class: class, DeviceCode: code}
}

// enter applies the device's faults to one call.
func (c *fakeClient) enter(ctx context.Context, op string) error {
	d := c.d
	d.calls.Add(1)
	d.mu.Lock()
	pw, has := d.protocols[c.p]
	hang, delay, malformed := d.hang, d.delay, d.malformed
	var fault error
	switch {
	case !has:
		fault = c.fail(op, oobkit.ErrUnreachable, "")
	case d.dropLeft > 0:
		d.dropLeft--
		fault = c.fail(op, oobkit.ErrUnreachable, "")
	}
	d.mu.Unlock()
	if fault != nil {
		return fault
	}
	if hang {
		if c.callTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, c.callTimeout)
			defer cancel()
		}
		<-ctx.Done()
		return &oobkit.Error{Protocol: c.p, Op: op, Class: oobkit.ErrUnreachable, Message: "no answer", Err: ctx.Err()}
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if c.cred.Password.Reveal() != pw {
		return c.fail(op, oobkit.ErrAuth, "401")
	}
	if malformed {
		return c.fail(op, oobkit.ErrProtocol, "")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.busyLeft > 0 {
		d.busyLeft--
		return c.fail(op, oobkit.ErrBusy, "0x82")
	}
	return nil
}

func (c *fakeClient) PowerState(ctx context.Context) (oobkit.PowerState, error) {
	if err := c.enter(ctx, "power state"); err != nil {
		return oobkit.PowerUnknown, err
	}
	return c.d.State(), nil
}

func (c *fakeClient) SetPower(ctx context.Context, a oobkit.PowerAction) error {
	if err := c.enter(ctx, "set power"); err != nil {
		return err
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if a.Graceful() && !d.graceful[c.p] {
		return c.fail("set power", oobkit.ErrUnsupported, "")
	}
	if err := fakeAllowed(c.p, d.state, a); err != nil {
		return err
	}
	switch a.Column() {
	case oobkit.ColumnPowerOn, oobkit.ColumnReboot, oobkit.ColumnBootRedirect:
		d.state = oobkit.PowerS0
	case oobkit.ColumnPowerOff:
		d.state = oobkit.PowerS5
	}
	d.actions = append(d.actions, fmt.Sprintf("%s:%s", c.p, a))
	return nil
}

// CheckPower is the protocol's gate asked before a next boot is set.
func (c *fakeClient) CheckPower(ctx context.Context, a oobkit.PowerAction, _ bool) (oobkit.PowerState, error) {
	st, err := c.PowerState(ctx)
	if err != nil || a == oobkit.ActionNone {
		return st, err
	}
	return st, fakeAllowed(c.p, st, a)
}

func (c *fakeClient) SetNextBoot(ctx context.Context, o oobkit.BootOptions) error {
	if err := c.enter(ctx, "set boot"); err != nil {
		return err
	}
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	c.d.boots = append(c.d.boots, o)
	return nil
}

func (c *fakeClient) Inventory(ctx context.Context) (*oobkit.Inventory, error) {
	if err := c.enter(ctx, "inventory"); err != nil {
		return nil, err
	}
	return &oobkit.Inventory{System: []oobkit.System{{Source: c.p, Kind: "system", Manufacturer: "Fake", Serial: "SN-" + string(c.p)}}}, nil
}

func (c *fakeClient) EventLog(ctx context.Context, max int) ([]oobkit.Event, error) {
	if err := c.enter(ctx, "event log"); err != nil {
		return nil, err
	}
	evs := []oobkit.Event{{Source: c.p, ID: "2", Severity: oobkit.SeverityCritical}, {Source: c.p, ID: "1", Severity: oobkit.SeverityInfo}}
	if max > 0 && max < len(evs) {
		evs = evs[:max]
	}
	return evs, nil
}

func (c *fakeClient) ConfigureAlerts(ctx context.Context, cfg oobkit.AlertConfig) error {
	if err := c.enter(ctx, "alerts"); err != nil {
		return err
	}
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	c.d.alerts = append(c.d.alerts, cfg)
	return nil
}

// goodCreds offers one credential per protocol, the one devices accept.
func goodCreds(protos ...oobkit.Protocol) StaticCredentials {
	s := StaticCredentials{}
	for _, p := range protos {
		s[p] = []NamedCredential{{Name: "default", Credential: oobkit.UserPassword("admin", "good")}}
	}
	return s
}

var allProtos = []oobkit.Protocol{oobkit.AMT, oobkit.DASH, oobkit.IPMI, oobkit.WMI}

// fastRetry is a retry policy for tests: quick backoff.
var fastRetry = RetryPolicy{Attempts: 3, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
	Classes: []error{oobkit.ErrUnreachable, oobkit.ErrBusy}}

func testRunner(f *fakeFleet, creds Credentials, opts ...Option) *Runner {
	base := []Option{WithProbe(nil), WithRetry(fastRetry), WithTargetTimeout(5 * time.Second)}
	return NewRunner(f.connector(creds, allProtos...), append(base, opts...)...)
}

// fakeAllowed is each protocol's own power gate: Table C-3 for AMT, the
// chassis control rules for IPMI, Windows in S0 for WMI, and for DASH the
// available requested states a DSP1027 computer offers (power on when not
// on, everything else when on).
func fakeAllowed(p oobkit.Protocol, s oobkit.PowerState, a oobkit.PowerAction) error {
	switch p {
	case oobkit.AMT:
		return oobkit.Allowed(s, a)
	case oobkit.IPMI:
		return ipmi.Allowed(s, a, false)
	case oobkit.WMI:
		return wmi.Allowed(s, a)
	}
	if (a.Column() == oobkit.ColumnPowerOn) == s.IsOn() {
		return fmt.Errorf("%w: %v not offered in %v", oobkit.ErrInvalidState, a, s)
	}
	return nil
}
