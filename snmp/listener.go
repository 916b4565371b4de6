package snmp

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/oobkit/oobkit"
)

// maxDatagram is the largest UDP payload the listener reads; anything
// longer is truncated by the kernel and then fails to decode.
const maxDatagram = 65535

// socketReadBuffer is the receive buffer the listener asks the kernel for.
const socketReadBuffer = 4 << 20

// Listener receives SNMP traps and informs (v1, v2c, v3) on one UDP socket,
// keeps those that pass its filter, decodes them into [oobkit.Event] (PETs
// fully, see [DecodePET]) and hands them over through a bounded queue.
//
// The reader goroutine never waits for the consumer: when the queue is full
// the event is dropped and counted in [ListenerStats].Dropped. Informs that
// pass the filter are acknowledged at once, before queueing, so a full
// queue never makes a sender retransmit.
//
// For SNMPv3 informs the listener is the authoritative SNMP engine (RFC
// 3414): it has an engine ID ([WithEngineID], [Listener.EngineID]), boots
// and time; it answers engine discovery with a usmStatsUnknownEngineIDs
// Report, informs outside the time window with an authenticated
// usmStatsNotInTimeWindows Report, and verified informs with a Response
// secured like the inform (same user, keys localized to its engine ID).
//
// Consume either with [Listener.Events] (a channel, closed after Close) or
// by passing [WithHandler] (called from one goroutine, in arrival order).
type Listener struct {
	conn        *net.UDPConn
	log         *slog.Logger
	params      *gosnmp.GoSNMP // decodes v1/v2c
	paramsV3    *gosnmp.GoSNMP // decodes v3 with the USM users' table
	discovery   *gosnmp.GoSNMP // decodes unauthenticated v3 engine discovery
	engine      *localEngine
	communities [][]byte
	anyV1V2c    bool
	haveUSM     bool
	queue       chan oobkit.Event
	handler     func(oobkit.Event)

	stats     listenerCounters
	closeOnce sync.Once
	wg        sync.WaitGroup
	stopCtx   func() bool
}

// ListenerStats counts what a listener did. Received = Accepted + Rejected +
// Malformed + Ignored; Accepted = Delivered + Dropped + (still queued).
type ListenerStats struct {
	// Received is every datagram read.
	Received uint64 `json:"received"`
	// Accepted passed the filter and was decoded into an event.
	Accepted uint64 `json:"accepted"`
	// Rejected failed the filter: unknown community, or a v3 message that
	// failed USM authentication/decryption or names an unknown user.
	Rejected uint64 `json:"rejected"`
	// Malformed could not be decoded as SNMP.
	Malformed uint64 `json:"malformed"`
	// Ignored was SNMP but not a trap or inform (e.g. a Get sent to the port).
	Ignored uint64 `json:"ignored"`
	// Dropped was accepted but the queue was full.
	Dropped uint64 `json:"dropped"`
	// Delivered was put on the Events channel, or returned from the handler.
	Delivered uint64 `json:"delivered"`
	// InformsAcked is how many informs were acknowledged.
	InformsAcked uint64 `json:"informsAcked"`
	// Reports is how many SNMPv3 Report PDUs were sent: answers to engine
	// discovery (counted in Ignored) and to informs for another engine ID
	// or outside the time window (counted in Rejected).
	Reports uint64 `json:"reports"`
}

type listenerCounters struct {
	received, accepted, rejected, malformed, ignored, dropped, delivered, informsAcked, reports atomic.Uint64
}

// ListenerOption configures a [Listener].
type ListenerOption func(*listenerConfig) error

type listenerConfig struct {
	logger      *slog.Logger
	communities []string
	users       []oobkit.Credential
	queueSize   int
	handler     func(oobkit.Event)
	engineID    []byte
	engineBoots uint32
}

// WithCommunities accepts v1/v2c traps whose community is one of these.
// Without it (and without WithUSMUsers) every v1/v2c community is accepted;
// with only WithUSMUsers, v1/v2c traps are rejected.
func WithCommunities(communities ...oobkit.Secret) ListenerOption {
	return func(c *listenerConfig) error {
		for _, s := range communities {
			if s.IsZero() {
				return fmt.Errorf("%w: empty community", oobkit.ErrInvalidArgument)
			}
			c.communities = append(c.communities, s.Reveal())
		}
		return nil
	}
}

// WithUSMUsers accepts SNMPv3 traps and informs from these USM users
// (Username plus USM auth/priv settings). For traps the sender's engine ID
// is taken from each message; informs are sent to the listener's own engine
// ID (see [WithEngineID]). Without it every v3 message is rejected.
func WithUSMUsers(users ...oobkit.Credential) ListenerOption {
	return func(c *listenerConfig) error {
		for _, u := range users {
			if _, _, err := usmParams(u, ""); err != nil {
				return err
			}
		}
		c.users = append(c.users, users...)
		return nil
	}
}

