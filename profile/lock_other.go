//go:build !unix

package profile

import (
	"context"
	"fmt"

	"github.com/oobkit/oobkit"
)

type fileLock struct{}

// lockFile is not available: the file store relies on flock(2).
func lockFile(context.Context, string, bool) (*fileLock, error) {
	return nil, fmt.Errorf("%w: the profile file store needs flock(2), which this system lacks", oobkit.ErrUnsupported)
}

func (l *fileLock) unlock() {}
