package redirect

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// SOLSettings are the session parameters sent in StartSOLRedirection
// (reference §3.1). Zero fields take the defaults amtterm uses on real
// firmware: MaxTxBuffer 1000, TxBufferTimeout 100 ms, HostSessionRxTimeout
// 10 s, HeartbeatInterval 5 s.
type SOLSettings struct {
	// MaxTxBuffer is the largest data message in bytes, both ways; Write
	// splits at this size.
	MaxTxBuffer int
	// TxBufferTimeout is how long the device collects host output before
	// sending it.
	TxBufferTimeout time.Duration
	// TxOverflowTimeout is passed to the device as is (0 = none).
	TxOverflowTimeout time.Duration
	// HostSessionRxTimeout is how long the device waits for the console.
	HostSessionRxTimeout time.Duration
	// HostFifoRxFlushTimeout is passed to the device as is (0 = none).
	HostFifoRxFlushTimeout time.Duration
	// HeartbeatInterval is how often both sides send a heartbeat. Negative
	// disables the client's heartbeats.
	HeartbeatInterval time.Duration
	// SilenceTimeout is how long the session may go without any message
	// from the device (data, control, heartbeat) before it ends with an
	// error wrapping [oobkit.ErrUnreachable]. Zero means four heartbeat
	// intervals, as amtterm does; negative disables the check (as does a
	// negative HeartbeatInterval with a zero SilenceTimeout).
	SilenceTimeout time.Duration
	// RefuseIfActive refuses with [oobkit.ErrBusy] when another console's
	// SOL session is active, even on a client made [WithTakeOver]. It is
	// not sent to the device.
	RefuseIfActive bool
}

func (s SOLSettings) withDefaults() SOLSettings {
	if s.MaxTxBuffer <= 0 {
		s.MaxTxBuffer = 1000
	}
	if s.MaxTxBuffer > 0xFFFF {
		s.MaxTxBuffer = 0xFFFF
	}
	if s.TxBufferTimeout == 0 {
		s.TxBufferTimeout = 100 * time.Millisecond
	}
	if s.HostSessionRxTimeout == 0 {
		s.HostSessionRxTimeout = 10 * time.Second
	}
	if s.HeartbeatInterval == 0 {
		s.HeartbeatInterval = 5 * time.Second
	}
	if s.SilenceTimeout == 0 {
		s.SilenceTimeout = 4 * s.HeartbeatInterval // negative when heartbeats are off
	}
	return s
}

func ms(d time.Duration) uint16 {
	if d <= 0 {
		return 0
	}
	return uint16(min(d.Milliseconds(), 0xFFFF))
}

func (s SOLSettings) wire() wire.SOLSettings {
	return wire.SOLSettings{
		MaxTxBuffer: uint16(s.MaxTxBuffer), TxBufferTimeout: ms(s.TxBufferTimeout),
		TxOverflowTimeout: ms(s.TxOverflowTimeout), HostSessionRxTimeout: ms(s.HostSessionRxTimeout),
		HostFifoRxFlushTimeout: ms(s.HostFifoRxFlushTimeout), HeartbeatInterval: ms(s.HeartbeatInterval),
	}
}

// SerialStatus is the last control/status message (0x29) from the host's
// virtual UART.
type SerialStatus struct {
	RTS, DTR, Break bool // control lines asserted by the host
	TxOverflow      bool // the device's transmit buffer overflowed
	Loopback        bool // UART loopback is active
	PoweredOn       bool // the host system is powered on
	RxFlushTimeout  bool // the receive FIFO flush timed out
	TestMode        bool // the UART is in test mode
}

func parseSerialStatus(control, status byte) SerialStatus {
	return SerialStatus{
		RTS: control&1 != 0, DTR: control&2 != 0, Break: control&4 != 0,
		TxOverflow: status&1 != 0, Loopback: status&2 != 0, PoweredOn: status&4 != 0,
		RxFlushTimeout: status&8 != 0, TestMode: status&16 != 0,
	}
}

// SOL is a serial-over-LAN terminal: Read returns what the host's serial
// port sends, Write types to it. One goroutine may Read while another
// Writes; Close may be called from any goroutine and unblocks both. Read
// returns io.EOF after a clean end and an *oobkit.Error when the session
// broke (connection lost, heartbeat silence, protocol error, or the device
// ended it: [ErrEndedByDevice]).
type SOL struct {
	c        *conn
	settings SOLSettings

	data    chan []byte // payloads from the host; closed when the reader stops
	cur     []byte
	ending  chan struct{} // Close started: output nobody will read is dropped
	closing chan struct{} // Close is releasing the connection
	ended   chan struct{} // the device acknowledged EndSOL
	readEnd chan struct{} // the reader stopped
	wg      sync.WaitGroup

	seq    uint32 // outbound data sequence, guarded by c.wmu
	status atomic.Uint32
	errMu  sync.Mutex
	err    error
	once   sync.Once
	endErr error

	tookOver bool
}

// OpenSOL starts a serial-over-LAN session. It returns an error wrapping
// [oobkit.ErrUnsupported] when SOL is disabled on the device and
// [oobkit.ErrBusy] when a SOL session is already active, unless the client
// was made [WithTakeOver]: then it ends that session and starts this one.
func (c *Client) OpenSOL(ctx context.Context, settings SOLSettings) (*SOL, error) {
	s, tookOver, err := c.openTakingOver(ctx, wire.TagSOL, settings.RefuseIfActive)
	if err != nil {
		return nil, err
	}
	settings = settings.withDefaults()
	err = startService(ctx, s, "start SOL", func() error {
		return c.request(ctx, s, "start SOL", wire.SOLStart(0, settings.wire()), wire.OpSOLStartReply, "the device refused serial-over-LAN")
	})
	if err != nil {
		return nil, err
	}
	sol := &SOL{c: s, settings: settings, tookOver: tookOver, data: make(chan []byte, 16),
		ending: make(chan struct{}), closing: make(chan struct{}), ended: make(chan struct{}), readEnd: make(chan struct{})}
	sol.wg.Add(1)
	go sol.readLoop()
	if settings.HeartbeatInterval > 0 {
		sol.wg.Add(1)
		go sol.heartbeat()
	}
	return sol, nil
}

