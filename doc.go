// Package oobkit holds the shared vocabulary of the oobkit SDK: the managed
// computer ([Target]), what a protocol presents to it ([Credential], [Secret]),
// the protocols ([Protocol]), the capability interfaces protocol clients
// implement ([PowerStateReader], [PowerController], [BootController],
// [InventoryReader], [EventLogReader], [AlertConfigurer], [PowerChecker],
// [Describer]),
// power states and actions, one model for inventory and events ([Inventory],
// [Event]), and the error classes a fleet operator acts on ([ErrUnreachable]
// …) with stable numeric return codes ([ReturnCode]).
//
// # Power states and the power table
//
// A [PowerState] is one row of the RTSM guide's Table C-3 ("Intel AMT power
// management capabilities"), the ACPI system power states ASF, IPMI and AMT
// report; [PowerState.Code] is the row number, 1 to 14, so the field notes'
// "FromState detected as unknown:14" reads as [PowerUnknown].
// [PowerStateFromCode] goes back. Protocols map what their device reports to
// the row that says the same, never to the nearest S-state.
//
// The table itself is data ([PowerTable], footnotes in [PowerTableNotes]),
// and the gate is two questions:
//
//	oobkit.Allowed(state, action)             // the reboot, power off and power on columns
//	oobkit.BootRedirectAllowed(state, action) // may a boot redirection ride on action (ActionNone: the column alone)
//
// Both return nil or an error wrapping [ErrInvalidState] that names the row
// and its code. Footnote 1 ("Performed through the power on command") is
// [ThroughPowerOn]; footnote 2 ("Redirection can be enabled only for the
// reboot command") is in [BootRedirectAllowed]. [AvailableActions] is the
// guide's Table 3-1 list of applicable actions for a state. Table C-3 is
// Intel AMT's; the ipmi, dash and wmi clients gate by their own rules, and
// every client answers [PowerChecker] before a job sets a next boot.
// [WithPowerTableOverride] lets an operator who knows better send an action
// anyway; nothing overrides by default.
//
// The package contains no protocol code and imports nothing else of oobkit.
// Protocol packages (amt, dash, ipmi, wmi, snmp, redirect) implement the
// interfaces; the tasks package discovers what a client can do by type
// assertion and picks among clients by preference order:
//
//	if pc, ok := client.(oobkit.PowerController); ok {
//		err := pc.SetPower(ctx, oobkit.ActionOn)
//		...
//	}
//
// # Capability matrix
//
// Which client implements which capability interface (an x), kept true by a
// test that type-asserts each client:
//
//	client           PowerStateReader PowerController PowerChecker BootController InventoryReader EventLogReader AlertConfigurer Describer
//	amt.Client       x                x               x            x              x               x              x               x
//	dash.Client      x                x               x            x              x               -              x               x
//	ipmi.Client      x                x               x            x              x               x              -               x
//	wmi.Client       x                x               x            -              x               x              -               -
//	snmp.Client      -                -               -            -              x               -              -               -
//	redirect.Client  -                -               -            -              -               -              -               -
//	asf.Client       x                x               -            -              -               -              -               x
//
// snmp reads and receives traps (its own API); redirect opens SOL, IDE-R and
// KVM sessions (its own API). Package tasks picks among the protocols a
// computer has by these interfaces.
//
// Secrets never reach a log, an error text, a JSON report or a fmt verb:
// [Secret] redacts itself everywhere and is revealed only by an explicit call
// to [Secret.Reveal].
package oobkit
