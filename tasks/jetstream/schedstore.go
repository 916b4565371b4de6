package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/oobkit/oobkit/tasks"
)

// DefaultScheduleBucket is the key-value bucket of [ScheduleStore].
const DefaultScheduleBucket = "OOBKIT_SCHEDULES"

const scheduleKeyPrefix = "schedule."

// ScheduleStore is a [tasks.ScheduleStore] in a JetStream key-value bucket,
// shared by every worker's [tasks.DurableScheduler]: schedules survive any
// process, and the bucket's per-key revisions make each claim a
// compare-and-set, so exactly one worker runs each occurrence.
type ScheduleStore struct {
	kv natsjs.KeyValue
}

// NewScheduleStore returns the store in bucket (default
// [DefaultScheduleBucket]), creating the bucket when missing.
func NewScheduleStore(ctx context.Context, js natsjs.JetStream, bucket string) (*ScheduleStore, error) {
	if bucket == "" {
		bucket = DefaultScheduleBucket
	}
	kv, err := js.KeyValue(ctx, bucket)
	if errors.Is(err, natsjs.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, natsjs.KeyValueConfig{Bucket: bucket, Description: "oobkit durable schedules", History: 1})
		if errors.Is(err, natsjs.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, bucket)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("jetstream: schedule bucket %s: %w", bucket, err)
	}
	return &ScheduleStore{kv: kv}, nil
}

// List returns the schedules' names, sorted.
func (s *ScheduleStore) List(ctx context.Context) ([]string, error) {
	lister, err := s.kv.ListKeysFiltered(ctx, scheduleKeyPrefix+">")
	if err != nil {
		return nil, err
	}
	var names []string
	for k := range lister.Keys() {
		names = append(names, strings.TrimPrefix(k, scheduleKeyPrefix))
	}
	_ = lister.Stop() // the listing ended: its subscription is already gone
	slices.Sort(names)
	return names, nil
}

// Get returns a record and its revision.
func (s *ScheduleStore) Get(ctx context.Context, name string) (tasks.ScheduleRecord, uint64, error) {
	e, err := s.kv.Get(ctx, scheduleKeyPrefix+name)
	if errors.Is(err, natsjs.ErrKeyNotFound) {
		return tasks.ScheduleRecord{}, 0, fmt.Errorf("%w: %q", tasks.ErrScheduleNotFound, name)
	}
	if err != nil {
		return tasks.ScheduleRecord{}, 0, err
	}
	var rec tasks.ScheduleRecord
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		return tasks.ScheduleRecord{}, 0, fmt.Errorf("jetstream: schedule %q: %w", name, err)
	}
	return rec, e.Revision(), nil
}

// Create adds a record.
func (s *ScheduleStore) Create(ctx context.Context, rec tasks.ScheduleRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = s.kv.Create(ctx, scheduleKeyPrefix+rec.Name, b)
	if errors.Is(err, natsjs.ErrKeyExists) {
		return fmt.Errorf("%w: %q", tasks.ErrScheduleExists, rec.Name)
	}
	return err
}

// Update replaces a record by compare-and-set on its revision.
func (s *ScheduleStore) Update(ctx context.Context, rec tasks.ScheduleRecord, rev uint64) (uint64, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return 0, err
	}
	n, err := s.kv.Update(ctx, scheduleKeyPrefix+rec.Name, b, rev)
	if errors.Is(err, natsjs.ErrKeyExists) {
		return 0, fmt.Errorf("%w: %q", tasks.ErrScheduleConflict, rec.Name)
	}
	return n, err
}

// Delete removes a record.
func (s *ScheduleStore) Delete(ctx context.Context, name string) error {
	err := s.kv.Delete(ctx, scheduleKeyPrefix+name)
	if errors.Is(err, natsjs.ErrKeyNotFound) {
		return nil
	}
	return err
}
