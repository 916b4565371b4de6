package diagnose

import (
	"context"
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/discovery"
	"github.com/oobkit/oobkit/ipmi"
)

// diagnoseTableB1 applies the guide's Table B-1 ("Possible reasons of
// real time connection errors") to DASH, WMI, IPMI and SNMP.
func diagnoseTableB1(ctx context.Context, req Request, d *Diagnosis) {
	p := req.Protocol
	// IPMI and SNMP are UDP: a silent TCP side says little about them.
	if p != oobkit.IPMI && p != oobkit.SNMP && !hostAnswers(d.Ports) {
		d.step("reachability", false, "no port answers at %s", req.Target.Address)
		d.verdict(CauseUnreachable, wordsUnreachable, nextUnreachable)
		return
	}
	cred, enabled := req.Profile.Credential(p)
	if !enabled {
		d.step("given profile", false, "profile %q does not enable %s", req.Profile.Name, p)
		d.verdict(CauseProfileWithoutProtocol, wordsCredentials+" The profile does not enable "+string(p)+".",
			"enable "+string(p)+" in the profile and supply its credentials")
		return
	}
	switch p {
	case oobkit.IPMI:
		diagnoseIPMI(ctx, req, cred, d)
		return
	case oobkit.SNMP:
		diagnoseSNMP(ctx, req, cred, d)
		return
	}
	f := discovery.Probe(ctx, req.Target.Address, discoveryConfig(req, p, &cred)).Findings[0]
	switch {
	case !f.Present && p == oobkit.WMI:
		d.step("detection", false, "WinRM does not answer (%s) while the computer does", f.Class)
		d.verdict(CauseFirewall, "The firewall does not allow incoming WMI connections (or the operating system is not loaded).",
			"configure the firewall on the computer to allow WMI (TCP 135, 445 and the dynamic ports; WinRM 5985/5986), then connect again")
	case !f.Present:
		d.step("detection", false, "DASH does not answer (%s) while the computer does", f.Class)
		d.verdict(CauseNotCapable, "The target computer is not DASH capable, or DASH is turned off in the BIOS.",
			"check the BIOS: turn DASH on and configure it")
	case f.Class == oobkit.ClassName(oobkit.ErrAuth):
		d.step("detection", true, "%s answers on %v", p, f.Ports)
		d.step("given profile", false, "profile %q is refused", req.Profile.Name)
		words := wordsCredentials
		next := "supply a user with admin privileges to the target system"
		if p == oobkit.WMI {
			words += " (Also possible: simple file sharing is enabled, User Access Control is turned on, a Windows Home edition, or a user with an empty password.)"
			next += "; not a user with an empty password"
		} else {
			next = "supply the DASH account configured on the computer"
		}
		d.verdict(CauseCredentials, words, next)
	case f.Class != "":
		d.step("detection", true, "%s answers on %v", p, f.Ports)
		d.step("given profile", false, "%s", f.Class)
		d.verdict(CauseNotCapable, "The "+string(p)+" device answers but not to the profile ("+f.Class+").", "check the device's configuration")
	default:
		d.step("detection", true, "%s answers on %v", p, f.Ports)
		d.step("given profile", true, "profile %q authenticates", req.Profile.Name)
		d.verdict(CauseNone, string(p)+" answers with this profile", "run the job again")
	}
}

func diagnoseIPMI(ctx context.Context, req Request, cred oobkit.Credential, d *Diagnosis) {
	c, err := ipmi.New(req.Target, cred, ipmi.WithTimeout(req.Timeout))
	if err == nil {
		defer c.Close()
		_, err = c.DeviceID(ctx)
	}
	switch {
	case err == nil:
		d.step("given profile", true, "the BMC answers Get Device ID with profile %q", req.Profile.Name)
		d.verdict(CauseNone, "IPMI answers with this profile", "run the job again")
	case errors.Is(err, oobkit.ErrAuth):
		d.step("given profile", false, "%v", err)
		d.verdict(CauseCredentials, wordsCredentials, "supply the BMC's IPMI user and password")
	default:
		d.step("given profile", false, "%v", err)
		d.verdict(CauseNotCapable, "The target computer is not IPMI capable, IPMI is turned off in the BIOS, or the IPMI device is not configured (or the computer is not connected to the network).",
			"check the BMC's LAN channel configuration in the BIOS")
	}
}

func diagnoseSNMP(ctx context.Context, req Request, cred oobkit.Credential, d *Diagnosis) {
	f := discovery.Probe(ctx, req.Target.Address, discoveryConfig(req, oobkit.SNMP, &cred)).Findings[0]
	if f.Present {
		d.step("detection", true, "the SNMP agent answers sysDescr with the community")
		d.verdict(CauseNone, "SNMP answers with this community", "run the job again")
		return
	}
	port := req.Target.Port(oobkit.SNMP, false)
	if udpRefused(ctx, req.Target.Address, port, req.Timeout) {
		d.step("detection", false, "UDP %d is closed", port)
		d.verdict(CauseSNMPNotRunning, "SNMP is not installed on the target computer, or: The SNMP service is not running on the target computer.",
			"install or start the SNMP service on the computer")
		return
	}
	d.step("detection", false, "the SNMP agent stays silent on UDP %d", port)
	d.verdict(CauseSNMPCommunity, "The SNMP community string is incorrect, or the Notification Server computer is not in the list of hosts to accept the SNMP packets from.",
		"check the community in the profile and the SNMP service properties (accepted hosts)")
}

// udpRefused sends one datagram and reports whether the host answered
// with ICMP port unreachable (a closed port) rather than silence.
func udpRefused(ctx context.Context, addr string, port int, timeout time.Duration) bool {
	var dl net.Dialer
	c, err := dl.DialContext(ctx, "udp", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(min(timeout, time.Second)))
	if _, err := c.Write([]byte{0x30, 0x00}); err != nil {
		return errors.Is(err, syscallRefused)
	}
	_, err = c.Read(make([]byte, 64))
	return errors.Is(err, syscallRefused)
}
