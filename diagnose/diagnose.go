// Package diagnose runs the field notes' troubleshooting playbook and the
// RTSM guide's Table B-1 ("Possible reasons of real time connection
// errors") for a computer whose job failed, and names the most likely
// cause in the guide's words with the next step.
//
// For Intel AMT it walks the notes' "Power State Unknown" steps (the same
// credential profile, a profile with only AMT, the runtime profile, another
// AMT function such as the inventory when power fails, the provisioning
// question, Out of Band Discovery), their "AMT Not Detected" section and
// "Authentication Troubleshooting": reachability per port, detection,
// provisioning state, TLS against plain, each credential, the stored
// power state. For DASH, WMI, IPMI and SNMP it applies Table B-1 to what
// the ports and an Out of Band Discovery probe show.
//
// Nothing is changed on the computer: [Run] only reads. The one action a
// diagnosis may propose ([Diagnosis.Fix], today only a reboot through the
// OS agent to reset the power state stored in the Intel ME) is carried out
// only when the request names it in [Request.Fix].
package diagnose

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/discovery"
	"github.com/oobkit/oobkit/profile"
)

// Cause names a cause of failure.
type Cause string

// The causes the playbook and Table B-1 tell apart.
const (
	// CauseNone: everything the diagnosis tried worked.
	CauseNone Cause = "none"
	// CauseUnreachable: nothing answers at the address.
	CauseUnreachable Cause = "unreachable"
	// CauseNotAMT: the computer answers but AMT does not.
	CauseNotAMT Cause = "amt-not-detected"
	// CauseNotProvisioned: AMT answers but is not configured.
	CauseNotProvisioned Cause = "not-provisioned"
	// CauseTLSMismatch: AMT answers only over the transport the profile
	// does not use.
	CauseTLSMismatch Cause = "tls-mismatch"
	// CauseProfileWithoutProtocol: the profile does not enable the
	// protocol.
	CauseProfileWithoutProtocol Cause = "profile-without-protocol"
	// CauseCredentials: the credential is refused and no other known one
	// works.
	CauseCredentials Cause = "credentials"
	// CauseRuntimeCredential: the profile's credential is refused, one of
	// the runtime profile works.
	CauseRuntimeCredential Cause = "runtime-credential"
	// CausePowerStateUnknown: AMT answers other functions but its stored
	// power state is unknown (14).
	CausePowerStateUnknown Cause = "power-state-unknown"
	// CauseAMTNotWorking: AMT authenticates but no function works.
	CauseAMTNotWorking Cause = "amt-not-working"
	// CauseFirewall: the computer answers, the protocol's ports do not
	// (WMI: "The firewall does not allow incoming WMI connections.").
	CauseFirewall Cause = "firewall"
	// CauseNotCapable: the computer answers but not with the protocol
	// (DASH, IPMI).
	CauseNotCapable Cause = "not-capable"
	// CauseSNMPNotRunning: the SNMP port is closed.
	CauseSNMPNotRunning Cause = "snmp-not-running"
	// CauseSNMPCommunity: the SNMP agent stays silent.
	CauseSNMPCommunity Cause = "snmp-community"
)

// Action is the one change a diagnosis may propose.
type Action string

// The actions.
const (
	// ActionNone proposes nothing.
	ActionNone Action = ""
	// ActionRebootOS reboots the computer through its OS agent, to reset
	// the power state stored in the Intel ME (field notes, step 6).
	ActionRebootOS Action = "reboot-os"
)

// Rebooter is the OS agent that can reboot the computer (wmi's Client,
// for example): the fix for an unknown power state.
type Rebooter interface {
	SetPower(ctx context.Context, action oobkit.PowerAction) error
}

