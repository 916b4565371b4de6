package oobkit_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oobkit/oobkit"
)

// classes are every error class with its text.
var classes = []error{oobkit.ErrUnreachable, oobkit.ErrNotDetected, oobkit.ErrAuth, oobkit.ErrNotProvisioned,
	oobkit.ErrUnsupported, oobkit.ErrBusy, oobkit.ErrInvalidState, oobkit.ErrInvalidArgument, oobkit.ErrProtocol,
	oobkit.ErrDevice, oobkit.ErrInternal}

// TestInternalClass: a recovered panic is a class of its own, with a code
// that no earlier class used.
func TestInternalClass(t *testing.T) {
	err := &oobkit.Error{Op: "task power", Class: oobkit.ErrInternal, Message: "panic: assignment to entry in nil map"}
	assert.Equal(t, 14, oobkit.CodeInternal, "return codes are stable: 14 is the internal class's for good")
	assert.Equal(t, oobkit.CodeInternal, oobkit.ReturnCode(err))
	assert.Equal(t, "internal", oobkit.ClassName(err))
	assert.Equal(t, oobkit.CodeInternal, oobkit.ReturnCode(fmt.Errorf("w: %w", err)))
	seen := map[int]error{}
	for _, c := range classes {
		code := oobkit.ReturnCode(c)
		assert.NotContains(t, seen, code, "%v shares code %d with %v", c, code, seen[code])
		seen[code] = c
		assert.NotEqual(t, "failed", oobkit.ClassName(c), "%v has no name", c)
	}
}

// TestErrorSaysClassOnce: an *Error whose message or cause already starts
// with its class's text does not say the class twice.
func TestErrorSaysClassOnce(t *testing.T) {
	for _, c := range classes {
		cases := []*oobkit.Error{
			{Protocol: oobkit.IPMI, Op: "Chassis Control", Class: c, Err: fmt.Errorf("%w: reset is not possible in state S5", c)},
			{Protocol: oobkit.AMT, Op: "Get", Class: c, Message: "malformed response", Err: fmt.Errorf("%w: not XML: EOF", c)},
			{Protocol: oobkit.DASH, Op: "Get", Class: c, Message: c.Error() + ": from the message"},
			{Op: "x", Class: c, Err: c},
			{Protocol: oobkit.AMT, Op: "ApplyPolicy", Class: c, Message: "filter: cannot be mapped: " + c.Error(),
				Err: fmt.Errorf("filter: cannot be mapped: %w", c)},
		}
		for _, e := range cases {
			msg := e.Error()
			assert.Equal(t, 1, strings.Count(msg, c.Error()), "%q says its class %q more than once", msg, c)
			assert.ErrorIs(t, e, c)
		}
	}
	e := &oobkit.Error{Protocol: oobkit.IPMI, Op: "Chassis Control", Class: oobkit.ErrInvalidState,
		Err: fmt.Errorf("%w: reset is not possible in state S5", oobkit.ErrInvalidState)}
	assert.Equal(t, "ipmi: Chassis Control: invalid state: reset is not possible in state S5", e.Error())
	e = &oobkit.Error{Protocol: oobkit.AMT, Op: "ApplyPolicy", Class: oobkit.ErrInvalidArgument,
		Message: "filter: policy cannot be mapped to AMT: invalid argument", Err: fmt.Errorf("filter: policy cannot be mapped to AMT: %w", oobkit.ErrInvalidArgument)}
	assert.Equal(t, "amt: ApplyPolicy: invalid argument: filter: policy cannot be mapped to AMT", e.Error())
	// A cause of another class keeps its own text.
	e = &oobkit.Error{Protocol: oobkit.AMT, Op: "Get", Class: oobkit.ErrUnreachable, Err: errors.New("protocol error: x")}
	assert.Equal(t, "amt: Get: unreachable: protocol error: x", e.Error())
}
