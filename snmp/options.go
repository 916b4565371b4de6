package snmp

import (
	"context"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/oobkit/oobkit"
)

// Option configures a [Client].
type Option func(*clientConfig)

type clientConfig struct {
	logger         *slog.Logger
	timeout        time.Duration
	retries        int
	version        Version
	maxRepetitions uint32
	maxVarbinds    int
	dial           func(ctx context.Context, network, addr string) (net.Conn, error)
	hooks          oobkit.Hooks
}

func defaultClientConfig() clientConfig {
	return clientConfig{
		logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		timeout:        2 * time.Second,
		retries:        1,
		maxRepetitions: 25,
		maxVarbinds:    20000,
	}
}

// WithLogger sets the logger (default: discard). Secrets are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *clientConfig) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithTimeout sets how long one request waits for its answer before a retry
// (default 2 s). The context's deadline, when sooner, wins.
func WithTimeout(d time.Duration) Option {
	return func(c *clientConfig) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithRetries sets how many times a request is resent (default 1).
func WithRetries(n int) Option {
	return func(c *clientConfig) {
		if n >= 0 {
			c.retries = n
		}
	}
}

// WithVersion forces the SNMP version. The default, [VersionAuto], uses v3
// when the credential has a USM user and v2c otherwise; pass [Version1] for
// agents that only speak v1.
func WithVersion(v Version) Option {
	return func(c *clientConfig) { c.version = v }
}

// WithMaxRepetitions sets the GETBULK max-repetitions of table walks
// (default 25).
func WithMaxRepetitions(n uint32) Option {
	return func(c *clientConfig) {
		if n > 0 {
			c.maxRepetitions = n
		}
	}
}

// WithMaxVarbinds caps how many variables one table walk may return
// (default 20000), so a misbehaving agent cannot grow a walk without end.
func WithMaxVarbinds(n int) Option {
	return func(c *clientConfig) {
		if n > 0 {
			c.maxVarbinds = n
		}
	}
}

// WithDialContext opens the client's socket with f instead of a UDP dial of
// the target (a tunnel, a test network, a bound source address): f is
// called once, on the first request, with network "udp" and the agent's
// host:port, and must return a datagram-preserving net.Conn. The client
// closes it on Close.
func WithDialContext(f func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *clientConfig) { c.dial = f }
}

// WithHooks reports each SNMP operation to h (metrics, tracing), with
// Protocol snmp and the operation's name ("Get", "BulkWalk").
func WithHooks(h oobkit.Hooks) Option { return func(c *clientConfig) { c.hooks = h } }
