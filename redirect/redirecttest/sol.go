package redirecttest

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// serialPort is the host's view of the SOL UART: Read returns what the
// console typed, Write sends data-from-host messages.
type serialPort struct {
	in      *io.PipeReader
	c       *devConn
	max     int
	seq     uint32 // guarded by c.wmu
	delay   time.Duration
	release chan struct{} // closed after the settle pause
}

func (p *serialPort) Read(b []byte) (int, error) { return p.in.Read(b) }

func (p *serialPort) Write(b []byte) (int, error) {
	<-p.release
	if p.delay > 0 {
		time.Sleep(p.delay)
	}
	done := 0
	for done < len(b) {
		n := min(len(b)-done, p.max)
		p.c.wmu.Lock()
		p.seq++
		_, err := p.c.nc.Write(wire.SOLData(wire.OpSOLDataFromHost, p.seq, b[done:done+n]))
		p.c.wmu.Unlock()
		if err != nil {
			return done, err
		}
		done += n
	}
	return done, nil
}

// serveSOL runs the SOL data plane (reference §3).
func (s *Server) serveSOL(c *devConn) error {
	f, err := c.fr.Next()
	if err != nil {
		return err
	}
	if f.Op != wire.OpSOLStart {
		return fmt.Errorf("expected StartSOLRedirection, got 0x%02x", f.Op)
	}
	settings := wire.ParseSOLStart(f.Raw)
	if err := c.write(wire.SOLStartReply(0)); err != nil {
		return err
	}
	pr, pw := io.Pipe()
	port := &serialPort{in: pr, c: c, max: max(int(settings.MaxTxBuffer), 1), delay: s.cfg.Faults.Delay,
		release: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() {
		cancel()
		pw.CloseWithError(io.EOF)
		c.raw.Close()
		wg.Wait()
	}()
	wg.Add(2)
	go func() {
		defer wg.Done()
		// Let amtterm finish with the 0x21 read before anything else arrives.
		select {
		case <-time.After(s.cfg.Settle):
		case <-ctx.Done():
		}
		_ = c.write(wire.SOLControl(0, 0x03, 0x04)) // RTS, DTR; system powered on
		// amtterm also discards what follows a 0x29 in the same read.
		select {
		case <-time.After(s.cfg.Settle):
		case <-ctx.Done():
		}
		close(port.release)
		_ = s.cfg.Console(ctx, port)
	}()
	go func() {
		defer wg.Done()
		s.solHeartbeat(ctx, c, time.Duration(settings.HeartbeatInterval)*time.Millisecond)
	}()
	for {
		f, err := c.fr.Next()
		if err != nil {
			return err
		}
		switch f.Op {
		case wire.OpSOLDataToHost:
			if _, err := pw.Write(wire.SOLPayload(f.Raw)); err != nil {
				return err
			}
		case wire.OpSOLPing:
			if err := c.write(wire.Header8(wire.OpSOLPong, 0, wire.Seq(f.Raw))); err != nil {
				return err
			}
		case wire.OpSOLEnd:
			cancel()
			if err := c.write(wire.Header8(wire.OpSOLEndReply, 0, 0)); err != nil {
				return err
			}
		case wire.OpEndSession:
			return nil
		case wire.OpSOLHeartbeat, wire.OpSOLPong, wire.OpSOLSettingsDone:
		default:
			return fmt.Errorf("unexpected SOL message 0x%02x", f.Op)
		}
	}
}

// solHeartbeat sends 0x2B at the console's requested interval.
func (s *Server) solHeartbeat(ctx context.Context, c *devConn, every time.Duration) {
	if every <= 0 {
		return
	}
	every = max(every, 10*time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.write(wire.Header8(wire.OpSOLHeartbeat, 0, 0)); err != nil {
				return
			}
		}
	}
}
