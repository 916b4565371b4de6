package wsman

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	ntlmssp "github.com/Azure/go-ntlmssp"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/digest"
	"github.com/oobkit/oobkit/internal/tlsconf"
	"github.com/oobkit/oobkit/kerberos"
)

// DefaultMaxResponseBytes caps a response body unless WithMaxResponseBytes
// says otherwise. The largest real AMT responses (event log pages, full
// enumerations) stay well under 1 MiB.
const DefaultMaxResponseBytes = 4 << 20

// Client talks WS-Management to one endpoint. It is safe for concurrent use
// and serialises requests to its device.
type Client struct {
	endpoint string
	path     string
	protocol oobkit.Protocol
	user     string
	password oobkit.Secret
	auth     oobkit.AuthKind
	digest   *digest.Client
	krb      *krbAuth
	httpc    *http.Client
	ownsRT   bool            // the transport is the client's own, not a caller's shared one
	own      *http.Transport // that transport, when ownsRT
	maxBody  int64
	limits   Limits
	opTime   time.Duration
	log      *slog.Logger
	hooks    Hooks
	sem      chan struct{}

	calls, requests, unauthorized, newConns atomic.Int64
}

// Hooks observe the client without a dependency: attach metrics or tracing.
// Each hook runs synchronously on the calling goroutine; keep it cheap.
type Hooks struct {
	// OnRequest runs before each HTTP request (an operation that must answer
	// a digest challenge makes two).
	OnRequest func(RequestInfo)
	// OnResponse runs after each HTTP exchange, successful or not.
	OnResponse func(ResponseInfo)
	// OnRetry runs when the client repeats a request (a digest challenge or a
	// stale nonce).
	OnRetry func(RequestInfo, string)
}

// RequestInfo describes one HTTP request.
type RequestInfo struct {
	Action, ResourceURI string
	Attempt             int
}

// ResponseInfo describes one HTTP exchange.
type ResponseInfo struct {
	RequestInfo
	Status   int
	Bytes    int64
	Duration time.Duration
	Err      error
}

// Stats counts what the client did, for benchmarks and observability.
type Stats struct {
	// Calls is the number of operations (Get, Put, …).
	Calls int64
	// Requests is the number of HTTP requests sent.
	Requests int64
	// Unauthorized is the number of 401 answers.
	Unauthorized int64
	// NewConnections is the number of TCP connections opened.
	NewConnections int64
}

// Option configures a Client.
type Option func(*config) error

type config struct {
	protocol  oobkit.Protocol
	rt        http.RoundTripper
	dial      func(ctx context.Context, network, addr string) (net.Conn, error)
	log       *slog.Logger
	hooks     Hooks
	maxBody   int64
	limits    Limits
	opTime    time.Duration
	realm     string
	authInt   bool
	timeout   time.Duration
	tlsConfig *tls.Config
	krbCache  *kerberos.Cache
}

// WithProtocol tags errors with the protocol that uses the client (amt,
// dash, wmi). Default oobkit.AMT.
func WithProtocol(p oobkit.Protocol) Option {
	return func(c *config) error { c.protocol = p; return nil }
}

// WithTransport sends requests through rt instead of the client's own
// http.Transport (tunnels, tests, a fleet sharing one pool). TLS settings of
// the credential are then the transport's business.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error { c.rt = rt; return nil }
}

// WithDialContext makes the client's own transport dial through f (SOCKS,
// SSH, an in-memory pipe) while keeping its TLS settings.
func WithDialContext(f func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *config) error { c.dial = f; return nil }
}

// WithLogger logs requests at debug level (action, resource, status,
// duration; never bodies or credentials). Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.log = l; return nil }
}

// WithHooks installs observability hooks.
func WithHooks(h Hooks) Option { return func(c *config) error { c.hooks = h; return nil } }

// WithMaxResponseBytes caps response bodies (default DefaultMaxResponseBytes).
func WithMaxResponseBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("%w: response cap must be positive", oobkit.ErrInvalidArgument)
		}
		c.maxBody = n
		return nil
	}
}

// WithParseLimits bounds what parsing one response may cost (elements,
// attributes, depth, token size); a zero field keeps its default (see
// xmllimit.Default). A response that breaks a limit is an error of class
// oobkit.ErrProtocol whose text names the limit.
func WithParseLimits(l Limits) Option {
	return func(c *config) error { c.limits = l; return nil }
}

