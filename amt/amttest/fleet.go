package amttest

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsmantest"
	"github.com/oobkit/oobkit/wsmansim"
)

// FleetConfig describes a fleet.
type FleetConfig struct {
	// Size is the number of devices (at most 65,000).
	Size int
	// Device is the configuration every device starts from.
	Device Config
	// Vary, if set, adjusts device i's configuration (firmware mix,
	// unprovisioned devices, power states…).
	Vary func(i int, c *Config)
}

// Fleet is many simulated devices on one loopback listener
// (wsmansim.Host), addressed 127.1.x.y:16992. A device is built on its
// first request, so an idle fleet of 10,000 costs little more than its
// address table. Clients reach the fleet through Transport. Devices of
// firmware 16.1 and later refuse the connection (no plain port; see
// Generation.TLSOnly).
type Fleet struct {
	host    *wsmantest.Host
	cfg     FleetConfig
	devices []*lazyDevice
	rt      *http.Transport
}

type lazyDevice struct {
	once sync.Once
	cfg  Config
	dev  atomic.Pointer[Device]
}

func (l *lazyDevice) get() *Device {
	l.once.Do(func() { l.dev.Store(NewDevice(l.cfg)) })
	return l.dev.Load()
}

func (l *lazyDevice) ServeHTTP(w http.ResponseWriter, r *http.Request) { l.get().srv.ServeHTTP(w, r) }

// NewFleet starts a fleet.
func NewFleet(cfg FleetConfig) (*Fleet, error) {
	if cfg.Size < 1 || cfg.Size > 65000 {
		return nil, fmt.Errorf("%w: fleet size %d out of 1–65000", oobkit.ErrInvalidArgument, cfg.Size)
	}
	cfg.Device = cfg.Device.withDefaults()
	f := &Fleet{host: wsmantest.NewHost(), cfg: cfg, devices: make([]*lazyDevice, cfg.Size)}
	for i := range f.devices {
		c := cfg.Device
		c.GUID = fmt.Sprintf("%08X0000400080000000%012X", i, i)
		c.HostName = "amt-" + strconv.Itoa(i)
		if cfg.Vary != nil {
			cfg.Vary(i, &c)
		}
		f.devices[i] = &lazyDevice{cfg: c}
		if c.Generation().TLSOnly {
			// AMT 16.1 and later do not listen on 16992 (Generation.TLSOnly);
			// the fleet serves plain HTTP only, so the device is unreachable.
			f.host.Refuse(f.hostPort(i))
			continue
		}
		f.host.Add(f.hostPort(i), f.devices[i])
	}
	if err := f.host.Start(); err != nil {
		return nil, err
	}
	f.rt = f.host.Transport()
	return f, nil
}

func address(i int) string { return fmt.Sprintf("127.1.%d.%d", i/250, i%250+1) }

func (f *Fleet) hostPort(i int) string { return f.Target(i).HostPort(oobkit.AMT, false) }

// Len is the number of devices.
func (f *Fleet) Len() int { return len(f.devices) }

// Target returns device i's target.
func (f *Fleet) Target(i int) oobkit.Target {
	return oobkit.Target{Name: "amt-" + strconv.Itoa(i), Address: address(i)}
}

// Targets returns every device's target.
func (f *Fleet) Targets() []oobkit.Target {
	out := make([]oobkit.Target, len(f.devices))
	for i := range out {
		out[i] = f.Target(i)
	}
	return out
}

// Credential returns device i's credential.
func (f *Fleet) Credential(i int) oobkit.Credential {
	c := f.devices[i].cfg
	return oobkit.UserPassword(c.Username, c.Password)
}

// Device returns device i, building it if it has not answered yet.
func (f *Fleet) Device(i int) *Device { return f.devices[i].get() }

// Built counts the devices that have been built so far.
func (f *Fleet) Built() int {
	n := 0
	for _, d := range f.devices {
		if d.dev.Load() != nil {
			n++
		}
	}
	return n
}

// Transport returns the shared transport that reaches every device (pass
// it with amt.WithTransport).
func (f *Fleet) Transport() http.RoundTripper { return f.rt }

// Host returns the underlying listener (Blackhole, Connections).
func (f *Fleet) Host() *wsmansim.Host { return f.host }

// Close waits for the alerts the built devices are delivering, then stops
// the listener and idle connections.
func (f *Fleet) Close() error {
	for _, d := range f.devices {
		if dev := d.dev.Load(); dev != nil {
			dev.WaitAlerts()
		}
	}
	f.rt.CloseIdleConnections()
	return f.host.Close()
}
