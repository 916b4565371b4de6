// Package wmitest simulates a Windows computer answering WMI over WinRM,
// like net/http/httptest: a stateful [Computer] with processes that start
// and stop, services with states, start modes and dependencies, local users
// whose passwords change (recording which account's helper changed them),
// Application/Security/System event logs plus the Directory Service, DNS
// Server and File Replication Service logs once
// [Computer.PromoteToDomainController] made it a domain controller, and a
// power state that changes on Win32Shutdown (a reboot keeps it silent for
// BootTime; a shutdown until [Computer.PowerOn]; a process with unsaved data
// holds a non-forced one back) and Win32ShutdownTracker (the countdown and
// message shown to the user, [Computer.Notices]; the shutdown follows when
// the computer's clock passes the countdown).
//
// Authentication is Basic and NTLM (offered as "Negotiate", as WinRM does):
// NEGOTIATE → CHALLENGE → AUTHENTICATE with the NTLMv2 response verified
// against the account's password (MS-NLMP §3.3.2). WinRM's access rule is
// applied: administrators only, and UAC remote restrictions refuse local
// administrators other than the built-in Administrator with an AccessDenied
// fault unless LocalAccountTokenFilterPolicy is set. Faults are answered
// with HTTP 500, as WinRM does.
//
// WQL enumerations of root/cimv2/* understand SELECT * FROM Class WHERE …
// with AND/OR/NOT, comparisons and LIKE. Fault injection (latency, dropped
// connections, malformed XML, busy, a wrong-auth storm) comes from the
// WS-Management device under [Computer.Server].
//
// One computer serves itself with [Computer.Start] or [Computer.StartTLS];
// many share one listener when added to a wsmansim.Host (a Computer is an
// http.Handler): host.Add("127.0.0.1:5985", computer).
package wmitest
