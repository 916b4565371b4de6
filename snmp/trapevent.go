package snmp

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/gosnmp/gosnmp"

	"github.com/oobkit/oobkit"
)

// Well-known OIDs of trap PDUs (RFC 3416, RFC 3584).
const (
	oidSysUpTime          = ".1.3.6.1.2.1.1.3.0"
	oidSnmpTrapOID        = ".1.3.6.1.6.3.1.1.4.1.0"
	oidSnmpTrapAddress    = ".1.3.6.1.6.3.18.1.3.0"
	oidSnmpTrapEnterprise = ".1.3.6.1.6.3.1.1.4.3.0"
	oidSnmpTraps          = ".1.3.6.1.6.3.1.1.5."
)

// Limits on what one trap may put into an Event's Data.
const (
	maxDataVarbinds = 64
	maxDataValueLen = 1024
)

// genericTraps names the six standard traps (RFC 3418 snmpTraps, the v1
// generic-trap numbers 0..5 are .1..6) and how serious they are.
var genericTraps = []struct {
	name     string
	severity oobkit.Severity
}{
	{"coldStart", oobkit.SeverityInfo},
	{"warmStart", oobkit.SeverityInfo},
	{"linkDown", oobkit.SeverityWarning},
	{"linkUp", oobkit.SeverityInfo},
	{"authenticationFailure", oobkit.SeverityWarning},
	{"egpNeighborLoss", oobkit.SeverityWarning},
}

// trapOID returns the SNMPv2 trap OID of a packet: snmpTrapOID.0 for v2c/v3,
// the RFC 3584 §3.1 translation of generic/specific for v1.
func trapOID(pkt *gosnmp.SnmpPacket) string {
	if pkt.PDUType == gosnmp.Trap {
		if pkt.GenericTrap >= 0 && pkt.GenericTrap < 6 {
			return oidSnmpTraps + strconv.Itoa(pkt.GenericTrap+1)
		}
		return normOID(pkt.Enterprise) + ".0." + strconv.Itoa(pkt.SpecificTrap)
	}
	for _, v := range pkt.Variables {
		if v.Name == oidSnmpTrapOID {
			return pduString(v)
		}
	}
	return ""
}

// senderTarget is who the trap is about: the v1 agent-addr or the v2
// snmpTrapAddress.0 when set, else the UDP sender's IP.
func senderTarget(pkt *gosnmp.SnmpPacket, from *net.UDPAddr) string {
	if pkt.PDUType == gosnmp.Trap && pkt.AgentAddress != "" && pkt.AgentAddress != "0.0.0.0" {
		return pkt.AgentAddress
	}
	for _, v := range pkt.Variables {
		if v.Name == oidSnmpTrapAddress {
			if s := pduString(v); s != "" && s != "0.0.0.0" {
				return s
			}
		}
	}
	if from == nil {
		return ""
	}
	return from.IP.String()
}

// EventFromPacket turns a received trap or inform into an [oobkit.Event].
// A Platform Event Trap (v1 enterprise 1.3.6.1.4.1.3183.1.1, or its v2
// form) is decoded with [DecodePET]; any other trap gives an event whose
// Code is the trap OID, whose severity follows the standard trap
// (linkDown, authenticationFailure: warning; coldStart, warmStart, linkUp:
// info; other traps: unknown) and whose Data holds the variables. from is
// the UDP sender, may be nil.
func EventFromPacket(pkt *gosnmp.SnmpPacket, from *net.UDPAddr) oobkit.Event {
	target := senderTarget(pkt, from)
	oid := trapOID(pkt)
	var ev oobkit.Event
	if data, specific, ok := petPayload(pkt, oid); ok {
		p, err := DecodePET(specific, data)
		if err == nil {
			ev = p.Event(target)
		} else {
			ev = genericEvent(pkt, oid, target)
			ev.Data["petError"] = err.Error()
		}
	} else {
		ev = genericEvent(pkt, oid, target)
	}
	if ev.Data == nil {
		ev.Data = map[string]string{}
	}
	ev.Data["trapOID"] = oid
	ev.Data["version"] = versionOf(pkt.Version).String()
	if pkt.PDUType == gosnmp.InformRequest {
		ev.Data["pdu"] = "inform"
	} else {
		ev.Data["pdu"] = "trap"
	}
	if from != nil {
		ev.Data["sender"] = from.String()
	}
	if usm, ok := pkt.SecurityParameters.(*gosnmp.UsmSecurityParameters); ok && pkt.Version == gosnmp.Version3 {
		ev.Data["user"] = usm.UserName
	}
	return ev
}

// petPayload finds a PET in pkt: the specific-trap number and the varbind
// octet string.
func petPayload(pkt *gosnmp.SnmpPacket, oid string) ([]byte, uint32, bool) {
	var specific uint32
	switch {
	case pkt.PDUType == gosnmp.Trap && normOID(pkt.Enterprise) == PETEnterprise && pkt.GenericTrap == 6:
		specific = uint32(pkt.SpecificTrap)
	case strings.HasPrefix(oid, petTrapOIDPrefix):
		n, err := strconv.ParseUint(oid[len(petTrapOIDPrefix):], 10, 32)
		if err != nil {
			return nil, 0, false
		}
		specific = uint32(n)
	default:
		return nil, 0, false
	}
	for _, v := range pkt.Variables {
		if v.Name == PETVarbindOID && v.Type == gosnmp.OctetString {
			b, _ := v.Value.([]byte)
			return b, specific, true
		}
	}
	return nil, 0, false
}

// genericEvent describes a non-PET trap.
func genericEvent(pkt *gosnmp.SnmpPacket, oid, target string) oobkit.Event {
	name, sev := oid, oobkit.SeverityUnknown
	if rest, ok := strings.CutPrefix(oid, oidSnmpTraps); ok {
		if n, err := strconv.Atoi(rest); err == nil && n >= 1 && n <= len(genericTraps) {
			name, sev = genericTraps[n-1].name, genericTraps[n-1].severity
		}
	}
	data := map[string]string{}
	count := 0
	for _, v := range pkt.Variables {
		if v.Name == oidSysUpTime || v.Name == oidSnmpTrapOID {
			continue
		}
		if count == maxDataVarbinds {
			data["truncated"] = "true"
			break
		}
		s := pduString(v)
		if len(s) > maxDataValueLen {
			s = s[:maxDataValueLen]
		}
		data[v.Name] = s
		count++
	}
	desc := fmt.Sprintf("SNMP trap %s from %s", name, target)
	return oobkit.Event{
		Source:      oobkit.SNMP,
		Target:      target,
		Severity:    sev,
		Code:        oid,
		Description: desc,
		Assertion:   true,
		Data:        data,
	}
}
