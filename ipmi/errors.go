package ipmi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/types"

	"github.com/oobkit/oobkit"
)

// classify turns an error from go-ipmi into an *oobkit.Error of the right
// class. The IPMI completion code ("0xc1") or RMCP+ status code ("rmcp+
// 0x0d") is carried in DeviceCode.
//
// go-ipmi keeps the error chain for exchanges and completion codes, but its
// session set-up (Connect) flattens the per-cipher-suite errors into text;
// for those, the RMCP+ status and the RAKP failure are recognised in the text
// (the formats of go-ipmi v0.9.1 types.RmcpStatusError and
// client.ErrRAKPAuthentication).
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var oe *oobkit.Error
	if errors.As(err, &oe) {
		return err
	}
	e := &oobkit.Error{Protocol: oobkit.IPMI, Op: op, Err: err}
	var rerr *types.ResponseError
	var serr *types.RmcpStatusError
	switch {
	case errors.As(err, &rerr) && rerr.CompletionCode() != 0:
		cc := rerr.CompletionCode()
		e.DeviceCode = fmt.Sprintf("%#02x", uint8(cc))
		e.Class = completionClass(cc)
		e.Message = completionText(cc)
		e.Err = nil // the message says it all; go-ipmi's text repeats it
	case errors.As(err, &serr):
		setStatus(e, serr.StatusCode())
	case errors.Is(err, client.ErrRAKPAuthentication) || strings.Contains(err.Error(), client.ErrRAKPAuthentication.Error()):
		e.Class, e.Message = oobkit.ErrAuth, "the BMC did not accept the user name and password"
	case statusInText(err) >= 0:
		setStatus(e, types.RmcpStatusCode(statusInText(err)))
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("ipmi: %s: %w", op, err)
	case unanswered(err):
		e.Class, e.Message = oobkit.ErrUnreachable, "no answer from the BMC"
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("ipmi: %s: %w", op, err)
	case errors.Is(err, types.ErrUnpackedDataTooShort):
		e.Class = oobkit.ErrProtocol
	default:
		e.Class = oobkit.ErrDevice
	}
	return e
}

// classifyCtx is classify for a call made under ctx. When ctx has ended,
// the failure is the caller's deadline or cancellation, whatever go-ipmi
// made of it (an interrupted read looks like an unanswered exchange), so
// the error wraps ctx.Err(): ReturnCode gives CodeTimeout or CodeCanceled,
// except that a session the BMC did not open before the deadline is
// also [oobkit.ErrUnreachable] (CodeUnreachable), as oobkit.ReturnCode
// documents for connecting.
func classifyCtx(ctx context.Context, op string, err error) error {
	ctxErr := ctx.Err()
	if dl, ok := ctx.Deadline(); ok && ctxErr == nil && !time.Now().Before(dl) {
		// go-ipmi's read deadline is the context's, and may expire a moment
		// before the context's own timer.
		ctxErr = context.DeadlineExceeded
	}
	var oe *oobkit.Error
	if ctxErr == nil || errors.As(err, &oe) {
		return classify(op, err)
	}
	e := &oobkit.Error{Protocol: oobkit.IPMI, Op: op, Err: ctxErr}
	if op == opOpenSession && errors.Is(ctxErr, context.DeadlineExceeded) {
		e.Class, e.Message = oobkit.ErrUnreachable, "no session with the BMC before the deadline"
	}
	return e
}

// unanswered reports a UDP exchange that got no (matching) reply, or an ICMP
// port-unreachable (ECONNREFUSED on a connected UDP socket).
func unanswered(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "datagram matched") || strings.Contains(s, "no matching IPMI response") ||
		strings.Contains(s, "i/o timeout") || strings.Contains(s, "connection refused") ||
		(errors.Is(err, context.DeadlineExceeded) && strings.Contains(s, opOpenSession))
}

var statusRE = regexp.MustCompile(`RMCP\+ status (0x[0-9a-fA-F]{1,2})`)

// statusInText finds "RMCP+ status 0xNN" in err's text, -1 if absent.
func statusInText(err error) int {
	m := statusRE.FindStringSubmatch(err.Error())
	if m == nil {
		return -1
	}
	v, perr := strconv.ParseUint(m[1], 0, 8)
	if perr != nil {
		return -1
	}
	return int(v)
}

