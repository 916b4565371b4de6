package oobkit

import "time"

// Hooks observe a protocol client's requests without a dependency: attach
// metrics, tracing or an audit trail. Every client (amt, dash, wmi, ipmi,
// snmp, redirect) takes them through its WithHooks option and calls them
// around each request it sends: a WS-Management exchange, an IPMI command,
// an SNMP request, a redirection session's connect and open. Either field
// may be nil. Hooks run synchronously on the calling goroutine, possibly
// from several goroutines at once: keep them cheap and safe for concurrent
// use. They never see secrets.
type Hooks struct {
	// OnRequest runs before each request goes out.
	OnRequest func(HookRequest)
	// OnResponse runs after each request, answered or failed.
	OnResponse func(HookRequest, HookResponse)
}

// HookRequest describes one request a client sends.
type HookRequest struct {
	// Protocol is the client's protocol.
	Protocol Protocol
	// Target is the address the request goes to ("192.0.2.7:16992").
	Target string
	// Operation is what the request asks, in the protocol's own words:
	// a WS-Management action and class ("Get AMT_GeneralSettings"), an
	// IPMI command ("Get Chassis Status"), an SNMP PDU ("GetBulk"), a
	// redirection step ("connect SOL").
	Operation string
}

// HookResponse is how a request ended.
type HookResponse struct {
	// Duration is the time from OnRequest to the answer or the failure.
	Duration time.Duration
	// Err is nil when the request was answered, else why not.
	Err error
}

// Before calls h.OnRequest when set.
func (h Hooks) Before(r HookRequest) {
	if h.OnRequest != nil {
		h.OnRequest(r)
	}
}

// After calls h.OnResponse when set.
func (h Hooks) After(r HookRequest, d time.Duration, err error) {
	if h.OnResponse != nil {
		h.OnResponse(r, HookResponse{Duration: d, Err: err})
	}
}

// Observe calls OnRequest, runs f, then OnResponse with f's duration and
// error; it returns f's error. Clients wrap each request in it.
func (h Hooks) Observe(r HookRequest, f func() error) error {
	if h.OnRequest == nil && h.OnResponse == nil {
		return f()
	}
	h.Before(r)
	start := time.Now()
	err := f()
	h.After(r, time.Since(start), err)
	return err
}
