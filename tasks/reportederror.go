package tasks

import (
	"context"

	"github.com/oobkit/oobkit"
)

// reportedError is the error of a result read back from JSON (a report
// from a file, or a result that crossed tasks/jetstream): the text, class
// and device code the report carries. errors.Is matches its class
// (oobkit.ErrAuth, context.DeadlineExceeded…), so oobkit.ReturnCode and
// oobkit.ClassName give back the Code and Class reported, and
// oobkit.DeviceCode gives back the DeviceCode.
type reportedError struct {
	msg    string
	class  error // nil for an unclassified failure
	device *oobkit.Error
}

// reportedClasses maps a stable return code to the class it stands for.
var reportedClasses = func() map[int]error {
	m := map[int]error{}
	for _, c := range []error{oobkit.ErrUnreachable, oobkit.ErrNotDetected, oobkit.ErrAuth, oobkit.ErrNotProvisioned,
		oobkit.ErrUnsupported, oobkit.ErrBusy, oobkit.ErrInvalidState, oobkit.ErrInvalidArgument, oobkit.ErrProtocol,
		oobkit.ErrDevice, oobkit.ErrInternal, context.DeadlineExceeded, context.Canceled} {
		m[oobkit.ReturnCode(c)] = c
	}
	return m
}()

// errFromReport rebuilds the error a reported outcome describes; nil for
// code 0 (ok).
func errFromReport(code int, deviceCode, msg string) error {
	if code == oobkit.CodeOK {
		return nil
	}
	e := &reportedError{msg: msg, class: reportedClasses[code]}
	if e.msg == "" {
		e.msg = oobkit.ClassName(e.class)
	}
	if deviceCode != "" {
		e.device = &oobkit.Error{Class: e.class, DeviceCode: deviceCode}
	}
	return e
}

// Error returns the text the report carried.
func (e *reportedError) Error() string { return e.msg }

// Unwrap returns the class and, when the report had one, an *oobkit.Error
// carrying the device's code.
func (e *reportedError) Unwrap() []error {
	var errs []error
	if e.class != nil {
		errs = append(errs, e.class)
	}
	if e.device != nil {
		errs = append(errs, e.device)
	}
	return errs
}
