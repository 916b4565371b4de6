package amt

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/kerberos"
)

// Client manages one Intel AMT device over WS-Management. It is safe for
// concurrent use; requests to the device are serialised (AMT handles one
// request at a time well). A Client is cheap: it holds no connection of its
// own until the first request, and clients built with [WithTransport] share
// that transport's connection pool.
type Client struct {
	target oobkit.Target
	tls    bool
	ws     *wsman.Client
	log    *slog.Logger
	settle settle
	power  powerRead
}

// Option configures a Client.
type Option func(*config)

type config struct {
	log     *slog.Logger
	timeout time.Duration
	rt      http.RoundTripper
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	maxBody int64
	realm   string
	authInt bool
	hooks   *oobkit.Hooks
	settle  settle
	krb     *kerberos.Cache
}

// WithLogger logs requests at debug level (never bodies or secrets).
// Default: discard.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithHooks reports each HTTP exchange to h (metrics, tracing), with
// Protocol amt and the operation as "Get AMT_GeneralSettings".
func WithHooks(h oobkit.Hooks) Option { return func(c *config) { c.hooks = &h } }

// WithTimeout bounds each HTTP exchange when the caller's context has no
// earlier deadline (default 30 s).
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithTransport sends every request through rt (a fleet sharing one pool,
// a tunnel, amttest's Fleet). The credential's TLS settings are then rt's
// business.
func WithTransport(rt http.RoundTripper) Option { return func(c *config) { c.rt = rt } }

// WithDialContext dials through f while keeping the client's own TLS
// settings (SOCKS, SSH tunnels).
func WithDialContext(f func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *config) { c.dial = f }
}

