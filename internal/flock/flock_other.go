//go:build !unix

package flock

import "context"

// Lock is not available where flock(2) is missing: it returns
// [ErrUnsupported].
func Lock(context.Context, string, bool) (*File, error) { return nil, ErrUnsupported }

// File is a held lock (never, here).
type File struct{}

// Unlock does nothing.
func (l *File) Unlock() {}
