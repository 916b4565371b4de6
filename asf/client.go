package asf

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/oobkit/oobkit"
)

// Role is the RAKP Mgt Console User Role (§3.2.4.13): which of the two
// role keys, KO or KA, the session authenticates with.
type Role byte

// Roles.
const (
	RoleOperator      Role = 0x0 // 0000b Operator, key KO
	RoleAdministrator Role = 0x1 // 0001b Administrator, key KA
)

// Option configures a [Client].
type Option func(*config)

type config struct {
	securePort int
	timeout    time.Duration
	retries    int
	role       Role
	kg         oobkit.Secret
	log        *slog.Logger
	dial       func(ctx context.Context, network, addr string) (net.Conn, error)
}

// WithSecurePort sets the UDP port of the RMCP security extensions (default
// the target's ASF TLS port, 664). The target's Ports[oobkit.ASF] override
// sets the compatibility port (default 623).
func WithSecurePort(port int) Option { return func(c *config) { c.securePort = port } }

// WithTimeout sets how long one attempt waits for an answer (default 1s).
// The caller's context bounds the whole call.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithRetries sets how many more times a request is sent when no answer
// came (default 2). UDP loses datagrams; a retransmitted remote-control
// message keeps its RMCP sequence number, so the device acts on it once.
func WithRetries(n int) Option { return func(c *config) { c.retries = n } }

// WithRole selects the RAKP role (default [RoleAdministrator]).
func WithRole(r Role) Option { return func(c *config) { c.role = r } }

// WithGenerationKey sets KG, the key the Session Integrity Key is generated
// with (§3.2.3.5). By default KG is the role key (the credential's
// password), as for a device installed with one key.
func WithGenerationKey(k oobkit.Secret) Option { return func(c *config) { c.kg = k } }

// WithLogger sets the logger (default: discard). Secrets never reach it.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithDialContext sets how UDP sockets are opened (network "udp"), so a
// product can tunnel or a test can intercept.
func WithDialContext(f func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *config) { c.dial = f }
}

// Client speaks ASF-RMCP to one managed client. Presence ping,
// capabilities and system state work without a credential on the
// compatibility port; with a key the client opens an RSP session on the
// secure port (Open Session, RAKP Messages 1-3) and sends everything
// through it, integrity-protected. Remote control needs the session.
//
// A Client is safe for concurrent use; calls are serialised (one request
// in flight, as a UDP request/response protocol with tags needs).
type Client struct {
	target oobkit.Target
	user   string
	key    []byte // role key, nil without a credential
	kg     []byte
	cfg    config

	mu      sync.Mutex
	conns   map[int]net.Conn
	tag     byte
	rmcpSeq byte
	sess    *session
	caps    *Capabilities
	closed  bool
}

