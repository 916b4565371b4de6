package snmp

import (
	"crypto/rand"
	"net"

	"github.com/gosnmp/gosnmp"
)

// USM statistics OIDs carried by Report PDUs (RFC 3414 §5, usmStats).
const (
	oidUsmStatsNotInTimeWindows = ".1.3.6.1.6.3.15.1.1.2.0"
	oidUsmStatsUnknownEngineIDs = ".1.3.6.1.6.3.15.1.1.4.0"
)

// maxUserNameLen is the longest USM user name (RFC 3414 usmUserName,
// SnmpAdminString (SIZE(1..32))).
const maxUserNameLen = 32

// decodeV3 decodes, authenticates and decrypts an SNMPv3 message with the
// configured USM users. It answers what the listener must answer as the
// authoritative engine of informs (RFC 3414 §3.2, §4): engine discovery,
// informs sent to another engine ID, informs outside the time window. It
// returns nil when the datagram is finished with (and counted).
func (l *Listener) decodeV3(msg []byte, from *net.UDPAddr) *gosnmp.SnmpPacket {
	if !l.haveUSM {
		l.stats.rejected.Add(1)
		return nil
	}
	pkt, err := unmarshalTrap(l.paramsV3, msg)
	if err != nil {
		if l.answerDiscovery(msg, from) {
			l.stats.ignored.Add(1)
			return nil
		}
		l.stats.rejected.Add(1) // unknown user, bad digest, undecryptable
		l.log.Debug("snmp v3 message rejected", "from", from.String(), "err", err)
		return nil
	}
	if pkt.PDUType != gosnmp.InformRequest {
		return pkt // traps: the sender is the authoritative engine
	}
	usm, ok := pkt.SecurityParameters.(*gosnmp.UsmSecurityParameters)
	if !ok || pkt.SecurityModel != gosnmp.UserSecurityModel {
		l.stats.rejected.Add(1)
		return nil
	}
	if usm.AuthoritativeEngineID != l.engine.id {
		// RFC 3414 §3.2 step 3b: an inform must name this engine.
		n := l.engine.unknownEngineIDs.Add(1)
		l.stats.rejected.Add(1)
		l.log.Debug("snmp v3 inform for another engine ID", "from", from.String(), "user", usm.UserName)
		if pkt.MsgFlags&gosnmp.Reportable != 0 {
			l.sendReport(pkt, oidUsmStatsUnknownEngineIDs, n, gosnmp.NoAuthNoPriv, from)
		}
		return nil
	}
	if pkt.MsgFlags&gosnmp.AuthNoPriv != 0 && !l.engine.inTimeWindow(usm.AuthoritativeEngineBoots, usm.AuthoritativeEngineTime) {
		// RFC 3414 §3.2 step 7a: the report is authenticated so the sender
		// may trust the boots and time it carries.
		n := l.engine.notInTimeWindows.Add(1)
		l.stats.rejected.Add(1)
		l.log.Debug("snmp v3 inform not in time window", "from", from.String(), "user", usm.UserName)
		if pkt.MsgFlags&gosnmp.Reportable != 0 {
			l.sendReport(pkt, oidUsmStatsNotInTimeWindows, n, gosnmp.AuthNoPriv, from)
		}
		return nil
	}
	return pkt
}

// answerDiscovery answers an RFC 3414 §4 engine discovery request (reportable
// noAuthNoPriv Get with no variables, empty user name and engine ID) with a
// usmStatsUnknownEngineIDs Report naming this engine, its boots and time.
// It reports whether msg was such a request.
func (l *Listener) answerDiscovery(msg []byte, from *net.UDPAddr) bool {
	// The users' table refuses the empty user name; decode without it. The
	// copy keeps msg intact whatever gosnmp does to its input.
	pkt, err := unmarshalTrap(l.discovery, append([]byte(nil), msg...))
	if err != nil || !isDiscoveryRequest(pkt) {
		return false
	}
	l.sendReport(pkt, oidUsmStatsUnknownEngineIDs, l.engine.unknownEngineIDs.Add(1), gosnmp.NoAuthNoPriv, from)
	return true
}

