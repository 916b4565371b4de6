//go:build race

package adpassword

// raceEnabled: the race detector is on.
const raceEnabled = true
