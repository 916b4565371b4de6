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

// ensureStream returns the work-queue stream, creating it when missing. An
// existing stream is used as it is, so an operator may tune it (replicas,
// limits) without this package undoing it.
func ensureStream(ctx context.Context, js natsjs.JetStream, n Names) (natsjs.Stream, error) {
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