// isDiscoveryRequest tells an engine discovery request (RFC 3414 §4).
func isDiscoveryRequest(pkt *gosnmp.SnmpPacket) bool {
	usm, ok := pkt.SecurityParameters.(*gosnmp.UsmSecurityParameters)
	return ok && pkt.Version == gosnmp.Version3 && pkt.SecurityModel == gosnmp.UserSecurityModel &&
		pkt.MsgFlags&gosnmp.Reportable != 0 && pkt.MsgFlags&gosnmp.AuthPriv == gosnmp.NoAuthNoPriv &&
		usm.UserName == "" && usm.AuthoritativeEngineID == "" &&
		pkt.PDUType == gosnmp.GetRequest && len(pkt.Variables) == 0
}

// sendReport sends a Report PDU (RFC 3412 §7.1 step 3) answering req: same
// msgID and request-id, this engine's ID, boots and time, one usmStats
// counter, at level noAuthNoPriv or authNoPriv (with req's user's keys,
// which gosnmp localized to this engine while verifying req).
func (l *Listener) sendReport(req *gosnmp.SnmpPacket, oid string, counter uint32, level gosnmp.SnmpV3MsgFlags, to *net.UDPAddr) {
	reqUSM, ok := req.SecurityParameters.(*gosnmp.UsmSecurityParameters)
	if !ok || len(reqUSM.UserName) > maxUserNameLen {
		return // not a USM user name (gosnmp also marshals its length in one octet)
	}
	sp := &gosnmp.UsmSecurityParameters{UserName: reqUSM.UserName, AuthenticationProtocol: gosnmp.NoAuth, PrivacyProtocol: gosnmp.NoPriv}
	if level == gosnmp.AuthNoPriv {
		sp = reqUSM.Copy().(*gosnmp.UsmSecurityParameters)
		sp.PrivacyProtocol, sp.PrivacyParameters = gosnmp.NoPriv, nil
	}
	sp.AuthoritativeEngineID = l.engine.id
	sp.AuthoritativeEngineBoots = l.engine.boots
	sp.AuthoritativeEngineTime = l.engine.engineTime()
	report := &gosnmp.SnmpPacket{
		Version:            gosnmp.Version3,
		MsgFlags:           level,
		MsgID:              req.MsgID,
		SecurityModel:      gosnmp.UserSecurityModel,
		SecurityParameters: sp,
		ContextEngineID:    l.engine.id,
		PDUType:            gosnmp.Report,
		RequestID:          req.RequestID,
		Variables:          []gosnmp.SnmpPDU{{Name: oid, Type: gosnmp.Counter32, Value: uint(counter)}},
	}
	if l.send(report, to, "snmp v3 report") {
		l.stats.reports.Add(1)
	}
}

// secureV3Response prepares the Response to a verified v3 inform: the
// inform's user and security level, this engine's boots and time, and for
// privacy a fresh salt (RFC 3826 §3.1.1.1: the IV must not repeat under
// one key).
func (l *Listener) secureV3Response(pkt *gosnmp.SnmpPacket) bool {
	usm, ok := pkt.SecurityParameters.(*gosnmp.UsmSecurityParameters)
	if !ok {
		return false
	}
	usm.AuthoritativeEngineBoots = l.engine.boots
	usm.AuthoritativeEngineTime = l.engine.engineTime()
	if pkt.MsgFlags&gosnmp.AuthPriv == gosnmp.AuthPriv {
		salt := make([]byte, 8)
		if _, err := rand.Read(salt); err != nil {
			return false
		}
		usm.PrivacyParameters = salt
	}
	pkt.MsgFlags &^= gosnmp.Reportable // a Response is never reportable
	return true
}
