package wsmansim

import (
	"context"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Host serves many simulated devices on one loopback listener, choosing the
// device by the HTTP Host header ("127.0.0.1:20001"). Clients reach it
// through [Host.DialContext] (or [Host.Transport]), which connects every
// address to the one listener, so a fleet of 10,000 devices costs one
// listening socket. Addresses can be blackholed: dialing them blocks until
// the caller's deadline, like a powered-off network.
type Host struct {
	mu        sync.RWMutex
	devices   map[string]http.Handler
	blackhole map[string]bool
	refused   map[string]bool
	ln        net.Listener
	srv       *http.Server
	conns     atomic.Int64
}

// NewHost returns an empty Host; call Start before dialing.
func NewHost() *Host {
	return &Host{devices: map[string]http.Handler{}, blackhole: map[string]bool{}, refused: map[string]bool{}}
}

// Add serves device d at hostport.
func (h *Host) Add(hostport string, d http.Handler) {
	h.mu.Lock()
	h.devices[strings.ToLower(hostport)] = d
	h.mu.Unlock()
}

// Remove stops serving hostport (requests then get 404 Not Found).
func (h *Host) Remove(hostport string) {
	h.mu.Lock()
	delete(h.devices, strings.ToLower(hostport))
	h.mu.Unlock()
}

// Blackhole makes dials to hostport hang until the caller gives up.
func (h *Host) Blackhole(hostport string) {
	h.mu.Lock()
	h.blackhole[strings.ToLower(hostport)] = true
	h.mu.Unlock()
}

// Refuse makes dials to hostport fail at once with "connection refused",
// like a port nothing listens on.
func (h *Host) Refuse(hostport string) {
	h.mu.Lock()
	h.refused[strings.ToLower(hostport)] = true
	h.mu.Unlock()
}

// ServeHTTP dispatches to the device named by the Host header.
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.RLock()
	d := h.devices[strings.ToLower(r.Host)]
	h.mu.RUnlock()
	if d == nil {
		http.NotFound(w, r)
		return
	}
	d.ServeHTTP(w, r)
}

// Start listens on 127.0.0.1 and serves.
func (h *Host) Start() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	h.ln = ln
	h.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				h.conns.Add(1)
			}
		}}
	go func() { _ = h.srv.Serve(ln) }()
	return nil
}

// Addr is the real listener's address.
func (h *Host) Addr() string { return h.ln.Addr().String() }

// Connections counts TCP connections accepted so far.
func (h *Host) Connections() int64 { return h.conns.Load() }

// DialContext connects any address to the Host's listener, except a
// blackholed one, which blocks until ctx is done.
func (h *Host) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	h.mu.RLock()
	bh := h.blackhole[strings.ToLower(addr)]
	refused := h.refused[strings.ToLower(addr)]
	h.mu.RUnlock()
	if refused {
		return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	if bh {
		<-ctx.Done()
		return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", h.Addr())
}

// Transport returns an http.Transport dialing through the Host, for a fleet
// of clients to share (wsman.WithTransport).
func (h *Host) Transport() *http.Transport {
	return &http.Transport{
		DialContext:         h.DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1,
		IdleConnTimeout:     30 * time.Second,
	}
}

// Close stops the listener.
func (h *Host) Close() error {
	if h.srv == nil {
		return nil
	}
	return h.srv.Close()
}
