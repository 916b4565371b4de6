package wmitest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// notFound is WinRM's fault for a selector naming no instance (WMI
// 0x80041002, wbemErrNotFound).
func notFound(what string) error {
	return &wsman.Fault{Code: "Sender", Subcode: "InvalidSelectors",
		Reason: "The WS-Management service cannot process the request because the request contained invalid selectors for the resource.",
		Detail: "WMI error 0x80041002: not found: " + what}
}

// handle registers a handler that runs authorised and with the state locked.
func (c *Computer) handle(action, resourceURI string, f func(*wsmantest.Request) (*etree.Element, error)) {
	c.srv.Handle(action, resourceURI, func(r *wsmantest.Request) (*etree.Element, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if err := c.authorize(r.User); err != nil {
			return nil, err
		}
		c.tick()
		return f(r)
	})
}

// authorize applies WinRM's access rule: administrators only, and UAC
// remote restrictions for local administrators other than the built-in one.
func (c *Computer) authorize(user string) error {
	if c.krb != nil && c.krb.admins[strings.ToLower(user)] {
		return nil // a domain administrator: UAC filters local accounts only
	}
	u := c.users[strings.ToLower(user)]
	denied := &wsman.Fault{Code: "Sender", Subcode: "AccessDenied", Reason: "Access is denied.",
		Detail: "WSManFault Code=5 Machine=" + c.Name}
	switch {
	case u == nil, !u.Admin:
		return denied
	case !u.Builtin && !c.LocalAccountTokenFilterPolicy:
		return denied
	}
	return nil
}

