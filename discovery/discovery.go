// Package discovery finds what each address of a range offers for
// out-of-band management: Intel AMT (16992/16993), DASH (623/664 TCP),
// IPMI (RMCP presence ping and Get Channel Authentication Capabilities on
// 623 UDP), ASF (presence ping), SNMP (sysDescr with a given community)
// and WMI/WinRM (5985/5986). It is the field notes' "Out of Band
// Discovery": "select the data class OOB Capability. This will give you
// the details of AMT" — one [Record] per address, each protocol's
// presence, version and state.
//
// Probes are unauthenticated unless the caller hands credentials: the AMT
// firmware version comes from the HTTP Server header AMT sends with every
// answer, its provisioning state and mode from amt's Detect when an AMT
// credential is given; DASH and WinRM are "present, authentication
// required" from an answer to WS-Management Identify without credentials,
// and identified (vendor, version) with one. Nothing is changed on any
// computer.
//
// Why a package of its own rather than a task in package tasks: a task
// runs per known target through a Connector and its credential sources;
// discovery scans addresses nobody has named yet, port by port, mostly
// without credentials, and products want it without the job machinery.
// A task kind can wrap [Range] later.
package discovery

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/oobkit/oobkit"
)

// Finding is what one protocol showed at one address.
type Finding struct {
	Protocol oobkit.Protocol `json:"protocol"`
	// Present says the protocol answered as itself.
	Present bool `json:"present"`
	// Ports lists the ports that answered as the protocol.
	Ports []int `json:"ports,omitempty"`
	// TLS says the protocol answered on its TLS port (AMT 16993, DASH 664,
	// WinRM 5986).
	TLS bool `json:"tls,omitempty"`
	// Version is the firmware or product version the protocol reported.
	Version string `json:"version,omitempty"`
	// State is the protocol's own state in words: AMT's provisioning state,
	// "authentication required", ASF's system state…
	State string `json:"state,omitempty"`
	// Details holds the rest (provisioning mode, vendor, IPMI auth types,
	// AMT "tlsOnly" for firmware 16.1 and later…).
	Details map[string]string `json:"details,omitempty"`
	// Class is the error class that ended the probe (unreachable,
	// not-detected, auth…) when the protocol is absent, or when a
	// credentialed step after detection failed.
	Class string `json:"class,omitempty"`
}

// Record is the "OOB Capability" of one address.
type Record struct {
	Address string `json:"address"`
	// Findings has one entry per probed protocol, in Config.Protocols order.
	Findings []Finding `json:"findings"`
}

// Offers lists the protocols present at the address.
func (r Record) Offers() []oobkit.Protocol {
	var out []oobkit.Protocol
	for _, f := range r.Findings {
		if f.Present {
			out = append(out, f.Protocol)
		}
	}
	return out
}

// Finding returns the finding of protocol p.
func (r Record) Finding(p oobkit.Protocol) (Finding, bool) {
	for _, f := range r.Findings {
		if f.Protocol == p {
			return f, true
		}
	}
	return Finding{}, false
}

