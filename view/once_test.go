package view

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/panics"
)

// TestOncePanicReleasesWaiters: a reader whose shared read panics must not
// leave the other nodes waiting on that read until the view's deadline:
// the panic becomes the read's error (class internal, with the panic's
// stack) for the caller and every waiter.
func TestOncePanicReleasesWaiters(t *testing.T) {
	// The deadline only bounds a regression (a waiter that would block
	// forever); the test waits on channels, not on time.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ctx = withCache(ctx)
	started, release := make(chan struct{}), make(chan struct{})
	type result struct {
		val any
		err error
	}
	first := make(chan result, 1)
	go func() {
		v, err := Once(ctx, "inventory", func() (any, error) {
			close(started)
			<-release
			var m map[string]int
			m["boom"]++ // assignment to entry in nil map
			return "never", nil
		})
		first <- result{v, err}
	}()
	<-started
	second := make(chan result, 1)
	go func() {
		v, err := Once(ctx, "inventory", func() (any, error) {
			t.Error("the shared read ran twice")
			return nil, nil
		})
		second <- result{v, err}
	}()
	close(release)
	for i, ch := range []chan result{first, second} {
		r := <-ch
		assert.Nil(t, r.val, i)
		require.ErrorIs(t, r.err, oobkit.ErrInternal, i)
		assert.NotErrorIs(t, r.err, context.DeadlineExceeded, i)
		assert.Contains(t, r.err.Error(), "assignment to entry in nil map", i)
		p := panics.Of(r.err)
		require.NotNil(t, p, i)
		assert.Contains(t, p.Stack, "once_test.go:", i)
	}
	// A later caller gets the same recorded failure without running fn.
	_, err := Once(ctx, "inventory", func() (any, error) {
		t.Error("the shared read ran again")
		return nil, nil
	})
	assert.ErrorIs(t, err, oobkit.ErrInternal)
}
