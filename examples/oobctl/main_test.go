package main

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// runAsOobctl, set in a child's environment, makes the test binary run
// oobctl's main with its arguments: tests start oobctl processes (the demo
// binary, workers in other processes) without building anything.
const runAsOobctl = "OOBCTL_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runAsOobctl) == "1" {
		main()
	}
	goleak.VerifyTestMain(m)
}