// setStatus classifies an RMCP+/RAKP status code (IPMI v2.0 §13.24 Table 13-15).
func setStatus(e *oobkit.Error, code types.RmcpStatusCode) {
	e.DeviceCode = fmt.Sprintf("rmcp+ %#02x", uint8(code))
	e.Message = code.String()
	e.Err = nil
	switch code {
	case types.RmcpStatusCodeUnauthorizedName, types.RmcpStatusCodeInvalidNameLength,
		types.RmcpStatusCodeInvalidIntegrityCheckValue, types.RmcpStatusCodeUnauthorizedRoleOfPriLevel,
		types.RmcpStatusCodeInvalidRole, types.RmcpStatusCodeUnauthorizedGUID:
		e.Class = oobkit.ErrAuth
	case types.RmcpStatusCodeNoResToCreateSess, types.RmcpStatusCodeNoResToCreateSessAtRole:
		e.Class = oobkit.ErrBusy
	case types.RmcpStatusCodeInvalidAuthAlg, types.RmcpStatusCodeInvalidIntegrityAlg,
		types.RmcpStatusCodeInvalidConfidentAlg, types.RmcpStatusCodeNoCipherSuiteMatch,
		types.RmcpStatusCodeNoMatchingAuthPayload, types.RmcpStatusCodeNoMatchingIntegrityPayload:
		e.Class = oobkit.ErrUnsupported
	default:
		e.Class = oobkit.ErrDevice
	}
}

// completionClass maps a generic completion code (IPMI v2.0 §5.2 Table 5-2)
// to an oobkit error class. Command-specific codes (80h–BEh) and OEM codes
// are device errors.
func completionClass(cc types.CompletionCode) error {
	switch cc {
	case types.CodeInvalidCommand, types.CodeInvalidCommandForLUN, types.CodeNotSupported,
		types.CodeSubFnDisabled, types.CodeIllegalCommand, types.CodeRequestedDataNotPresent:
		return oobkit.ErrUnsupported
	case types.CodeNodeBusy, types.CodeOutOfSpace, types.CodeReservationCanceled,
		types.CodeCannotProvideResponseSDRRInUpdate, types.CodeCannotProvideResponseFirmwareUpdate,
		types.CodeCannotProvideResponseBMCInitialize, types.CodeCannotExecuteDuplicatedRequest:
		return oobkit.ErrBusy
	case types.CodeInsufficientPrivilege:
		return oobkit.ErrAuth
	case types.CodeRequestDataTruncated, types.CodeRequestDataLengthInvalid,
		types.CodeRequestDataLengthLimitExceeded, types.CodeParameterOutOfRange,
		types.CodeRequestDataFieldInvalid:
		return oobkit.ErrInvalidArgument
	}
	return oobkit.ErrDevice
}

// completionText names a generic completion code.
func completionText(cc types.CompletionCode) string {
	switch cc {
	case types.CodeNodeBusy:
		return "node busy"
	case types.CodeInvalidCommand:
		return "invalid command"
	case types.CodeInvalidCommandForLUN:
		return "command invalid for given LUN"
	case types.CodeProcessTimeout:
		return "timeout while processing command"
	case types.CodeOutOfSpace:
		return "out of space"
	case types.CodeReservationCanceled:
		return "reservation canceled or invalid reservation ID"
	case types.CodeRequestDataTruncated:
		return "request data truncated"
	case types.CodeRequestDataLengthInvalid:
		return "request data length invalid"
	case types.CodeRequestDataLengthLimitExceeded:
		return "request data field length limit exceeded"
	case types.CodeParameterOutOfRange:
		return "parameter out of range"
	case types.CodeCannotReturnRequestedDataBytes:
		return "cannot return number of requested data bytes"
	case types.CodeRequestedDataNotPresent:
		return "requested sensor, data, or record not present"
	case types.CodeRequestDataFieldInvalid:
		return "invalid data field in request"
	case types.CodeIllegalCommand:
		return "command illegal for specified sensor or record type"
	case types.CodeCannotProvideResponse:
		return "command response could not be provided"
	case types.CodeCannotExecuteDuplicatedRequest:
		return "cannot execute duplicated request"
	case types.CodeCannotProvideResponseSDRRInUpdate:
		return "SDR repository in update mode"
	case types.CodeCannotProvideResponseFirmwareUpdate:
		return "device in firmware update mode"
	case types.CodeCannotProvideResponseBMCInitialize:
		return "BMC initialization in progress"
	case types.CodeDestinationUnavailable:
		return "destination unavailable"
	case types.CodeInsufficientPrivilege:
		return "insufficient privilege level"
	case types.CodeNotSupported:
		return "command not supported in present state"
	case types.CodeSubFnDisabled:
		return "command sub-function disabled or unavailable"
	case types.CodeUnspecifiedError:
		return "unspecified error"
	}
	return "completion code " + strconv.Itoa(int(cc))
}
