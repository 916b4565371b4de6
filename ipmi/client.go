package ipmi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/types"

	"github.com/oobkit/oobkit"
)

// Cipher suites this package negotiates, strongest first: 17
// (RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128) and 3 (RAKP-HMAC-SHA1,
// HMAC-SHA1-96, AES-CBC-128). IPMI v2.0 §22.15.2 Table 22-20.
var DefaultCipherSuites = []uint8{17, 3}

// Default per-exchange settings (ipmitool's lanplus defaults: 1 s, 4 retries
// would make an absent BMC cost 5 s; we keep the timeout and use 2 retries).
const (
	DefaultTimeout = time.Second
	DefaultRetries = 2
)

// opOpenSession names session set-up (Get Channel Authentication
// Capabilities, Open Session, RAKP 1–4) in errors.
const opOpenSession = "Open Session"

// DefaultIdleProbe is how long a session may sit unused before the next
// call first checks that the BMC still knows it (see [WithIdleProbe]). BMCs
// close a session after a period of inactivity (IPMI v2.0 §6.12.15);
// ipmi_sim does so after about 30 s.
const DefaultIdleProbe = 10 * time.Second

// Option configures a [Client].
type Option func(*Client)

// WithLogger sets the logger (default: discard). Secrets are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// WithDialContext opens the session's UDP socket with f instead of a
// net.Dialer (a proxy, a test network, a bound source address). f is called
// with network "udp" and the BMC's host:port.
func WithDialContext(f func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *Client) { c.dialUDP = f }
}

// WithHooks reports each IPMI command to h (metrics, tracing), with
// Protocol ipmi and the command as the operation ("Get Chassis Status").
func WithHooks(h oobkit.Hooks) Option { return func(c *Client) { c.hooks = h } }

// WithTimeout sets how long one UDP exchange waits for the BMC's answer
// before a retry (default [DefaultTimeout]). The caller's context deadline
// still bounds every call.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithRetries sets how many times an unanswered exchange is re-sent (default
// [DefaultRetries]).
func WithRetries(n int) Option {
	return func(c *Client) {
		if n >= 0 {
			c.retries = n
		}
	}
}

// WithCipherSuites sets the RMCP+ cipher suites to try, in order (default
// [DefaultCipherSuites]: 17, then 3 for BMCs such as OpenIPMI's ipmi_sim that
// only offer the SHA-1 suites).
func WithCipherSuites(ids ...uint8) Option {
	return func(c *Client) {
		if len(ids) > 0 {
			c.suites = append([]uint8(nil), ids...)
		}
	}
}

// WithSOLKeepalive sets how often a SOL stream opened by [Client.OpenSOL]
// sends Get Session Info so that the BMC keeps its session open (default
// [DefaultSOLKeepalive]). Keep it well under the BMC's session inactivity
// timeout.
func WithSOLKeepalive(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.solKeepalive = d
		}
	}
}

// WithIdleProbe sets how long the session may sit unused before the next
// call probes it (default [DefaultIdleProbe]); keep it under the BMC's
// session inactivity timeout. The probe is Get Session Info (IPMI v2.0
// §22.20), which changes nothing on the BMC; when it fails, the session is
// dropped and a fresh one opened before the call's own command is sent, so
// a command such as Chassis Control is never sent blindly twice.
func WithIdleProbe(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.idleProbe = d
		}
	}
}

// Client is an IPMI v2.0 RMCP+ (lanplus) client for one BMC, built on
// github.com/bougou/go-ipmi. It opens a session on first use and reuses it
// for every later call; a call that fails for lack of an answer drops the
// session so the next call opens a fresh one. Calls are serialised, so a
// Client is safe for concurrent use. Close ends the session.
//
// Client implements [oobkit.Client], [oobkit.PowerStateReader],
// [oobkit.PowerController], [oobkit.BootController],
// [oobkit.InventoryReader] and [oobkit.EventLogReader].
type Client struct {
	target  oobkit.Target
	cred    oobkit.Credential
	log     *slog.Logger
	timeout time.Duration
	retries int
	suites  []uint8
	// solKeepalive is how often a SOL stream keeps its session alive.
	solKeepalive time.Duration
	// idleProbe is how long the session may sit unused before it is probed.
	idleProbe time.Duration
	// dial opens the session's UDP socket (default net.Dialer).
	dialUDP func(ctx context.Context, network, addr string) (net.Conn, error)
	// hooks observe each command.
	hooks oobkit.Hooks

	mu     sync.Mutex
	conn   *client.Client
	wire   *wire // conn's socket
	suite  uint8
	closed bool
	// lastUsed is when the session last got an answer.
	lastUsed time.Time
	// sdr is the BMC's sensor records, read on first need.
	sdr *sdrCache
}