// WithQueueSize sets how many events may wait for the consumer (default
// 1024). Beyond that, events are dropped and counted.
func WithQueueSize(n int) ListenerOption {
	return func(c *listenerConfig) error {
		if n < 1 {
			return fmt.Errorf("%w: queue size %d", oobkit.ErrInvalidArgument, n)
		}
		c.queueSize = n
		return nil
	}
}

// WithHandler delivers events to fn, called from one goroutine in arrival
// order, instead of through [Listener.Events]. A slow fn fills the queue;
// it never slows the UDP reader.
func WithHandler(fn func(oobkit.Event)) ListenerOption {
	return func(c *listenerConfig) error {
		c.handler = fn
		return nil
	}
}

// WithListenerLogger sets the listener's logger (default: discard).
func WithListenerLogger(l *slog.Logger) ListenerOption {
	return func(c *listenerConfig) error {
		c.logger = l
		return nil
	}
}

// Listen binds addr ("127.0.0.1:162", ":0" for any free port) and starts
// receiving. The listener stops when ctx ends or Close is called.
func Listen(ctx context.Context, addr string, opts ...ListenerOption) (*Listener, error) {
	cfg := listenerConfig{queueSize: 1024, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	udpAddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: listen address %q: %v", oobkit.ErrInvalidArgument, addr, err)
	}
	conn, err := net.ListenUDP("udp", udpAddr)
	if err != nil {
		return nil, &oobkit.Error{Protocol: oobkit.SNMP, Op: "listen", Class: oobkit.ErrUnreachable, Err: err}
	}
	engine, err := newLocalEngine(cfg.engineID, cfg.engineBoots, time.Now())
	if err != nil {
		_ = conn.Close()
		return nil, &oobkit.Error{Protocol: oobkit.SNMP, Op: "listen", Class: oobkit.ErrDevice, Err: err}
	}
	// A large socket buffer absorbs bursts (a fleet powering on at once);
	// the kernel caps it at net.core.rmem_max.
	_ = conn.SetReadBuffer(socketReadBuffer)
	l := &Listener{
		conn:     conn,
		log:      cfg.logger,
		params:   &gosnmp.GoSNMP{Logger: gosnmp.NewLogger(nil)},
		anyV1V2c: len(cfg.communities) == 0 && len(cfg.users) == 0,
		haveUSM:  len(cfg.users) > 0,
		queue:    make(chan oobkit.Event, cfg.queueSize),
		handler:  cfg.handler,
		engine:   engine,
	}
	for _, c := range cfg.communities {
		l.communities = append(l.communities, []byte(c))
	}
	if l.haveUSM {
		table := gosnmp.NewSnmpV3SecurityParametersTable(gosnmp.NewLogger(nil))
		for _, u := range cfg.users {
			sp, _, _ := usmParams(u, "")
			if err := table.Add(u.Username, sp); err != nil {
				_ = conn.Close()
				return nil, &oobkit.Error{Protocol: oobkit.SNMP, Op: "listen", Class: oobkit.ErrInvalidArgument, Err: err}
			}
		}
		l.paramsV3 = &gosnmp.GoSNMP{Version: gosnmp.Version3, SecurityModel: gosnmp.UserSecurityModel, Logger: gosnmp.NewLogger(nil)}
		l.paramsV3.SetTrapSecurityParametersTable(table)
		l.discovery = &gosnmp.GoSNMP{Version: gosnmp.Version3, SecurityModel: gosnmp.UserSecurityModel, Logger: gosnmp.NewLogger(nil)}
	}
	l.stopCtx = context.AfterFunc(ctx, func() { _ = l.Close() })
	l.wg.Add(1)
	go l.read()
	if l.handler != nil {
		l.wg.Add(1)
		go l.dispatch()
	}
	return l, nil
}

// Addr returns the bound address (useful after listening on port 0).
func (l *Listener) Addr() *net.UDPAddr { return l.conn.LocalAddr().(*net.UDPAddr) }

// Events returns the channel of accepted events. It is closed once the
// listener is closed and the queue drained. With [WithHandler] it must not
// be read.
func (l *Listener) Events() <-chan oobkit.Event { return l.queue }

// Stats returns the counters so far. A datagram is counted in Received
// after its outcome (Accepted, Rejected, Malformed or Ignored, and the
// Report or inform acknowledgement it got), and Received is read first, so
// every datagram in Received has its outcome counted in the same Stats.
// Delivered for a handler is counted when the handler returns.
func (l *Listener) Stats() ListenerStats {
	c := &l.stats
	received := c.received.Load() // first: see the doc comment
	return ListenerStats{
		Received: received, Accepted: c.accepted.Load(), Rejected: c.rejected.Load(),
		Malformed: c.malformed.Load(), Ignored: c.ignored.Load(), Dropped: c.dropped.Load(),
		Delivered: c.delivered.Load(), InformsAcked: c.informsAcked.Load(), Reports: c.reports.Load(),
	}
}

// Close stops receiving, closes the socket and the Events channel, and with
// a handler waits until the queued events were handled.
func (l *Listener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		l.stopCtx()
		err = l.conn.Close()
		l.wg.Wait()
	})
	return err
}

