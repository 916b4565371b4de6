package ipmi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/command/transport"
	"github.com/bougou/go-ipmi/pkg/types"

	"github.com/oobkit/oobkit"
)

// solPollInterval is how often an idle SOL stream asks the BMC for console
// output.
const solPollInterval = 100 * time.Millisecond

// DefaultSOLKeepalive is how often an open SOL stream sends Get Session Info
// on its session (see [WithSOLKeepalive]).
//
// A BMC closes an RMCP+ session that receives no IPMI message for its
// session inactivity timeout (IPMI v2.0 §6.12.15, nominally 60 s), and SOL
// payload packets need not count: OpenIPMI's ipmi_sim only refreshes the
// session on IPMI payloads (lanserv_ipmi.c, handle_normal_session) and times
// out after a fixed 30 s. go-ipmi's own keepalive fires every 30 s, a tie
// with that timeout which the session loses sooner or later. ipmitool sends
// its SOL keepalive (Get Device ID) every 15 s (ipmitool ipmi_sol.h,
// SOL_KEEPALIVE_TIMEOUT); 10 s leaves room for two lost keepalives.
const DefaultSOLKeepalive = 10 * time.Second

// SOL is an active Serial-over-LAN session (IPMI v2.0 §15): Read returns what
// the host's serial console prints, Write types on it. It runs over its own
// RMCP+ session, so the [Client] stays usable meanwhile. Close deactivates
// the payload and ends that session. Read and Write may be called from
// different goroutines; Close may be called from any.
type SOL struct {
	conn     *client.Client
	timeout  time.Duration
	cancel   context.CancelFunc
	release  func(keep bool) // lifts the interruption cancel caused
	inW      *io.PipeWriter
	outR     *io.PipeReader
	done     chan struct{} // closed when the stream goroutine ended
	kaDone   chan struct{} // closed when the keepalive goroutine ended
	closeErr error
	once     sync.Once
}

var _ io.ReadWriteCloser = (*SOL)(nil)

// OpenSOL opens a new session and activates SOL payload instance 1. A BMC
// whose SOL is already active for another session answers with completion
// code 80h, reported as [oobkit.ErrBusy]; a BMC without SOL as
// [oobkit.ErrUnsupported]. ctx bounds the activation only, not the stream's
// life.
func (c *Client) OpenSOL(ctx context.Context) (*SOL, error) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil, &oobkit.Error{Protocol: oobkit.IPMI, Op: "Activate Payload", Class: oobkit.ErrInvalidState, Message: "client is closed"}
	}
	conn, w, _, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	release := w.watch(ctx)
	_, err = conn.ActivatePayload(ctx, &transport.ActivatePayloadRequest{PayloadType: types.PayloadTypeSOL, PayloadInstance: 1})
	release(err == nil)
	if err != nil {
		closeFailed(conn)
		e := classifyCtx(ctx, "Activate Payload", err)
		var rerr *types.ResponseError
		if errors.As(err, &rerr) && rerr.CompletionCode() == 0x80 { // §24.1: payload already active on another session
			e = &oobkit.Error{Protocol: oobkit.IPMI, Op: "Activate Payload", Class: oobkit.ErrBusy, DeviceCode: "0x80",
				Message: "SOL is already active on another session"}
		}
		return nil, e
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	streamCtx, cancel := context.WithCancel(context.Background())
	s := &SOL{conn: conn, timeout: c.timeout, cancel: cancel, release: w.watch(streamCtx), inW: inW, outR: outR,
		done: make(chan struct{}), kaDone: make(chan struct{})}
	go s.keepalive(streamCtx, c.solKeepalive, c.log, c.target.String())
	go func() {
		defer close(s.done)
		err := conn.SOLStream(streamCtx, inR, outW, &client.SOLStreamOptions{PollInterval: solPollInterval})
		if err == nil || streamCtx.Err() != nil {
			err = io.EOF
		} else {
			err = classify("SOL", err)
		}
		_ = outW.CloseWithError(err)
		_ = inR.Close()
	}()
	return s, nil
}

// keepalive sends Get Session Info on the SOL session every interval until
// ctx ends, so that the BMC does not close the session for inactivity while
// only SOL payload packets flow. go-ipmi serialises it with the stream's
// exchanges on the session's socket. A failed keepalive is only logged: if
// the session is gone, the stream's next exchange fails and ends the stream.
func (s *SOL) keepalive(ctx context.Context, interval time.Duration, log *slog.Logger, target string) {
	defer close(s.kaDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.conn.GetCurrentSessionInfo(ctx); err != nil && ctx.Err() == nil {
			log.Debug("ipmi: SOL keepalive", "target", target, "err", classify("Get Session Info", err))
		}
	}
}

// Read reads console output. It returns io.EOF once Close ended the
// session, or the *oobkit.Error that ended the stream (for example
// [oobkit.ErrUnreachable] when the BMC stopped answering).
func (s *SOL) Read(p []byte) (int, error) { return s.outR.Read(p) }

// Write sends p to the console. It blocks until the stream has taken it.
func (s *SOL) Write(p []byte) (int, error) { return s.inW.Write(p) }

// Close deactivates the SOL payload and closes the session. It is idempotent.
func (s *SOL) Close() error {
	s.once.Do(func() {
		s.cancel() // interrupts the stream's and the keepalive's pending exchange at once
		_ = s.inW.Close()
		<-s.done
		<-s.kaDone
		s.release(true) // the session lives on for Deactivate Payload
		ctx, cancel := context.WithTimeout(context.Background(), 2*s.timeout)
		defer cancel()
		if _, err := s.conn.DeactivatePayload(ctx, &transport.DeactivatePayloadRequest{PayloadType: types.PayloadTypeSOL, PayloadInstance: 1}); err != nil {
			s.closeErr = classify("Deactivate Payload", err)
		}
		_ = s.conn.Close(ctx)
		_ = s.outR.Close()
	})
	return s.closeErr
}