// WithOperationTimeout sets wsman:OperationTimeout on every request.
func WithOperationTimeout(d time.Duration) Option {
	return func(c *config) error { c.opTime = d; return nil }
}

// WithPinnedRealm refuses digest challenges from another realm (AMT's realm
// is unique per device).
func WithPinnedRealm(realm string) Option {
	return func(c *config) error { c.realm = realm; return nil }
}

// WithAuthInt prefers digest qop=auth-int (body integrity) when offered.
func WithAuthInt() Option { return func(c *config) error { c.authInt = true; return nil } }

// WithTimeout bounds each HTTP exchange when the caller's context has no
// earlier deadline. Default 30 s.
func WithTimeout(d time.Duration) Option { return func(c *config) error { c.timeout = d; return nil } }

// New returns a client for endpoint ("http://host:16992/wsman") with cred.
// cred.Auth selects digest (default), basic, NTLM or Kerberos (HTTP
// Negotiate, see WithKerberosCache). An https endpoint verifies the certificate unless
// cred.TLS.InsecureSkipVerify is set; cred.TLS.PinnedSHA256 accepts exactly
// the certificate with that fingerprint.
func New(endpoint string, cred oobkit.Credential, opts ...Option) (*Client, error) {
	cfg := config{protocol: oobkit.AMT, maxBody: DefaultMaxResponseBytes, timeout: 30 * time.Second}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: WS-Management endpoint %q must be http(s)://host:port/path", oobkit.ErrInvalidArgument, endpoint)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: put credentials in oobkit.Credential, not in the endpoint URL", oobkit.ErrInvalidArgument)
	}
	c := &Client{
		endpoint: u.String(), path: u.RequestURI(), protocol: cfg.protocol,
		user: cred.Username, password: cred.Password, auth: cred.Auth,
		maxBody: cfg.maxBody, opTime: cfg.opTime, log: cfg.log, hooks: cfg.hooks,
		sem: make(chan struct{}, 1),
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.limits = cfg.limits.WithDefaults()
	if c.auth == "" {
		c.auth = oobkit.AuthDigest
	}
	switch c.auth {
	case oobkit.AuthDigest:
		var dopts []digest.ClientOption
		if cfg.realm != "" {
			dopts = append(dopts, digest.WithPinnedRealm(cfg.realm))
		}
		if cfg.authInt {
			dopts = append(dopts, digest.WithAuthInt())
		}
		c.digest = digest.NewClient(cred.Username, cred.Password, dopts...)
	case oobkit.AuthBasic, oobkit.AuthNTLM:
	case oobkit.AuthKerberos:
		c.krb = newKrbAuth(cfg.krbCache, c.protocol, u, cred)
	default:
		return nil, &oobkit.Error{Protocol: c.protocol, Op: "connect", Class: oobkit.ErrUnsupported,
			Message: fmt.Sprintf("authentication %q is not supported by the WS-Management client", c.auth)}
	}
	rt := cfg.rt
	if rt == nil {
		tr, err := newTransport(u.Scheme == "https", cred.TLS, cfg.dial)
		if err != nil {
			return nil, err
		}
		rt = tr
		c.ownsRT, c.own = true, tr
	}
	if c.auth == oobkit.AuthNTLM {
		rt = ntlmssp.Negotiator{RoundTripper: rt}
	}
	c.httpc = &http.Client{Transport: rt, Timeout: cfg.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return c, nil
}

// Endpoint returns the URL requests go to.
func (c *Client) Endpoint() string { return c.endpoint }

// Stats returns what the client has done so far.
func (c *Client) Stats() Stats {
	return Stats{Calls: c.calls.Load(), Requests: c.requests.Load(), Unauthorized: c.unauthorized.Load(), NewConnections: c.newConns.Load()}
}

// CloseIdleConnections closes kept-alive connections of the client's own
// transport. A transport handed in with WithTransport is shared (a fleet's
// pool) and left alone: closing its idle connections would break requests
// other clients are starting on them ("http: CloseIdleConnections called").
//
// The transport is closed directly, not through the http.Client: NTLM wraps
// it in a negotiator that does not pass CloseIdleConnections on, so an NTLM
// client's connections stayed open after Close.
func (c *Client) CloseIdleConnections() {
	if c.ownsRT {
		c.own.CloseIdleConnections()
	}
}

// TLSConfig builds the tls.Config oobkit uses for s (see package
// internal/tlsconf): verification on, pinning when a fingerprint is given,
// legacy suites only on request.
func TLSConfig(s oobkit.TLSSettings) (*tls.Config, error) { return tlsconf.Config(s, "") }

// PinMismatchError reports a server certificate whose fingerprint is not the
// pinned one.
type PinMismatchError = tlsconf.PinMismatchError

func newTransport(useTLS bool, s oobkit.TLSSettings, dial func(context.Context, string, string) (net.Conn, error)) (*http.Transport, error) {
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        4,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     60 * time.Second,
		TLSHandshakeTimeout: 15 * time.Second,
		ForceAttemptHTTP2:   false,
	}
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr.DialContext = d.DialContext
	if dial != nil {
		tr.DialContext = dial
	}
	if useTLS {
		cfg, err := TLSConfig(s)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = cfg
	}
	return tr, nil
}

