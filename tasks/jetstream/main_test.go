package jetstream

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(childURLEnv) != "" { // re-executed as a worker process (process_test.go)
		os.Exit(childWorkerMain())
	}
	if os.Getenv(childSchedURLEnv) != "" { // re-executed as a scheduler process (schedstore_test.go)
		os.Exit(childSchedulerMain())
	}
	goleak.VerifyTestMain(m)
}
