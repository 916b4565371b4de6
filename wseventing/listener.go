package wseventing

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Handler receives each event. Returning an error refuses the delivery: a
// PushWithAck delivery is then not acknowledged, so the device sends it again.
type Handler func(ctx context.Context, ev oobkit.Event) error

// Option configures a [Listener].
type Option func(*Listener)

// WithHandler delivers events to h instead of the Events channel. h runs on
// the HTTP request's goroutine before the acknowledgement is sent.
func WithHandler(h Handler) Option { return func(l *Listener) { l.handler = h } }

// WithSource sets the protocol events are tagged with when the delivery does
// not say (reference parameter [RefProtocol]); default oobkit.DASH.
func WithSource(p oobkit.Protocol) Option { return func(l *Listener) { l.source = p } }

// WithBuffer sets the Events channel's capacity (default 256).
func WithBuffer(n int) Option {
	return func(l *Listener) {
		if n > 0 {
			l.buffer = n
		}
	}
}

// WithMaxBytes caps one delivery (default [DefaultMaxBytes]).
func WithMaxBytes(n int64) Option {
	return func(l *Listener) {
		if n > 0 {
			l.maxBytes = n
		}
	}
}

// WithLogger sets the logger (default: discard).
func WithLogger(lg *slog.Logger) Option {
	return func(l *Listener) {
		if lg != nil {
			l.log = lg
		}
	}
}

// Stats counts what a listener did.
type Stats struct {
	// Deliveries is the number of HTTP requests parsed as events.
	Deliveries int64
	// Events is the number of events handed on.
	Events int64
	// Acks is the number of acknowledgements sent.
	Acks int64
	// Rejected counts requests that were not valid events.
	Rejected int64
	// Dropped counts push events lost because the Events channel was full
	// (PushWithAck events are refused instead, so the device retries).
	Dropped int64
}

// Listener is an HTTP WS-Eventing sink. It is an http.Handler (mount it on
// your own server) and can serve itself on a loopback or any address with
// [Listener.Start]. It is safe for concurrent use.
type Listener struct {
	handler  Handler
	source   oobkit.Protocol
	buffer   int
	maxBytes int64
	log      *slog.Logger
	events   chan oobkit.Event

	deliveries, evCount, acks, rejected, dropped atomic.Int64

	mu     sync.Mutex
	srv    *http.Server
	ln     net.Listener
	closed bool
}

// New returns a listener. Without [WithHandler], events go to the channel
// returned by [Listener.Events].
func New(opts ...Option) *Listener {
	l := &Listener{source: oobkit.DASH, buffer: 256, maxBytes: DefaultMaxBytes,
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, o := range opts {
		o(l)
	}
	if l.handler == nil {
		l.events = make(chan oobkit.Event, l.buffer)
	}
	return l
}

// Events returns the channel events arrive on (nil when a handler is set).
// It is never closed: stop reading when you close the listener.
func (l *Listener) Events() <-chan oobkit.Event { return l.events }

// Stats returns the counters.
func (l *Listener) Stats() Stats {
	return Stats{Deliveries: l.deliveries.Load(), Events: l.evCount.Load(), Acks: l.acks.Load(),
		Rejected: l.rejected.Load(), Dropped: l.dropped.Load()}
}

// ServeHTTP receives one delivery.
func (l *Listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "events are POSTed", http.StatusMethodNotAllowed)
		return
	}
	d, err := Parse(r.Body, l.maxBytes)
	if err != nil {
		l.rejected.Add(1)
		l.log.Debug("indication rejected", "remote", r.RemoteAddr, "error", err)
		http.Error(w, "not a WS-Management event", http.StatusBadRequest)
		return
	}
	l.deliveries.Add(1)
	source := l.source
	if p := oobkit.Protocol(d.ReferenceParameters[RefProtocol]); p.Valid() {
		source = p
	}
	target := d.ReferenceParameters[RefTarget]
	if target == "" {
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			target = host
		}
	}
	for _, in := range d.Indications {
		ev := in.Event(source, target)
		if err := l.deliver(r.Context(), ev, d.AckRequested); err != nil {
			l.log.Debug("indication refused", "remote", r.RemoteAddr, "error", err)
			http.Error(w, "event not accepted", http.StatusServiceUnavailable)
			return
		}
	}
	if !d.AckRequested {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	l.acks.Add(1)
	writeAck(w, d.MessageID)
}

var errFull = errors.New("wseventing: event buffer full")

func (l *Listener) deliver(ctx context.Context, ev oobkit.Event, ack bool) error {
	if l.handler != nil {
		if err := l.handler(ctx, ev); err != nil {
			return err
		}
		l.evCount.Add(1)
		return nil
	}
	select {
	case l.events <- ev:
		l.evCount.Add(1)
		return nil
	default:
	}
	if ack {
		return errFull
	}
	l.dropped.Add(1)
	return nil
}

// writeAck answers a PushWithAck delivery (DSP0226 §10.2.9.3): action
// wsman Ack, RelatesTo the event's MessageID, an empty body.
func writeAck(w http.ResponseWriter, relatesTo string) {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	env := doc.CreateElement("s:Envelope")
	env.CreateAttr("xmlns:s", wsman.NSSOAP)
	env.CreateAttr("xmlns:a", wsman.NSAddressing)
	hdr := env.CreateElement("s:Header")
	hdr.CreateElement("a:To").SetText(wsman.AnonymousAddress)
	hdr.CreateElement("a:Action").SetText(wsman.ActionAck)
	hdr.CreateElement("a:MessageID").SetText(wsman.NewMessageID())
	if relatesTo != "" {
		hdr.CreateElement("a:RelatesTo").SetText(relatesTo)
	}
	env.CreateElement("s:Body")
	var buf bytes.Buffer
	_, _ = doc.WriteTo(&buf)
	w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// Start serves the listener on addr ("127.0.0.1:0" picks a free port).
func (l *Listener) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.srv != nil || l.closed {
		ln.Close()
		return errors.New("wseventing: listener already started or closed")
	}
	l.ln = ln
	l.srv = &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	srv := l.srv
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// URL returns the address devices push to ("http://127.0.0.1:port/"), or ""
// before Start.
func (l *Listener) URL() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln == nil {
		return ""
	}
	return "http://" + l.ln.Addr().String() + "/"
}

// Close stops serving. Events already in the channel stay readable.
func (l *Listener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.srv == nil {
		return nil
	}
	return l.srv.Close()
}