// acquire serialises requests to the device, honouring ctx while waiting.
func (c *Client) acquire(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return c.netError("wait", ctx.Err(), nil)
	}
}

func (c *Client) release() { <-c.sem }

// Do sends m and returns the parsed response envelope. Operations call it;
// it is exported for messages this package has no helper for.
func (c *Client) Do(ctx context.Context, m *Message) (*Envelope, error) {
	if err := c.acquire(ctx); err != nil {
		return nil, err
	}
	defer c.release()
	c.calls.Add(1)
	m.To = c.endpoint
	if m.Timeout == 0 {
		m.Timeout = c.opTime
	}
	msgID := NewMessageID()
	// Rendered into a pooled buffer, then copied out at its exact size: the
	// transport may still read a request body after the request returned
	// (net/http.RoundTripper), so the pooled buffer itself is never sent.
	buf := getBuffer()
	m.render(buf, msgID)
	body := bytes.Clone(buf.Bytes())
	putBuffer(buf)
	op := opName(m.Action)
	for attempt := 1; ; attempt++ {
		info := RequestInfo{Action: m.Action, ResourceURI: m.ResourceURI, Attempt: attempt}
		rbuf := getBuffer()
		status, respBody, hdr, conns, err := c.exchange(ctx, info, body, rbuf)
		if err != nil {
			putBuffer(rbuf)
			return nil, err
		}
		if status == http.StatusUnauthorized {
			putBuffer(rbuf)
			c.unauthorized.Add(1)
			if c.auth == oobkit.AuthKerberos {
				return nil, c.krbRefused(op, hdr)
			}
			if retry, why, err := c.onUnauthorized(hdr, attempt, conns); err != nil {
				return nil, &oobkit.Error{Protocol: c.protocol, Op: op, Class: oobkit.ErrAuth, Message: err.Error()}
			} else if retry {
				if c.hooks.OnRetry != nil {
					c.hooks.OnRetry(info, why)
				}
				continue
			}
			return nil, &oobkit.Error{Protocol: c.protocol, Op: op, Class: oobkit.ErrAuth, DeviceCode: "401",
				Message: "the device refused the user name or password"}
		}
		env, err := c.interpret(op, status, hdr, respBody)
		// The envelope and any error hold copies of what they read: the
		// buffer is free again.
		putBuffer(rbuf)
		if err != nil {
			return nil, err
		}
		if err := checkReply(m.Action, msgID, env); err != nil {
			return nil, &oobkit.Error{Protocol: c.protocol, Op: op, Class: oobkit.ErrProtocol, Message: err.Error()}
		}
		return env, nil
	}
}

// checkReply verifies that a successful answer is the reply to this request:
// WS-Addressing (W3C WS-Addressing 1.0 Core §3.4, as DSP0226 §5.4 uses it)
// has the reply's RelatesTo carry the request's MessageID, and DSP0226 names
// each response action after its request with "Response" appended. A proxy
// or a confused device that answers another request's reply would otherwise
// be read as this one's. Identify carries no addressing headers (DSP0226
// §11.1), so there is nothing to check.
func checkReply(action, msgID string, env *Envelope) error {
	if action == "" {
		return nil
	}
	if got := env.RelatesTo(); got != msgID {
		return fmt.Errorf("the reply relates to message %q, not to the request %q", got, msgID)
	}
	if want, got := action+"Response", env.Action(); got != want {
		return fmt.Errorf("the reply's action is %q, not the expected %q", got, want)
	}
	return nil
}

