package redirect

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// StartMode says when the device switches its boot drive to IDE-R
// (reference §4.4).
type StartMode int

// Start modes.
const (
	// StartNow attaches the drives at once.
	StartNow StartMode = iota
	// StartGraceful attaches them after the host's next graceful restart.
	StartGraceful
	// StartOnReboot attaches them on the next reboot.
	StartOnReboot
)

// String names the mode.
func (m StartMode) String() string {
	switch m {
	case StartGraceful:
		return "graceful"
	case StartOnReboot:
		return "on-reboot"
	}
	return "now"
}

func (m StartMode) wire() uint32 {
	switch m {
	case StartGraceful:
		return wire.StartGraceful
	case StartOnReboot:
		return wire.StartOnReboot
	}
	return wire.StartNow
}

// IDEROptions says what to serve and how.
type IDEROptions struct {
	// Floppy is served as the master drive with 512-byte sectors.
	Floppy *Image
	// CD is served as the slave CD/DVD drive with 2048-byte sectors.
	CD *Image
	// Start is when the device attaches the drives.
	Start StartMode
	// MaxChunk caps the payload of one data message. 0 uses the device's
	// advertised buffer size (at most 64 KiB). The session's memory is one
	// buffer of this size, whatever the image size.
	MaxChunk int
	// Heartbeat is how often the client pings an idle device and the
	// interval it asks the device to use; 0 means 20 s, negative disables.
	Heartbeat time.Duration
	// RxTimeout ends the session with an error when the device is silent
	// this long; 0 means 3 heartbeats (60 s by default), negative disables.
	RxTimeout time.Duration
	// RefuseIfActive refuses with [oobkit.ErrBusy] when another console's
	// IDE-R session is active, even on a client made [WithTakeOver].
	RefuseIfActive bool
}

// IDERStats counts what a session did. Throughput is data bytes per second
// of session time.
type IDERStats struct {
	Commands        uint64        // ATAPI commands answered
	Reads           uint64        // READ commands that sent data
	CheckConditions uint64        // commands answered with CHECK CONDITION
	BytesSent       uint64        // image bytes sent
	Resets          uint64        // RESET_OCCURED messages from the device
	Duration        time.Duration // since the session started
	Throughput      float64       // BytesSent per second of Duration
}

// IDER is a running IDE-R session: the client answers the ATAPI commands of
// the device's firmware from the images until Close or until the device
// ends the session. Its methods are safe for concurrent use.
type IDER struct {
	c      *conn
	drives [2]*drive // floppy, CD
	chunk  int
	start  time.Time
	rxIdle time.Duration

	buf     []byte // one data message: prefix + chunk
	scratch []byte // small replies

	outSeq uint32 // guarded by c.wmu
	inSeq  uint32

	commands, reads, checks, bytes, resets atomic.Uint64
	lastRead                               atomic.Int64 // unix nanos of the last message

	closing  chan struct{}
	ended    chan struct{}
	done     chan struct{}
	wg       sync.WaitGroup
	once     sync.Once
	err      error // set before done is closed
	closeErr error
	tookOver bool
}

// drive is one emulated ATAPI device.
type drive struct {
	m         *medium
	dev       byte
	attention bool // the next TEST UNIT READY reports "medium changed"
	sense     [3]byte
}