var (
	_ oobkit.Client           = (*Client)(nil)
	_ oobkit.PowerStateReader = (*Client)(nil)
	_ oobkit.PowerController  = (*Client)(nil)
	_ oobkit.BootController   = (*Client)(nil)
	_ oobkit.InventoryReader  = (*Client)(nil)
	_ oobkit.EventLogReader   = (*Client)(nil)
)

// New returns a client for target's BMC at target.Address, UDP port
// target.Port(oobkit.IPMI) (623 unless overridden), authenticating with
// cred's Username and Password. It does not touch the network: the session
// is opened by the first call.
func New(target oobkit.Target, cred oobkit.Credential, opts ...Option) (*Client, error) {
	if err := target.Validate(); err != nil {
		return nil, err
	}
	if cred.Auth != "" && cred.Auth != oobkit.AuthPassword {
		return nil, fmt.Errorf("%w: ipmi: credential kind %q is not supported (want %q)", oobkit.ErrInvalidArgument, cred.Auth, oobkit.AuthPassword)
	}
	if len(cred.Username) > 16 { // IPMI v2.0 §13.20: user names are at most 16 bytes
		return nil, fmt.Errorf("%w: ipmi: user name longer than 16 bytes", oobkit.ErrInvalidArgument)
	}
	if len(cred.Password.Reveal()) > 20 { // §13.31: RMCP+ passwords are at most 20 bytes
		return nil, fmt.Errorf("%w: ipmi: password longer than 20 bytes", oobkit.ErrInvalidArgument)
	}
	c := &Client{
		target:  target,
		cred:    cred,
		log:     slog.New(slog.DiscardHandler),
		timeout: DefaultTimeout,
		retries: DefaultRetries,
		suites:  DefaultCipherSuites,

		solKeepalive: DefaultSOLKeepalive,
		idleProbe:    DefaultIdleProbe,
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Protocol returns [oobkit.IPMI].
func (c *Client) Protocol() oobkit.Protocol { return oobkit.IPMI }

// Target returns the target the client manages.
func (c *Client) Target() oobkit.Target { return c.target }

// CipherSuite returns the cipher suite of the open session, 0 if none is
// open. It is the suite the BMC negotiated: a session whose Open Session
// Response names other algorithms than the requested suite's is refused
// when it is opened, so the suite requested and the suite in use agree.
func (c *Client) CipherSuite() uint8 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return 0
	}
	return c.suite
}

// Close ends the session (Close Session, then the socket). Later calls fail
// with an error wrapping [oobkit.ErrInvalidState].
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.dropLocked(true)
	return nil
}

// dropLocked forgets the session. When graceful, it first sends Close Session
// (bounded by one exchange timeout); otherwise it only releases the socket.
func (c *Client) dropLocked(graceful bool) {
	if c.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	if !graceful {
		cancel() // go-ipmi skips the exchange on a done context but still closes the socket
	}
	defer cancel()
	err := c.conn.Close(ctx)
	c.conn, c.wire = nil, nil
	if err != nil {
		c.log.Debug("ipmi: close session", "target", c.target.String(), "err", err)
	}
}

// do runs fn with an open session, opening one if needed. op names the IPMI
// command for errors. An unanswered exchange drops the session. When ctx
// ends, a pending exchange is interrupted at once and the error wraps
// ctx.Err().
func (c *Client) do(ctx context.Context, op string, fn func(*client.Client) error) error {
	return c.hooks.Observe(oobkit.HookRequest{Protocol: oobkit.IPMI, Target: c.target.HostPort(oobkit.IPMI, false), Operation: op},
		func() error { return c.doLocked(ctx, op, fn) })
}

