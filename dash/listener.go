package dash

import (
	"log/slog"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/indication"
)

// Listener is an HTTP WS-Eventing sink: it receives the indications DASH
// computers (and Intel AMT devices) push after [Client.ApplyAlerts] or
// [Client.Subscribe], turns each into an oobkit.Event, and acknowledges
// PushWithAck deliveries. Start it with Start("127.0.0.1:0") or serve it as an
// http.Handler; read Events() or give a handler. The implementation is shared
// with package amt's alert indications.
type Listener = indication.Listener

// ListenerOption configures a Listener.
type ListenerOption = indication.Option

// ListenerStats counts what a Listener received, delivered and dropped.
type ListenerStats = indication.Stats

// IndicationHandler receives each event; an error refuses it (a PushWithAck
// delivery is then not acknowledged, so the device sends it again).
type IndicationHandler = indication.Handler

// NewListener returns a listener whose events say Source oobkit.DASH unless
// the subscription named another protocol.
func NewListener(opts ...ListenerOption) *Listener {
	return indication.New(append([]indication.Option{indication.WithSource(oobkit.DASH)}, opts...)...)
}

// WithIndicationHandler delivers events to h instead of the Events channel.
func WithIndicationHandler(h IndicationHandler) ListenerOption { return indication.WithHandler(h) }

// WithListenerBuffer sets the Events channel's size (events beyond it are
// dropped and counted; PushWithAck ones are refused so the device retries).
func WithListenerBuffer(n int) ListenerOption { return indication.WithBuffer(n) }

// WithListenerLogger logs deliveries at debug level.
func WithListenerLogger(l *slog.Logger) ListenerOption { return indication.WithLogger(l) }

// WithListenerMaxBytes caps a delivery's body (default 256 KiB).
func WithListenerMaxBytes(n int64) ListenerOption { return indication.WithMaxBytes(n) }
