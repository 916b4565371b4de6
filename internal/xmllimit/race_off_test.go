//go:build !race

package xmllimit_test

const raceEnabled = false
