package redirect

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/tlsconf"
	"github.com/oobkit/oobkit/kerberos"
	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// DialFunc opens a network connection, like (*net.Dialer).DialContext.
// Inject one with [WithDialContext] to tunnel (CIRA, SSH, a test pipe).
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Client opens redirection sessions to one AMT device. It holds only
// configuration, so it is safe for concurrent use; each session it opens is
// a separate TCP connection. AMT allows one session per kind at a time.
type Client struct {
	target oobkit.Target
	cred   oobkit.Credential
	cfg    config
}

type config struct {
	log     *slog.Logger
	timeout time.Duration
	dial    DialFunc
	hooks   oobkit.Hooks
	legacy  bool
	// takeOver ends another console's session on BUSY (WithTakeOver).
	takeOver TakeOverFunc
	// krb holds Kerberos tickets (WithKerberosCache).
	krb *kerberos.Cache
}

// Option configures a Client.
type Option func(*config)

// WithLogger sends protocol events to l (default: discard). Secrets are
// never logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithTimeout bounds each step of session setup (connect, TLS, each reply)
// and each write; default 15 s. The caller's context deadline applies too.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithDialContext replaces the TCP dialer, for tunnels (CIRA, SSH) and
// tests: f is called with network "tcp" and the device's host:port.
func WithDialContext(f func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *config) { c.dial = f }
}

// WithHooks reports each session opening (connect, TLS, the redirection
// handshake and authentication) to h, with Protocol redirection and the
// operation "open SOL", "open IDER" or "open KVMR".
func WithHooks(h oobkit.Hooks) Option { return func(c *config) { c.hooks = h } }

// WithLegacyAuth allows authentication type 1 (user name and password in
// clear) when the device offers no digest, as AMT firmware before 12 may.
// Digest (type 4) is still preferred when offered. A credential whose Auth is
// [oobkit.AuthPassword] opts in as well.
func WithLegacyAuth() Option { return func(c *config) { c.legacy = true } }

// New returns a client for target. The credential's TLS.Enabled selects port
// 16995 (TLS, verified unless TLS.InsecureSkipVerify, or pinned with
// TLS.PinnedSHA256) over 16994.
func New(target oobkit.Target, cred oobkit.Credential, opts ...Option) (*Client, error) {
	if err := target.Validate(); err != nil {
		return nil, err
	}
	if cred.Username == "" {
		return nil, fmt.Errorf("%w: redirection needs a user name", oobkit.ErrInvalidArgument)
	}
	if _, err := cred.TLS.NormalizedPin(); err != nil {
		return nil, err
	}
	c := &Client{target: target, cred: cred, cfg: config{timeout: 15 * time.Second}}
	for _, o := range opts {
		o(&c.cfg)
	}
	if c.cfg.log == nil {
		c.cfg.log = slog.New(slog.DiscardHandler)
	}
	if c.cfg.dial == nil {
		d := &net.Dialer{}
		c.cfg.dial = d.DialContext
	}
	if cred.Auth == oobkit.AuthPassword {
		c.cfg.legacy = true
	}
	return c, nil
}

// Protocol returns [oobkit.Redirection].
func (c *Client) Protocol() oobkit.Protocol { return oobkit.Redirection }

// Close releases nothing (sessions are closed on their own); it exists so a
// Client satisfies [oobkit.Client].
func (c *Client) Close() error { return nil }

// Addr returns the host:port sessions connect to.
func (c *Client) Addr() string { return c.target.HostPort(oobkit.Redirection, c.cred.TLS.Enabled) }

// open dials, starts a session of kind tag and authenticates. On success the
// connection has no deadline set.
func (c *Client) open(ctx context.Context, tag string) (s *conn, err error) {
	err = c.cfg.hooks.Observe(oobkit.HookRequest{Protocol: oobkit.Redirection, Target: c.Addr(), Operation: "open " + strings.TrimSpace(tag)},
		func() error { s, err = c.openSession(ctx, tag); return err })
	return s, err
}

