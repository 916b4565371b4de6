// Package snmp is oobkit's SNMP: a v1/v2c/v3 client that reads a computer's
// inventory, and the receiving end of alerts — a trap listener that decodes
// Platform Event Traps (PET) into [oobkit.Event].
//
// # Client
//
// [New] takes an [oobkit.Target] and an [oobkit.Credential]: a community
// (Credential.Community) selects v2c (or v1 with [WithVersion]); a USM user
// (Credential.Username with Credential.USM: MD5/SHA/SHA-224/256/384/512
// authentication, DES/AES/AES-192/AES-256 privacy) selects v3. Secrets stay
// [oobkit.Secret] until they go on the wire. The [Client] implements
// [oobkit.Client] and [oobkit.InventoryReader]:
//
//   - [Client.Inventory]: the system group (sysDescr, sysObjectID, sysUpTime,
//     sysContact, sysName, sysLocation) as Properties and a System item;
//     HOST-RESOURCES-MIB devices (Properties "hrDevice.N"), processors,
//     disks (hrDiskStorage) and storage (volumes into Disks, RAM into Memory);
//     IF-MIB interfaces with MAC, speed, link state and IPv4 addresses.
//     Every item has Source [oobkit.SNMP].
//   - [Client.Detect]: a cheap "is SNMP there" for discovery (one Get of the
//     system group); no answer wraps [oobkit.ErrNotDetected].
//   - [Client.Get] and [Client.Walk] for anything else.
//
// Errors are *[oobkit.Error] with classes ErrUnreachable, ErrAuth (v3 user or
// keys refused), ErrNotDetected, ErrProtocol; a cancelled or expired context
// interrupts a pending request at once. Only a Response PDU of the request's
// SNMP version with the request's request-id answers a request: anything
// else that comes back (the request echoed, a trap, a Report, a Get answer
// naming other variables) is ErrProtocol. An answer with another request-id
// is skipped, as a late or duplicate answer may be; if nothing else comes
// before the timeout, that too is ErrProtocol rather than a timeout.
//
// # Trap listener
//
// [Listen] binds a UDP address and receives v1, v2c and v3 traps and v2c
// and v3 informs (acknowledged). [WithCommunities] and [WithUSMUsers] say
// whose traps are accepted (gosnmp does not filter by community); everything
// else is counted as rejected.
//
// For v3 informs the listener is the authoritative SNMP engine (RFC 3414):
// its engine ID ([WithEngineID], random per Listen by default; see
// [Listener.EngineID]), snmpEngineBoots ([WithEngineBoots]) and
// snmpEngineTime (seconds since Listen). A sender discovers the engine ID
// with an unauthenticated probe, answered with a usmStatsUnknownEngineIDs
// Report; an inform naming another engine ID gets the same Report, one
// outside the 150-second time window an authenticated
// usmStatsNotInTimeWindows Report, and both are rejected. A verified inform
// (keys localized to the listener's engine ID) is answered with a Response
// at the inform's security level. Wrong digests, unknown users and
// undecryptable informs get no answer (the sender times out). v3 traps keep
// naming the sender's engine and need no time window.
//
// Accepted traps become [oobkit.Event] values:
//
//	l, err := snmp.Listen(ctx, ":162",
//		snmp.WithCommunities(oobkit.NewSecret("public")),
//		snmp.WithHandler(func(ev oobkit.Event) {
//			if ev.Severity.AtLeast(oobkit.SeverityCritical) {
//				runTaskOn(ev.Target) // ev.Target is the sender (v1: agent-addr)
//			}
//		}))
//
// Without [WithHandler], read [Listener.Events] (closed after Close). The
// UDP reader never waits for the consumer: events beyond the queue
// ([WithQueueSize], default 1024) are dropped and counted in
// [Listener.Stats]. Event fields set for every trap: Source (snmp), Target,
// Severity, Code (PET specific trap, or the trap OID), Description, and Data
// with "trapOID", "version", "pdu" (trap/inform), "sender" (UDP address) and
// for v3 "user"; other traps carry their variables in Data by OID.
//
// # Platform Event Traps
//
// A PET (IPMI PET v1.0 / ASF 2.0 DSP0136 §3.1: SNMPv1 enterprise
// 1.3.6.1.4.1.3183.1.1, one OCTET STRING varbind) is decoded by
// [DecodePET] into a [PET]: sensor type, event type, direction and offset
// from the specific trap; GUID, sequence, timestamp (seconds since
// 1998-01-01, with the UTC offset), trap/event source, severity, sensor
// device and number, entity, event data, language, manufacturer, system ID
// and OEM fields from the varbind. [PET.Description] is a human sentence in
// the IPMI specification's words, the same the ipmi package gives a SEL
// record of the same event (both use one set of IPMI tables), and
// [PET.Severity] maps the sender's PET severity (monitor/information/OK →
// info, non-critical → warning, critical, non-recoverable) onto
// [oobkit.Severity]. The event from [PET.Event] is rated like the SEL record
// (by sensor type, event type, offset and direction), with the sender's
// severity as the fallback for events the IPMI tables do not know and in
// Data "petSeverity". The decoding agrees with FreeIPMI's ipmi-pet on
// sensor, event and severity (see the tests). Senders repeat a
// PET (same GUID and sequence, Data "guid"/"sequence"); the listener does not
// deduplicate.
//
// AMT and DASH alert destinations are configured by their own packages;
// this package is where those alerts arrive.
package snmp