// New returns a client for target. cred.Password is the RAKP key of the
// role ([WithRole]): 40 hex digits are the 160-bit key itself; any other
// text is its bytes, zero-padded to 20 (at most 20). cred.Username is the
// optional RAKP user name (at most 16 ASCII bytes, no NUL). An empty
// credential allows presence ping, capabilities and system state only.
// Kerberos (the field notes' "Domain account") is refused with
// [oobkit.ErrUnsupported]: ASF 2.0 RSP defines only pre-shared keys.
func New(target oobkit.Target, cred oobkit.Credential, opts ...Option) (*Client, error) {
	if err := target.Validate(); err != nil {
		return nil, err
	}
	cfg := config{timeout: time.Second, retries: 2, role: RoleAdministrator,
		log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.securePort == 0 {
		cfg.securePort = oobkit.ASF.DefaultPort(true)
	}
	if cfg.timeout <= 0 || cfg.retries < 0 || cfg.securePort < 1 || cfg.securePort > 65535 {
		return nil, fmt.Errorf("%w: asf: timeout, retries or secure port out of range", oobkit.ErrInvalidArgument)
	}
	if cfg.role != RoleOperator && cfg.role != RoleAdministrator {
		return nil, fmt.Errorf("%w: asf: unknown role %d", oobkit.ErrInvalidArgument, cfg.role)
	}
	if cfg.dial == nil {
		var d net.Dialer
		cfg.dial = d.DialContext
	}
	c := &Client{target: target, cfg: cfg, conns: map[int]net.Conn{}}
	switch cred.Auth {
	case "", oobkit.AuthDigest, oobkit.AuthPassword:
	case oobkit.AuthKerberos:
		return nil, &oobkit.Error{Protocol: oobkit.ASF, Op: "connect", Class: oobkit.ErrUnsupported,
			Message: "ASF 2.0 RSP authenticates with RAKP pre-shared keys only; a domain account cannot log on over RMCP"}
	default:
		return nil, fmt.Errorf("%w: asf: authentication kind %q (want digest or password: the RAKP key)", oobkit.ErrInvalidArgument, cred.Auth)
	}
	if len(cred.Username) > 16 || containsNUL(cred.Username) {
		return nil, fmt.Errorf("%w: asf: the RAKP user name is at most 16 ASCII bytes without NUL", oobkit.ErrInvalidArgument)
	}
	c.user = cred.Username
	if !cred.Password.IsZero() {
		k, err := parseKey(cred.Password)
		if err != nil {
			return nil, err
		}
		c.key, c.kg = k, k
		if !cfg.kg.IsZero() {
			if c.kg, err = parseKey(cfg.kg); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// parseKey reads a RAKP key: 40 hex digits, or up to 20 bytes zero-padded.
func parseKey(s oobkit.Secret) ([]byte, error) {
	v := s.Reveal()
	if len(v) == 2*keyLen {
		if k, err := hex.DecodeString(v); err == nil {
			return k, nil
		}
	}
	if len(v) > keyLen {
		return nil, fmt.Errorf("%w: asf: a RAKP key is 160 bits: 40 hex digits or at most 20 bytes of text", oobkit.ErrInvalidArgument)
	}
	k := make([]byte, keyLen)
	copy(k, v)
	return k, nil
}

func containsNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 || s[i] > 0x7F {
			return true
		}
	}
	return false
}

// Protocol returns oobkit.ASF.
func (c *Client) Protocol() oobkit.Protocol { return oobkit.ASF }

// Close ends the RSP session, if one is open, with a Close Session Request
// (best effort, bounded by one attempt) and releases the sockets.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	if c.sess != nil {
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.timeout)
		data := binary.BigEndian.AppendUint32(nil, c.sess.sidC)
		_, _ = c.secureExchange(ctx, "Close Session", TypeCloseSessionReq, data, TypeCloseSessionResp, false, 0)
		cancel()
		c.sess = nil
	}
	c.closed = true
	var errs []error
	for _, conn := range c.conns {
		errs = append(errs, conn.Close())
	}
	return errors.Join(errs...)
}

// Ping sends a Presence Ping (§3.2.4.8) to the compatibility port and
// returns the Presence Pong. Silence wraps [oobkit.ErrUnreachable]; an
// answer that is not a pong wraps [oobkit.ErrProtocol]. An IPMI BMC answers
// too: its pong says IPMI and names no ASF version.
func (c *Client) Ping(ctx context.Context) (*Pong, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := c.compatExchange(ctx, "Presence Ping", TypePresencePing, TypePresencePong)
	if err != nil {
		return nil, err
	}
	pong, err := parsePong(p.Data)
	if err != nil {
		return nil, c.protocolErr("Presence Ping", err)
	}
	return &pong, nil
}

// Capabilities sends a Capabilities Request (§3.2.4.9), through the RSP
// session when the client has a key.
func (c *Client) Capabilities(ctx context.Context) (*Capabilities, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.capabilities(ctx)
}

func (c *Client) capabilities(ctx context.Context) (*Capabilities, error) {
	p, err := c.request(ctx, "Capabilities Request", TypeCapabilitiesReq, TypeCapabilities)
	if err != nil {
		return nil, err
	}
	caps, err := parseCapabilities(p.Data)
	if err != nil {
		return nil, c.protocolErr("Capabilities Request", err)
	}
	c.caps = &caps
	return &caps, nil
}

// Status sends a System State Request (§3.2.4.10), through the RSP session
// when the client has a key.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status(ctx)
}

