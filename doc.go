// Package oobkit holds the shared vocabulary of the oobkit SDK: the managed
// computer ([Target]), what a protocol presents to it ([Credential], [Secret]),
// the protocols ([Protocol]), the capability interfaces protocol clients
// implement ([PowerStateReader], [PowerController], [BootController],
// [InventoryReader], [EventLogReader], [AlertConfigurer]), power states and
// actions with the table of which action is possible in which state
// ([Allowed]), one model for inventory and events ([Inventory], [Event]), and
// the error classes a fleet operator acts on ([ErrUnreachable] …) with stable
// numeric return codes ([ReturnCode]).
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
// Secrets never reach a log, an error text, a JSON report or a fmt verb:
// [Secret] redacts itself everywhere and is revealed only by an explicit call
// to [Secret.Reveal].
package oobkit
