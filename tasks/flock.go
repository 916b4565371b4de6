package tasks

import (
	"context"
	"errors"

	"github.com/oobkit/oobkit/internal/flock"
)

// lockFile takes the file schedule store's flock(2) lock on path. Where
// flock is missing it holds nothing: the store is then safe for one process
// only, as its documentation says.
func lockFile(ctx context.Context, path string, exclusive bool) (*flock.File, error) {
	l, err := flock.Lock(ctx, path, exclusive)
	if errors.Is(err, flock.ErrUnsupported) {
		return &flock.File{}, nil
	}
	return l, err
}