// Request is the computer and what the failed job used.
type Request struct {
	// Target is the computer; its port overrides apply to every probe.
	Target oobkit.Target
	// Protocol is the failed job's protocol (default AMT).
	Protocol oobkit.Protocol
	// Profile is the credential profile the job used.
	Profile profile.Profile
	// Runtime, when set, supplies the runtime profile's credentials for
	// the computer ("This contains all known good authentication attempts
	// to the system").
	Runtime *profile.Runtime
	// Timeout bounds each probe (default 3s).
	Timeout time.Duration
	// Fix names the one action to carry out if the diagnosis proposes it;
	// ActionNone changes nothing. Naming another action than the proposed
	// one is refused.
	Fix Action
	// Rebooter carries out ActionRebootOS.
	Rebooter Rebooter
}

// Step is one check of the playbook and its outcome.
type Step struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Port is the reachability of one port.
type Port struct {
	Protocol oobkit.Protocol `json:"protocol"`
	Port     int             `json:"port"`
	TLS      bool            `json:"tls,omitempty"`
	// State is "open", "closed" (refused: the computer is there) or
	// "silent" (no answer).
	State string `json:"state"`
}

// Diagnosis is the outcome.
type Diagnosis struct {
	Target   string          `json:"target"`
	Protocol oobkit.Protocol `json:"protocol"`
	// Cause is the most likely cause; Words says it as the guide or the
	// field notes do; Next is the next step.
	Cause Cause  `json:"cause"`
	Words string `json:"words"`
	Next  string `json:"next"`
	// Fix is the one action proposed (ActionNone: none).
	Fix Action `json:"fix,omitempty"`
	// Fixed says the fix was carried out (Request.Fix named it);
	// FixError why it failed.
	Fixed    bool   `json:"fixed,omitempty"`
	FixError string `json:"fixError,omitempty"`
	// Ports and Steps are what the diagnosis saw, in order.
	Ports []Port `json:"ports"`
	Steps []Step `json:"steps"`
	// PowerState is AMT's stored power state when it was read.
	PowerState string `json:"powerState,omitempty"`
}

// String is the one-line verdict: "power state unknown (14): …; next: …".
func (d *Diagnosis) String() string {
	return fmt.Sprintf("%s: %s; next: %s", d.Cause, d.Words, d.Next)
}

func (d *Diagnosis) step(name string, ok bool, format string, args ...any) {
	d.Steps = append(d.Steps, Step{Name: name, OK: ok, Detail: fmt.Sprintf(format, args...)})
}

func (d *Diagnosis) verdict(c Cause, words, next string) {
	d.Cause, d.Words, d.Next = c, words, next
}

// ErrOtherFix is returned when Request.Fix names another action than the
// one the diagnosis proposes; nothing was changed.
var ErrOtherFix = errors.New("diagnose: the fix named is not the one proposed")

// Run diagnoses the computer. It returns the diagnosis; the error is
// about the request (no address, an unknown protocol) or the fix.
func Run(ctx context.Context, req Request) (*Diagnosis, error) {
	if err := req.Target.Validate(); err != nil {
		return nil, err
	}
	if req.Protocol == "" {
		req.Protocol = oobkit.AMT
	}
	if req.Timeout <= 0 {
		req.Timeout = 3 * time.Second
	}
	d := &Diagnosis{Target: req.Target.String(), Protocol: req.Protocol}
	d.Ports = reachability(ctx, req.Target, req.Timeout)
	switch req.Protocol {
	case oobkit.AMT:
		diagnoseAMT(ctx, req, d)
	case oobkit.DASH, oobkit.WMI, oobkit.IPMI, oobkit.SNMP:
		diagnoseTableB1(ctx, req, d)
	default:
		return nil, fmt.Errorf("%w: diagnose knows AMT, DASH, WMI, IPMI and SNMP, not %q", oobkit.ErrInvalidArgument, req.Protocol)
	}
	if req.Fix == ActionNone {
		return d, nil
	}
	if req.Fix != d.Fix {
		return d, fmt.Errorf("%w: %q named, %q proposed; nothing was changed", ErrOtherFix, req.Fix, d.Fix)
	}
	if err := fix(ctx, req, d); err != nil {
		d.FixError = err.Error()
		return d, err
	}
	d.Fixed = true
	return d, nil
}

