package snmp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/oobkit/oobkit"
)

// Client reads one SNMP agent. It is safe for concurrent use: requests are
// serialised over one UDP socket (gosnmp's GoSNMP is not concurrent).
type Client struct {
	target oobkit.Target
	cfg    clientConfig
	log    *slog.Logger

	// The credential's secrets. gosnmp wants them as plain strings in
	// GoSNMP.Community and the USM parameters; reveal puts them there at
	// the start of each operation and conceal blanks them at its end, so
	// between operations the client holds no plain copy. What remains for
	// the client's lifetime (v3) are the keys gosnmp localized from the
	// passphrases to the agent's engine ID (RFC 3414 §2.6: valid for this
	// agent only), which spare a fresh discovery and key derivation on
	// every call. gosnmp's process-wide password-to-key cache also keys
	// on the passphrase itself; an application that wants none of that
	// calls gosnmp.PasswordCaching(false) or builds with gosnmp_nopwdcache.
	community, authPass, privPass oobkit.Secret

	mu        sync.Mutex
	g         *gosnmp.GoSNMP
	connected bool
	closed    bool
	rx        *scrubConn // g.Conn once connected
	// nextReqID is the base of the next exchange's request ids: each
	// exchange owns the ids (base, base+reqIDSpan], so an answer can be
	// checked against exactly the ids its request went out with.
	nextReqID uint32
	// received counts the datagrams gosnmp read during the current
	// exchange (its OnRecv hook), accepted or discarded.
	received int
}

// maxReqID is the largest SNMP request-id gosnmp sends (it keeps 31 bits).
const maxReqID = 1<<31 - 1

// Compile-time checks of the capabilities Client offers.
var (
	_ oobkit.Client          = (*Client)(nil)
	_ oobkit.InventoryReader = (*Client)(nil)
)

// New returns a client for the SNMP agent of target (port: the target's
// override for [oobkit.SNMP], else 161). cred carries a v1/v2c community
// (Credential.Community) or a v3 USM user (Credential.Username plus
// Credential.USM with SHA/SHA-2 auth and AES/DES privacy). New does not
// touch the network; the socket is opened by the first request.
func New(target oobkit.Target, cred oobkit.Credential, opts ...Option) (*Client, error) {
	if err := target.Validate(); err != nil {
		return nil, err
	}
	cfg := defaultClientConfig()
	for _, o := range opts {
		o(&cfg)
	}
	v := cfg.version
	if v == VersionAuto {
		v = Version2c
		if isUSM(cred) {
			v = Version3
		}
	}
	g := &gosnmp.GoSNMP{
		Target:             target.Address,
		Port:               uint16(target.Port(oobkit.SNMP, false)),
		Transport:          "udp",
		Version:            v.gosnmp(),
		Timeout:            cfg.timeout,
		Retries:            cfg.retries,
		MaxOids:            gosnmp.MaxOids,
		MaxRepetitions:     cfg.maxRepetitions,
		ExponentialTimeout: false,
		Context:            context.Background(),
		Logger:             gosnmp.NewLogger(nil),
	}
	c := &Client{target: target, cfg: cfg, log: cfg.logger, g: g, nextReqID: 1 + rand.Uint32N(1<<30)}
	if v == Version3 {
		sp, flags, err := usmParams(cred, "")
		if err != nil {
			return nil, err
		}
		sp.AuthenticationPassphrase, sp.PrivacyPassphrase = "", "" // see reveal
		if cred.USM != nil {
			c.authPass, c.privPass = cred.USM.AuthPassphrase, cred.USM.PrivPassphrase
		}
		g.SecurityModel = gosnmp.UserSecurityModel
		g.MsgFlags = flags
		g.SecurityParameters = sp
		if cred.USM != nil {
			g.ContextName = cred.USM.ContextName
		}
	} else {
		if cred.Community.IsZero() {
			return nil, fmt.Errorf("%w: SNMP v%s needs a community", oobkit.ErrInvalidArgument, v)
		}
		c.community = cred.Community
	}
	g.OnRecv = func(*gosnmp.GoSNMP) { c.received++ } // runs inside do, under c.mu
	return c, nil
}

