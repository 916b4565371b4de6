package ipmitest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/bougou/go-ipmi/pkg/bmc"
	"github.com/bougou/go-ipmi/pkg/hal"
	"github.com/bougou/go-ipmi/pkg/hal/mock"
	"github.com/bougou/go-ipmi/pkg/server"
	"github.com/bougou/go-ipmi/pkg/transport/udp"
	"github.com/bougou/go-ipmi/pkg/types"

	"github.com/oobkit/oobkit"
)

// Default credentials of an embedded BMC.
const (
	BMCUser     = "ADMIN"
	BMCPassword = "ADMIN"
)

// Config configures the embedded BMC [NewServer] starts. The zero value is
// usable.
type Config struct {
	// Name is the target name (default "bmc-<port>").
	Name string
	// Username and Password of the administrator (default [BMCUser] /
	// [BMCPassword]).
	Username, Password string
	// Power is the host's initial power state, a row of Table C-3 as every
	// oobkit simulator's Config takes it: S0 and Legacy ON are on, every
	// other row off. The zero value (unknown) starts the host off.
	Power oobkit.PowerState
	// Missing lists what the BMC lacks although Get Device ID announces it,
	// as real BMCs do: "FRU" (FRU device 0 holds no data, so reading it
	// fails with completion code 0xCB) and "SDR" (the BMC has no SDR
	// repository: Get SDR Repository Info and Get SDR are refused).
	Missing []string
}

// Server is go-ipmi's reference BMC server (pkg/server with the in-memory
// pkg/hal/mock hardware) listening on 127.0.0.1 on a free UDP port. It speaks
// RMCP+ with cipher suites 3 and 17, and answers chassis, boot, device-ID,
// FRU and SDR commands. It costs one UDP socket and a few goroutines, so a
// test can run a thousand of them. It has the shape every oobkit simulator
// shares (NewServer, Target, Credential, Close).
type Server struct {
	name               string
	username, password string
	port               int
	hal                *mock.HAL
	srv                *server.Server
	done               chan struct{}
	closeOnce          sync.Once
}

// NewServer starts one embedded BMC on 127.0.0.1. Close stops it.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Username == "" {
		cfg.Username = BMCUser
	}
	if cfg.Password == "" {
		cfg.Password = BMCPassword
	}
	conn, err := udp.Listen("127.0.0.1:0", udp.WithReadTimeout(0))
	if err != nil {
		return nil, err
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	if cfg.Name == "" {
		cfg.Name = fmt.Sprintf("bmc-%d", port)
	}
	h := mock.New()
	if err := seedHAL(h, cfg); err != nil {
		_ = conn.Close()
		return nil, err
	}
	guid := sha256.Sum256([]byte(cfg.Name))
	var g [16]byte
	copy(g[:], guid[:16])
	b := bmc.New(bmc.DeviceInfo{
		DeviceID: 0x20, DeviceRevision: 1, FirmwareMajor: 1, FirmwareMinor: 0x10, IPMIVersion: 0x20,
		ManufacturerID: 0x0157, ProductID: 0x0001, AdditionalDeviceSupport: 0x0D, // chassis, SDR repo, sensor device
	}, g, bmcHAL(h, cfg))
	u, err := b.Users.Add(2, cfg.Username)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	u.SetPassword([]byte(cfg.Password))
	u.Enabled = true
	u.ChannelAccess[1] = bmc.UserChannelAccess{MaxPrivilege: bmc.PrivilegeLevelAdministrator, Enabled: true}

	e := &Server{name: cfg.Name, username: cfg.Username, password: cfg.Password, port: port, hal: h,
		srv: server.NewServer(b, conn), done: make(chan struct{})}
	go func() {
		defer close(e.done)
		_ = e.srv.Serve(context.Background())
	}()
	return e, nil
}

// seedHAL sets the initial power state and writes a FRU (board + product)
// and an SDR repository (MC locator, one temperature sensor).
func seedHAL(h *mock.HAL, cfg Config) error {
	ctx := context.Background()
	if err := h.Chassis().SetPower(ctx, cfg.Power.IsOn()); err != nil {
		return err
	}
	if !slices.Contains(cfg.Missing, "FRU") {
		if err := seedFRU(h, cfg); err != nil {
			return err
		}
	}
	return h.Storage().SDR().Write(ctx, 1, types.PackMCLocator(types.MCLocatorPackOpts{RecordID: 1, Name: "EmbeddedBMC"}))
}

