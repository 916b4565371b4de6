package jetstream

import (
	"context"
	"errors"
	"fmt"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
)

// DefaultResultTTL is how long results stay in the bucket when the bucket is
// created by this package. A dispatcher removes a job's results when it has
// collected them (unless told to keep them); the TTL clears what a late
// worker writes after its dispatcher gave up.
const DefaultResultTTL = 24 * time.Hour

// setupAttemptTimeout bounds one try of a setup step (look up or create the
// stream, the bucket, a consumer). A JetStream management request made while
// other clients set up the same stream can go unanswered even though the
// server carried it out (seen here once in 10 runs of the whole suite under
// load: a dispatcher's stream lookup, made while two workers created the
// stream, waited out its whole minute; reported for nats-server 2.14 at
// https://github.com/chattocorp/chatto/pull/2436). An answer takes
// milliseconds, so a step with none after this long is tried again while the
// caller's context allows; every step is a lookup or an idempotent creation.
var setupAttemptTimeout = 5 * time.Second

// retrySetup runs step, trying it again when one try ends by its own
// deadline (setupAttemptTimeout) while ctx is still live.
func retrySetup[T any](ctx context.Context, step func(context.Context) (T, error)) (T, error) {
	for {
		tctx, cancel := context.WithTimeout(ctx, setupAttemptTimeout)
		v, err := step(tctx)
		cancel()
		if err == nil || !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return v, err
		}
	}
}

// ensureStream returns the work-queue stream, creating it when missing. An
// existing stream is used as it is, so an operator may tune it (replicas,
// limits) without this package undoing it.
func ensureStream(ctx context.Context, js natsjs.JetStream, n Names) (natsjs.Stream, error) {
	return retrySetup(ctx, func(ctx context.Context) (natsjs.Stream, error) { return ensureStreamOnce(ctx, js, n) })
}

func ensureStreamOnce(ctx context.Context, js natsjs.JetStream, n Names) (natsjs.Stream, error) {
	s, err := js.Stream(ctx, n.Stream)
	if err == nil {
		return s, nil
	}
	if !errors.Is(err, natsjs.ErrStreamNotFound) {
		return nil, fmt.Errorf("jetstream: stream %s: %w", n.Stream, err)
	}
	s, err = js.CreateStream(ctx, natsjs.StreamConfig{
		Name:        n.Stream,
		Description: "oobkit work items: one message per target of a job",
		Subjects:    []string{n.SubjectPrefix + ".>"},
		Retention:   natsjs.WorkQueuePolicy,
	})
	if errors.Is(err, natsjs.ErrStreamNameAlreadyInUse) { // another process won the race
		s, err = js.Stream(ctx, n.Stream)
	}
	if err != nil {
		return nil, fmt.Errorf("jetstream: create stream %s: %w", n.Stream, err)
	}
	return s, nil
}

// ensureBucket returns the results bucket, creating it when missing.
func ensureBucket(ctx context.Context, js natsjs.JetStream, n Names) (natsjs.KeyValue, error) {
	return retrySetup(ctx, func(ctx context.Context) (natsjs.KeyValue, error) { return ensureBucketOnce(ctx, js, n) })
}

func ensureBucketOnce(ctx context.Context, js natsjs.JetStream, n Names) (natsjs.KeyValue, error) {
	kv, err := js.KeyValue(ctx, n.Bucket)
	if err == nil {
		return kv, nil
	}
	if !errors.Is(err, natsjs.ErrBucketNotFound) {
		return nil, fmt.Errorf("jetstream: bucket %s: %w", n.Bucket, err)
	}
	kv, err = js.CreateKeyValue(ctx, natsjs.KeyValueConfig{
		Bucket:      n.Bucket,
		Description: "oobkit results: one key <job>.<target index> per target",
		TTL:         DefaultResultTTL,
	})
	if errors.Is(err, natsjs.ErrBucketExists) {
		kv, err = js.KeyValue(ctx, n.Bucket)
	}
	if err != nil {
		return nil, fmt.Errorf("jetstream: create bucket %s: %w", n.Bucket, err)
	}
	return kv, nil
}
