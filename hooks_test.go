package oobkit_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oobkit/oobkit"
)

// Observe reports the request before and its outcome after, and returns
// the wrapped call's error; nil hooks cost nothing and change nothing.
func TestHooksObserve(t *testing.T) {
	var seen []string
	h := oobkit.Hooks{
		OnRequest: func(r oobkit.HookRequest) { seen = append(seen, "before "+r.Operation) },
		OnResponse: func(r oobkit.HookRequest, resp oobkit.HookResponse) {
			assert.GreaterOrEqual(t, resp.Duration.Nanoseconds(), int64(0))
			seen = append(seen, "after "+r.Operation+" "+errString(resp.Err))
		},
	}
	boom := errors.New("boom")
	req := oobkit.HookRequest{Protocol: oobkit.IPMI, Target: "192.0.2.7:623", Operation: "Get Chassis Status"}
	assert.NoError(t, h.Observe(req, func() error { seen = append(seen, "call"); return nil }))
	assert.ErrorIs(t, h.Observe(req, func() error { return boom }), boom)
	assert.Equal(t, []string{"before Get Chassis Status", "call", "after Get Chassis Status <nil>",
		"before Get Chassis Status", "after Get Chassis Status boom"}, seen)

	assert.ErrorIs(t, oobkit.Hooks{}.Observe(req, func() error { return boom }), boom)
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
