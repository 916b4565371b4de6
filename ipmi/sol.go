package ipmi

import (
	"context"
	"errors"
	"io"
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
	done     chan struct{}
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
	s := &SOL{conn: conn, timeout: c.timeout, cancel: cancel, release: w.watch(streamCtx), inW: inW, outR: outR, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		err := conn.SOLStream(streamCtx, inR, outW, &client.SOLStreamOptions{PollInterval: solPollInterval})
		if err == nil || streamCtx.Err() != nil {
			err = io.EOF
		}
		_ = outW.CloseWithError(err)
		_ = inR.Close()
	}()
	return s, nil
}

// Read reads console output. It returns io.EOF once the session ended.
func (s *SOL) Read(p []byte) (int, error) { return s.outR.Read(p) }

// Write sends p to the console. It blocks until the stream has taken it.
func (s *SOL) Write(p []byte) (int, error) { return s.inW.Write(p) }

// Close deactivates the SOL payload and closes the session. It is idempotent.
func (s *SOL) Close() error {
	s.once.Do(func() {
		s.cancel() // interrupts the stream's pending exchange at once
		_ = s.inW.Close()
		<-s.done
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
