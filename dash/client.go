package dash

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Option configures a [Client].
type Option func(*config)

type config struct {
	log       *slog.Logger
	timeout   time.Duration
	transport http.RoundTripper
	dial      func(ctx context.Context, network, addr string) (net.Conn, error)
	maxBytes  int64
	hooks     *oobkit.Hooks
}

// WithHooks reports each HTTP exchange to h (metrics, tracing), with
// Protocol dash and the operation as "Get CIM_ComputerSystem".
func WithHooks(h oobkit.Hooks) Option { return func(c *config) { c.hooks = &h } }

// WithLogger sets the logger (default: discard). Secrets are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.log = l
		}
	}
}

// WithTimeout bounds each WS-Management request (default 30 s); the
// context's deadline, when sooner, wins.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithTransport sends requests through rt (a tunnel, a test fleet's
// wsmantest.Host transport).
func WithTransport(rt http.RoundTripper) Option { return func(c *config) { c.transport = rt } }

// WithDialContext dials TCP connections with f.
func WithDialContext(f func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *config) { c.dial = f }
}

// WithMaxResponseBytes caps one response body (default 4 MiB).
func WithMaxResponseBytes(n int64) Option { return func(c *config) { c.maxBytes = n } }

// Client manages one DASH computer over WS-Management (DSP0232) on port 623
// (http) or 664 (https). It is safe for concurrent use; requests to the
// computer are serialised.
//
// It implements [oobkit.Client], [oobkit.PowerStateReader],
// [oobkit.PowerController], [oobkit.BootController],
// [oobkit.InventoryReader] and [oobkit.AlertConfigurer].
type Client struct {
	target oobkit.Target
	ws     *wsman.Client
	log    *slog.Logger

	mu       sync.Mutex
	profiles []Profile // nil until read
}

// Compile-time checks of the capabilities the client offers.
var (
	_ oobkit.Client           = (*Client)(nil)
	_ oobkit.PowerStateReader = (*Client)(nil)
	_ oobkit.PowerController  = (*Client)(nil)
	_ oobkit.BootController   = (*Client)(nil)
	_ oobkit.InventoryReader  = (*Client)(nil)
	_ oobkit.AlertConfigurer  = (*Client)(nil)
)