// Config says what to probe and how hard.
type Config struct {
	// Protocols to probe, in report order. Empty means AMT, DASH, IPMI,
	// ASF and WMI, plus SNMP when Community is set.
	Protocols []oobkit.Protocol
	// Ports overrides a protocol's plain port (AMT 16992, DASH 623/tcp,
	// IPMI and ASF 623/udp, WMI 5985, SNMP 161/udp).
	Ports map[oobkit.Protocol]int
	// TLSPorts overrides a protocol's TLS port (AMT 16993, DASH 664,
	// WMI 5986); 0 skips nothing, -1 skips the TLS probe.
	TLSPorts map[oobkit.Protocol]int
	// Community is the SNMP v2c community sysDescr is read with; SNMP is
	// probed only when it is set (an agent stays silent on a wrong one).
	Community oobkit.Secret
	// Credentials are optional per-protocol credentials: AMT's yields the
	// provisioning state and mode; DASH's and WMI's an authenticated
	// Identify; ASF's a system state read through an RSP session.
	Credentials map[oobkit.Protocol]oobkit.Credential
	// Concurrency bounds the addresses probed at once (default 64).
	Concurrency int
	// Timeout bounds each probe of one protocol at one address
	// (default 2s).
	Timeout time.Duration
	// MaxAddresses refuses larger ranges (default 65536).
	MaxAddresses int
	// Logger receives one debug line per probe (default: discard).
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if len(c.Protocols) == 0 {
		c.Protocols = []oobkit.Protocol{oobkit.AMT, oobkit.DASH, oobkit.IPMI, oobkit.ASF, oobkit.WMI}
		if !c.Community.IsZero() {
			c.Protocols = append(c.Protocols, oobkit.SNMP)
		}
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 64
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Second
	}
	if c.MaxAddresses <= 0 {
		c.MaxAddresses = 65536
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// port returns the port of p, plain or TLS; 0 means "do not probe".
func (c Config) port(p oobkit.Protocol, tls bool) int {
	m := c.Ports
	if tls {
		m = c.TLSPorts
	}
	if n, ok := m[p]; ok {
		if n < 0 {
			return 0
		}
		if n > 0 {
			return n
		}
	}
	return p.DefaultPort(tls)
}

// Addresses expands a CIDR range ("10.0.0.0/24") or a single address into
// its addresses, network and broadcast addresses of IPv4 ranges shorter
// than /31 excluded, refusing more than max.
func Addresses(cidr string, max int) ([]netip.Addr, error) {
	pfx, err := netip.ParsePrefix(cidr)
	if err != nil {
		a, aerr := netip.ParseAddr(cidr)
		if aerr != nil {
			return nil, fmt.Errorf("%w: discovery: %q is not a CIDR range or an address", oobkit.ErrInvalidArgument, cidr)
		}
		pfx = netip.PrefixFrom(a, a.BitLen())
	}
	pfx = pfx.Masked()
	hostBits := pfx.Addr().BitLen() - pfx.Bits()
	if hostBits > 30 || (max > 0 && 1<<hostBits > max+2) {
		return nil, fmt.Errorf("%w: discovery: %s has more than %d addresses", oobkit.ErrInvalidArgument, cidr, max)
	}
	var out []netip.Addr
	for a := pfx.Addr(); pfx.Contains(a); a = a.Next() {
		out = append(out, a)
		if !a.Next().IsValid() {
			break
		}
	}
	if pfx.Addr().Is4() && hostBits >= 2 {
		out = out[1 : len(out)-1]
	}
	return out, nil
}

// Range probes every address of cidr with cfg and returns one record per
// address, in address order. It stops early, with what it has and the
// context's error, when ctx ends.
func Range(ctx context.Context, cidr string, cfg Config) ([]Record, error) {
	cfg = cfg.withDefaults()
	addrs, err := Addresses(cidr, cfg.MaxAddresses)
	if err != nil {
		return nil, err
	}
	return Scan(ctx, addrs, cfg)
}

// Scan probes the given addresses with at most cfg.Concurrency in flight.
func Scan(ctx context.Context, addrs []netip.Addr, cfg Config) ([]Record, error) {
	cfg = cfg.withDefaults()
	out := make([]Record, len(addrs))
	sem := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
	for i, a := range addrs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return slices.DeleteFunc(out, func(r Record) bool { return r.Address == "" }), ctx.Err()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = Probe(ctx, a.String(), cfg)
		}()
	}
	wg.Wait()
	return out, ctx.Err()
}

// Probe finds what one address offers. The protocols are probed at the
// same time, each bounded by cfg.Timeout.
func Probe(ctx context.Context, addr string, cfg Config) Record {
	cfg = cfg.withDefaults()
	rec := Record{Address: addr, Findings: make([]Finding, len(cfg.Protocols))}
	var wg sync.WaitGroup
	for i, p := range cfg.Protocols {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
			defer cancel()
			f := probe(pctx, addr, p, cfg)
			f.Protocol = p
			cfg.Logger.Debug("discovery probe", "address", addr, "protocol", p, "present", f.Present, "class", f.Class)
			rec.Findings[i] = f
		}()
	}
	wg.Wait()
	return rec
}

func probe(ctx context.Context, addr string, p oobkit.Protocol, cfg Config) Finding {
	switch p {
	case oobkit.AMT:
		return probeAMT(ctx, addr, cfg)
	case oobkit.DASH:
		return probeDASH(ctx, addr, cfg)
	case oobkit.WMI:
		return probeWMI(ctx, addr, cfg)
	case oobkit.IPMI:
		return probeIPMI(ctx, addr, cfg)
	case oobkit.ASF:
		return probeASF(ctx, addr, cfg)
	case oobkit.SNMP:
		return probeSNMP(ctx, addr, cfg)
	}
	return Finding{Class: oobkit.ClassName(oobkit.ErrUnsupported)}
}
