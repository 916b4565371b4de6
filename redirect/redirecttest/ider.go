package redirecttest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// Device selects an emulated IDE-R drive.
type Device byte

// The two IDE-R drives.
const (
	Floppy Device = wire.DeviceFloppy
	CD     Device = wire.DeviceCD
)

// String names the drive.
func (d Device) String() string {
	if d == CD {
		return "cd"
	}
	return "floppy"
}

// Firmware is the host firmware using IDE-R: it issues ATAPI commands
// through d and returns what it saw. It runs once per session, after the
// start mode's trigger.
type Firmware func(ctx context.Context, d *Drive) (BootReport, error)

// BootReport is the result of one firmware run.
type BootReport struct {
	Device    Device        // the drive booted from
	StartMode string        // "now", "graceful", "on-reboot"
	Blocks    int64         // sectors reported by READ CAPACITY
	BlockSize int           // bytes per sector reported by READ CAPACITY
	Bytes     int64         // image bytes read
	SHA256    string        // of the image bytes read, hex
	Commands  int           // ATAPI commands issued
	Duration  time.Duration // from the first command to the last answer
	Err       error         // why the boot failed, nil on success
}

// ErrSessionEnded is returned by [Drive.Command] when the client ended the
// session or the connection is gone.
var ErrSessionEnded = errors.New("redirecttest: IDE-R session ended")

// Result is the client's answer to one ATAPI command.
type Result struct {
	// Data is the data the client sent; valid until the next Command.
	Data []byte
	// Good is true for GOOD status.
	Good bool
	// Key, ASC and ASCQ are the sense data of a CHECK CONDITION.
	Key, ASC, ASCQ byte
	// Messages counts the data messages the answer took.
	Messages int
}

// Drive issues ATAPI commands to the client, as the host's IDE controller
// does. It is used by one goroutine (the firmware).
type Drive struct {
	s        *Server
	c        *devConn
	frames   chan []byte
	free     chan []byte
	gone     chan struct{}
	idle     chan struct{} // closed when the firmware has returned
	data     []byte
	commands int
}

// Commands returns how many commands were issued so far.
func (d *Drive) Commands() int { return d.commands }

// Command sends cdb to drive dev (PIO) and waits for the answer.
func (d *Drive) Command(ctx context.Context, dev Device, cdb []byte) (Result, error) {
	return d.command(ctx, dev, false, cdb)
}

// CommandDMA is Command with the DMA feature bit set.
func (d *Drive) CommandDMA(ctx context.Context, dev Device, cdb []byte) (Result, error) {
	return d.command(ctx, dev, true, cdb)
}

func (d *Drive) command(ctx context.Context, dev Device, dma bool, cdb []byte) (Result, error) {
	if delay := d.s.cfg.Faults.Delay; delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return Result{}, d.ctxErr(ctx)
		}
	}
	d.commands++
	d.c.wmu.Lock()
	seq := d.c.seq
	if d.s.cfg.Faults.BadSequence {
		seq += 1000
	}
	d.c.seq++
	_, err := d.c.nc.Write(wire.CommandWritten(seq, byte(dev), dma, cdb))
	d.c.wmu.Unlock()
	if err != nil {
		return Result{}, ErrSessionEnded
	}
	d.data = d.data[:0]
	res := Result{}
	for {
		var raw []byte
		select {
		case raw = <-d.frames:
		case <-d.gone:
			return Result{}, ErrSessionEnded
		case <-ctx.Done():
			return Result{}, d.ctxErr(ctx)
		}
		op := raw[0]
		switch op {
		case wire.OpIDERDataToHost:
			payload, last := wire.DataToHostPayload(raw)
			d.data = append(d.data, payload...)
			res.Messages++
			d.free <- raw
			if last {
				res.Data, res.Good = d.data, true
				return res, nil
			}
		case wire.OpIDERCommandEnd:
			res.Key, res.ASC, res.ASCQ = wire.Sense(raw)
			d.free <- raw
			res.Data, res.Good = d.data, res.Key == 0
			return res, nil
		default:
			d.free <- raw
		}
	}
}

// ctxErr is ErrSessionEnded when the context ended because the session did.
func (d *Drive) ctxErr(ctx context.Context) error {
	select {
	case <-d.gone:
		return ErrSessionEnded
	default:
		return ctx.Err()
	}
}

// serveIDER runs the IDE-R session: OPEN_SESSION, the register toggle with
// its start mode, then the firmware (reference §4).
func (s *Server) serveIDER(c *devConn) error {
	f, err := c.fr.Next()
	if err != nil {
		return err
	}
	if f.Op != wire.OpIDERStart {
		return fmt.Errorf("expected OPEN_SESSION, got 0x%02x", f.Op)
	}
	// Both 0x40 layouts in the wild are accepted; the payload is not used.
	c.seq = 1
	if err := c.write(wire.IDERStartReply(0, s.cfg.ReadBuffer, s.cfg.ReadBuffer)); err != nil {
		return err
	}
	mode := ""
	for mode == "" {
		f, err := c.fr.Next()
		if err != nil {
			return err
		}
		if f.Op != wire.OpIDERFeatures {
			return fmt.Errorf("expected DISABLE_ENABLE_FEATURES, got 0x%02x", f.Op)
		}
		sub, v := wire.FeaturesFields(f.Raw)
		reply := uint32(0)
		switch sub {
		case wire.FeatureGetSupported:
			reply = 1
		case wire.FeatureGetState:
			reply = wire.FeatureEnabled
		case wire.FeatureSetState:
			reply = 1
			mode = map[uint32]string{wire.StartOnReboot: "on-reboot", wire.StartGraceful: "graceful"}[v&wire.StartModeMask]
			if mode == "" {
				mode = "now"
			}
		}
		c.wmu.Lock()
		_, err = c.nc.Write(wire.IDERFeaturesReply(c.seq, sub, reply))
		c.seq++
		c.wmu.Unlock()
		if err != nil {
			return err
		}
	}
	return s.runFirmware(c, mode)
}

