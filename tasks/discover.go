package tasks

import (
	"context"
	"errors"
	"net"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/snmp"
)

// Describer is [oobkit.Describer]: a client that says what it talks to
// (amt, dash, ipmi and asf clients do). Discover uses it when present, and
// otherwise reads the power state to prove the protocol answers.
type Describer = oobkit.Describer

// snmpDetector is package snmp's Client: it reads the system group.
type snmpDetector interface {
	Detect(ctx context.Context) (*snmp.SystemInfo, error)
}

// describeSNMP turns the system group into Presence details.
func describeSNMP(s *snmp.SystemInfo) map[string]string {
	if s == nil {
		return nil
	}
	d := map[string]string{"sysDescr": s.Descr}
	if s.Name != "" {
		d["sysName"] = s.Name
	}
	return d
}

// probeRedirection proves an AMT redirection endpoint is live by
// connecting to its port. Proving the credential would take a redirection
// session (SOL, IDE-R or KVM), which has effects of its own (an open
// session blocks power control), so the details say it was not checked.
func probeRedirection(ctx context.Context, c *redirect.Client) (map[string]string, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", c.Addr())
	if err != nil {
		return nil, &oobkit.Error{Protocol: oobkit.Redirection, Op: "connect", Class: oobkit.ErrUnreachable, Err: err}
	}
	_ = conn.Close()
	return map[string]string{"port": "open", "credential": "not checked (needs a redirection session)"}, nil
}

// DiscoverTask finds which management technologies answer on a computer.
// A client that describes itself ([oobkit.Describer]) answers with its
// details: for AMT the firmware's "Out of Band Discovery" (version,
// provisioning state and mode, TLS and redirection features; an
// unprovisioned AMT counts as answering, with class not-provisioned), for
// DASH its registered profiles, for IPMI the BMC's device ID, for ASF the
// presence pong. SNMP
// answers with its system group (sysDescr, sysName); a redirection
// endpoint answers when its port accepts a connection. To find what the
// addresses of a range offer, without naming targets, see package
// discovery.
type DiscoverTask struct {
	// Protocols limits and orders the protocols probed; empty means all.
	Protocols []oobkit.Protocol `json:"protocols,omitempty"`
}

// Presence is what Discover learned about one protocol.
type Presence struct {
	Protocol oobkit.Protocol `json:"protocol"`
	// Answered says the protocol is there and accepted a credential.
	Answered bool `json:"answered"`
	// Class is the error class when it did not ("unreachable", "auth"…).
	Class string `json:"class,omitempty"`
	// Error is the protocol's own error text when it did not answer, so
	// that "nothing answered" can say what each protocol met.
	Error string `json:"error,omitempty"`
	// Credential names the credential that worked.
	Credential string `json:"credential,omitempty"`
	// Details is what a [Describer] reported (version, provisioning state…).
	Details map[string]string `json:"details,omitempty"`
}

// DiscoverOutput is what a [DiscoverTask] returns.
type DiscoverOutput struct {
	Protocols []Presence `json:"protocols"`
}

// Answering returns the protocols that answered.
func (o *DiscoverOutput) Answering() []oobkit.Protocol {
	var out []oobkit.Protocol
	for _, p := range o.Protocols {
		if p.Answered {
			out = append(out, p.Protocol)
		}
	}
	return out
}

// Kind returns "discover".
func (t *DiscoverTask) Kind() string { return "discover" }

// Run probes every protocol. It fails only when none answers.
func (t *DiscoverTask) Run(ctx context.Context, env *Env) (any, error) {
	order := env.Order()
	if len(t.Protocols) > 0 {
		order = env.Only(t.Protocols...)
	}
	out := &DiscoverOutput{}
	var best error
	for _, p := range order {
		if err := ctx.Err(); err != nil {
			return out, pick(best, err)
		}
		env.rec.try(p)
		pr := Presence{Protocol: p}
		err := env.Session.Use(ctx, p, func(c oobkit.Client) error {
			if id, ok := c.(Describer); ok {
				d, err := id.Describe(ctx)
				pr.Details = d
				return err
			}
			// SNMP and redirection clients read no power state; probing them
			// for one reported a live endpoint as unsupported.
			if sd, ok := c.(snmpDetector); ok {
				sys, err := sd.Detect(ctx)
				pr.Details = describeSNMP(sys)
				return err
			}
			if rc, ok := c.(*redirect.Client); ok {
				d, err := probeRedirection(ctx, rc)
				pr.Details = d
				return err
			}
			r, err := Capability[oobkit.PowerStateReader](c, "power state")
			if err != nil {
				return err
			}
			_, err = r.PowerState(ctx)
			return err
		})
		if err == nil || (errors.Is(err, oobkit.ErrNotProvisioned) && pr.Details != nil) {
			pr.Answered = true
			pr.Credential = env.Session.CredentialName(p)
			if env.rec.protocol == "" {
				env.rec.protocol = p
			}
		}
		if err != nil {
			pr.Class = oobkit.ClassName(err)
			pr.Error = err.Error()
			best = pick(best, err)
		}
		out.Protocols = append(out.Protocols, pr)
	}
	if len(out.Answering()) == 0 {
		if best == nil {
			best = &oobkit.Error{Op: "discover", Class: oobkit.ErrNotDetected, Message: "no protocol configured"}
		}
		return out, best
	}
	return out, nil
}