func (c *Computer) routes() {
	for class := range classKeys {
		class := class
		c.srv.HandleEnumerate(classURI(class), func(r *wsmantest.Request) ([]*etree.Element, error) {
			return c.enumerate(r, class, nil, nil)
		})
	}
	for _, ns := range []string{"root/cimv2", nsTerminalServices} {
		ns := ns
		c.srv.HandleEnumerate(nsBase(ns)+"*", func(r *wsmantest.Request) ([]*etree.Element, error) {
			f := r.Body.SelectElement("Filter")
			if f == nil || f.SelectAttrValue("Dialect", "") != wsman.DialectWQL {
				return nil, wsmantest.Fault("CannotProcessFilter", "enumerating "+ns+"/* needs a WQL filter")
			}
			q, err := parseWQL(strings.TrimSpace(f.Text()))
			if err != nil {
				return nil, badQuery(err)
			}
			if namespaceOf(q.class) != ns {
				return nil, invalidClass(q.class)
			}
			return c.enumerate(r, q.class, q.where, q.props)
		})
	}
	c.manageRoutes()
	svcURI := wsman.WMIBase + "Win32_Service"
	c.handle(wsman.ActionGet, svcURI, func(r *wsmantest.Request) (*etree.Element, error) {
		s, ok := c.services[strings.ToLower(r.Selectors.Get("Name"))]
		if !ok {
			return nil, notFound("Win32_Service " + r.Selectors.Get("Name"))
		}
		return serviceObject(s).element(), nil
	})
	serviceMethod := func(method string, f func(*Service, *wsman.Instance) uint32) {
		c.handle(svcURI+"/"+method, svcURI, func(r *wsmantest.Request) (*etree.Element, error) {
			s, ok := c.services[strings.ToLower(r.Selectors.Get("Name"))]
			if !ok {
				return nil, notFound("Win32_Service " + r.Selectors.Get("Name"))
			}
			return output("Win32_Service", method, f(s, r.Instance())), nil
		})
	}
	serviceMethod("StartService", func(s *Service, _ *wsman.Instance) uint32 { return c.startService(s, 0) })
	serviceMethod("StopService", func(s *Service, _ *wsman.Instance) uint32 { return c.stopService(s) })
	serviceMethod("ChangeStartMode", func(s *Service, in *wsman.Instance) uint32 {
		return c.changeStartMode(s, in.Get("StartMode"))
	})
	procURI := wsman.WMIBase + "Win32_Process"
	c.handle(procURI+"/Create", procURI, func(r *wsmantest.Request) (*etree.Element, error) {
		if r.Body == nil || r.Body.Tag != "Create_INPUT" {
			return nil, wsmantest.Fault("InvalidParameter", "Create needs Create_INPUT")
		}
		var env []string
		if st := r.Body.SelectElement("ProcessStartupInformation"); st != nil {
			for _, v := range st.SelectElements("EnvironmentVariables") {
				env = append(env, v.Text())
			}
		}
		in := r.Instance()
		rv, pid := c.createProcess(in.Get("CommandLine"), in.Get("CurrentDirectory"), env, c.Name+`\`+r.User)
		if rv != 0 {
			return output("Win32_Process", "Create", rv), nil
		}
		return output("Win32_Process", "Create", 0, "ProcessId", strconv.FormatUint(uint64(pid), 10)), nil
	})
	c.handle(procURI+"/Terminate", procURI, func(r *wsmantest.Request) (*etree.Element, error) {
		pid, err := strconv.ParseUint(r.Selectors.Get("Handle"), 10, 32)
		p, ok := c.processes[uint32(pid)]
		if err != nil || !ok {
			return nil, notFound("Win32_Process " + r.Selectors.Get("Handle"))
		}
		if p.PID == 4 || strings.EqualFold(p.Name, "csrss.exe") || strings.EqualFold(p.Name, "wininit.exe") {
			return output("Win32_Process", "Terminate", 2), nil // critical system process: access denied
		}
		delete(c.processes, p.PID)
		for _, s := range c.services {
			if s.PID == p.PID {
				s.State, s.PID = "Stopped", 0
				c.logEvent("System", 1, 7034, "Service Control Manager", "The "+s.DisplayName+" service terminated unexpectedly.", "")
			}
		}
		return output("Win32_Process", "Terminate", 0), nil
	})
	osURI := wsman.WMIBase + "Win32_OperatingSystem"
	c.handle(osURI+"/Win32Shutdown", osURI, func(r *wsmantest.Request) (*etree.Element, error) {
		if !strings.HasPrefix(r.Selectors.Get("Name"), c.Hardware.OSCaption+"|") {
			return nil, notFound("Win32_OperatingSystem " + r.Selectors.Get("Name"))
		}
		flags, err := strconv.ParseInt(strings.TrimSpace(r.Instance().Get("Flags")), 10, 32)
		if err != nil {
			return nil, wsmantest.Fault("InvalidParameter", "Flags must be an integer")
		}
		return output("Win32_OperatingSystem", "Win32Shutdown", c.shutdown(flags, c.Name+`\`+r.User)), nil
	})
	c.handle(osURI+"/Win32ShutdownTracker", osURI, func(r *wsmantest.Request) (*etree.Element, error) {
		const m = "Win32ShutdownTracker"
		if !strings.HasPrefix(r.Selectors.Get("Name"), c.Hardware.OSCaption+"|") {
			return nil, notFound("Win32_OperatingSystem " + r.Selectors.Get("Name"))
		}
		in := r.Instance()
		num := func(name string) (int64, bool) {
			v := strings.TrimSpace(in.Get(name))
			if v == "" {
				return 0, true
			}
			n, err := strconv.ParseInt(v, 10, 64)
			return n, err == nil && n >= -1<<31 && n < 1<<32
		}
		flags, okF := num("Flags")
		timeout, okT := num("Timeout")
		reason, okR := num("ReasonCode")
		if !okF || !okT || !okR || timeout < 0 || reason < 0 {
			return nil, wsmantest.Fault("InvalidParameter", "Timeout, ReasonCode and Flags must be integers")
		}
		return output("Win32_OperatingSystem", m, c.shutdownTracker(uint32(timeout), in.Get("Comment"), uint32(reason), flags, c.Name+`\`+r.User)), nil
	})
}

// enumerate answers an enumeration of class filtered by where, with only
// the properties props (nil: all), as a WQL SELECT list asks.
func (c *Computer) enumerate(r *wsmantest.Request, class string, where wqlExpr, props []string) ([]*etree.Element, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.authorize(r.User); err != nil {
		return nil, err
	}
	c.tick()
	if err := c.lacks(class); err != nil {
		return nil, err
	}
	objs, ok := c.classObjects(class)
	if !ok {
		return nil, invalidClass(class)
	}
	if len(props) > 0 && len(objs) > 0 {
		for _, p := range props {
			if !objs[0].has(p) {
				return nil, badQuery(fmt.Errorf("%s has no property %s", class, p))
			}
		}
	}
	mode := enumerationMode(r.Body)
	var out []*etree.Element
	for _, o := range objs {
		if where == nil || where(o.get) {
			out = append(out, o.project(props).item(mode))
		}
	}
	return out, nil
}

// nsBase returns the WinRM resource URI prefix of a WMI namespace.
func nsBase(ns string) string { return "http://schemas.microsoft.com/wbem/wsman/1/wmi/" + ns + "/" }

// namespaceOf returns the namespace a served class lives in.
func namespaceOf(class string) string {
	if class == "Win32_TerminalService" {
		return nsTerminalServices
	}
	return "root/cimv2"
}

// classURI returns a class's resource URI.
func classURI(class string) string { return nsBase(namespaceOf(class)) + class }

// badQuery is what WinRM answers for WQL that WMI cannot parse or run:
// a CannotProcessFilter fault carrying WMI's wbemErrInvalidQuery
// (0x80041017, https://learn.microsoft.com/windows/win32/wmisdk/wmi-error-constants).
func badQuery(err error) error {
	return &wsman.Fault{Code: "Sender", Subcode: "CannotProcessFilter",
		Reason: "The data source could not process the filter. The filter might be missing or it might be invalid. Change the filter and try the request again.",
		Detail: "WMI error 0x80041017: Invalid query: " + err.Error()}
}

// invalidClass is WinRM's answer for a class WMI does not know in the
// namespace (wbemErrInvalidClass, 0x80041010).
func invalidClass(class string) error {
	return &wsman.Fault{Code: "Sender", Subcode: "CannotProcessFilter",
		Reason: "The data source could not process the filter. The filter might be missing or it might be invalid. Change the filter and try the request again.",
		Detail: "WMI error 0x80041010: Invalid class " + class}
}
