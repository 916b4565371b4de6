package profile

import (
	"context"
	"errors"
	"fmt"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/flock"
)

// lockFile takes the store's flock(2) lock on path; the file store needs it.
func lockFile(ctx context.Context, path string, exclusive bool) (*flock.File, error) {
	l, err := flock.Lock(ctx, path, exclusive)
	switch {
	case errors.Is(err, flock.ErrUnsupported):
		return nil, fmt.Errorf("%w: the profile file store needs flock(2), which this system lacks", oobkit.ErrUnsupported)
	case err != nil:
		return nil, fmt.Errorf("profile: the store lock: %w", err)
	}
	return l, nil
}