func (c *Client) doLocked(ctx context.Context, op string, fn func(*client.Client) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return &oobkit.Error{Protocol: oobkit.IPMI, Op: op, Class: oobkit.ErrInvalidState, Message: "client is closed"}
	}
	if err := ctx.Err(); err != nil {
		return classify(op, err)
	}
	if c.conn != nil && time.Since(c.lastUsed) > c.idleProbe {
		if err := c.probeLocked(ctx); err != nil {
			return err
		}
	}
	if c.conn == nil {
		if err := c.connectLocked(ctx); err != nil {
			return err
		}
	}
	release := c.wire.watch(ctx)
	err := fn(c.conn)
	release(err == nil)
	if err == nil {
		c.lastUsed = time.Now()
		return nil
	}
	e := classifyCtx(ctx, op, err)
	if errors.Is(e, oobkit.ErrUnreachable) || errors.Is(e, context.DeadlineExceeded) || errors.Is(e, context.Canceled) {
		// The exchange may have left the session out of step (sequence numbers);
		// start afresh next time.
		c.dropLocked(false)
	}
	return e
}

// connectLocked opens the client's session.
func (c *Client) connectLocked(ctx context.Context) error {
	conn, w, suite, err := c.dial(ctx)
	if err != nil {
		return err
	}
	c.conn, c.wire, c.suite, c.lastUsed = conn, w, suite, time.Now()
	return nil
}

// probeLocked checks an idle session with Get Session Info for the
// session itself (IPMI v2.0 §22.20), a command without effect on the
// managed system. A session the BMC no longer answers on, or answers with
// an error, is dropped so that the caller's command goes out on a fresh
// one; only the caller's own end (ctx) is returned as an error.
func (c *Client) probeLocked(ctx context.Context) error {
	release := c.wire.watch(ctx)
	_, err := c.conn.GetCurrentSessionInfo(ctx)
	release(err == nil)
	if err == nil {
		c.lastUsed = time.Now()
		return nil
	}
	if ctx.Err() != nil {
		c.dropLocked(false)
		return classifyCtx(ctx, "Get Session Info", err)
	}
	c.log.Debug("ipmi: idle session gone, opening a new one", "target", c.target.String(),
		"idle", time.Since(c.lastUsed), "err", err)
	// A BMC that answered with an error may still hold the session: close it.
	c.dropLocked(!errors.Is(classify("Get Session Info", err), oobkit.ErrUnreachable))
	return nil
}

// dial opens an RMCP+ session, trying each cipher suite in turn. A refused
// credential or a silent BMC ends the search at once: another suite would
// not change either. A BMC that answers with other algorithms than the
// requested suite's is refused (see [checkOffer]) and the next suite is
// tried; when no suite is left, the error wraps [oobkit.ErrProtocol] and
// says what the BMC offered.
func (c *Client) dial(ctx context.Context) (*client.Client, *wire, uint8, error) {
	var errs []error
	class := oobkit.ErrUnsupported
	for _, id := range c.suites {
		conn, w, e := c.connect(ctx, id)
		if e == nil {
			return conn, w, id, nil
		}
		if errors.Is(e, oobkit.ErrAuth) || errors.Is(e, oobkit.ErrUnreachable) || ctx.Err() != nil {
			return nil, nil, 0, e
		}
		if errors.Is(e, oobkit.ErrProtocol) {
			class = oobkit.ErrProtocol
		}
		errs = append(errs, fmt.Errorf("cipher suite %d: %w", id, e))
	}
	if len(errs) == 1 {
		var oe *oobkit.Error
		if errors.As(errs[0], &oe) && oe.Class == oobkit.ErrProtocol {
			return nil, nil, 0, oe
		}
	}
	return nil, nil, 0, &oobkit.Error{Protocol: oobkit.IPMI, Op: opOpenSession, Class: class,
		Message: fmt.Sprintf("no cipher suite of %v accepted", c.suites), Err: errors.Join(errs...)}
}