// Settings returns the settings the session was started with.
func (s *SOL) Settings() SOLSettings { return s.settings }

// TookOver reports whether opening this session ended another console's
// active SOL session ([WithTakeOver]).
func (s *SOL) TookOver() bool { return s.tookOver }

// Status returns the last serial control/status the host reported.
func (s *SOL) Status() SerialStatus {
	v := s.status.Load()
	return parseSerialStatus(byte(v>>8), byte(v))
}

// Read reads terminal output from the host.
func (s *SOL) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	select {
	case <-s.ending:
		return 0, s.readErr() // closed: unread output is discarded
	default:
	}
	if len(s.cur) == 0 {
		b, ok := <-s.data
		if !ok {
			return 0, s.readErr()
		}
		s.cur = b
	}
	n := copy(p, s.cur)
	s.cur = s.cur[n:]
	return n, nil
}

// Write sends p to the host's serial port, split into messages of at most
// MaxTxBuffer bytes.
func (s *SOL) Write(p []byte) (int, error) {
	if err := s.stopped(); err != nil {
		return 0, err
	}
	s.c.wmu.Lock()
	defer s.c.wmu.Unlock()
	done := 0
	for done < len(p) {
		n := min(len(p)-done, s.settings.MaxTxBuffer)
		s.seq++
		if err := s.c.writeLocked(wire.SOLData(wire.OpSOLDataToHost, s.seq, p[done:done+n])); err != nil {
			return done, s.fail(ioErr("SOL write", err))
		}
		done += n
	}
	return done, nil
}

// stopped returns an error once the session is closing or broken.
func (s *SOL) stopped() error {
	select {
	case <-s.ending:
		return classErr("SOL write", oobkit.ErrInvalidState, "session closed", nil)
	default:
	}
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

// Close ends the session cleanly (EndSOL, wait for the reply, EndSession)
// and releases the connection. It waits at most the client timeout for the
// device's reply and returns nil when the session was ended cleanly. Output
// not read yet is discarded.
func (s *SOL) Close() error {
	s.once.Do(func() {
		broken := s.stopped()
		close(s.ending) // the reader keeps draining the connection to see the EndSOL reply
		if broken == nil {
			s.c.wmu.Lock()
			err := s.c.writeLocked(wire.Header8(wire.OpSOLEnd, 0, 0))
			s.c.wmu.Unlock()
			if err == nil {
				t := time.NewTimer(s.c.timeout)
				select {
				case <-s.readEnd: // the reply arrived, or the connection broke first
				case <-t.C:
					s.endErr = classErr("SOL close", oobkit.ErrProtocol, "no reply to EndSOL", nil)
				}
				select {
				case <-s.ended:
					_ = s.c.write([]byte{wire.OpEndSession, 0, 0, 0})
				default:
					if s.endErr == nil {
						s.endErr = s.readErr()
					}
				}
				t.Stop()
			}
		}
		close(s.closing)
		s.c.close()
		s.wg.Wait()
	})
	return s.endErr
}

// fail records the first terminal error.
func (s *SOL) fail(err error) error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	if s.err == nil {
		s.err = err
	}
	return s.err
}

func (s *SOL) readErr() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	if s.err == nil {
		return io.EOF
	}
	return s.err
}

// readLoop dispatches messages from the device until the session ends.
func (s *SOL) readLoop() {
	defer s.wg.Done()
	defer close(s.readEnd)
	defer close(s.data)
	silence := s.settings.SilenceTimeout
	for {
		if silence > 0 {
			_ = s.c.nc.SetReadDeadline(time.Now().Add(silence))
		}
		f, err := s.c.fr.Next()
		if err != nil {
			select {
			case <-s.closing:
			case <-s.ended:
			default:
				s.fail(ioErr("SOL read", err))
			}
			return
		}
		switch f.Op {
		case wire.OpSOLDataFromHost:
			b := append([]byte(nil), wire.SOLPayload(f.Raw)...)
			select {
			case s.data <- b:
			case <-s.ending: // nobody reads any more: drop it, keep looking for the EndSOL reply
			}
		case wire.OpSOLControl:
			s.status.Store(uint32(f.Raw[8])<<8 | uint32(f.Raw[9]))
		case wire.OpSOLPing:
			_ = s.c.write(wire.Header8(wire.OpSOLPong, 0, wire.Seq(f.Raw)))
		case wire.OpSOLHeartbeat, wire.OpSOLPong:
		case wire.OpSOLEndReply:
			close(s.ended)
			return
		case wire.OpEndSession: // the device ended the session (taken over)
			s.fail(endedByDevice("SOL read"))
			return
		default:
			s.c.log.Debug("SOL: ignoring message", "op", f.Op)
		}
	}
}

// heartbeat sends 0x2B every interval until the session stops.
func (s *SOL) heartbeat() {
	defer s.wg.Done()
	t := time.NewTicker(s.settings.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-s.closing:
			return
		case <-s.ended:
			return
		case <-t.C:
			if err := s.c.write(wire.Header8(wire.OpSOLHeartbeat, 0, 0)); err != nil {
				if !errors.Is(err, io.EOF) {
					s.c.log.Debug("SOL heartbeat failed", "err", err)
				}
				return
			}
		}
	}
}