// connect opens the client's socket. gosnmp allocates its receive buffer,
// request ids and v3 parameters only in Connect, so with [WithDialContext] it
// connects a throwaway UDP socket to the loopback discard port (a UDP connect
// sends nothing) and then swaps in the caller's conn.
func (c *Client) connect(ctx context.Context) error {
	if c.cfg.dial == nil {
		return c.g.Connect()
	}
	conn, err := c.cfg.dial(ctx, "udp", net.JoinHostPort(c.g.Target, strconv.Itoa(int(c.g.Port))))
	if err != nil {
		return err
	}
	target, port, transport := c.g.Target, c.g.Port, c.g.Transport
	c.g.Target, c.g.Port, c.g.Transport = "127.0.0.1", 9, "udp"
	err = c.g.Connect()
	c.g.Target, c.g.Port, c.g.Transport = target, port, transport
	if err != nil {
		_ = conn.Close() // dialed here: nobody else closes it
		return err
	}
	_ = c.g.Conn.Close()
	c.g.Conn = conn
	return nil
}

// scrubConn wipes the datagrams gosnmp reads through it once they have been
// decoded: gosnmp keeps one receive buffer for the client's lifetime, and a
// v1/v2c answer carries the community in clear.
type scrubConn struct {
	net.Conn
	last []byte // where the last datagram was read to
}

// Read reads a datagram into p. gosnmp copies each datagram out of its
// buffer before it reads the next, so the previous one is wiped first.
func (s *scrubConn) Read(p []byte) (int, error) {
	s.scrub()
	n, err := s.Conn.Read(p)
	s.last = p[:max(n, 0)]
	return n, err
}

// scrub wipes the last datagram read.
func (s *scrubConn) scrub() {
	clear(s.last)
	s.last = nil
}

// Protocol returns [oobkit.SNMP].
func (c *Client) Protocol() oobkit.Protocol { return oobkit.SNMP }

// Version returns the SNMP version the client speaks.
func (c *Client) Version() Version { return versionOf(c.g.Version) }

// Close closes the socket. Further calls fail.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.g.Conn != nil {
		return c.g.Conn.Close()
	}
	return nil
}

// do runs one gosnmp operation under the client's lock with ctx's deadline
// and cancellation: a cancelled context interrupts a pending read.
func (c *Client) do(ctx context.Context, op string, fn func(g *gosnmp.GoSNMP) error) error {
	return c.cfg.hooks.Observe(oobkit.HookRequest{Protocol: oobkit.SNMP, Target: c.target.HostPort(oobkit.SNMP, false), Operation: op},
		func() error { return c.doLocked(ctx, op, fn) })
}

func (c *Client) doLocked(ctx context.Context, op string, fn func(g *gosnmp.GoSNMP) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return &oobkit.Error{Protocol: oobkit.SNMP, Op: op, Class: oobkit.ErrInvalidState, Message: "client is closed"}
	}
	if err := ctx.Err(); err != nil {
		return &oobkit.Error{Protocol: oobkit.SNMP, Op: op, Err: err}
	}
	c.reveal() // gosnmp checks the parameters in Connect already
	defer c.conceal()
	if !c.connected {
		c.g.Context = ctx
		if err := c.connect(ctx); err != nil {
			return &oobkit.Error{Protocol: oobkit.SNMP, Op: op, Class: oobkit.ErrUnreachable, Err: err}
		}
		c.rx = &scrubConn{Conn: c.g.Conn}
		c.g.Conn = c.rx
		c.connected = true
	}
	c.g.Context = ctx
	conn := c.g.Conn
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	start := time.Now()
	err := fn(c.g)
	stop()
	c.g.Context = context.Background()
	c.log.Debug("snmp request", "target", c.target.String(), "op", op, "elapsed", time.Since(start), "err", err)
	if err != nil {
		return c.classify(ctx, op, err)
	}
	return nil
}

// reveal puts the credential's secrets where gosnmp reads them, for one
// operation; conceal takes them out again. The caller holds c.mu, and
// gosnmp runs nothing in the background, so nothing else sees them.
func (c *Client) reveal() {
	if sp, ok := c.g.SecurityParameters.(*gosnmp.UsmSecurityParameters); ok {
		sp.AuthenticationPassphrase, sp.PrivacyPassphrase = c.authPass.Reveal(), c.privPass.Reveal()
		return
	}
	c.g.Community = c.community.Reveal()
}

func (c *Client) conceal() {
	if c.rx != nil {
		c.rx.scrub()
	}
	if sp, ok := c.g.SecurityParameters.(*gosnmp.UsmSecurityParameters); ok {
		sp.AuthenticationPassphrase, sp.PrivacyPassphrase = "", ""
		return
	}
	c.g.Community = ""
}