func (c *Client) status(ctx context.Context) (*Status, error) {
	p, err := c.request(ctx, "System State Request", TypeSystemStateReq, TypeSystemState)
	if err != nil {
		return nil, err
	}
	st, err := parseStatus(p.Data)
	if err != nil {
		return nil, c.protocolErr("System State Request", err)
	}
	return &st, nil
}

// PowerState reads the System State Response and maps it to oobkit's power
// states (see [SystemState.PowerState]; [Client.Status] gives the exact
// Table C-3 row).
func (c *Client) PowerState(ctx context.Context) (oobkit.PowerState, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return oobkit.PowerUnknown, err
	}
	return st.State.PowerState(), nil
}

// remoteControl maps power actions to ASF remote-control messages (§3.2.4.1,
// §3.2.4.2).
var remoteControl = map[oobkit.PowerAction]byte{
	oobkit.ActionOn:    TypePowerUp,
	oobkit.ActionOff:   TypePowerDown,
	oobkit.ActionReset: TypeReset,
	oobkit.ActionCycle: TypePowerCycle,
}

// SetPower sends the remote-control message of action through the RSP
// session: on → Power-up (11h), off → Unconditional Power-down (12h), reset
// → Reset (10h), cycle → Power Cycle Reset (13h). Graceful actions, sleep,
// hibernate and the BIOS variants have no ASF message ([oobkit.ErrUnsupported]);
// so has a message the device's Capabilities Response does not list. The
// system state is read first and the action refused, wrapping
// [oobkit.ErrInvalidState], when [oobkit.Allowed] forbids it. The device
// acknowledges the message with an RMCP ACK (§3.2.2.2); silence wraps
// [oobkit.ErrUnreachable], a refused key [oobkit.ErrAuth].
func (c *Client) SetPower(ctx context.Context, action oobkit.PowerAction) error {
	typ, ok := remoteControl[action]
	if !ok {
		if action.Column() == oobkit.ColumnNone {
			return fmt.Errorf("%w: asf: power action %s", oobkit.ErrInvalidArgument, action)
		}
		return &oobkit.Error{Protocol: oobkit.ASF, Op: "remote control", Class: oobkit.ErrUnsupported,
			Message: fmt.Sprintf("ASF has no %q remote-control message", action)}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key == nil {
		return &oobkit.Error{Protocol: oobkit.ASF, Op: "remote control", Class: oobkit.ErrAuth,
			Message: "remote control needs an RSP session: the credential has no RAKP key"}
	}
	st, err := c.status(ctx)
	if err != nil {
		return err
	}
	if err := oobkit.Allowed(st.State.PowerState(), action); err != nil {
		return &oobkit.Error{Protocol: oobkit.ASF, Op: "remote control", Class: oobkit.ErrInvalidState,
			DeviceCode: strconv.Itoa(st.State.Row()), Err: err}
	}
	if c.caps == nil {
		if _, err := c.capabilities(ctx); err != nil {
			return err
		}
	}
	if anyPort, secureOnly := c.caps.Supports(typ); !anyPort && !secureOnly {
		return &oobkit.Error{Protocol: oobkit.ASF, Op: "remote control", Class: oobkit.ErrUnsupported,
			Message: fmt.Sprintf("the device's capabilities do not list message %02xh", typ)}
	}
	c.rmcpSeq = (c.rmcpSeq + 1) % seqNoAck
	_, err = c.secureExchange(ctx, fmt.Sprintf("remote control %02xh", typ), typ, nil, 0, true, c.rmcpSeq)
	return err
}

// request sends a request that has an ASF response: through the RSP
// session when the client has a key, else on the compatibility port.
func (c *Client) request(ctx context.Context, op string, typ, want byte) (packet, error) {
	if c.key != nil {
		return c.secureExchange(ctx, op, typ, nil, want, false, 0)
	}
	return c.compatExchange(ctx, op, typ, want)
}

func (c *Client) nextTag() byte {
	c.tag = (c.tag + 1) % 0xFF // 0FFh is not used as a request tag
	return c.tag
}

// compatExchange sends an unprotected ASF request to the compatibility port.
func (c *Client) compatExchange(ctx context.Context, op string, typ, want byte) (packet, error) {
	if c.closed {
		return packet{}, c.closedErr(op)
	}
	conn, err := c.conn(ctx, op, c.target.Port(oobkit.ASF, false))
	if err != nil {
		return packet{}, err
	}
	tag := c.nextTag()
	msg := packet{Seq: seqNoAck, Class: classASF, IANA: IANA, Type: typ, Tag: tag}.encode()
	var got packet
	err = c.roundTrip(ctx, op, conn, func() []byte { return msg }, func(b []byte) (bool, error) {
		p, _, err := parsePacket(b)
		if err != nil {
			return false, err
		}
		if p.ack() || p.Tag != tag {
			return false, nil // an ACK or a late answer to an earlier request
		}
		if p.IANA != IANA || p.Type != want {
			return false, fmt.Errorf("answer type %02xh (IANA %d), want %02xh", p.Type, p.IANA, want)
		}
		got = p
		return true, nil
	})
	return got, err
}

// conn returns the connected UDP socket for port, opening it once.
func (c *Client) conn(ctx context.Context, op string, port int) (net.Conn, error) {
	if conn := c.conns[port]; conn != nil {
		return conn, nil
	}
	conn, err := c.cfg.dial(ctx, "udp", net.JoinHostPort(c.target.Address, strconv.Itoa(port)))
	if err != nil {
		return nil, &oobkit.Error{Protocol: oobkit.ASF, Op: op, Class: oobkit.ErrUnreachable, Err: err}
	}
	c.conns[port] = conn
	return conn, nil
}

// roundTrip sends msg() and reads datagrams until match accepts one,
// resending after each per-attempt timeout. msg is called per attempt (an
// RSP message needs a fresh sequence number each time). A match error is a
// protocol error; a refused port (ICMP port unreachable) ends at once.
func (c *Client) roundTrip(ctx context.Context, op string, conn net.Conn, msg func() []byte, match func([]byte) (bool, error)) error {
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, MaxMessageBytes+1)
	attempts := c.cfg.retries + 1
	for attempt := 0; attempt < attempts; attempt++ {
		deadline := time.Now().Add(c.cfg.timeout)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		if err := conn.SetReadDeadline(deadline); err != nil {
			return c.unreachable(op, err)
		}
		if err := ctx.Err(); err != nil {
			return c.unreachable(op, err)
		}
		c.cfg.log.Debug("asf send", "target", c.target.String(), "op", op, "attempt", attempt+1)
		if _, err := conn.Write(msg()); err != nil {
			return c.unreachable(op, err)
		}
		for {
			n, err := conn.Read(buf)
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					if ctx.Err() != nil {
						return c.unreachable(op, ctx.Err())
					}
					break
				}
				if errors.Is(err, syscall.ECONNREFUSED) {
					return &oobkit.Error{Protocol: oobkit.ASF, Op: op, Class: oobkit.ErrUnreachable,
						Message: "port closed (ICMP port unreachable)", Err: err}
				}
				return c.unreachable(op, err)
			}
			if n > MaxMessageBytes {
				return c.protocolErr(op, fmt.Errorf("datagram larger than %d bytes", MaxMessageBytes))
			}
			done, err := match(buf[:n])
			if err != nil {
				var oe *oobkit.Error
				if errors.As(err, &oe) {
					return err
				}
				return c.protocolErr(op, err)
			}
			if done {
				return nil
			}
		}
	}
	return &oobkit.Error{Protocol: oobkit.ASF, Op: op, Class: oobkit.ErrUnreachable,
		Message: fmt.Sprintf("no answer from %s after %d attempts", conn.RemoteAddr(), attempts)}
}

func (c *Client) unreachable(op string, err error) error {
	return &oobkit.Error{Protocol: oobkit.ASF, Op: op, Class: oobkit.ErrUnreachable, Err: err}
}

func (c *Client) protocolErr(op string, err error) error {
	return &oobkit.Error{Protocol: oobkit.ASF, Op: op, Class: oobkit.ErrProtocol, Err: err}
}

func (c *Client) closedErr(op string) error {
	return &oobkit.Error{Protocol: oobkit.ASF, Op: op, Class: oobkit.ErrInvalidArgument, Message: "client is closed"}
}

// random fills n bytes from crypto/rand.
func random(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		panic("asf: crypto/rand: " + err.Error()) // the platform has no randomness
	}
	return b
}
