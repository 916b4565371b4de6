// Package wmi manages Windows computers through WMI over WS-Management
// (WinRM, TCP 5985 http / 5986 https): graceful shutdown and reboot,
// processes, services, local password reset, inventory and event logs.
//
// A [Client] is built from an oobkit.Target and an oobkit.Credential.
// Authentication is basic (over HTTPS; plain HTTP only with
// [WithAllowUnencrypted]) or NTLM (cred.Auth = oobkit.AuthNTLM; NTLMv2
// through github.com/Azure/go-ntlmssp). Resource URIs are
// http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/<Class>; queries
// are WQL enumerations of .../root/cimv2/*; methods are WS-Management
// custom actions (MS-WSMV §3.1.4.13, examples in §4).
//
//	c, err := wmi.New(oobkit.Target{Address: "pc42"}, oobkit.Credential{
//		Auth: oobkit.AuthNTLM, Username: `PC42\Administrator`, Password: oobkit.NewSecret(pw)})
//	err = c.Shutdown(ctx, wmi.ShutdownOptions{Reboot: true}) // users may save their work
//	err = c.StartService(ctx, "Spooler")
//	pid, err := c.StartProcess(ctx, wmi.StartOptions{CommandLine: `\\srv\share\setup.exe /s`})
//
// The client implements oobkit.PowerController (graceful shutdown and reboot
// only: anything else is oobkit.ErrUnsupported — use AMT, DASH or IPMI),
// oobkit.PowerStateReader (S0 when WinRM answers), oobkit.InventoryReader
// and oobkit.EventLogReader. Like the RTSM console, the event log shows
// errors only unless asked otherwise ([EventQuery], [Client.ReadEvents]);
// the domain-controller logs are read where they exist and reported absent
// elsewhere.
//
// Method return values become errors with the oobkit classes: a service
// already running is oobkit.ErrInvalidState with device code "10", a
// dependency failure oobkit.ErrDevice with "13" ([ServiceReturn] lists all
// 25). Connection failures carry the RTSM guide's advice: a refused
// password (401, ErrAuth), "access denied" for a local administrator other
// than the built-in Administrator under UAC remote restrictions (ErrAuth,
// device code AccessDenied), a closed firewall (ErrUnreachable after the
// deadline), nothing listening on 5985 — WinRM stopped or a Home edition,
// which has no WinRM (ErrUnreachable, connection refused).
//
// [Client.SetLocalPassword] and [Client.ResetPassword] never put a password
// in a command line, a log or an error; their documentation says how.
// ResetPassword takes the guide's form: COMPUTER\User, the new password
// confirmed, and the administrative user that manages the account.
//
// The one-to-one view's WMI nodes (the guide's Table A-6) are a table,
// [Nodes]: each node's group and name, the class that serves it and the
// properties read. [Client.ReadNode] reads one; [Client.Class],
// [Client.Query] and their Namespace variants read any class generically
// ([Instance]), with WQL property lists. The Registry node is read a key at
// a time with StdRegProv ([Client.RegistryValues]). Table A-1's "Manage
// Printers" is [Client.Printers], [Client.PausePrinter],
// [Client.ResumePrinter], [Client.PrintJobs] and [Client.CancelPrintJob];
// "Manage Local Users and Groups" is [Client.LocalUsers],
// [Client.LocalGroups], [Client.AddGroupMember] (through ADSI: WMI cannot
// change a group, see there), [Client.SetAccountDisabled] and the password
// reset above.
//
// Package wmitest simulates a Windows computer for tests and examples.
package wmi
