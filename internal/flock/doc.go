// Package flock is the advisory flock(2) lock the module's file stores take
// on a lock file beside their data (profile's store and runtime profile,
// tasks' file schedule store). flock locks belong to an open file
// description, so two processes, or two opens in one process, exclude each
// other, and the kernel drops a lock when its holder dies.
package flock

import "errors"

// ErrUnsupported is returned by Lock on systems without flock(2).
var ErrUnsupported = errors.New("flock(2) is not available on this system")
