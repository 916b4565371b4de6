// Package asf speaks DMTF Alert Standard Format 2.0 (DSP0136, 23 April
// 2003, https://www.dmtf.org/sites/default/files/standards/documents/DSP0136.pdf)
// to a managed client's alert-sending device over RMCP, the protocol the
// RTSM guide names beside AMT, IPMI and DASH for out-of-band power
// management of "computers that have Intel AMT, DASH, or ASF-capable
// network adapters".
//
// What it implements, by section:
//
//   - §3.2.2 RMCP header and the ASF data block (IANA 4542, message type,
//     tag, data length); RMCP ACKs (class bit 7) for messages whose RMCP
//     sequence number is not 255.
//   - §3.2.4.3/§3.2.4.8 Presence Ping (80h) / Pong (40h): supported
//     entities (IPMI, ASF 1.0) and interactions (security extensions).
//     IPMI BMCs answer it too, which makes it the cheapest RMCP probe.
//   - §3.2.4.4/§3.2.4.9 Capabilities Request (81h) / Response (41h).
//   - §3.2.4.5/§3.2.4.10 System State Request (82h) / Response (42h),
//     whose values are the rows of the RTSM guide's Table C-3
//     ([SystemState.Row]) and map to oobkit power states.
//   - §3.2.4.1/§3.2.4.2 Reset (10h), Power-up (11h), Unconditional
//     Power-down (12h), Power Cycle Reset (13h), without boot options, as
//     [oobkit.PowerController].
//   - §3.2.3 the RMCP Security-Extensions Protocol: RSP header and trailer
//     (Session ID, Sequence Number, Pad, Pad Length, Next Header,
//     HMAC-SHA1-96 integrity data), the 32-message sliding receive window,
//     RSSP Open Session Request (83h) / Response (43h) proposing
//     RAKP-HMAC-SHA1 and HMAC-SHA1-96, RAKP Messages 1-3 (C0h-C2h) with the
//     role keys KO/KA and the generation key KG (§3.2.3.5), and Close
//     Session (84h/44h).
//
// Credentials (the field notes' "ASF digest or Domain account"): a digest
// (or password) credential carries the RAKP key of the role in Password
// and the optional RAKP user name in Username; see [New]. A domain account
// has no RMCP logon and is refused as unsupported.
//
// Ports: the compatibility port is the target's ASF port (623, or
// Target.Ports[oobkit.ASF]); the secure port is 664 unless
// [WithSecurePort] says otherwise. Package asftest is a simulated device.
package asf