// classify wraps a gosnmp error in an *oobkit.Error of the right class.
func (c *Client) classify(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return &oobkit.Error{Protocol: oobkit.SNMP, Op: op, Err: ctxErr}
	}
	var oe *oobkit.Error
	if errors.As(err, &oe) {
		return err
	}
	msg := strings.ToLower(err.Error())
	class := oobkit.ErrProtocol
	switch {
	case isTimeout(err):
		class = oobkit.ErrUnreachable
	case strings.Contains(msg, "refused") || strings.Contains(msg, "no route"):
		class = oobkit.ErrUnreachable
	case strings.Contains(msg, "authentic") || strings.Contains(msg, "unknown user") || strings.Contains(msg, "usmstats") ||
		strings.Contains(msg, "wrong digest") || strings.Contains(msg, "decryption"):
		class = oobkit.ErrAuth
	}
	return &oobkit.Error{Protocol: oobkit.SNMP, Op: op, Class: class, Err: err}
}

// Get reads the given OIDs (numeric, with or without the leading dot) in one
// request and returns their variables in order. A missing object is returned
// with Type NoSuchObject/NoSuchInstance, not as an error.
func (c *Client) Get(ctx context.Context, oids ...string) ([]gosnmp.SnmpPDU, error) {
	if len(oids) == 0 {
		return nil, nil
	}
	var out []gosnmp.SnmpPDU
	err := c.do(ctx, "Get", func(g *gosnmp.GoSNMP) error {
		for start := 0; start < len(oids); start += g.MaxOids {
			chunk := oids[start:min(start+g.MaxOids, len(oids))]
			pkt, err := c.exchange("Get", gosnmp.GetRequest, func() (*gosnmp.SnmpPacket, error) { return g.Get(chunk) })
			if err != nil {
				return err
			}
			if pkt.Error != gosnmp.NoError {
				return &oobkit.Error{Protocol: oobkit.SNMP, Op: "Get", Class: errorStatusClass(pkt.Error),
					DeviceCode: pkt.Error.String(), Message: fmt.Sprintf("error index %d", pkt.ErrorIndex)}
			}
			// RFC 3416 §4.2.1: the Response's variable-bindings name the
			// requested variables, in order.
			if err := sameNames(chunk, pkt.Variables); err != nil {
				return &oobkit.Error{Protocol: oobkit.SNMP, Op: "Get", Class: oobkit.ErrProtocol, Message: err.Error()}
			}
			out = append(out, pkt.Variables...)
		}
		return nil
	})
	return out, err
}

// sameNames checks that a Get's Response holds the requested variables.
func sameNames(oids []string, vars []gosnmp.SnmpPDU) error {
	if len(vars) != len(oids) {
		return fmt.Errorf("the Response holds %d variables for %d requested", len(vars), len(oids))
	}
	for i, v := range vars {
		if normOID(v.Name) != normOID(oids[i]) {
			return fmt.Errorf("the Response's variable %d is %s, the request's was %s", i+1, v.Name, normOID(oids[i]))
		}
	}
	return nil
}

// errorStatusClass maps an SNMP error-status to an oobkit error class.
func errorStatusClass(s gosnmp.SNMPError) error {
	switch s {
	case gosnmp.NoAccess, gosnmp.AuthorizationError:
		return oobkit.ErrAuth
	case gosnmp.NoSuchName:
		return oobkit.ErrUnsupported
	case gosnmp.TooBig, gosnmp.GenErr:
		return oobkit.ErrDevice
	}
	return oobkit.ErrDevice
}

// Walk returns every variable under root (numeric OID), using GETBULK on
// v2c/v3 and GETNEXT on v1, at most WithMaxVarbinds of them. When nothing
// lies under root, a variable named root itself (a scalar) is returned.
func (c *Client) Walk(ctx context.Context, root string) ([]gosnmp.SnmpPDU, error) {
	var out []gosnmp.SnmpPDU
	errTooMany := errors.New("walk: too many variables")
	op := "Walk " + root
	err := c.do(ctx, op, func(g *gosnmp.GoSNMP) error {
		return c.walk(g, op, root, func(pdu gosnmp.SnmpPDU) error {
			if len(out) >= c.cfg.maxVarbinds {
				return errTooMany
			}
			out = append(out, pdu)
			return nil
		})
	})
	if errors.Is(err, errTooMany) {
		return out, &oobkit.Error{Protocol: oobkit.SNMP, Op: op, Class: oobkit.ErrProtocol,
			Message: fmt.Sprintf("more than %d variables", c.cfg.maxVarbinds)}
	}
	return out, err
}