// seedFRU writes FRU device 0: board and product areas.
func seedFRU(h *mock.HAL, cfg Config) error {
	ctx := context.Background()
	fru, err := types.PackFRU(types.FRUPackConfig{
		Board:   &types.FRUPackBoard{MfgDate: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Mfg: "oobkit", Product: "EmbeddedBoard", Serial: "B-" + cfg.Name, PartNumber: "EB-1"},
		Product: &types.FRUPackProduct{Manufacturer: "oobkit", Name: "Embedded BMC", PartModel: "EMB-1", Version: "1.0", Serial: cfg.Name},
	})
	if err != nil {
		return err
	}
	return h.Storage().FRU().Write(ctx, 0, fru)
}

// Target returns the BMC as an oobkit target: 127.0.0.1 with the port in
// Ports[oobkit.IPMI].
func (b *Server) Target() oobkit.Target {
	return oobkit.Target{Name: b.name, Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.IPMI: b.port}}
}

// Credential returns the administrator credential.
func (b *Server) Credential() oobkit.Credential { return oobkit.UserPassword(b.username, b.password) }

// Port is the UDP port at 127.0.0.1.
func (b *Server) Port() int { return b.port }

// PowerOn reports the simulated host's power.
func (b *Server) PowerOn() bool {
	on, _ := b.hal.Chassis().PowerState(context.Background())
	return on
}

// SetPowerOn changes the simulated host's power from the "hardware" side.
func (b *Server) SetPowerOn(on bool) { _ = b.hal.Chassis().SetPower(context.Background(), on) }

// BootFlags returns the boot flags the BMC holds (nil if never set).
func (b *Server) BootFlags() *types.BootOptionParam_BootFlags {
	f, err := b.hal.Chassis().GetBootFlags(context.Background())
	if err != nil {
		return nil
	}
	return f
}

// Chassis exposes the mock hardware's chassis for counters (resets, cycles,
// identify seconds).
func (b *Server) Chassis() hal.ChassisHAL { return b.hal.Chassis() }

// Close stops the server and waits for its loop to end. It is idempotent.
func (b *Server) Close() error {
	b.closeOnce.Do(func() {
		_ = b.srv.Close()
		<-b.done
	})
	return nil
}

// Fleet is a set of embedded BMCs started together.
type Fleet struct {
	BMCs []*Server
}

// NewFleet starts n embedded BMCs, all with cfg (each named
// "<cfg.Name or bmc>-<i>"). On error the ones already started are closed.
func NewFleet(n int, cfg Config) (*Fleet, error) {
	if n < 0 {
		return nil, errors.New("ipmitest: negative fleet size")
	}
	prefix := cfg.Name
	if prefix == "" {
		prefix = "bmc"
	}
	f := &Fleet{BMCs: make([]*Server, 0, n)}
	for i := 0; i < n; i++ {
		c := cfg
		c.Name = fmt.Sprintf("%s-%d", prefix, i)
		b, err := NewServer(c)
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("ipmitest: start BMC %d of %d: %w", i+1, n, err)
		}
		f.BMCs = append(f.BMCs, b)
	}
	return f, nil
}

// Targets returns the targets of every BMC, in order.
func (f *Fleet) Targets() []oobkit.Target {
	out := make([]oobkit.Target, len(f.BMCs))
	for i, b := range f.BMCs {
		out[i] = b.Target()
	}
	return out
}

// Close stops every BMC.
func (f *Fleet) Close() error {
	var wg sync.WaitGroup
	for _, b := range f.BMCs {
		wg.Add(1)
		go func() { defer wg.Done(); _ = b.Close() }()
	}
	wg.Wait()
	return nil
}

// noSDRStorage is a BMC's storage without an SDR repository.
type noSDRStorage struct{ hal.StorageHAL }

// SDR returns nil: there is no SDR repository.
func (noSDRStorage) SDR() hal.SDRStore { return nil }

// noSDRHAL is mock hardware whose storage has no SDR repository.
type noSDRHAL struct{ *mock.HAL }

// Storage returns the FRU store without the SDR repository.
func (h noSDRHAL) Storage() hal.StorageHAL { return noSDRStorage{h.HAL.Storage()} }

// bmcHAL returns the hardware the BMC serves: h, without its SDR
// repository when cfg.Missing says "SDR".
func bmcHAL(h *mock.HAL, cfg Config) hal.HAL {
	if slices.Contains(cfg.Missing, "SDR") {
		return noSDRHAL{h}
	}
	return h
}
