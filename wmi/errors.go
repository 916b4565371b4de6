package wmi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// explain adds the RTSM guide's advice for WMI connection failures to a
// classified error: wrong credentials, a firewall closing the WinRM port,
// WinRM not listening (service stopped or a Home edition, which has no
// WinRM), and UAC remote restrictions (a local administrator other than the
// built-in Administrator gets a filtered token and "access denied").
func explain(err error) error {
	var oe *oobkit.Error
	if !errors.As(err, &oe) {
		return err
	}
	hint := ""
	switch {
	case errors.Is(err, oobkit.ErrAuth) && oe.DeviceCode == "401":
		hint = "wrong user name or password (give local accounts as COMPUTER\\User, domain accounts as DOMAIN\\User)"
	case errors.Is(err, oobkit.ErrAuth) && strings.EqualFold(oe.DeviceCode, "AccessDenied"):
		hint = "access denied: the account is not an administrator, or it is a local administrator other than the built-in Administrator and UAC remote restrictions filter its token (set LocalAccountTokenFilterPolicy=1 or use a domain administrator)"
	case errors.Is(err, oobkit.ErrUnreachable) && errors.Is(err, syscall.ECONNREFUSED):
		hint = "nothing listens on the WinRM port: the WinRM service is stopped or not configured (run 'winrm quickconfig'), or the computer runs a Home edition of Windows, which has no WinRM"
	case errors.Is(err, oobkit.ErrUnreachable) && strings.Contains(oe.Message, "deadline"):
		hint = "no answer on the WinRM port: the computer is off or a firewall drops WinRM (allow TCP 5985/5986, rule 'Windows Remote Management')"
	case errors.Is(err, oobkit.ErrUnreachable):
		hint = "the WinRM connection failed: the computer is off, restarting, or a firewall blocks TCP 5985/5986"
	case errors.Is(err, oobkit.ErrNotDetected):
		hint = "the port answers but not as WinRM"
	}
	if hint == "" {
		return err
	}
	cp := *oe
	if cp.Message == "" {
		cp.Message = hint
	} else {
		cp.Message = cp.Message + " (" + hint + ")"
	}
	return &cp
}

// ServiceReturn is a Win32_Service method's return value (0–24).
type ServiceReturn uint32

// Win32_Service method return values (Microsoft Win32_Service class
// documentation, StartService/StopService/ChangeStartMode "Return value").
const (
	ServiceSuccess                  ServiceReturn = 0
	ServiceNotSupported             ServiceReturn = 1
	ServiceAccessDenied             ServiceReturn = 2
	ServiceDependentServicesRunning ServiceReturn = 3
	ServiceInvalidServiceControl    ServiceReturn = 4
	ServiceCannotAcceptControl      ServiceReturn = 5
	ServiceNotActive                ServiceReturn = 6
	ServiceRequestTimeout           ServiceReturn = 7
	ServiceUnknownFailure           ServiceReturn = 8
	ServicePathNotFound             ServiceReturn = 9
	ServiceAlreadyRunning           ServiceReturn = 10
	ServiceDatabaseLocked           ServiceReturn = 11
	ServiceDependencyDeleted        ServiceReturn = 12
	ServiceDependencyFailure        ServiceReturn = 13
	ServiceDisabled                 ServiceReturn = 14
	ServiceLogonFailed              ServiceReturn = 15
	ServiceMarkedForDeletion        ServiceReturn = 16
	ServiceNoThread                 ServiceReturn = 17
	ServiceCircularDependency       ServiceReturn = 18
	ServiceDuplicateName            ServiceReturn = 19
	ServiceInvalidName              ServiceReturn = 20
	ServiceInvalidParameter         ServiceReturn = 21
	ServiceInvalidAccount           ServiceReturn = 22
	ServiceExists                   ServiceReturn = 23
	ServiceAlreadyPaused            ServiceReturn = 24
)