// OpenIDER starts an IDE-R session serving opts.Floppy and/or opts.CD. It
// returns an error wrapping [oobkit.ErrUnsupported] when IDE-R is disabled on
// the device and [oobkit.ErrBusy] when an IDE-R session is already active,
// unless the client was made [WithTakeOver]: then it ends that session and
// starts this one.
func (c *Client) OpenIDER(ctx context.Context, opts IDEROptions) (*IDER, error) {
	floppy, err := newMedium(opts.Floppy, 512)
	if err != nil {
		return nil, err
	}
	cd, err := newMedium(opts.CD, 2048)
	if err != nil {
		return nil, err
	}
	if floppy == nil && cd == nil {
		return nil, fmt.Errorf("%w: IDE-R needs a floppy or a CD image", oobkit.ErrInvalidArgument)
	}
	hb := opts.Heartbeat
	if hb == 0 {
		hb = 20 * time.Second
	}
	rx := opts.RxTimeout
	if rx == 0 && hb > 0 {
		rx = 3 * hb
	}
	s, tookOver, err := c.openTakingOver(ctx, wire.TagIDER, opts.RefuseIfActive)
	if err != nil {
		return nil, err
	}
	var readBuf uint16
	err = startService(ctx, s, "start IDE-R", func() (err error) {
		readBuf, err = c.iderSetup(ctx, s, hb, opts.Start)
		return err
	})
	if err != nil {
		return nil, err
	}
	chunk := opts.MaxChunk
	if chunk <= 0 {
		chunk = int(readBuf)
	}
	chunk = min(max(chunk, 512), 0xFFFF&^511)
	d := &IDER{
		c: s, chunk: chunk, start: time.Now(), rxIdle: rx, tookOver: tookOver,
		buf: make([]byte, wire.DataToHostPrefixLen+chunk), scratch: make([]byte, 0, 512),
		outSeq: 2, inSeq: 2,
		closing: make(chan struct{}), ended: make(chan struct{}), done: make(chan struct{}),
	}
	if floppy != nil {
		d.drives[0] = &drive{m: floppy, dev: wire.DeviceFloppy, attention: true}
	}
	if cd != nil {
		d.drives[1] = &drive{m: cd, dev: wire.DeviceCD, attention: true}
	}
	d.lastRead.Store(time.Now().UnixNano())
	d.wg.Add(1)
	go d.serve()
	if hb > 0 {
		d.wg.Add(1)
		go d.heartbeat(hb)
	}
	return d, nil
}

// iderSetup sends OPEN_SESSION and the register toggle with the start mode
// and returns the device's read buffer size. Client and device sequence
// numbers both start at 0 (reference §4.9).
func (c *Client) iderSetup(ctx context.Context, s *conn, hb time.Duration, mode StartMode) (uint16, error) {
	const op = "start IDE-R"
	c.stepDeadline(ctx, s.nc)
	if err := s.write(wire.IDERStart(30000, 0, ms(hb))); err != nil {
		return 0, ioErr(op, err)
	}
	f, err := s.expect(op, wire.OpIDERStartReply)
	if err != nil {
		return 0, err
	}
	status, readBuf, _ := wire.IDERStartReplyFields(f.Raw)
	if status != 0 {
		return 0, withCode(classErr(op, oobkit.ErrUnsupported, "the device refused IDE-R", nil), status)
	}
	if seq := wire.Seq(f.Raw); seq != 0 {
		return 0, protoErr(op, fmt.Sprintf("device sequence %d, want 0", seq))
	}
	if readBuf == 0 {
		readBuf = 8192
	}
	c.stepDeadline(ctx, s.nc)
	if err := s.write(wire.IDERFeatures(1, wire.FeatureSetState, wire.FeatureEnable|mode.wire())); err != nil {
		return 0, ioErr(op, err)
	}
	f, err = s.expect(op, wire.OpIDERFeaturesReply)
	if err != nil {
		return 0, err
	}
	if seq := wire.Seq(f.Raw); seq != 1 {
		return 0, protoErr(op, fmt.Sprintf("device sequence %d, want 1", seq))
	}
	if sub, v := wire.FeaturesFields(f.Raw); sub != wire.FeatureSetState || v != 1 {
		return 0, withCode(classErr(op, oobkit.ErrDevice, "the device did not enable IDE-R", nil), byte(v))
	}
	c.cfg.log.Debug("IDE-R session running", "readbfr", readBuf, "start", mode.String())
	return readBuf, nil
}

// Stats returns the session's counters so far.
func (d *IDER) Stats() IDERStats {
	st := IDERStats{
		Commands: d.commands.Load(), Reads: d.reads.Load(), CheckConditions: d.checks.Load(),
		BytesSent: d.bytes.Load(), Resets: d.resets.Load(), Duration: time.Since(d.start),
	}
	if st.Duration > 0 {
		st.Throughput = float64(st.BytesSent) / st.Duration.Seconds()
	}
	return st
}

// TookOver reports whether opening this session ended another console's
// active IDE-R session ([WithTakeOver]).
func (d *IDER) TookOver() bool { return d.tookOver }

// Done is closed when the session has ended.
func (d *IDER) Done() <-chan struct{} { return d.done }

