// Package filter models Intel AMT System Defense network-filter policies
// without speaking any protocol: the policy model, the default remediation
// ("quarantine") policy, a hand-editable XML file format, validation, packet
// evaluation, verification that a policy does not cut the computer off from
// its management server, and the mapping to and from AMT's classes.
//
// # Model
//
// A [Policy] holds [Rule]s in precedence order and a [DefaultAction] per
// [Direction]. A rule matches either IP headers ([IPMatch]: version,
// source/destination address with mask or range, protocol, port ranges, TCP
// flags) or the Ethernet header ([EtherMatch]: EtherType, e.g. ARP 0x0806),
// and passes, drops or rate-limits what it matches, optionally counting and
// raising an event. Anti-spoofing drops transmitted packets with a forged
// source address before any rule. [DefaultRemediation] builds the RTSM
// guide's quarantine policy: the ports of Table C-2 ([TableC2]) kept open in
// both directions with the listed transports, to any peer unless narrowed;
// the list is a [PortList] the caller edits ([PortList.Add],
// [PortList.Remove], [RemediationOptions] Add and Remove, the task server's
// 50120-50124 as an option). [AllowAll] and [LimitPing] are the two other
// stock policies.
//
// # Deciding packets
//
// [Policy.Evaluate] says which rule decides a [Packet] and how: the first
// matching rule, else the direction's default. [Verify] runs the
// representative packets of required [Flow]s ([RequiredFlows]: ARP, DHCP,
// DNS, the management server's HTTP and tickle ports) through a policy and
// names the rule that blocks one. Fields a flow cannot know (the computer's
// own address, ephemeral ports, the DNS server) are left zero and must pass
// whatever their value. [CheckApply] is the gate a client calls before
// applying a policy: it refuses, with an error wrapping
// oobkit.ErrInvalidArgument that names the blocking rule, unless forced.
// [Validate] reports malformed rules, rules that never match, rules shadowed
// by earlier ones and policies that isolate the computer as [Finding]s.
//
// # File format
//
// [Marshal] and [Read] use a small XML format, one element per rule, in the
// spirit of RTSM's CBFilters.xml:
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<filterPolicy schemaVersion="1" name="quarantine" antiSpoofing="on">
//	  <default direction="receive" action="drop" count="true"/>
//	  <default direction="transmit" action="drop" count="true"/>
//	  <ethernet name="arp-rx" direction="receive" action="pass" etherType="0x0806"/>
//	  <ip name="http-tx" direction="transmit" action="pass" version="4" protocol="tcp" dst="10.0.0.5" dstPorts="80"/>
//	  <ip name="ping-rx" direction="receive" action="rate-limit" rate="10" event="true" version="4" protocol="icmp"/>
//	</filterPolicy>
//
// Addresses are written "10.0.0.5", "10.0.0.0/8", "10.0.0.0/255.0.255.0" or
// "10.0.0.1-10.0.0.20"; ports "80" or "50120-50124"; TCP flags "syn,ack".
// Unknown elements and attributes are errors, and every error names its line
// ([ParseError]). Output is canonical, so writing what was read gives the
// same bytes (comments are not kept). [Export] writes the active settings
// of a computer, as package amt reads them back, in the same format.
//
// # AMT
//
// [ToAMT] returns the AMT_IPHeadersFilter / AMT_Hdr8021Filter instances to
// create, in order, and the AMT_SystemDefensePolicy properties, using the
// property names and enum values of the project reference
// (amt_wsman.md §2(d)); [FromAMT] turns what a device reports back into a
// Policy. Package amt applies them over WS-Man; this package does no I/O.
//
// All functions are safe for concurrent use on policies nobody modifies.
package filter