var serviceReturns = [...]struct {
	text  string
	class error
}{
	{"success", nil},
	{"the request is not supported", oobkit.ErrUnsupported},
	{"the user did not have the necessary access", oobkit.ErrAuth},
	{"the service cannot be stopped because other services that depend on it are running", oobkit.ErrInvalidState},
	{"the requested control code is not valid or unacceptable to the service", oobkit.ErrInvalidArgument},
	{"the control cannot be sent to the service in its current state", oobkit.ErrInvalidState},
	{"the service has not been started", oobkit.ErrInvalidState},
	{"the service did not respond to the request in time", oobkit.ErrBusy},
	{"unknown failure when starting the service", oobkit.ErrDevice},
	{"the directory path to the service executable was not found", oobkit.ErrDevice},
	{"the service is already running", oobkit.ErrInvalidState},
	{"the service database is locked", oobkit.ErrBusy},
	{"a dependency this service relies on has been removed from the system", oobkit.ErrDevice},
	{"the service failed to find the service needed from a dependent service", oobkit.ErrDevice},
	{"the service has been disabled from the system", oobkit.ErrInvalidState},
	{"the service does not have the correct authentication to run on the system (its logon failed)", oobkit.ErrDevice},
	{"this service is being removed from the system", oobkit.ErrInvalidState},
	{"the service has no execution thread", oobkit.ErrDevice},
	{"the service has circular dependencies when it starts", oobkit.ErrInvalidArgument},
	{"a service is running under the same name", oobkit.ErrInvalidArgument},
	{"the service name has invalid characters", oobkit.ErrInvalidArgument},
	{"invalid parameters have been passed to the service", oobkit.ErrInvalidArgument},
	{"the account under which this service runs is either invalid or lacks the permissions to run the service", oobkit.ErrInvalidArgument},
	{"the service exists in the database of services available from the system", oobkit.ErrInvalidArgument},
	{"the service is currently paused in the system", oobkit.ErrInvalidState},
}

// String returns the return value's meaning.
func (r ServiceReturn) String() string {
	if int(r) < len(serviceReturns) {
		return serviceReturns[r].text
	}
	return "return value " + strconv.FormatUint(uint64(r), 10)
}

// Class returns the oobkit error class of a non-zero return value.
func (r ServiceReturn) Class() error {
	if r == ServiceSuccess {
		return nil
	}
	if int(r) < len(serviceReturns) {
		return serviceReturns[r].class
	}
	return oobkit.ErrDevice
}

// serviceError maps a Win32_Service method's return value to an error.
func serviceError(method, service string, rv int64) error {
	if rv == 0 {
		return nil
	}
	r := ServiceReturn(rv)
	return &oobkit.Error{Protocol: oobkit.WMI, Op: method, Class: r.Class(), DeviceCode: strconv.FormatInt(rv, 10),
		Message: fmt.Sprintf("service %q: %s", service, r)}
}

// processError maps Win32_Process.Create/Terminate return values
// (Microsoft Win32_Process documentation: 2 access denied, 3 insufficient
// privilege, 8 unknown failure, 9 path not found, 21 invalid parameter).
func processError(method, subject string, rv int64) error {
	var class error
	var text string
	switch rv {
	case 0:
		return nil
	case 2:
		class, text = oobkit.ErrAuth, "access denied"
	case 3:
		class, text = oobkit.ErrAuth, "insufficient privilege"
	case 8:
		class, text = oobkit.ErrDevice, "unknown failure"
	case 9:
		class, text = oobkit.ErrInvalidArgument, "path not found (a UNC path must be reachable with the computer's own network identity)"
	case 21:
		class, text = oobkit.ErrInvalidArgument, "invalid parameter"
	default:
		class, text = oobkit.ErrDevice, "failed"
	}
	return &oobkit.Error{Protocol: oobkit.WMI, Op: method, Class: class, DeviceCode: strconv.FormatInt(rv, 10),
		Message: subject + ": " + text}
}

// shutdownError maps Win32Shutdown's return value, a Win32 error code.
func shutdownError(rv int64) error {
	var class error
	var text string
	switch rv {
	case 0:
		return nil
	case 5, 1314: // ERROR_ACCESS_DENIED, ERROR_PRIVILEGE_NOT_HELD
		class, text = oobkit.ErrAuth, "the account may not shut the computer down (SeRemoteShutdownPrivilege)"
	case 1115, 1190: // ERROR_SHUTDOWN_IN_PROGRESS, ERROR_SHUTDOWN_IS_SCHEDULED
		class, text = oobkit.ErrBusy, "a shutdown is already in progress"
	case 1116: // ERROR_NO_SHUTDOWN_IN_PROGRESS
		class, text = oobkit.ErrInvalidState, "no shutdown in progress"
	default:
		class, text = oobkit.ErrDevice, "Win32 error "+strconv.FormatInt(rv, 10)
	}
	return &oobkit.Error{Protocol: oobkit.WMI, Op: "Win32Shutdown", Class: class, DeviceCode: strconv.FormatInt(rv, 10), Message: text}
}

// isNotFound reports whether err is WinRM's answer for an instance that does
// not exist (an InvalidSelectors fault, or WMI's 0x80041002 "not found").
func isNotFound(err error) bool {
	f, ok := wsman.AsFault(err)
	if !ok {
		return false
	}
	return strings.EqualFold(f.Subcode, "InvalidSelectors") || strings.Contains(strings.ToLower(f.Detail), "80041002")
}
