// Package amttest simulates Intel AMT devices for tests, examples and
// benchmarks, like net/http/httptest does for HTTP servers.
//
// A [Device] keeps state that changes as a console drives it: the power
// state is any row of the RTSM guide's Table C-3, reported as AMT does
// (DMTF PowerState, and the row in a "System ACPI Power State" event
// record), and follows the power changes the firmware offers and the
// single-use boot settings (a power on after SetNextBoot(BIOS setup) lands
// in BIOS setup; with SOL redirection, [Device.SOLConsole] shows the BIOS
// setup screen to a redirecttest SOL session), redirection,
// user-consent and ME settings persist, power events append ASF records to
// the event log. The firmware version decides what is offered (no graceful
// power before AMT 9, digest qop "auth-int, auth" from AMT 16), and a
// device can be unprovisioned. Digest authentication, TLS with a pinnable
// certificate, fault injection ([Faults]), an open redirection
// session that blocks power control, and request counters come with it.
//
// Alert subscriptions are held in fixed slot tables (Config.MaxSubscriptions,
// MaxPETSubscribers; full tables refuse with wsman QuotaLimit). A power
// change, or [Device.Alert], sends a CIM_AlertIndication to every
// WS-Eventing subscriber (checking the acknowledgement of PushWithAck) and,
// below firmware 18, an SNMPv1 Platform Event Trap to every PET destination
// (Config.PETPort). Alerts go to loopback destinations only.
//
// [NewServer] starts one device on its own loopback listener (over TLS
// with Config.TLS). [NewFleet] starts thousands on one listener, built lazily on
// their first request; clients reach them with amt.WithTransport(fleet.Transport()).
package amttest
