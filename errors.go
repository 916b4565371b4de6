package oobkit

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// The error classes a fleet operator acts on. Protocol errors wrap exactly one
// of them, so errors.Is(err, oobkit.ErrAuth) works whatever the protocol.
var (
	// ErrUnreachable: nothing answered (refused, timed out at connect, no route).
	ErrUnreachable = errors.New("unreachable")
	// ErrNotDetected: the host answered but the protocol is not there
	// (e.g. "AMT not detected": port 16992 serves something else).
	ErrNotDetected = errors.New("not detected")
	// ErrAuth: the credential was refused.
	ErrAuth = errors.New("authentication failed")
	// ErrNotProvisioned: the device has the protocol but is not set up for
	// remote management (AMT in pre-provisioning).
	ErrNotProvisioned = errors.New("not provisioned")
	// ErrUnsupported: the device does not offer this operation or feature.
	ErrUnsupported = errors.New("unsupported")
	// ErrBusy: the device refused for now (e.g. a redirection session blocks
	// power control, or a SOL session is already active).
	ErrBusy = errors.New("busy")
	// ErrInvalidState: the action is not possible in the current power state
	// (see [Allowed]).
	ErrInvalidState = errors.New("invalid state")
	// ErrInvalidArgument: the caller's input is wrong; retrying will not help.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrProtocol: the device answered with something that is not a valid
	// message of the protocol (malformed XML, truncated frame, oversize body).
	ErrProtocol = errors.New("protocol error")
	// ErrDevice: the device reported a failure that fits no other class; the
	// device's own code is carried by [*Error].
	ErrDevice = errors.New("device error")
	// ErrInternal: a bug on this side, not the device's: code run for one
	// target (a task, a client call) panicked. The panic was recovered and
	// became this target's failure; retrying will not help.
	ErrInternal = errors.New("internal error")
)

// Return codes for reports. They are stable: a value never changes meaning.
const (
	CodeOK              = 0
	CodeFailed          = 1 // unclassified failure
	CodeUnreachable     = 2
	CodeNotDetected     = 3
	CodeAuth            = 4
	CodeNotProvisioned  = 5
	CodeUnsupported     = 6
	CodeBusy            = 7
	CodeInvalidState    = 8
	CodeInvalidArgument = 9
	CodeProtocol        = 10
	CodeDevice          = 11
	CodeTimeout         = 12 // the caller's deadline passed
	CodeCanceled        = 13 // the caller canceled
	CodeInternal        = 14 // a bug on this side (a recovered panic), see [ErrInternal]
)

var classCodes = []struct {
	class error
	code  int
}{
	{ErrUnreachable, CodeUnreachable},
	{ErrNotDetected, CodeNotDetected},
	{ErrAuth, CodeAuth},
	{ErrNotProvisioned, CodeNotProvisioned},
	{ErrUnsupported, CodeUnsupported},
	{ErrBusy, CodeBusy},
	{ErrInvalidState, CodeInvalidState},
	{ErrInvalidArgument, CodeInvalidArgument},
	{ErrProtocol, CodeProtocol},
	{ErrDevice, CodeDevice},
	{ErrInternal, CodeInternal},
	{context.DeadlineExceeded, CodeTimeout},
	{context.Canceled, CodeCanceled},
}

// ReturnCode maps err to its stable numeric code: 0 for nil, the class's code
// when err wraps a class, [CodeFailed] otherwise. A class is checked before a
// context error, so "unreachable because the deadline passed while
// connecting" reports [CodeUnreachable].
func ReturnCode(err error) int {
	if err == nil {
		return CodeOK
	}
	for _, c := range classCodes {
		if errors.Is(err, c.class) {
			return c.code
		}
	}
	return CodeFailed
}

// ClassName returns a short stable name of err's class ("auth", "busy",
// "timeout", …), "ok" for nil and "failed" for an unclassified error.
func ClassName(err error) string {
	switch ReturnCode(err) {
	case CodeOK:
		return "ok"
	case CodeUnreachable:
		return "unreachable"
	case CodeNotDetected:
		return "not-detected"
	case CodeAuth:
		return "auth"
	case CodeNotProvisioned:
		return "not-provisioned"
	case CodeUnsupported:
		return "unsupported"
	case CodeBusy:
		return "busy"
	case CodeInvalidState:
		return "invalid-state"
	case CodeInvalidArgument:
		return "invalid-argument"
	case CodeProtocol:
		return "protocol"
	case CodeDevice:
		return "device"
	case CodeInternal:
		return "internal"
	case CodeTimeout:
		return "timeout"
	case CodeCanceled:
		return "canceled"
	}
	return "failed"
}

// Error is a protocol error: the class it belongs to, the device's own code
// and text, and the underlying cause. errors.Is matches both the class and
// the cause.
type Error struct {
	// Protocol that produced the error.
	Protocol Protocol
	// Op is the operation, e.g. "RequestPowerStateChange" or "Get Chassis Status".
	Op string
	// Class is one of the Err* sentinels of this package.
	Class error
	// DeviceCode is the device's own code, verbatim: a WS-Man fault subcode,
	// an IPMI completion code ("0xc1"), an AMT ReturnValue ("4099").
	DeviceCode string
	// Message is the device's explanation, if any.
	Message string
	// Err is the underlying cause, if any.
	Err error
}

// Error formats "protocol: op: class (device code): message: cause". The
// class is said once: a message or cause that begins or ends with the
// class's own text (a cause built as fmt.Errorf("%w: …", class)) is written
// without it, and a cause whose text is the message is not repeated.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Protocol != "" {
		b.WriteString(string(e.Protocol))
		b.WriteString(": ")
	}
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Class != nil {
		b.WriteString(e.Class.Error())
	} else {
		b.WriteString("failed")
	}
	if e.DeviceCode != "" {
		fmt.Fprintf(&b, " (code %s)", e.DeviceCode)
	}
	msg := e.withoutClass(e.Message)
	if msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	if e.Err != nil {
		if cause := e.withoutClass(e.Err.Error()); cause != "" && cause != msg {
			b.WriteString(": ")
			b.WriteString(cause)
		}
	}
	return b.String()
}

// withoutClass returns s without a copy of the class's text at its start
// (fmt.Errorf("%w: …", class)) or its end (fmt.Errorf("…: %w", class)).
func (e *Error) withoutClass(s string) string {
	if e.Class == nil {
		return s
	}
	c := e.Class.Error()
	if s == c {
		return ""
	}
	return strings.TrimSuffix(strings.TrimPrefix(s, c+": "), ": "+c)
}

// Unwrap returns the class and the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Class != nil {
		errs = append(errs, e.Class)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// DeviceCode returns the device's own code carried by err, or "".
func DeviceCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.DeviceCode
	}
	return ""
}
