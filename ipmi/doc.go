// Package ipmi manages a computer through its BMC with IPMI v2.0 over
// RMCP+ ("lanplus", UDP 623), built on github.com/bougou/go-ipmi.
//
// A [Client] is made with [New] from an [oobkit.Target] (address, and an
// optional port override in Target.Ports[oobkit.IPMI]) and an
// [oobkit.Credential] (user name and password). The first call opens a
// session — cipher suite 17 (SHA-256) first, falling back to 3 (SHA-1) for
// BMCs such as OpenIPMI's ipmi_sim — and later calls reuse it. A BMC that
// answers the Open Session Request with other algorithms than the requested
// suite's is refused ([oobkit.ErrProtocol]), so [Client.CipherSuite] is the
// suite in use. A session idle longer than [WithIdleProbe] is checked with
// Get Session Info before reuse and replaced if the BMC dropped it. Calls are
// serialised: one Client is safe for concurrent use; use one Client per BMC
// for parallelism.
//
// What it does, and the oobkit interfaces it implements:
//
//   - power state and control ([oobkit.PowerStateReader],
//     [oobkit.PowerController]): on, off, ACPI soft shutdown, reset, cycle,
//     on/reset into BIOS setup; refused per the IPMI gate, Chassis Control
//     rules as data ([Allowed], [Client.CheckPower]); the state is the
//     Table C-3 row of Get ACPI Power State, or Legacy ON/OFF;
//   - next boot device ([oobkit.BootController]) once or persistent, legacy
//     or EFI, read back after writing ([BootNotKeptError] names what the BMC
//     did not keep), and [Client.BootDevice] to read it;
//   - [Client.ChassisStatus], [Client.ChassisIdentify], [Client.DeviceID] and
//     [Client.GUID] for discovery;
//   - inventory ([oobkit.InventoryReader]): FRU chassis/board/product areas
//     mapped as ipmitool and ipmi-fru print them, SDR sensors with readings
//     and thresholds, BMC firmware;
//   - the System Event Log ([oobkit.EventLogReader], [Client.ClearSEL]),
//     decoded by [DecodeSEL], sensors named from the SDR
//     ([Client.SensorRecords], [Client.SDR], cached per client) and rated as
//     FreeIPMI's ipmi-sel rates them;
//   - Serial-over-LAN as an io.ReadWriteCloser ([Client.OpenSOL]), on its
//     own session kept alive by Get Session Info ([WithSOLKeepalive]);
//   - [Client.Raw] for any other command.
//
// Errors are *oobkit.Error values: no answer is [oobkit.ErrUnreachable], a
// refused user or password [oobkit.ErrAuth] (a session set-up disturbed by
// lost or late datagrams is retried, never reported as ErrAuth), and an IPMI completion code is
// carried in DeviceCode ("0xc1") with a class (C1h invalid command →
// [oobkit.ErrUnsupported], C0h node busy → [oobkit.ErrBusy], …).
//
// Package ipmitest starts Debian's ipmi_sim (a real, independent BMC) and
// go-ipmi's embedded BMC (cheap enough for a thousand in one test).
package ipmi
