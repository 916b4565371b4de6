package jetstream

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A setup step whose try goes unanswered (it ends by its own deadline) is
// tried again while the caller's context is live; its answer is returned.
func TestRetrySetupAsksAgainAfterAnUnansweredTry(t *testing.T) {
	defer func(d time.Duration) { setupAttemptTimeout = d }(setupAttemptTimeout)
	setupAttemptTimeout = 20 * time.Millisecond
	tries := 0
	v, err := retrySetup(context.Background(), func(ctx context.Context) (string, error) {
		tries++
		if tries == 1 {
			<-ctx.Done() // the server never answers this one
			return "", ctx.Err()
		}
		return "stream", nil
	})
	require.NoError(t, err)
	assert.Equal(t, "stream", v)
	assert.Equal(t, 2, tries)
}

// Any other error, and the end of the caller's own context, end the step
// at once.
func TestRetrySetupStops(t *testing.T) {
	defer func(d time.Duration) { setupAttemptTimeout = d }(setupAttemptTimeout)
	setupAttemptTimeout = 20 * time.Millisecond
	refused := errors.New("refused")
	tries := 0
	_, err := retrySetup(context.Background(), func(context.Context) (int, error) { tries++; return 0, refused })
	assert.ErrorIs(t, err, refused)
	assert.Equal(t, 1, tries)

	ctx, cancel := context.WithCancel(context.Background())
	tries = 0
	_, err = retrySetup(ctx, func(ctx context.Context) (int, error) {
		tries++
		cancel()
		<-ctx.Done()
		return 0, ctx.Err()
	})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, tries)

	ctx, cancel = context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	tries = 0
	_, err = retrySetup(ctx, func(ctx context.Context) (int, error) { tries++; <-ctx.Done(); return 0, ctx.Err() })
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 1, tries, "the caller's deadline, shorter than a try's, ends it")
}