// walk reads the subtree under root with GETNEXT (v1) or GETBULK, checking
// every answer with exchange; gosnmp's own walk cannot, as it never shows
// the packets. Like gosnmp's and net-snmp's walks it ends at the first
// variable outside the subtree, an exception (endOfMibView, noSuchObject,
// noSuchInstance), an error-status (v1 ends a walk with noSuchName) or an
// empty answer, and it fails on an OID that does not increase, which would
// otherwise loop for ever.
func (c *Client) walk(g *gosnmp.GoSNMP, op, root string, fn func(gosnmp.SnmpPDU) error) error {
	if root == "" || root == "." {
		root = ".1.3.6.1"
	}
	root = normOID(root)
	oid := root
	for first := true; ; first = false {
		var pkt *gosnmp.SnmpPacket
		var err error
		if g.Version == gosnmp.Version1 {
			pkt, err = c.exchange(op, gosnmp.GetNextRequest, func() (*gosnmp.SnmpPacket, error) { return g.GetNext([]string{oid}) })
		} else {
			pkt, err = c.exchange(op, gosnmp.GetBulkRequest, func() (*gosnmp.SnmpPacket, error) {
				return g.GetBulk([]string{oid}, 0, g.MaxRepetitions)
			})
		}
		if err != nil {
			return err
		}
		if pkt.Error != gosnmp.NoError || len(pkt.Variables) == 0 {
			return nil
		}
		for i, v := range pkt.Variables {
			if isException(v.Type) {
				return nil
			}
			if !strings.HasPrefix(v.Name, root+".") {
				if first && i == 0 {
					return c.walkScalar(g, op, root, fn)
				}
				return nil
			}
			if compareOIDs(v.Name, oid) <= 0 {
				return &oobkit.Error{Protocol: oobkit.SNMP, Op: op, Class: oobkit.ErrProtocol,
					Message: fmt.Sprintf("OID not increasing: %s after %s", v.Name, oid)}
			}
			if err := fn(v); err != nil {
				return err
			}
			oid = v.Name
		}
	}
}

// walkScalar ends a walk of a root with nothing under it: a variable named
// root itself is the walk's one result.
func (c *Client) walkScalar(g *gosnmp.GoSNMP, op, root string, fn func(gosnmp.SnmpPDU) error) error {
	pkt, err := c.exchange(op, gosnmp.GetRequest, func() (*gosnmp.SnmpPacket, error) { return g.Get([]string{root}) })
	if err != nil {
		return err
	}
	if pkt.Error != gosnmp.NoError || len(pkt.Variables) != 1 || normOID(pkt.Variables[0].Name) != root || isException(pkt.Variables[0].Type) {
		return nil
	}
	return fn(pkt.Variables[0])
}

// isException reports an SNMPv2 exception value (RFC 3416 §3).
func isException(t gosnmp.Asn1BER) bool {
	return t == gosnmp.EndOfMibView || t == gosnmp.NoSuchObject || t == gosnmp.NoSuchInstance
}

