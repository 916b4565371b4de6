package tasks

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// TestErrorTextsSayTheirClassOnce walks errors of this package whose text
// said "invalid argument: … invalid argument: …": a job file naming an
// unknown task kind or a field a task does not have, and the wrapping of
// filter and image errors that already carry the class.
func TestErrorTextsSayTheirClassOnce(t *testing.T) {
	once := func(t *testing.T, err error, class error) {
		t.Helper()
		require.ErrorIs(t, err, class)
		assert.Equal(t, 1, strings.Count(err.Error(), class.Error()), err.Error())
	}
	for name, file := range map[string]string{
		"unknown kind":     "name: j\nsteps:\n  - task: no-such-kind\n",
		"unknown field":    "name: j\nsteps:\n  - task: power\n    with: {action: on, colour: blue}\n",
		"bad duration":     "name: j\ntimeout: soon\nsteps:\n  - task: power\n    with: {action: on}\n",
		"bad power action": "name: j\nsteps:\n  - task: power\n    with: {action: sideways}\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseJob([]byte(file))
			once(t, err, oobkit.ErrInvalidArgument)
		})
	}
	t.Run("wrapped errors that carry the class", func(t *testing.T) {
		inner := fmt.Errorf("%w: image of 9 bytes is too large", oobkit.ErrInvalidArgument)
		once(t, invalidArgument("image", inner), oobkit.ErrInvalidArgument)
		once(t, invalidArgument("", inner), oobkit.ErrInvalidArgument)
		once(t, invalidArgument("policy file", errors.New("no such file")), oobkit.ErrInvalidArgument)
		assert.Equal(t, "invalid argument: policy file: no such file", invalidArgument("policy file", errors.New("no such file")).Error())
	})
}