func fix(ctx context.Context, req Request, d *Diagnosis) error {
	switch d.Fix {
	case ActionRebootOS:
		if req.Rebooter == nil {
			return errors.New("diagnose: reboot-os needs the OS agent (Request.Rebooter)")
		}
		return req.Rebooter.SetPower(ctx, oobkit.ActionReboot)
	}
	return fmt.Errorf("diagnose: unknown fix %q", d.Fix)
}

// probedPorts are the TCP ports reachability tries: the management
// protocols' plain and TLS ports (with the target's overrides), and the
// WMI/DCOM port 135 the guide's firewall section names.
func probedPorts(t oobkit.Target) []Port {
	var out []Port
	seen := map[int]bool{}
	add := func(p oobkit.Protocol, port int, tls bool) {
		if port > 0 && !seen[port] {
			seen[port] = true
			out = append(out, Port{Protocol: p, Port: port, TLS: tls})
		}
	}
	for _, p := range []oobkit.Protocol{oobkit.AMT, oobkit.DASH, oobkit.WMI} {
		add(p, t.Port(p, false), false)
		add(p, t.Port(p, true), true)
	}
	if _, ok := t.Ports[oobkit.WMI]; !ok {
		add(oobkit.WMI, 135, false)
	}
	return out
}

// reachability dials each port once.
func reachability(ctx context.Context, t oobkit.Target, timeout time.Duration) []Port {
	ports := probedPorts(t)
	var wg sync.WaitGroup
	for i := range ports {
		wg.Go(func() {
			dctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			var dl net.Dialer
			c, err := dl.DialContext(dctx, "tcp", net.JoinHostPort(t.Address, strconv.Itoa(ports[i].Port)))
			switch {
			case err == nil:
				ports[i].State = "open"
				_ = c.Close()
			case errors.Is(err, syscall.ECONNREFUSED):
				ports[i].State = "closed"
			default:
				ports[i].State = "silent"
			}
		})
	}
	wg.Wait()
	return ports
}

// hostAnswers says whether anything answered at the address: an open
// port. A refusal alone is no proof: a router or the console's own stack
// may refuse for an address that is not on the network.
func hostAnswers(ports []Port) bool {
	return slices.ContainsFunc(ports, func(p Port) bool { return p.State == "open" })
}

func openPorts(ports []Port, proto oobkit.Protocol) []int {
	var out []int
	for _, p := range ports {
		if p.Protocol == proto && p.State == "open" {
			out = append(out, p.Port)
		}
	}
	return out
}

// discoveryConfig probes one protocol at the target's ports.
func discoveryConfig(req Request, p oobkit.Protocol, cred *oobkit.Credential) discovery.Config {
	cfg := discovery.Config{Protocols: []oobkit.Protocol{p}, Timeout: req.Timeout,
		Ports: map[oobkit.Protocol]int{}, TLSPorts: map[oobkit.Protocol]int{}}
	if n, ok := req.Target.Ports[p]; ok && n > 0 {
		cfg.Ports[p], cfg.TLSPorts[p] = n, n
	}
	if cred != nil {
		cfg.Credentials = map[oobkit.Protocol]oobkit.Credential{p: *cred}
		if p == oobkit.SNMP {
			cfg.Community = cred.Community
		}
	}
	return cfg
}

// Unreachable is Table B-1's words for a computer nothing answers at, and
// the field notes' "System unreachable".
const (
	wordsUnreachable = "The computer is not connected to the network, or the computer is turned off: System unreachable - The target system is not available on the network (no management port open)"
	nextUnreachable  = "check that the computer is on and connected; then run the job again"
	wordsCredentials = "The connection credentials are incorrect."
)

// syscallRefused is the error of a refused connection or datagram.
var syscallRefused = syscall.ECONNREFUSED
