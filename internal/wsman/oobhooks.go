package wsman

import (
	"strings"

	"github.com/oobkit/oobkit"
)

// ObserveWith returns the option that reports each HTTP exchange to the
// public oobkit.Hooks h as protocol p talking to target (host:port). The
// operation is the action's last segment and the class ("Get
// AMT_GeneralSettings"); a digest challenge's second request is reported
// again.
func ObserveWith(h oobkit.Hooks, p oobkit.Protocol, target string) Option {
	req := func(ri RequestInfo) oobkit.HookRequest {
		return oobkit.HookRequest{Protocol: p, Target: target, Operation: Operation(ri.Action, ri.ResourceURI)}
	}
	return WithHooks(Hooks{
		OnRequest:  func(ri RequestInfo) { h.Before(req(ri)) },
		OnResponse: func(ri ResponseInfo) { h.After(req(ri.RequestInfo), ri.Duration, ri.Err) },
	})
}

// Operation names a WS-Management request for hooks and logs: the action's
// last path segment and the resource URI's class ("Get CIM_ComputerSystem").
func Operation(action, resourceURI string) string {
	a := action[strings.LastIndexByte(action, '/')+1:]
	if resourceURI == "" {
		return a
	}
	return a + " " + resourceURI[strings.LastIndexByte(resourceURI, '/')+1:]
}