// connect opens a session with one cipher suite.
//
// An authentication failure is only believed when no datagram of the
// set-up had to be re-sent. After a retransmission, the BMC may hold a
// different RAKP state than the console: a late RAKP Message 2 accepted
// after RAKP Message 1 was re-sent carries a BMC random number the BMC has
// since replaced (it draws a new one for every RAKP 1, IPMI v2.0 §13.31), so
// RAKP 3 fails its check and the BMC answers with a status (0Dh) that reads
// like a bad password. Such a failure is tried once more on a fresh session;
// if that one is disturbed too, the BMC is reported [oobkit.ErrUnreachable]
// (retryable) rather than [oobkit.ErrAuth].
func (c *Client) connect(ctx context.Context, suite uint8) (*client.Client, *wire, error) {
	var e error
	for attempt := 0; attempt < 2; attempt++ {
		conn, w, err := c.newConn(suite)
		if err != nil {
			return nil, nil, classify(opOpenSession, err)
		}
		start := time.Now()
		release := w.watch(ctx)
		err = conn.Connect(ctx)
		release(err == nil)
		if err == nil {
			if e := checkOffer(w, suite); e != nil {
				c.closeConn(conn)
				return nil, nil, e
			}
			c.log.Debug("ipmi: session open", "target", c.target.String(), "cipherSuite", suite, "took", time.Since(start))
			return conn, w, nil
		}
		closeFailed(conn)
		if e := checkOffer(w, suite); e != nil {
			return nil, nil, e
		}
		e = classifyCtx(ctx, opOpenSession, err)
		c.log.Debug("ipmi: session failed", "target", c.target.String(), "cipherSuite", suite, "resent", w.resends(), "err", e)
		if !errors.Is(e, oobkit.ErrAuth) || w.resends() == 0 || ctx.Err() != nil {
			return nil, nil, e
		}
	}
	// The last failure's text only: its class (ErrAuth) must not show through.
	return nil, nil, &oobkit.Error{Protocol: oobkit.IPMI, Op: opOpenSession, Class: oobkit.ErrUnreachable,
		Message: "session set-up failed twice after lost or late messages", Err: errors.New(e.Error())}
}

// newConn builds a go-ipmi lanplus client for one cipher suite, with the
// wire that owns its socket.
//
// go-ipmi takes the password as a plain string (client.Client.Password) and
// keeps it for the session's lifetime: the RAKP exchange needs it, and so
// does every message under the MD5-128 integrity algorithm. It cannot be
// blanked once the session is open, even for the HMAC suites that no longer
// need it: go-ipmi's keepalive goroutine reads the field (when it signs a
// message) under a lock of its own that we cannot take, so our write would
// race it. That copy is go-ipmi's, reachable from c.conn until the session
// is closed (Close, or a dropped session); our own copy stays an
// oobkit.Secret in c.cred and is revealed here only.
func (c *Client) newConn(suite uint8) (*client.Client, *wire, error) {
	conn, err := client.NewClient(c.target.Address, c.target.Port(oobkit.IPMI, false), c.cred.Username, c.cred.Password.Reveal())
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", oobkit.ErrInvalidArgument, err)
	}
	w := &wire{dial: c.dialUDP}
	conn.WithInterface(client.InterfaceLanplus).
		WithUDPProxy(w).
		WithTimeout(c.timeout).
		WithRetry(c.retries).
		WithCipherSuiteID(types.CipherSuiteID(suite)).
		WithMaxPrivilegeLevel(types.PrivilegeLevelAdministrator)
	return conn, w, nil
}

// closeConn ends a session that was opened but is not wanted, with Close
// Session bounded by one exchange timeout.
func (c *Client) closeConn(conn *client.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	_ = conn.Close(ctx)
}

// closeFailed releases the socket of a client whose Connect failed, without
// waiting for a Close Session the BMC would not answer.
func closeFailed(conn *client.Client) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = conn.Close(ctx)
}
