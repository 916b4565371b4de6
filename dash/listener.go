package dash

import (
	"log/slog"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wseventing"
)

// Listener is an HTTP WS-Eventing sink: it receives the indications DASH
// computers (and Intel AMT devices) push after [Client.ApplyAlerts] or
// [Client.Subscribe], turns each into an oobkit.Event, and acknowledges
// PushWithAck deliveries. Start it with Start("127.0.0.1:0") or serve it as an
// http.Handler; read Events() or give a handler. It is package wseventing's
// listener, which AMT users (and DASH users) can use directly.
type Listener = wseventing.Listener

// ListenerOption configures a Listener.
type ListenerOption = wseventing.Option

// ListenerStats counts what a Listener received, delivered and dropped.
type ListenerStats = wseventing.Stats

// IndicationHandler receives each event; an error refuses it (a PushWithAck
// delivery is then not acknowledged, so the device sends it again).
type IndicationHandler = wseventing.Handler

// NewListener returns a listener whose events say Source oobkit.DASH unless
// the subscription named another protocol.
func NewListener(opts ...ListenerOption) *Listener {
	return wseventing.New(append([]wseventing.Option{wseventing.WithSource(oobkit.DASH)}, opts...)...)
}

// WithIndicationHandler delivers events to h instead of the Events channel.
func WithIndicationHandler(h IndicationHandler) ListenerOption { return wseventing.WithHandler(h) }

// WithListenerBuffer sets the Events channel's size (events beyond it are
// dropped and counted; PushWithAck ones are refused so the device retries).
func WithListenerBuffer(n int) ListenerOption { return wseventing.WithBuffer(n) }

// WithListenerLogger logs deliveries at debug level.
func WithListenerLogger(l *slog.Logger) ListenerOption { return wseventing.WithLogger(l) }

// WithListenerMaxBytes caps a delivery's body (default 256 KiB).
func WithListenerMaxBytes(n int64) ListenerOption { return wseventing.WithMaxBytes(n) }
