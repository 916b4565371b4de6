package wmi

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/kerberos"
)

// Client manages one Windows computer through WMI over WinRM. It is safe
// for concurrent use; requests to one computer are serialised on one
// kept-alive connection (NTLM authenticates the connection, so keeping it
// saves two round trips per request).
type Client struct {
	target oobkit.Target
	ws     *wsman.Client
	log    *slog.Logger
	poll   time.Duration

	tls, unencrypted bool

	// What another session to the same computer needs (a separate
	// administrative user for a password reset, see [Client.ResetPassword]).
	endpoint string
	user     string
	auth     oobkit.AuthKind
	tlsCfg   oobkit.TLSSettings
	baseOpts []wsman.Option // every option but the transport
	sharedRT bool           // built WithTransport
	rt       http.RoundTripper
}

// Option configures a Client.
type Option func(*config)

type config struct {
	log         *slog.Logger
	timeout     time.Duration
	rt          http.RoundTripper
	dial        func(ctx context.Context, network, addr string) (net.Conn, error)
	maxBody     int64
	hooks       *oobkit.Hooks
	unencrypted bool
	poll        time.Duration
	krb         *kerberos.Cache
}

// WithLogger logs requests at debug level (never bodies or secrets).
// Default: discard.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithTimeout bounds each HTTP exchange when the caller's context has no
// earlier deadline (default 30 s).
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithTransport sends every request through rt (a fleet sharing one pool, a
// tunnel, wsmantest's Host). The credential's TLS settings are then rt's
// business.
func WithTransport(rt http.RoundTripper) Option { return func(c *config) { c.rt = rt } }

// WithDialContext dials through f while keeping the client's TLS settings.
func WithDialContext(f func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *config) { c.dial = f }
}

