// Package panics turns a recovered panic into an error of class
// [oobkit.ErrInternal] that carries the panicking goroutine's stack in a
// form safe to log: the argument words of every frame (raw memory, which
// may hold secret bytes) are left out, and known secrets can be redacted
// from the panic's text.
package panics

import (
	"errors"
	"fmt"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/oobkit/oobkit"
)

// maxValue bounds the panic value's text kept in the error.
const maxValue = 512

// Error is a recovered panic.
type Error struct {
	// Value is the panic value, formatted with fmt (an oobkit.Secret in it
	// redacts itself), at most 512 bytes.
	Value string
	// Stack is the panicking goroutine's stack, frames without arguments.
	Stack string
	// Logged is set by whoever logged the stack, so it is logged once.
	Logged bool
}

// Error returns "panic: " and the panic value.
func (e *Error) Error() string { return "panic: " + e.Value }

// Redact replaces every non-empty secret in the panic's text and stack with
// [oobkit.Redacted].
func (e *Error) Redact(secrets ...string) {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		e.Value = strings.ReplaceAll(e.Value, s, oobkit.Redacted)
		e.Stack = strings.ReplaceAll(e.Stack, s, oobkit.Redacted)
	}
}

// New returns the recovered panic value v as an *oobkit.Error of class
// ErrInternal for operation op, wrapping an *Error. Call it in the deferred
// function that recovered v, so the stack recorded is the panic's.
func New(op string, v any) error {
	val := fmt.Sprint(v)
	if len(val) > maxValue {
		val = val[:maxValue] + "…"
	}
	return &oobkit.Error{Op: op, Class: oobkit.ErrInternal, Err: &Error{Value: val, Stack: clean(debug.Stack())}}
}

// Of returns the panic err carries, or nil.
func Of(err error) *Error {
	var p *Error
	if errors.As(err, &p) {
		return p
	}
	return nil
}

// args matches the argument list closing a stack frame's function line:
// hexadecimal words, "...", braces, "_" and "?" (runtime/traceback.go).
var args = regexp.MustCompile(`\([0-9a-fx, .{}_?]*\)$`)

// clean drops the argument words of every frame of a stack dump.
func clean(stack []byte) string {
	lines := strings.Split(strings.TrimRight(string(stack), "\n"), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "\t") {
			lines[i] = args.ReplaceAllString(l, "(...)")
		}
	}
	return strings.Join(lines, "\n")
}