// New returns a client for target. The endpoint is
// target.HostPort(oobkit.DASH, cred.TLS.Enabled) + "/wsman", over https when
// cred.TLS.Enabled (certificate verified unless cred.TLS says otherwise).
// New does not touch the network.
func New(target oobkit.Target, cred oobkit.Credential, opts ...Option) (*Client, error) {
	if err := target.Validate(); err != nil {
		return nil, err
	}
	cfg := config{log: slog.New(slog.NewTextHandler(io.Discard, nil)), timeout: 30 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	scheme := "http"
	if cred.TLS.Enabled {
		scheme = "https"
	}
	endpoint := scheme + "://" + target.HostPort(oobkit.DASH, cred.TLS.Enabled) + "/wsman"
	wopts := []wsman.Option{wsman.WithProtocol(oobkit.DASH), wsman.WithLogger(cfg.log)}
	if cfg.timeout > 0 {
		wopts = append(wopts, wsman.WithTimeout(cfg.timeout))
	}
	if cfg.transport != nil {
		wopts = append(wopts, wsman.WithTransport(cfg.transport))
	}
	if cfg.dial != nil {
		wopts = append(wopts, wsman.WithDialContext(cfg.dial))
	}
	if cfg.maxBytes > 0 {
		wopts = append(wopts, wsman.WithMaxResponseBytes(cfg.maxBytes))
	}
	if cfg.hooks != nil {
		wopts = append(wopts, wsman.ObserveWith(*cfg.hooks, oobkit.DASH, target.HostPort(oobkit.DASH, cred.TLS.Enabled)))
	}
	ws, err := wsman.New(endpoint, cred, wopts...)
	if err != nil {
		return nil, err
	}
	return &Client{target: target, ws: ws, log: cfg.log}, nil
}

// Protocol returns oobkit.DASH.
func (c *Client) Protocol() oobkit.Protocol { return oobkit.DASH }

// Close releases idle connections. The client must not be used afterwards.
func (c *Client) Close() error {
	c.ws.CloseIdleConnections()
	return nil
}

// Endpoint returns the WS-Management URL the client talks to.
func (c *Client) Endpoint() string { return c.ws.Endpoint() }

// Stats reports what the client has sent so far: operations, HTTP
// requests, 401 challenges and new TCP connections.
func (c *Client) Stats() Stats {
	s := c.ws.Stats()
	return Stats{Calls: s.Calls, Requests: s.Requests, Unauthorized: s.Unauthorized, NewConnections: s.NewConnections}
}

// Stats counts a client's WS-Management traffic.
type Stats struct {
	// Calls is the number of operations (Get, Put, Invoke, Enumerate…).
	Calls int64
	// Requests is the number of HTTP requests sent (a digest challenge
	// costs two).
	Requests int64
	// Unauthorized is the number of 401 answers.
	Unauthorized int64
	// NewConnections is the number of TCP connections opened.
	NewConnections int64
}

// Identity is what the computer's WS-Management service says about itself.
type Identity struct {
	ProtocolVersion string // the WS-Management protocol URI
	ProductVendor   string // the firmware's maker
	ProductVersion  string // the firmware's version
}

// Identify asks the computer's WS-Management service who it is. A port that
// answers without WS-Management yields an error wrapping
// [oobkit.ErrNotDetected].
func (c *Client) Identify(ctx context.Context) (*Identity, error) {
	r, err := c.ws.Identify(ctx)
	if err != nil {
		return nil, err
	}
	return &Identity{ProtocolVersion: r.ProtocolVersion, ProductVendor: r.ProductVendor, ProductVersion: r.ProductVersion}, nil
}

// uri returns the resource URI of a CIM class.
func uri(class string) string { return wsman.CIMBase + class }

// enumerate lists a class; a class the computer does not serve yields
// (nil, nil) when optional is true.
func (c *Client) enumerate(ctx context.Context, class string, optional bool) ([]*wsman.Instance, error) {
	items, err := c.ws.Enumerate(ctx, uri(class), wsman.EnumerateOptions{})
	if err != nil && optional && isUnsupported(err) {
		return nil, nil
	}
	return items, err
}

// first enumerates class and returns its first instance; none is
// ErrUnsupported.
func (c *Client) first(ctx context.Context, class string) (*wsman.Instance, error) {
	items, err := c.ws.Enumerate(ctx, uri(class), wsman.EnumerateOptions{MaxItems: 1})
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, &oobkit.Error{Protocol: oobkit.DASH, Op: "Enumerate " + class, Class: oobkit.ErrUnsupported,
			Message: "the computer has no " + class}
	}
	return items[0], nil
}

func isUnsupported(err error) bool {
	if f, ok := wsman.AsFault(err); ok {
		s := strings.ToLower(f.Subcode)
		return s == "destinationunreachable" || s == "actionnotsupported"
	}
	return false
}

// epr builds a reference to an instance of class from the instance's key
// properties (the CIM key properties of the classes DASH uses).
func epr(class string, in *wsman.Instance, keys ...string) *wsman.EndpointReference {
	r := &wsman.EndpointReference{ResourceURI: uri(class)}
	for _, k := range keys {
		if in.Has(k) {
			r.Selectors = append(r.Selectors, wsman.Selector{Name: k, Value: in.Get(k)})
		}
	}
	return r
}

func errorf(op string, class error, code, format string, args ...any) error {
	return &oobkit.Error{Protocol: oobkit.DASH, Op: op, Class: class, DeviceCode: code, Message: fmt.Sprintf(format, args...)}
}