func (c *Client) openSession(ctx context.Context, tag string) (*conn, error) {
	const op = "start session"
	addr := c.Addr()
	nc, err := c.cfg.dial(ctx, "tcp", addr)
	if err != nil {
		return nil, classErr(op, oobkit.ErrUnreachable, "connecting to "+addr, err)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	raw := nc
	if c.cred.TLS.Enabled {
		host, _, _ := net.SplitHostPort(addr)
		tc, err := tlsconf.Config(c.cred.TLS, host)
		if err != nil {
			nc.Close()
			return nil, err
		}
		t := tls.Client(nc, tc)
		c.stepDeadline(ctx, t)
		if err := t.HandshakeContext(ctx); err != nil {
			nc.Close()
			// A refusal (the device failed to prove who it is: ErrAuth; no
			// version or cipher suite in common, plain HTTP: ErrProtocol) is
			// classed as internal/wsman classes it, and not retried; only a
			// connection that failed is unreachable.
			if class, why := tlsconf.HandshakeClass(err); class != nil && ctxDone(ctx) == nil {
				return nil, classErr(op, class, why+" ("+addr+")", err)
			}
			return nil, classErr(op, oobkit.ErrUnreachable, "TLS handshake with "+addr, err)
		}
		nc = t
	}
	s := newConn(nc, raw, c.cfg)
	if err := c.handshake(ctx, s, tag); err != nil {
		nc.Close()
		return nil, interrupted(ctx, op, err)
	}
	_ = nc.SetDeadline(time.Time{})
	if !stop() {
		nc.Close()
		return nil, classErr(op, oobkit.ErrUnreachable, "session setup interrupted", ctx.Err())
	}
	return s, nil
}

// ctxDone returns the context's error, or DeadlineExceeded once its
// deadline has passed even if its timer has not fired yet (a read deadline
// set to the same instant can fire first).
func ctxDone(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// interrupted turns a setup failure caused by the caller's context into an
// error that wraps the context's error.
func interrupted(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctxDone(ctx); cerr != nil {
		return classErr(op, oobkit.ErrUnreachable, "session setup interrupted", cerr)
	}
	return err
}

// stepDeadline sets the deadline for one setup step.
func (c *Client) stepDeadline(ctx context.Context, nc net.Conn) {
	d := time.Now().Add(c.cfg.timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(d) {
		d = dl
	}
	_ = nc.SetDeadline(d)
}

// handshake runs StartRedirectionSession and AuthenticateSession.
func (c *Client) handshake(ctx context.Context, s *conn, tag string) error {
	c.stepDeadline(ctx, s.nc)
	if err := s.write(wire.StartSession(tag)); err != nil {
		return ioErr("start session", err)
	}
	f, err := s.expect("start session", wire.OpStartSessionReply)
	if err != nil {
		return err
	}
	switch st := f.Raw[1]; st {
	case wire.StartOK:
	case wire.StartBusy:
		return withCode(classErr("start session", oobkit.ErrBusy, "a "+kindName(tag)+" session is already active on the device", nil), st)
	case wire.StartUnsupported, wire.StartTypeUnknown:
		return withCode(classErr("start session", oobkit.ErrUnsupported, kindName(tag)+" redirection is disabled or not supported by the device", nil), st)
	default:
		return withCode(classErr("start session", oobkit.ErrDevice, "the device refused the session", nil), st)
	}
	c.cfg.log.Debug("redirection session started", "target", c.target.String(), "kind", kindName(tag),
		"firmware", fmt.Sprintf("%d.%d", f.Raw[6], f.Raw[7]))
	return c.authenticate(ctx, s)
}

func kindName(tag string) string {
	switch tag {
	case wire.TagSOL:
		return "SOL"
	case wire.TagIDER:
		return "IDE-R"
	}
	return "KVM"
}

// ioErr classifies a read/write failure during a session.
func ioErr(op string, err error) error {
	var oe *oobkit.Error
	if errors.As(err, &oe) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return classErr(op, oobkit.ErrProtocol, "the device closed the connection inside a message", err)
	}
	return classErr(op, oobkit.ErrUnreachable, "connection lost", err)
}

func classErr(op string, class error, msg string, cause error) *oobkit.Error {
	return &oobkit.Error{Protocol: oobkit.Redirection, Op: op, Class: class, Message: msg, Err: cause}
}

// withCode records the device's status byte in e.
func withCode(e *oobkit.Error, status byte) *oobkit.Error {
	e.DeviceCode = fmt.Sprintf("0x%02x", status)
	return e
}
