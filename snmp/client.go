package snmp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
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

	mu        sync.Mutex
	g         *gosnmp.GoSNMP
	connected bool
	closed    bool
}

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
	if v == Version3 {
		sp, flags, err := usmParams(cred, "")
		if err != nil {
			return nil, err
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
		g.Community = cred.Community.Reveal()
	}
	c := &Client{target: target, cfg: cfg, log: cfg.logger, g: g}
	if cfg.conn != nil {
		g.Conn = cfg.conn
		c.connected = true
	}
	return c, nil
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
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return &oobkit.Error{Protocol: oobkit.SNMP, Op: op, Class: oobkit.ErrInvalidState, Message: "client is closed"}
	}
	if err := ctx.Err(); err != nil {
		return &oobkit.Error{Protocol: oobkit.SNMP, Op: op, Err: err}
	}
	if !c.connected {
		c.g.Context = ctx
		if err := c.g.Connect(); err != nil {
			return &oobkit.Error{Protocol: oobkit.SNMP, Op: op, Class: oobkit.ErrUnreachable, Err: err}
		}
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
	case strings.Contains(msg, "timeout") || errors.Is(err, gosnmp.ErrMaxRetriesExceeded) || errors.Is(err, context.DeadlineExceeded):
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
			end := min(start+g.MaxOids, len(oids))
			pkt, err := g.Get(oids[start:end])
			if err != nil {
				return err
			}
			if pkt.Error != gosnmp.NoError {
				return &oobkit.Error{Protocol: oobkit.SNMP, Op: "Get", Class: errorStatusClass(pkt.Error),
					DeviceCode: pkt.Error.String(), Message: fmt.Sprintf("error index %d", pkt.ErrorIndex)}
			}
			out = append(out, pkt.Variables...)
		}
		return nil
	})
	return out, err
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
// v2c/v3 and GETNEXT on v1, at most WithMaxVarbinds of them.
func (c *Client) Walk(ctx context.Context, root string) ([]gosnmp.SnmpPDU, error) {
	var out []gosnmp.SnmpPDU
	errTooMany := errors.New("walk: too many variables")
	err := c.do(ctx, "Walk "+root, func(g *gosnmp.GoSNMP) error {
		fn := func(pdu gosnmp.SnmpPDU) error {
			if len(out) >= c.cfg.maxVarbinds {
				return errTooMany
			}
			out = append(out, pdu)
			return nil
		}
		if g.Version == gosnmp.Version1 {
			return g.Walk(root, fn)
		}
		return g.BulkWalk(root, fn)
	})
	if errors.Is(err, errTooMany) {
		return out, &oobkit.Error{Protocol: oobkit.SNMP, Op: "Walk " + root, Class: oobkit.ErrProtocol,
			Message: fmt.Sprintf("more than %d variables", c.cfg.maxVarbinds)}
	}
	return out, err
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