// runFirmware starts the frame reader, waits for the start trigger, runs the
// firmware and then serves until the client ends the session.
func (s *Server) runFirmware(c *devConn, mode string) error {
	d := &Drive{s: s, c: c, frames: make(chan []byte, 4), free: make(chan []byte, 4), gone: make(chan struct{}), idle: make(chan struct{})}
	for range cap(d.free) {
		d.free <- nil
	}
	resetAck := make(chan struct{}, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(d.gone)
		readErr <- s.iderReader(c, d, resetAck)
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-d.gone:
			cancel()
		case <-ctx.Done():
		}
	}()
	start := true
	switch mode {
	case "graceful":
		select {
		case <-time.After(s.cfg.GracefulDelay):
		case <-ctx.Done():
			start = false
		}
	case "on-reboot":
		select {
		case <-s.reboot:
		case <-ctx.Done():
			start = false
		}
	case "now":
		if !s.PowerState().IsOn() { // nothing reads the drive until the host powers on
			select {
			case <-s.reboot:
			case <-ctx.Done():
				start = false
			}
		}
	}
	if start && mode != "now" {
		start = s.reset(ctx, c, resetAck)
	}
	if start {
		t0 := time.Now()
		rep, err := s.cfg.Firmware(ctx, d)
		close(d.idle)
		rep.StartMode, rep.Commands, rep.Duration = mode, d.commands, time.Since(t0)
		if err != nil {
			rep.Err = err
		}
		select {
		case s.boots <- rep:
		default:
			s.log.Warn("redirecttest: boot report dropped (channel full)")
		}
		if s.cfg.EndAfterBoot {
			s.endSession(c, d)
		}
	}
	if !start {
		close(d.idle)
	}
	<-d.gone
	return <-readErr
}

// endSession ends the IDE-R session from the device side after the
// firmware finished, whether the boot worked or not (the report says which),
// unless the connection is already gone. The client gets
// END_IDER_REDIRECTION_REPLY; the connection is closed when the client has
// closed its side or after a grace period.
func (s *Server) endSession(c *devConn, d *Drive) {
	select {
	case <-d.gone:
		return
	default:
	}
	c.wmu.Lock()
	_, _ = c.nc.Write(wire.Header8(wire.OpIDEREndReply, 0, c.seq))
	c.seq++
	c.wmu.Unlock()
	t := time.NewTimer(endGrace)
	defer t.Stop()
	select {
	case <-d.gone:
	case <-t.C:
	}
	c.raw.Close()
}

// endGrace is how long the device waits for the client to close after it
// ended an IDE-R session.
const endGrace = 30 * time.Second

// reset sends RESET_OCCURED and waits for the client's response.
func (s *Server) reset(ctx context.Context, c *devConn, ack chan struct{}) bool {
	c.wmu.Lock()
	msg := append(wire.Header8(wire.OpIDERReset, 0, c.seq), 0x01)
	c.seq++
	_, err := c.nc.Write(msg)
	c.wmu.Unlock()
	if err != nil {
		return false
	}
	select {
	case <-ack:
		return true
	case <-ctx.Done():
		return false
	case <-time.After(10 * time.Second):
		return false
	}
}

// iderReader dispatches the client's messages: answers go to the firmware,
// keep-alives and the end of session are handled here.
func (s *Server) iderReader(c *devConn, d *Drive, resetAck chan struct{}) error {
	var received int64
	for {
		f, err := c.fr.Next()
		if err != nil {
			return err
		}
		switch f.Op {
		case wire.OpIDERDataToHost, wire.OpIDERCommandEnd:
			if f.Op == wire.OpIDERDataToHost {
				received += int64(len(f.Raw) - wire.DataToHostPrefixLen)
				if drop := s.cfg.Faults.DropAfterBytes; drop > 0 && received > drop {
					c.raw.Close()
					return fmt.Errorf("redirecttest: dropped the connection after %d bytes (fault injection)", received)
				}
			}
			select {
			case b := <-d.free:
				d.frames <- append(b[:0], f.Raw...)
			case <-d.idle:
				// No firmware is waiting: an unsolicited answer is dropped.
			}
		case wire.OpIDERPing:
			c.wmu.Lock()
			_, err = c.nc.Write(wire.Header8(wire.OpIDERPong, 0, c.seq))
			c.seq++
			c.wmu.Unlock()
		case wire.OpIDERResetReply:
			select {
			case resetAck <- struct{}{}:
			default:
			}
		case wire.OpIDEREnd:
			c.wmu.Lock()
			_, err = c.nc.Write(wire.Header8(wire.OpIDEREndReply, 0, c.seq))
			c.seq++
			c.wmu.Unlock()
		case wire.OpEndSession:
			return nil
		case wire.OpIDERPong, wire.OpIDERFeatures:
		default:
			s.log.Debug("redirecttest: unexpected IDE-R message", "op", f.Op)
		}
		if err != nil {
			return err
		}
	}
}