// compareOIDs orders two numeric OIDs (dotted, leading dot optional)
// component by component, a prefix before its extensions: -1, 0 or 1.
func compareOIDs(a, b string) int {
	as := strings.Split(strings.TrimPrefix(a, "."), ".")
	bs := strings.Split(strings.TrimPrefix(b, "."), ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errX := strconv.ParseUint(as[i], 10, 32)
		y, errY := strconv.ParseUint(bs[i], 10, 32)
		if errX != nil || errY != nil { // not numeric: fall back to text
			if c := strings.Compare(as[i], bs[i]); c != 0 {
				return c
			}
			continue
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(as) < len(bs):
		return -1
	case len(as) > len(bs):
		return 1
	}
	return 0
}

// reqIDSpan is how many request ids one exchange may use: gosnmp takes a
// new one for each send, and one call sends at most 1+retries times for an
// engine discovery (v3, first call), as many for the request, and as many
// again after a usmStatsNotInTimeWindows or usmStatsUnknownEngineIDs Report.
func (c *Client) reqIDSpan() uint32 {
	return uint32(min(3*(c.g.Retries+1)+1, 1<<20)) //nolint:gosec // bounded just above
}

// exchange runs one gosnmp request (send) and checks that what came back
// answers it: an SNMP message of the client's version carrying a Response
// PDU (RFC 3416 §4.2; gosnmp's GetResponse) with one of the request-ids the
// request went out with. gosnmp itself (v1.47.0, marshal.go
// sendOneRequest) keeps waiting past an answer whose request-id is not one
// of the current request's, but accepts request-id 0 (meant for Reports
// that could not extract one, but taken from any PDU, and a v1 Trap-PDU
// has none) and never looks at the PDU type or the version, so an echo of
// the request, a trap or a v1 message would pass as an empty answer. The
// caller holds c.mu.
//
// Answers with other request-ids are dropped, as gosnmp does and RFC 3412
// §4.2.2.2 does with a Response that matches no outstanding request: over
// UDP a late or duplicated answer to an earlier request is normal, and the
// request-id is how a manager tells them apart (RFC 3416 §4.1). When the
// wait then times out having received only such datagrams, the error is
// ErrProtocol, not a timeout: the agent is there and talking, just not
// answering this request.
func (c *Client) exchange(op string, req gosnmp.PDUType, send func() (*gosnmp.SnmpPacket, error)) (*gosnmp.SnmpPacket, error) {
	span := c.reqIDSpan()
	base := c.nextReqID
	if base == 0 || base > maxReqID-span {
		base = 1
	}
	c.nextReqID = base + span
	first, last := base+1, base+span
	c.g.SetRequestID(base) // gosnmp sends base+1, base+2, …
	c.received = 0
	pkt, err := send()
	if err != nil {
		if c.received > 0 && isTimeout(err) {
			return nil, &oobkit.Error{Protocol: oobkit.SNMP, Op: op, Class: oobkit.ErrProtocol,
				Message: fmt.Sprintf("%d datagram(s) came back but none was a response to this request (request id %d to %d): %v",
					c.received, first, last, err)}
		}
		return nil, err
	}
	if err := checkResponse(pkt, c.g.Version, req, first, last); err != nil {
		return nil, &oobkit.Error{Protocol: oobkit.SNMP, Op: op, Class: oobkit.ErrProtocol, Message: err.Error()}
	}
	return pkt, nil
}

// checkResponse says what is wrong with pkt as the answer to a request of
// type req sent with request-ids first to last.
func checkResponse(pkt *gosnmp.SnmpPacket, version gosnmp.SnmpVersion, req gosnmp.PDUType, first, last uint32) error {
	if pkt.PDUType != gosnmp.GetResponse {
		what := "a " + pkt.PDUType.String() + " PDU"
		if pkt.PDUType == req {
			what += " (the request sent back)"
		}
		return fmt.Errorf("the agent answered with %s, not a Response", what)
	}
	if pkt.Version != version {
		return fmt.Errorf("the agent answered an SNMP v%s request in v%s", versionOf(version), versionName(pkt.Version))
	}
	if pkt.RequestID < first || pkt.RequestID > last {
		return fmt.Errorf("the Response has request id %d, the request's was %d to %d", pkt.RequestID, first, last)
	}
	return nil
}

// versionName names any version number an answer may carry.
func versionName(v gosnmp.SnmpVersion) string {
	switch v {
	case gosnmp.Version1, gosnmp.Version2c, gosnmp.Version3:
		return versionOf(v).String()
	}
	return fmt.Sprintf("%d (unknown)", v)
}

// isTimeout reports whether a gosnmp error means no answer came in time.
func isTimeout(err error) bool {
	return errors.Is(err, gosnmp.ErrMaxRetriesExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(strings.ToLower(err.Error()), "timeout")
}

// Detect reports whether an SNMP agent answers with this credential: it
// reads the system group. No answer within the timeout means either no
// agent or a wrong v1/v2c community (agents stay silent on both); the error
// then wraps [oobkit.ErrNotDetected]. A refused v3 user wraps
// [oobkit.ErrAuth].
func (c *Client) Detect(ctx context.Context) (*SystemInfo, error) {
	sys, err := c.System(ctx)
	if err != nil {
		var oe *oobkit.Error
		if errors.As(err, &oe) && errors.Is(err, oobkit.ErrUnreachable) && ctx.Err() == nil {
			return nil, &oobkit.Error{Protocol: oobkit.SNMP, Op: "Detect", Class: oobkit.ErrNotDetected,
				Message: "no SNMP answer from " + net.JoinHostPort(c.g.Target, fmt.Sprint(c.g.Port)), Err: oe.Err}
		}
		return nil, err
	}
	return sys, nil
}
