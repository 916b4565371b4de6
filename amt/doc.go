// Package amt manages Intel Active Management Technology (AMT) devices over
// WS-Management (ports 16992/16993): detection ("Out of Band Discovery"),
// power state and power control, next-boot control with the RTSM advanced
// options, redirection settings (SOL, IDE-R, KVM, listener), user consent,
// management-engine power settings, unprovisioning, hardware inventory and
// the AMT event log.
//
// A [Client] is built from an oobkit.Target and an oobkit.Credential and
// implements the oobkit capability interfaces: oobkit.PowerStateReader,
// oobkit.PowerController, oobkit.BootController, oobkit.InventoryReader,
// oobkit.EventLogReader and oobkit.AlertConfigurer. Every error is an *oobkit.Error whose class
// (oobkit.ErrAuth, ErrBusy, ErrInvalidState…) a fleet operator can act on;
// the firmware's ReturnValue or WS-Man fault subcode is kept in DeviceCode.
//
// Power control follows the RTSM guide's Table C-3 and what the firmware
// offers: SetPower reads CIM_AssociatedPowerManagementService (its DMTF
// value mapped to the row of Table C-3 per DSP1027, refined by the AMT
// system power state of the event log), refuses an action the table
// (oobkit.Allowed, oobkit.BootRedirectAllowed) does not allow there with an
// error naming the row and its code ("unknown:14") unless the caller
// overrides it (oobkit.WithPowerTableOverride), sends a reboot or power off
// in S3/S4 "through the power on command" (footnote 1) and checks the state
// reached, and picks the DMTF value from AvailableRequestedPowerStates (8
// hard off, 10 reset, 5 cycle, 12/14 graceful on AMT 9+ with the OS agent),
// as iamt does. The "(Terminal)" BIOS actions enable SOL and redirect the
// BIOS console over it. CheckPower asks the same without acting.
//
// System Defense (ApplyPolicy, ActivePolicies, FilterStatistics,
// RemoveAllPolicies) puts a filter.Policy on the wired and wireless
// interfaces after filter.CheckApply and the DHCP precondition, and rolls
// back to the previous policy when a step fails midway.
//
// Alerts (ApplyAlerts, ConfigureAlerts, Subscriptions, Subscribe,
// Unsubscribe) are WS-Eventing subscriptions to AMT's filter collections
// ([FilterAll]) pushed to a listener URL, with reference parameters that
// name the computer and the protocol, so wseventing.New turns each
// CIM_AlertIndication into an oobkit.Event with Source amt and Target the
// computer; and, before Intel ME 18, SNMP PET destinations
// (AMT_SNMPEventSubscriber, UDP 162) that package snmp's Listen decodes.
// The device has a fixed number of subscription slots: ApplyAlerts is
// all-or-nothing unless AllowPartial.
//
// To start, build a client for one computer and ask what is there:
//
//	target := oobkit.Target{Name: "pc-042", Address: "10.1.2.42"}
//	cred := oobkit.UserPassword("admin", os.Getenv("AMT_PASSWORD"))
//	c, err := amt.New(target, cred, amt.WithLogger(logger))
//	if err != nil { … }
//	defer c.Close()
//	d, err := c.Detect(ctx)                  // version, provisioning, redirection
//	err = c.SetPower(ctx, oobkit.ActionReset) // checked against the power table
//
// EventLog reads AMT_MessageLog. Its records are ASF/IPMI event records,
// so they are named, described and rated with the same IPMI tables as the
// ipmi package's SEL records and the snmp package's PETs: the same event
// reads the same whichever protocol reported it. AMT's own reading of the
// event data (failed-login counts, BIOS progress codes) follows the shared
// sentence, and AMT's OEM records (redirection sessions) are described in
// AMT's words.
//
// Set cred.TLS.Enabled to use port 16993 (TLS is verified; pin a
// self-signed AMT certificate with cred.TLS.PinnedSHA256). The examples run
// against [github.com/oobkit/oobkit/amt/amttest], the simulated device.
//
// Package amttest simulates AMT devices (one on its own port, or fleets of
// thousands on one listener) for tests, examples and benchmarks.
package amt