// Wait blocks until the session ends and returns nil when the device ended it
// cleanly, or the error that broke it. It returns ctx.Err() if ctx ends
// first; the session keeps running.
func (d *IDER) Wait(ctx context.Context) error {
	select {
	case <-d.done:
		return d.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close ends the session (END_IDER_REDIRECTION, wait for the reply,
// EndSession) and releases the connection. It returns the session's error,
// if it broke before.
func (d *IDER) Close() error {
	d.once.Do(func() {
		select {
		case <-d.done:
		default:
			err := d.send(wire.OpIDEREnd, 0)
			if err == nil {
				t := time.NewTimer(d.c.timeout)
				select {
				case <-d.ended:
					_ = d.c.write([]byte{wire.OpEndSession, 0, 0, 0})
				case <-d.done:
				case <-t.C:
					d.closeErr = classErr("IDE-R close", oobkit.ErrProtocol, "no reply to END_IDER_REDIRECTION", nil)
				}
				t.Stop()
			}
		}
		close(d.closing)
		d.c.close()
		d.wg.Wait()
	})
	<-d.done
	if d.err != nil {
		return d.err
	}
	return d.closeErr
}

// send writes an 8-byte message with the next sequence number.
func (d *IDER) send(op, attr byte) error {
	d.c.wmu.Lock()
	defer d.c.wmu.Unlock()
	b := wire.Header8(op, attr, d.outSeq)
	d.outSeq++
	return d.c.writeLocked(b)
}

// serve reads the device's messages and answers them, one at a time.
func (d *IDER) serve() {
	defer d.wg.Done()
	defer close(d.done)
	err := d.loop()
	select {
	case <-d.closing:
		err = nil
	case <-d.ended:
		err = nil
	default:
	}
	d.err = err
	if err != nil {
		d.c.close()
	}
}

func (d *IDER) loop() error {
	for {
		if d.rxIdle > 0 {
			_ = d.c.nc.SetReadDeadline(time.Now().Add(d.rxIdle))
		}
		f, err := d.c.fr.Next()
		if err != nil {
			return ioErr("IDE-R read", err)
		}
		d.lastRead.Store(time.Now().UnixNano())
		if len(f.Raw) >= 8 && f.Op != wire.OpEndSession {
			if seq := wire.Seq(f.Raw); seq != d.inSeq {
				return protoErr("IDE-R read", fmt.Sprintf("device sequence %d, want %d", seq, d.inSeq))
			}
			d.inSeq++
		}
		switch f.Op {
		case wire.OpIDERCommand:
			cmd, err := wire.ParseCommand(f.Raw)
			if err != nil {
				return err
			}
			if err := d.handle(cmd); err != nil {
				return ioErr("IDE-R reply", err)
			}
		case wire.OpIDERPing:
			if err := d.send(wire.OpIDERPong, 0); err != nil {
				return ioErr("IDE-R reply", err)
			}
		case wire.OpIDERReset:
			d.resets.Add(1)
			for _, dr := range d.drives {
				if dr != nil {
					dr.attention = true
				}
			}
			if err := d.send(wire.OpIDERResetReply, 0); err != nil {
				return ioErr("IDE-R reply", err)
			}
		case wire.OpIDERDataFromHost:
			// The host tried to write: the media are read-only.
			d.checks.Add(1)
			if err := d.commandEnd(wire.DeviceCD, false, wire.SenseDataProtect, wire.ASCWriteProtected, 0); err != nil {
				return ioErr("IDE-R reply", err)
			}
		case wire.OpIDERError:
			d.c.log.Warn("IDE-R: device reported an error", "code", f.Raw[8])
		case wire.OpIDEREndReply:
			close(d.ended)
			return nil
		case wire.OpEndSession: // the device ended the session (taken over)
			return endedByDevice("IDE-R read")
		case wire.OpIDERHeartbeat, wire.OpIDERPong, wire.OpIDERFeaturesReply:
		default:
			d.c.log.Debug("IDE-R: ignoring message", "op", f.Op)
		}
	}
}

// heartbeat pings the device when the session has been quiet for an interval.
func (d *IDER) heartbeat(every time.Duration) {
	defer d.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-d.closing:
			return
		case <-d.done:
			return
		case <-t.C:
			if time.Since(time.Unix(0, d.lastRead.Load())) < every {
				continue
			}
			if err := d.send(wire.OpIDERPing, 0); err != nil {
				return
			}
		}
	}
}
