//go:build race

package tasks

// raceEnabled: the race detector is on (code runs several times slower).
const raceEnabled = true
