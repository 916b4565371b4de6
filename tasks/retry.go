package tasks

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/oobkit/oobkit"
)

// RetryPolicy says when and how a failed step is run again on a target.
// Only errors of the listed classes are retried: an unreachable or busy
// device may answer a moment later, a refused credential or an action the
// power state forbids will not change.
type RetryPolicy struct {
	// Attempts is the most runs of a step, the first included; 0 or 1 means
	// no retry.
	Attempts int
	// Backoff is the wait before the first retry; it doubles each time, with
	// up to 50 % random jitter, and never exceeds MaxBackoff.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Classes are the error classes retried (oobkit.ErrUnreachable…).
	Classes []error
}

// DefaultRetry retries unreachable and busy targets twice, from 250 ms.
var DefaultRetry = RetryPolicy{
	Attempts:   3,
	Backoff:    250 * time.Millisecond,
	MaxBackoff: 5 * time.Second,
	Classes:    []error{oobkit.ErrUnreachable, oobkit.ErrBusy},
}

func (p RetryPolicy) retryable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	for _, c := range p.Classes {
		if errors.Is(err, c) {
			return true
		}
	}
	return false
}

// wait sleeps before retry number n (1 for the first retry), or returns
// false when ctx ends first.
func (p RetryPolicy) wait(ctx context.Context, n int) bool {
	d := p.Backoff
	for i := 1; i < n && d < p.MaxBackoff; i++ {
		d *= 2
	}
	if p.MaxBackoff > 0 && d > p.MaxBackoff {
		d = p.MaxBackoff
	}
	if d > 0 {
		d += time.Duration(rand.Int64N(int64(d)/2 + 1))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// expired reports whether ctx is done or its deadline has passed. A
// context's timer can fire a moment after its deadline, later still on a
// loaded machine, and a client whose I/O deadline is the context's own (an
// IPMI exchange, a socket read) can fail first: a retry started in that gap
// would run past the target's deadline and replace the real cause
// (unreachable) with a bare "context deadline exceeded".
func expired(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}