// read is the UDP reader: decode, filter, acknowledge, queue without waiting.
func (l *Listener) read() {
	defer func() {
		close(l.queue)
		l.wg.Done()
	}()
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := l.conn.ReadFromUDP(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			l.log.Warn("snmp trap read", "err", err)
			continue
		}
		l.handle(buf[:n], from)
		// Counted once its outcome is: whoever sees a datagram in Received
		// sees what became of it (see Stats).
		l.stats.received.Add(1)
	}
}

// handle processes one datagram. Everything taken from msg is copied into
// the event before the buffer is reused.
func (l *Listener) handle(msg []byte, from *net.UDPAddr) {
	version, err := peekVersion(msg)
	if err != nil {
		l.stats.malformed.Add(1)
		return
	}
	var pkt *gosnmp.SnmpPacket
	if version == gosnmp.Version3 {
		if pkt = l.decodeV3(msg, from); pkt == nil {
			return
		}
	} else if pkt, err = unmarshalTrap(l.params, msg); err != nil {
		l.stats.malformed.Add(1)
		l.log.Debug("snmp trap malformed", "from", from.String(), "err", err)
		return
	}
	if pkt.PDUType != gosnmp.Trap && pkt.PDUType != gosnmp.SNMPv2Trap && pkt.PDUType != gosnmp.InformRequest {
		l.stats.ignored.Add(1)
		return
	}
	if pkt.Version != gosnmp.Version3 && !l.communityAllowed(pkt.Community) {
		l.stats.rejected.Add(1)
		l.log.Debug("snmp trap rejected: community not accepted", "from", from.String())
		return
	}
	ev := EventFromPacket(pkt, from)
	if pkt.PDUType == gosnmp.InformRequest {
		l.ack(pkt, from)
	}
	l.stats.accepted.Add(1)
	select {
	case l.queue <- ev:
		if l.handler == nil {
			l.stats.delivered.Add(1)
		}
	default:
		l.stats.dropped.Add(1)
	}
}

// communityAllowed compares in constant time against each accepted community.
func (l *Listener) communityAllowed(community string) bool {
	if l.anyV1V2c {
		return true
	}
	ok := false
	for _, c := range l.communities {
		if subtle.ConstantTimeCompare(c, []byte(community)) == 1 {
			ok = true
		}
	}
	return ok
}

// ack answers an inform with a Response PDU carrying the same variables
// (RFC 3416 §4.2.7); a v3 one secured like the inform (RFC 3414 §3.1).
func (l *Listener) ack(pkt *gosnmp.SnmpPacket, to *net.UDPAddr) {
	if pkt.Version == gosnmp.Version3 && !l.secureV3Response(pkt) {
		l.log.Warn("snmp inform ack: cannot secure the response")
		return
	}
	pkt.PDUType = gosnmp.GetResponse
	pkt.Error = gosnmp.NoError
	pkt.ErrorIndex = 0
	if l.send(pkt, to, "snmp inform ack") {
		l.stats.informsAcked.Add(1)
	}
}

// send marshals (authenticating and encrypting a v3 message as its flags
// say) and sends pkt; it logs failures under what.
func (l *Listener) send(pkt *gosnmp.SnmpPacket, to *net.UDPAddr, what string) bool {
	out, err := pkt.MarshalMsg()
	if err != nil {
		l.log.Warn(what, "err", err)
		return false
	}
	if _, err := l.conn.WriteToUDP(out, to); err != nil {
		l.log.Warn(what, "err", err)
		return false
	}
	return true
}

// dispatch feeds the handler until the queue is closed.
func (l *Listener) dispatch() {
	defer l.wg.Done()
	for ev := range l.queue {
		l.handler(ev)
		l.stats.delivered.Add(1)
	}
}

// peekVersion reads the version field of an SNMP message without decoding
// the rest: SEQUENCE { INTEGER version, ... }.
func peekVersion(msg []byte) (gosnmp.SnmpVersion, error) {
	errBad := errors.New("not an SNMP message")
	if len(msg) < 2 || msg[0] != 0x30 {
		return 0, errBad
	}
	i := 2
	if msg[1]&0x80 != 0 {
		i += int(msg[1] & 0x7F)
	}
	if i+3 > len(msg) || msg[i] != 0x02 || msg[i+1] != 0x01 {
		return 0, errBad
	}
	switch v := gosnmp.SnmpVersion(msg[i+2]); v {
	case gosnmp.Version1, gosnmp.Version2c, gosnmp.Version3:
		return v, nil
	}
	return 0, errBad
}

// unmarshalTrap decodes msg with gosnmp, turning a panic into an error:
// gosnmp v1.47.0 dereferences nil security parameters on some malformed v3
// headers (found by FuzzListenerDatagram), and a datagram from the network
// must never stop the listener.
func unmarshalTrap(params *gosnmp.GoSNMP, msg []byte) (pkt *gosnmp.SnmpPacket, err error) {
	defer func() {
		if r := recover(); r != nil {
			pkt, err = nil, fmt.Errorf("gosnmp panicked decoding a datagram: %v", r)
		}
	}()
	return params.UnmarshalTrap(msg, true)
}
