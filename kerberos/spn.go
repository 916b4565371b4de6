package kerberos

import (
	"net"
	"strconv"
	"strings"
)

// The TCP ports of Intel AMT whose service principals a domain-joined AMT
// device registers: WS-Management over HTTP and HTTPS, redirection plain
// and over TLS.
const (
	PortAMTHTTP     = 16992
	PortAMTHTTPS    = 16993
	PortAMTRedir    = 16994
	PortAMTRedirTLS = 16995
	PortWinRMHTTP   = 5985
	PortWinRMHTTPS  = 5986
)

// AMTSPNs returns the service principal names to try for AMT on host at
// port, most specific first: "HTTP/<fqdn>:<port>" and then "HTTP/<fqdn>".
// AMT's Active Directory integration (Intel AMT SDK, "Kerberos
// Authentication"; Intel SCS creates the device's computer object with the
// HTTP/<fqdn>:16992…16995 names) keys tickets by host and port, and
// MeshCommander's WS-Man stack asks for "HTTP/host:port" (amt-wsman-node,
// https://github.com/Ylianst/MeshCommander). The port-less form is what a
// generic Negotiate client (curl, browsers) asks for.
func AMTSPNs(host string, port int) []string {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return []string{"HTTP/" + net.JoinHostPort(h, strconv.Itoa(port)), "HTTP/" + h}
}

// WinRMSPNs returns the service principal names of the WinRM service on
// host: "HTTP/<fqdn>" (what Windows' WinRM client asks for, [MS-WSMV] §6
// and "Installation and configuration for Windows Remote Management",
// https://learn.microsoft.com/windows/win32/winrm/installation-and-configuration-for-windows-remote-management)
// and "WSMAN/<fqdn>", which WinRM registers for itself.
func WinRMSPNs(host string) []string {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return []string{"HTTP/" + h, "WSMAN/" + h}
}

// SPNHost returns the host part of a URL's host[:port], for SPN forms.
func SPNHost(hostport string) (host string, port int) {
	h, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport, 0
	}
	n, _ := strconv.Atoi(p)
	return h, n
}
