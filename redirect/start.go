package redirect

import (
	"context"
	"time"

	"github.com/oobkit/oobkit"
)

// startService runs the service start of a freshly opened session (SOL,
// IDE-R or KVM) under ctx: cancelling ctx interrupts the blocking I/O of
// exchange, a failure closes the connection and, when ctx caused it, wraps
// ctx's error. On success the connection is left without a deadline.
func startService(ctx context.Context, s *conn, op string, exchange func() error) error {
	stop := context.AfterFunc(ctx, func() { _ = s.nc.SetDeadline(time.Unix(1, 0)) })
	err := exchange()
	if !stop() && err == nil {
		err = classErr(op, oobkit.ErrUnreachable, "session setup interrupted", ctx.Err())
	}
	if err != nil {
		s.close()
		return interrupted(ctx, op, err)
	}
	_ = s.nc.SetDeadline(time.Time{})
	return nil
}

// request sends msg within one setup step and reads the reply, which must
// be of kind reply with status 0 in its second byte; another status is the
// device refusing the service ([oobkit.ErrUnsupported], with the status as
// the device code).
func (c *Client) request(ctx context.Context, s *conn, op string, msg []byte, reply byte, refused string) error {
	c.stepDeadline(ctx, s.nc)
	if err := s.write(msg); err != nil {
		return ioErr(op, err)
	}
	f, err := s.expect(op, reply)
	if err != nil {
		return err
	}
	if st := f.Raw[1]; st != 0 {
		return withCode(classErr(op, oobkit.ErrUnsupported, refused, nil), st)
	}
	return nil
}