// onUnauthorized decides whether a 401 is worth another try. conns is how
// many TCP connections the exchange used.
func (c *Client) onUnauthorized(hdr http.Header, attempt, conns int) (retry bool, why string, err error) {
	if c.auth == oobkit.AuthNTLM {
		// NTLM authenticates a connection, not a request: its negotiate and
		// authenticate legs must share one. net/http puts a connection back
		// for reuse only if it sees the request fully written within a short
		// wait, so on a loaded machine the second leg can go out on a new
		// connection, which the server refuses. Retry that case once; a
		// refusal on one connection is a wrong credential and is not retried
		// (it would count twice towards an account lockout).
		if attempt == 1 && conns > 1 {
			return true, "NTLM legs split across connections", nil
		}
		return false, "", nil
	}
	if c.auth != oobkit.AuthDigest {
		return false, "", nil
	}
	wasReady := c.digest.Ready()
	stale, err := c.digest.Challenged(hdr.Values("WWW-Authenticate")...)
	if err != nil {
		return false, "", err
	}
	switch {
	case attempt >= 3:
		return false, "", nil
	case !wasReady:
		return true, "digest challenge", nil
	case stale:
		return true, "stale nonce", nil
	case attempt == 1:
		// The cached nonce may have been dropped by the device (reboot,
		// nonce table full); one fresh try tells a wrong password apart.
		return true, "nonce refused", nil
	}
	return false, "", nil
}

// exchange sends body and reads the answer into rbuf; the returned bytes
// are rbuf's and valid until it is reused.
func (c *Client) exchange(ctx context.Context, info RequestInfo, body []byte, rbuf *bytes.Buffer) (int, []byte, http.Header, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, 0, fmt.Errorf("wsman: %w", err)
	}
	// The fixed headers share their value slices across requests (the
	// transport only reads them), saving the canonicalisation and slices
	// Header.Set would allocate on every request.
	req.Header = http.Header{"Content-Type": contentType, "User-Agent": userAgent}
	switch c.auth {
	case oobkit.AuthDigest:
		h, err := c.digest.Authorize(digest.Request{Method: http.MethodPost, URI: c.path, Body: body})
		if err != nil {
			return 0, nil, nil, 0, &oobkit.Error{Protocol: c.protocol, Op: opName(info.Action), Class: oobkit.ErrAuth, Err: err}
		}
		if h != "" {
			req.Header.Set("Authorization", h)
		}
	case oobkit.AuthBasic, oobkit.AuthNTLM:
		req.SetBasicAuth(c.user, c.password.Reveal())
	case oobkit.AuthKerberos:
		h, err := c.krb.header(ctx)
		if err != nil {
			return 0, nil, nil, 0, c.krbError(opName(info.Action), err)
		}
		req.Header.Set("Authorization", h)
	}
	// Every connection the exchange used (NTLM makes several round trips
	// inside one Do); read after Do returns, so no lock is needed.
	var used []net.Conn
	// A failed TLS handshake, told by the transport's dial (which may run in
	// another goroutine): it says why the request failed better than the
	// error the request returns.
	var (
		hsMu  sync.Mutex
		hsErr error
	)
	trace := &httptrace.ClientTrace{GotConn: func(ci httptrace.GotConnInfo) {
		if !ci.Reused {
			c.newConns.Add(1)
		}
		if !slices.Contains(used, ci.Conn) {
			used = append(used, ci.Conn)
		}
	}, TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
		if err != nil {
			hsMu.Lock()
			hsErr = err
			hsMu.Unlock()
		}
	}}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	if c.hooks.OnRequest != nil {
		c.hooks.OnRequest(info)
	}
	c.requests.Add(1)
	start := time.Now()
	resp, err := c.httpc.Do(req)
	var respBody []byte
	status := 0
	if err == nil {
		status = resp.StatusCode
		respBody, err = c.readCapped(resp, rbuf)
	}
	dur := time.Since(start)
	if err != nil {
		hsMu.Lock()
		herr := hsErr
		hsMu.Unlock()
		err = c.netError(opName(info.Action), err, herr)
	}
	c.log.Debug("wsman exchange", "action", info.Action, "resource", info.ResourceURI, "status", status,
		"bytes", len(respBody), "duration", dur, "attempt", info.Attempt, "error", err)
	if c.hooks.OnResponse != nil {
		c.hooks.OnResponse(ResponseInfo{RequestInfo: info, Status: status, Bytes: int64(len(respBody)), Duration: dur, Err: err})
	}
	if err != nil {
		return 0, nil, nil, len(used), err
	}
	return status, respBody, resp.Header, len(used), nil
}

var (
	contentType = []string{"application/soap+xml;charset=UTF-8"}
	userAgent   = []string{"oobkit"}
)

