package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/oobkit/oobkit/activity"
)

// ActivityStreamConfig configures [NewActivityStream]. The stream's limits
// are its purge policy: JetStream drops the oldest records past MaxAge or
// MaxBytes.
type ActivityStreamConfig struct {
	// Stream is the stream's name (default "OOBKIT_ACTIVITY").
	Stream string
	// Subject is the subject prefix (default "oobkit.activity"); a record
	// is published on <Subject>.<protocol>.
	Subject string
	// MaxAge drops records older than this (0: 30 days).
	MaxAge time.Duration
	// MaxBytes bounds the stream's size (0: 1 GiB).
	MaxBytes int64
}

func (c *ActivityStreamConfig) defaults() {
	if c.Stream == "" {
		c.Stream = "OOBKIT_ACTIVITY"
	}
	if c.Subject == "" {
		c.Subject = "oobkit.activity"
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 30 * 24 * time.Hour
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = 1 << 30
	}
}

// ActivityStream is an [activity.Sink] over a JetStream stream, for runs
// spread over workers: every worker's Connector appends to it
// (tasks.Connector.SetActivity) and any process queries it. It is safe for
// concurrent use.
type ActivityStream struct {
	js  natsjs.JetStream
	cfg ActivityStreamConfig
}

// NewActivityStream returns the activity stream, creating it with cfg's
// limits when missing (an existing stream is used as it is, so an operator
// may tune it).
func NewActivityStream(ctx context.Context, js natsjs.JetStream, cfg ActivityStreamConfig) (*ActivityStream, error) {
	cfg.defaults()
	_, err := js.Stream(ctx, cfg.Stream)
	if errors.Is(err, natsjs.ErrStreamNotFound) {
		_, err = js.CreateStream(ctx, natsjs.StreamConfig{
			Name:        cfg.Stream,
			Description: "oobkit activity log: one message per operation on a computer",
			Subjects:    []string{cfg.Subject + ".>"},
			Retention:   natsjs.LimitsPolicy,
			Discard:     natsjs.DiscardOld,
			MaxAge:      cfg.MaxAge,
			MaxBytes:    cfg.MaxBytes,
		})
		if errors.Is(err, natsjs.ErrStreamNameAlreadyInUse) {
			err = nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("jetstream: activity stream %s: %w", cfg.Stream, err)
	}
	return &ActivityStream{js: js, cfg: cfg}, nil
}

// Append publishes r and waits for the stream to store it.
func (s *ActivityStream) Append(ctx context.Context, r activity.Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	proto := string(r.Protocol)
	if proto == "" {
		proto = "none"
	}
	_, err = s.js.Publish(ctx, s.cfg.Subject+"."+proto, b)
	return err
}

// Query returns the stream's records that pass f, oldest first. A protocol
// filter reads only that protocol's subject; Since starts reading there.
func (s *ActivityStream) Query(ctx context.Context, f activity.Filter) ([]activity.Record, error) {
	st, err := s.js.Stream(ctx, s.cfg.Stream)
	if err != nil {
		return nil, err
	}
	cc := natsjs.OrderedConsumerConfig{FilterSubjects: []string{s.cfg.Subject + ".>"}}
	if f.Protocol != "" {
		cc.FilterSubjects = []string{s.cfg.Subject + "." + string(f.Protocol)}
	}
	if !f.Since.IsZero() {
		cc.DeliverPolicy = natsjs.DeliverByStartTimePolicy
		since := f.Since
		cc.OptStartTime = &since
	}
	cons, err := st.OrderedConsumer(ctx, cc)
	if err != nil {
		return nil, err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, err
	}
	left := info.NumPending
	var out []activity.Record
	for left > 0 {
		batch, err := cons.Fetch(int(min(left, 256)), natsjs.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, err
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			var r activity.Record
			if json.Unmarshal(msg.Data(), &r) == nil && f.Match(r) {
				out = append(out, r)
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, natsjs.ErrNoMessages) {
			return nil, err
		}
		if n == 0 {
			break // the stream lost what was pending (limits): done
		}
		left -= uint64(n)
	}
	slices.SortStableFunc(out, func(a, b activity.Record) int { return a.Time.Compare(b.Time) })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out, nil
}
