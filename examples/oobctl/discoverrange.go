package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/discovery"
)

// cmdDiscoverRange is "discover --range CIDR": the field notes' Out of
// Band Discovery over addresses nobody named yet (package discovery), one
// OOB Capability record per address. --port/--tls-port PROTO=N override a
// protocol's port; the SNMP community comes from $OOBKIT_SNMP_COMMUNITY;
// --user (password in $OOBKIT_PASSWORD) adds the credentialed steps for
// AMT, DASH and WMI (provisioning state, authenticated Identify).
func (a *app) cmdDiscoverRange(ctx context.Context, cidr string, ports, tlsPorts []string, probeTimeout time.Duration) error {
	cfg := discovery.Config{Concurrency: a.opt.concurrency, Timeout: probeTimeout}
	var err error
	if cfg.Ports, err = portMap(ports); err != nil {
		return err
	}
	if cfg.TLSPorts, err = portMap(tlsPorts); err != nil {
		return err
	}
	if c := a.getenv("OOBKIT_SNMP_COMMUNITY"); c != "" {
		cfg.Community = oobkit.NewSecret(c)
	}
	if a.opt.protocols != "" {
		for _, s := range strings.Split(a.opt.protocols, ",") {
			p, err := oobkit.ParseProtocol(s)
			if err != nil {
				return usagef("%v", err)
			}
			cfg.Protocols = append(cfg.Protocols, p)
		}
	}
	if a.opt.user != "" {
		creds, err := a.credentials(ctx)
		if err != nil {
			return err
		}
		cfg.Credentials = map[oobkit.Protocol]oobkit.Credential{}
		for _, p := range []oobkit.Protocol{oobkit.AMT, oobkit.DASH, oobkit.WMI} {
			if list, _ := creds.Candidates(ctx, oobkit.Target{Address: cidr}, p); len(list) > 0 {
				cfg.Credentials[p] = list[0].Credential
			}
		}
	}
	if _, err := discovery.Addresses(cidr, 65536); err != nil {
		return usagef("%v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, a.opt.timeout)
	defer cancel()
	recs, err := discovery.Range(ctx, cidr, cfg)
	if a.opt.json {
		if werr := writeJSON(a.stdout, recs); werr != nil {
			return werr
		}
	} else {
		writeCapabilities(a, recs)
	}
	return err
}

// portMap reads PROTO=PORT pairs.
func portMap(pairs []string) (map[oobkit.Protocol]int, error) {
	m := map[oobkit.Protocol]int{}
	for _, kv := range pairs {
		k, v, ok := strings.Cut(kv, "=")
		p, err := oobkit.ParseProtocol(k)
		n, nerr := strconv.Atoi(v)
		if !ok || err != nil || nerr != nil || n < -1 || n > 65535 {
			return nil, usagef("want PROTOCOL=PORT (e.g. amt=16992, -1 skips a TLS port), got %q", kv)
		}
		m[p] = n
	}
	return m, nil
}

// writeCapabilities prints one line per address that offers something:
// each protocol with its version and state.
func writeCapabilities(a *app, recs []discovery.Record) {
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tPROTOCOL\tVERSION\tSTATE\tTLS")
	silent := 0
	for _, r := range recs {
		if len(r.Offers()) == 0 {
			silent++
			continue
		}
		for _, f := range r.Findings {
			if f.Present {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\n", r.Address, f.Protocol, orDash(f.Version), orDash(f.State), f.TLS)
			}
		}
	}
	_ = tw.Flush()
	fmt.Fprintf(a.stdout, "%d addresses, %d offer nothing\n", len(recs), silent)
}

// discoverRangeFlags adds discover's range flags to fs.
func discoverRangeFlags(fs *flag.FlagSet, cidr *string, ports, tlsPorts *[]string, probeTimeout *time.Duration) {
	fs.StringVar(cidr, "range", "", "")
	fs.Func("port", "", func(s string) error { *ports = append(*ports, s); return nil })
	fs.Func("tls-port", "", func(s string) error { *tlsPorts = append(*tlsPorts, s); return nil })
	fs.DurationVar(probeTimeout, "probe-timeout", 2*time.Second, "")
}