// WithMaxResponseBytes caps response bodies (default 4 MiB).
func WithMaxResponseBytes(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithPinnedRealm refuses digest challenges from another realm. AMT's realm
// ("Digest:" and 32 hex digits) is unique per device, so pinning it detects
// a device swapped behind an address.
func WithPinnedRealm(realm string) Option { return func(c *config) { c.realm = realm } }

// WithAuthInt prefers digest qop=auth-int (body integrity) where the
// firmware offers it (AMT 16 advertises "auth-int, auth").
func WithAuthInt() Option { return func(c *config) { c.authInt = true } }

// New returns a client for the AMT device at target: port 16992 (16993 when
// cred.TLS.Enabled, or the target's override), path /wsman. It does not touch
// the network; call [Client.Detect] to find out what is there.
func New(target oobkit.Target, cred oobkit.Credential, opts ...Option) (*Client, error) {
	if err := target.Validate(); err != nil {
		return nil, err
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	scheme := "http"
	if cred.TLS.Enabled {
		scheme = "https"
	}
	endpoint := scheme + "://" + target.HostPort(oobkit.AMT, cred.TLS.Enabled) + "/wsman"
	wopts := []wsman.Option{wsman.WithProtocol(oobkit.AMT)}
	if cfg.log != nil {
		wopts = append(wopts, wsman.WithLogger(cfg.log))
	}
	if cfg.timeout > 0 {
		wopts = append(wopts, wsman.WithTimeout(cfg.timeout))
	}
	if cfg.rt != nil {
		wopts = append(wopts, wsman.WithTransport(cfg.rt))
	}
	if cfg.dial != nil {
		wopts = append(wopts, wsman.WithDialContext(cfg.dial))
	}
	if cfg.maxBody > 0 {
		wopts = append(wopts, wsman.WithMaxResponseBytes(cfg.maxBody))
	}
	if cfg.realm != "" {
		wopts = append(wopts, wsman.WithPinnedRealm(cfg.realm))
	}
	if cfg.authInt {
		wopts = append(wopts, wsman.WithAuthInt())
	}
	if cfg.krb != nil {
		wopts = append(wopts, wsman.WithKerberosCache(cfg.krb))
	}
	if cfg.hooks != nil {
		wopts = append(wopts, wsman.ObserveWith(*cfg.hooks, oobkit.AMT, target.HostPort(oobkit.AMT, cred.TLS.Enabled)))
	}
	ws, err := wsman.New(endpoint, cred, wopts...)
	if err != nil {
		return nil, err
	}
	log := cfg.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{target: target, tls: cred.TLS.Enabled, ws: ws, log: log, settle: cfg.settle.withDefaults()}, nil
}

// Protocol returns oobkit.AMT.
func (c *Client) Protocol() oobkit.Protocol { return oobkit.AMT }

// Close releases idle connections. The client must not be used afterwards.
func (c *Client) Close() error {
	c.ws.CloseIdleConnections()
	return nil
}

// Target returns the computer the client manages.
func (c *Client) Target() oobkit.Target { return c.target }

// Endpoint returns the WS-Management URL requests go to.
func (c *Client) Endpoint() string { return c.ws.Endpoint() }

// Stats reports what the client has sent so far: operations, HTTP
// requests, 401 challenges and new TCP connections.
func (c *Client) Stats() Stats {
	s := c.ws.Stats()
	return Stats{Calls: s.Calls, Requests: s.Requests, Unauthorized: s.Unauthorized, NewConnections: s.NewConnections}
}

// Stats counts a client's traffic.
type Stats struct {
	Calls, Requests, Unauthorized, NewConnections int64
}

// Capability assertions: the interfaces of package oobkit this client offers.
var (
	_ oobkit.Client           = (*Client)(nil)
	_ oobkit.PowerStateReader = (*Client)(nil)
	_ oobkit.PowerController  = (*Client)(nil)
	_ oobkit.BootController   = (*Client)(nil)
	_ oobkit.InventoryReader  = (*Client)(nil)
	_ oobkit.EventLogReader   = (*Client)(nil)
	_ oobkit.AlertConfigurer  = (*Client)(nil)
)

// invoke calls method and turns a non-zero ReturnValue into an error using
// codes; ok lists extra return values that mean success (4096 job started).
func (c *Client) invoke(ctx context.Context, uri, method string, sel wsman.Selectors, in *wsman.Instance, codes returnCodes) (*wsman.Instance, error) {
	out, err := c.ws.Invoke(ctx, uri, method, sel, in)
	if err != nil {
		return nil, err
	}
	rv, ok := out.ReturnValue()
	if !ok {
		return nil, &oobkit.Error{Protocol: oobkit.AMT, Op: method, Class: oobkit.ErrProtocol,
			Message: "the response carries no ReturnValue"}
	}
	if err := codes.Err(oobkit.AMT, method, rv); err != nil {
		return out, err
	}
	return out, nil
}

// get reads one instance.
func (c *Client) get(ctx context.Context, uri string, sel wsman.Selectors) (*wsman.Instance, error) {
	return c.ws.Get(ctx, uri, sel)
}

// enumerate lists every instance of uri.
func (c *Client) enumerate(ctx context.Context, uri string) ([]*wsman.Instance, error) {
	return c.ws.Enumerate(ctx, uri, wsman.EnumerateOptions{})
}

// first returns the first instance of uri, or ErrUnsupported when none.
func (c *Client) first(ctx context.Context, uri string) (*wsman.Instance, error) {
	list, err := c.enumerate(ctx, uri)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, &oobkit.Error{Protocol: oobkit.AMT, Op: "Enumerate", Class: oobkit.ErrUnsupported,
			Message: "the device has no " + schema.ClassName(uri)}
	}
	return list[0], nil
}

func protoErr(op, format string, args ...any) error {
	return &oobkit.Error{Protocol: oobkit.AMT, Op: op, Class: oobkit.ErrProtocol, Message: fmt.Sprintf(format, args...)}
}

func argErr(op, format string, args ...any) error {
	return &oobkit.Error{Protocol: oobkit.AMT, Op: op, Class: oobkit.ErrInvalidArgument, Message: fmt.Sprintf(format, args...)}
}
