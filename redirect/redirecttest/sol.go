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
	st := &settler{s: s, c: c, echoes: make(chan uint32, 16), next: probeBase}
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
		st.wait(ctx)
		status, changed := s.powerStatus()
		_ = c.write(wire.SOLControl(0, 0x03, status)) // RTS, DTR; SYSTEM_POWER_STATE
		// amtterm also discards what follows a 0x29 in the same read.
		st.wait(ctx)
		close(port.release)
		wg.Add(1)
		go func() { // a 0x29 for each power change while the session runs
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case <-changed:
				}
				status, changed = s.powerStatus()
				if c.write(wire.SOLControl(0, 0x03, status)) != nil {
					return
				}
			}
		}()
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
		case wire.OpSOLHeartbeat:
			st.echoed(wire.Seq(f.Raw))
		case wire.OpSOLPong, wire.OpSOLSettingsDone:
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

// probeBase is the first sequence number of the settle probes; the periodic
// heartbeats use 0, so an echo is told apart by its sequence number.
const probeBase = 0x50000000

// probeEvery is how often a settle probe is sent while waiting for an echo.
const probeEvery = 5 * time.Millisecond

// settler paces what the device sends unprompted after a reply that
// amtterm handles by discarding the rest of its read buffer (0x21, 0x29;
// reference §7). Instead of a fixed pause it probes: it sends heartbeats
// with fresh sequence numbers until the console echoes one (amtterm echoes
// every heartbeat verbatim). An echo of a probe sent after the reply proves
// the console has read the reply in an earlier read, so nothing sent from
// then on is lost, however slowly the console runs. Consoles that do not
// echo heartbeats (oobkit's client, MeshCentral) are waited for at most
// Config.Settle.
type settler struct {
	s      *Server
	c      *devConn
	echoes chan uint32
	next   uint32 // next probe sequence number; used by the waiting goroutine only
}

// echoed is called by the reader for every heartbeat from the console.
func (st *settler) echoed(seq uint32) {
	if seq < probeBase {
		return
	}
	select {
	case st.echoes <- seq:
	default: // the waiter is not interested in this many
	}
}

// wait returns once the console has echoed a probe sent from now on, after
// Config.Settle, or when ctx ends.
func (st *settler) wait(ctx context.Context) {
	limit := time.NewTimer(st.s.cfg.Settle)
	defer limit.Stop()
	tick := time.NewTicker(probeEvery)
	defer tick.Stop()
	floor := st.next
	probe := func() bool {
		err := st.c.write(wire.Header8(wire.OpSOLHeartbeat, 0, st.next))
		st.next++
		return err == nil
	}
	if !probe() {
		return
	}
	for {
		select {
		case seq := <-st.echoes:
			if seq >= floor {
				return
			}
		case <-tick.C:
			if !probe() {
				return
			}
		case <-limit.C:
			return
		case <-ctx.Done():
			return
		}
	}
}
