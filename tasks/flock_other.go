//go:build !unix

package tasks

import "context"

// fileLock does nothing where flock(2) is missing: the file schedule store
// is then safe for one process only, as its documentation says.
type fileLock struct{}

func lockFile(context.Context, string, bool) (*fileLock, error) { return &fileLock{}, nil }

func (l *fileLock) unlock() {}
