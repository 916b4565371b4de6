package tasks

import (
	"context"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/traceroute"
)

// TraceRouteTask traces the route from the management station to a
// computer (package traceroute), beside [PortCheckTask]: the RTSM console
// offers both on a computer's menu.
type TraceRouteTask struct {
	// Method is "icmp", "udp" or "" (ICMP where the kernel allows
	// unprivileged ICMP sockets, else UDP).
	Method traceroute.Method `json:"method,omitempty"`
	// MaxHops bounds the trace (0: 30).
	MaxHops int `json:"maxHops,omitempty"`
	// Timeout bounds each probe's wait ("1s"); 0 means 1 s.
	Timeout Duration `json:"timeout,omitempty"`
}

// Kind returns "traceroute".
func (t *TraceRouteTask) Kind() string { return "traceroute" }

// Validate checks the method and bounds.
func (t *TraceRouteTask) Validate() error {
	switch t.Method {
	case traceroute.Auto, traceroute.ICMP, traceroute.UDP:
	default:
		return &oobkit.Error{Op: "traceroute", Class: oobkit.ErrInvalidArgument, Message: "method " + string(t.Method) + " (icmp, udp)"}
	}
	if t.MaxHops < 0 || t.MaxHops > 255 {
		return &oobkit.Error{Op: "traceroute", Class: oobkit.ErrInvalidArgument, Message: "maxHops out of range (1-255)"}
	}
	return nil
}

// Run traces the route to the target's address; its output is a
// *traceroute.Result.
func (t *TraceRouteTask) Run(ctx context.Context, env *Env) (any, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return traceroute.Trace(ctx, env.Target.Address, traceroute.Options{Method: t.Method, MaxHops: t.MaxHops, Timeout: time.Duration(t.Timeout)})
}
