package tasks

import (
	"fmt"
	"os"

	"github.com/oobkit/oobkit"
)

// secretInput returns a task's secret: the one a program set (never part of
// the job's JSON, which only ever shows it redacted), else the content of
// the named environment variable of the process running the task (a worker
// of a distributed runner reads its own). what names it in errors.
func secretInput(s oobkit.Secret, envVar, what string) (oobkit.Secret, error) {
	if !s.IsZero() {
		return s, nil
	}
	if envVar == "" {
		return oobkit.Secret{}, fmt.Errorf("%w: %s: set it, or name an environment variable holding it", oobkit.ErrInvalidArgument, what)
	}
	v, ok := os.LookupEnv(envVar)
	if !ok || v == "" {
		return oobkit.Secret{}, fmt.Errorf("%w: %s: environment variable %s is not set", oobkit.ErrInvalidArgument, what, envVar)
	}
	return oobkit.NewSecret(v), nil
}
