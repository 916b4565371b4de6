//go:build race

package xmllimit_test

// raceEnabled: the race detector is on. Under it sync.Pool drops a quarter
// of what is put back, at random (runtime/race), so a pooled parser is
// sometimes allocated again and allocation counts are not the product's.
const raceEnabled = true