// WithMaxResponseBytes caps response bodies (default 4 MiB).
func WithMaxResponseBytes(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithHooks reports each HTTP exchange to h (metrics, tracing), with
// Protocol wmi and the operation as "Get Win32_OperatingSystem".
func WithHooks(h oobkit.Hooks) Option { return func(c *config) { c.hooks = &h } }

// WithAllowUnencrypted permits basic authentication over plain HTTP (5985).
// WinRM refuses it unless the computer's AllowUnencrypted setting is on, and
// the password then crosses the network in clear text; prefer HTTPS (5986)
// or NTLM.
func WithAllowUnencrypted() Option { return func(c *config) { c.unencrypted = true } }

// WithPollInterval sets how often the client re-reads a service or process
// while waiting for it to change state (restart, password reset). Default 500 ms.
func WithPollInterval(d time.Duration) Option { return func(c *config) { c.poll = d } }

// New returns a client for the Windows computer at target: WinRM port 5985
// (5986 when cred.TLS.Enabled, or the target's override), path /wsman.
// cred.Auth is basic (the default), ntlm or kerberos; basic and kerberos
// over plain HTTP need [WithAllowUnencrypted]. User names may be "user", "COMPUTER\user" or
// "DOMAIN\user". New does not touch the network; [Client.Identify] does.
func New(target oobkit.Target, cred oobkit.Credential, opts ...Option) (*Client, error) {
	if err := target.Validate(); err != nil {
		return nil, err
	}
	cfg := config{poll: 500 * time.Millisecond}
	for _, o := range opts {
		o(&cfg)
	}
	if cred.Auth == "" {
		cred.Auth = oobkit.AuthBasic
	}
	switch cred.Auth {
	case oobkit.AuthBasic:
		if !cred.TLS.Enabled && !cfg.unencrypted {
			return nil, &oobkit.Error{Protocol: oobkit.WMI, Op: "connect", Class: oobkit.ErrInvalidArgument,
				Message: "basic authentication over plain HTTP would send the password in clear text: enable TLS (5986), use NTLM, or pass WithAllowUnencrypted"}
		}
	case oobkit.AuthNTLM:
	case oobkit.AuthKerberos:
		// WinRM takes Kerberos over HTTP only with the messages sealed
		// (multipart/encrypted, [MS-WSMV] §2.2.9.1), which this client does
		// not do: Kerberos goes over HTTPS (5986).
		if !cred.TLS.Enabled && !cfg.unencrypted {
			return nil, &oobkit.Error{Protocol: oobkit.WMI, Op: "connect", Class: oobkit.ErrInvalidArgument,
				Message: "Kerberos over plain HTTP needs WinRM message encryption, which oobkit does not do: enable TLS (5986), or pass WithAllowUnencrypted for a service that accepts it"}
		}
	default:
		return nil, &oobkit.Error{Protocol: oobkit.WMI, Op: "connect", Class: oobkit.ErrUnsupported,
			Message: fmt.Sprintf("authentication %q is not supported for WinRM (use basic, ntlm or kerberos)", cred.Auth)}
	}
	scheme := "http"
	if cred.TLS.Enabled {
		scheme = "https"
	}
	endpoint := scheme + "://" + target.HostPort(oobkit.WMI, cred.TLS.Enabled) + "/wsman"
	wopts := []wsman.Option{wsman.WithProtocol(oobkit.WMI), wsman.WithOperationTimeout(60 * time.Second)}
	if cfg.log != nil {
		wopts = append(wopts, wsman.WithLogger(cfg.log))
	}
	if cfg.timeout > 0 {
		wopts = append(wopts, wsman.WithTimeout(cfg.timeout))
	}
	if cfg.dial != nil {
		wopts = append(wopts, wsman.WithDialContext(cfg.dial))
	}
	if cfg.maxBody > 0 {
		wopts = append(wopts, wsman.WithMaxResponseBytes(cfg.maxBody))
	}
	if cfg.hooks != nil {
		wopts = append(wopts, wsman.ObserveWith(*cfg.hooks, oobkit.WMI, target.HostPort(oobkit.WMI, cred.TLS.Enabled)))
	}
	if cfg.krb != nil {
		wopts = append(wopts, wsman.WithKerberosCache(cfg.krb))
	}
	base := wopts
	if cfg.rt != nil {
		wopts = append(append([]wsman.Option(nil), wopts...), wsman.WithTransport(cfg.rt))
	}
	ws, err := wsman.New(endpoint, cred, wopts...)
	if err != nil {
		return nil, err
	}
	log := cfg.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	poll := cfg.poll
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	return &Client{target: target, ws: ws, log: log, poll: poll, tls: cred.TLS.Enabled, unencrypted: cfg.unencrypted,
		endpoint: endpoint, user: cred.Username, auth: cred.Auth, tlsCfg: cred.TLS, baseOpts: base, sharedRT: cfg.rt != nil, rt: cfg.rt}, nil
}

// Protocol returns oobkit.WMI.
func (c *Client) Protocol() oobkit.Protocol { return oobkit.WMI }

// Close releases kept-alive connections. The client stays usable.
func (c *Client) Close() error {
	c.ws.CloseIdleConnections()
	return nil
}

// Endpoint returns the WinRM URL requests go to.
func (c *Client) Endpoint() string { return c.ws.Endpoint() }

// Identity is what WinRM's Identify reports.
type Identity struct {
	ProtocolVersion string // the WS-Management protocol URI
	ProductVendor   string // "Microsoft Corporation"
	ProductVersion  string // the OS and stack version ("OS: 10.0.19045 SP: 0.0 Stack: 3.0")
}

// Identify asks WinRM who it is. It is the cheapest reachability check; it
// does not prove the credential (WinRM answers Identify to anyone).
func (c *Client) Identify(ctx context.Context) (*Identity, error) {
	ir, err := c.ws.Identify(ctx)
	if err != nil {
		return nil, explain(err)
	}
	return &Identity{ProtocolVersion: ir.ProtocolVersion, ProductVendor: ir.ProductVendor, ProductVersion: ir.ProductVersion}, nil
}

// uri returns the resource URI of a root/cimv2 class.
func uri(class string) string { return wsman.WMIBase + class }

// query runs a WQL query (SELECT * FROM Class WHERE …) and returns the
// instances, at most max (0: all).
func (c *Client) query(ctx context.Context, wql string, max int) ([]*wsman.Instance, error) {
	items, err := c.ws.Enumerate(ctx, wsman.WMIBase+"*", wsman.EnumerateOptions{
		MaxElements: 50, MaxItems: max,
		Filter: &wsman.Filter{Dialect: wsman.DialectWQL, Query: wql},
	})
	if err != nil {
		return nil, explain(err)
	}
	return items, nil
}

// enumerate lists every instance of class.
func (c *Client) enumerate(ctx context.Context, class string) ([]*wsman.Instance, error) {
	items, err := c.ws.Enumerate(ctx, uri(class), wsman.EnumerateOptions{MaxElements: 50})
	if err != nil {
		return nil, explain(err)
	}
	return items, nil
}

// invoke calls method on the instance of class named by sel and returns its
// output and ReturnValue.
func (c *Client) invoke(ctx context.Context, class, method string, sel wsman.Selectors, in *wsman.Instance) (*wsman.Instance, int64, error) {
	out, err := c.ws.Invoke(ctx, uri(class), method, sel, in)
	if err != nil {
		return nil, 0, explain(err)
	}
	rv, ok := out.ReturnValue()
	if !ok {
		return nil, 0, &oobkit.Error{Protocol: oobkit.WMI, Op: method, Class: oobkit.ErrProtocol,
			Message: method + "_OUTPUT has no ReturnValue"}
	}
	return out, rv, nil
}

// quoteWQL returns s as a WQL string literal: single quotes, with
// backslash and quote escaped by a backslash (WQL string rules).
func quoteWQL(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(s) + "'"
}

// wait sleeps one poll interval or until ctx is done.
func (c *Client) wait(ctx context.Context) error {
	t := time.NewTimer(c.poll)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return &oobkit.Error{Protocol: oobkit.WMI, Op: "wait", Message: "gave up waiting", Err: ctx.Err()}
	}
}
