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
// WQL enumerations of root/cimv2/* (and root/cimv2/TerminalServices/*)
// understand SELECT * or a property list FROM Class WHERE … with
// AND/OR/NOT, comparisons and LIKE; WQL WMI would refuse answers WinRM's
// CannotProcessFilter fault with WMI's 0x80041017 (invalid query), an
// unknown class 0x80041010 (invalid class). The classes of the one-to-one
// view (printers and print jobs, shares, devices, controllers, ports,
// memory, page file usage, the base board, drives, routes, adapters, SMB
// connections and sessions, local groups and their Win32_GroupUser
// associations) carry Windows' class and property names; printers pause and resume, print jobs can be deleted,
// Win32_UserAccount.Disabled can be Put, StdRegProv reads a small registry
// ([Computer.SetRegistryValues]), and the ADSI group helper package wmi
// runs changes group membership. Fault injection (latency, dropped
// connections, malformed XML, busy, a wrong-auth storm) comes from the
// WS-Management device under [Computer.Server].
//
// One computer serves itself with [Computer.Start] or [Computer.StartTLS];
// many share one listener when added to a wsmansim.Host (a Computer is an
// http.Handler): host.Add("127.0.0.1:5985", computer).
package wmitest