// ErrResponseTooLarge is wrapped (with oobkit.ErrProtocol) when a response
// exceeds the cap.
var ErrResponseTooLarge = errors.New("response exceeds the size cap")

func (c *Client) readCapped(resp *http.Response, buf *bytes.Buffer) ([]byte, error) {
	defer resp.Body.Close()
	if resp.ContentLength > c.maxBody {
		// Refuse without reading: closing the body drops the connection.
		return nil, fmt.Errorf("%w: %w: Content-Length %d > %d", oobkit.ErrProtocol, ErrResponseTooLarge, resp.ContentLength, c.maxBody)
	}
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	lr := io.LimitedReader{R: resp.Body, N: c.maxBody + 1}
	if _, err := buf.ReadFrom(&lr); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if int64(len(b)) > c.maxBody {
		return nil, fmt.Errorf("%w: %w: more than %d bytes", oobkit.ErrProtocol, ErrResponseTooLarge, c.maxBody)
	}
	return b, nil
}

// netError classifies a transport error; handshakeErr, when not nil, is
// the failure of the TLS handshake the request depended on.
func (c *Client) netError(op string, err, handshakeErr error) error {
	var oe *oobkit.Error
	if errors.As(err, &oe) {
		return err
	}
	if errors.Is(err, oobkit.ErrProtocol) {
		return &oobkit.Error{Protocol: c.protocol, Op: op, Class: oobkit.ErrProtocol, Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return &oobkit.Error{Protocol: c.protocol, Op: op, Message: "canceled", Err: err}
	}
	// A TLS refusal (certificate, version, cipher suite, plain HTTP on the
	// TLS port) is not retried as unreachable: the next try would meet the
	// same settings.
	class, why := tlsconf.HandshakeClass(handshakeErr)
	if class == nil {
		class, why = tlsconf.RefusalClass(err)
	} else {
		err = handshakeErr
	}
	if class != nil {
		return &oobkit.Error{Protocol: c.protocol, Op: op, Class: class, Message: why, Err: err}
	}
	msg := "no answer"
	if errors.Is(err, context.DeadlineExceeded) {
		msg = "no answer before the deadline"
	} else if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		msg = "connection lost"
	}
	return &oobkit.Error{Protocol: c.protocol, Op: op, Class: oobkit.ErrUnreachable, Message: msg, Err: err}
}

// interpret turns an HTTP answer into an envelope or a classified error.
func (c *Client) interpret(op string, status int, hdr http.Header, body []byte) (*Envelope, error) {
	env, err := ParseEnvelopeBytes(body, c.limits)
	var f *Fault
	switch {
	case errors.As(err, &f):
		f.HTTPStatus = status
		return nil, &oobkit.Error{Protocol: c.protocol, Op: op, Class: f.Class(), DeviceCode: f.Subcode,
			Message: strings.TrimSpace(f.Reason + " " + bracket(f.Detail)), Err: f}
	case err != nil:
		if status == http.StatusOK && looksLikeSOAP(body) {
			return nil, &oobkit.Error{Protocol: c.protocol, Op: op, Class: oobkit.ErrProtocol,
				Message: "malformed response", Err: err}
		}
		return nil, &oobkit.Error{Protocol: c.protocol, Op: op, Class: oobkit.ErrNotDetected, DeviceCode: strconv.Itoa(status),
			Message: fmt.Sprintf("HTTP %d without a WS-Management answer (server %q)", status, hdr.Get("Server"))}
	case status != http.StatusOK:
		return nil, &oobkit.Error{Protocol: c.protocol, Op: op, Class: oobkit.ErrDevice, DeviceCode: strconv.Itoa(status),
			Message: fmt.Sprintf("HTTP %d", status)}
	}
	return env, nil
}

// looksLikeSOAP tells a broken SOAP answer (a WS-Management service that
// misbehaved: ErrProtocol) from a page that is not SOAP at all (a web server
// on the port: ErrNotDetected).
func looksLikeSOAP(body []byte) bool {
	head := body
	if len(head) > 512 {
		head = head[:512]
	}
	return bytes.Contains(head, []byte("Envelope"))
}

func bracket(s string) string {
	if s == "" {
		return ""
	}
	return "[" + s + "]"
}

// opName shortens an action URI to its last segment ("Get", "RequestPowerStateChange").
func opName(action string) string {
	if i := strings.LastIndexByte(action, '/'); i >= 0 {
		return action[i+1:]
	}
	return action
}
