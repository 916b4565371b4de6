package snmp

import (
	"context"
	"net"
	"testing"

	"github.com/gosnmp/gosnmp"

	"github.com/oobkit/oobkit"
)

// FuzzListenerDatagram feeds arbitrary datagrams through the listener's
// whole receive path (version peek, gosnmp decoding incl. USM, filtering,
// PET detection and event building, and for v3 the authoritative engine:
// discovery, engine ID and time window checks, Reports and secured inform
// Responses): it must never panic and must count every datagram exactly
// once.
func FuzzListenerDatagram(f *testing.F) {
	seed := func(version gosnmp.SnmpVersion, trap gosnmp.SnmpTrap) {
		g := &gosnmp.GoSNMP{Version: version, Community: "public", Logger: gosnmp.NewLogger(nil)}
		pdu := gosnmp.SNMPv2Trap
		vars := trap.Variables
		if version == gosnmp.Version1 {
			pdu = gosnmp.Trap
		}
		pkt := g.MkSnmpPacket(pdu, vars, 0, 0)
		pkt.Enterprise, pkt.AgentAddress, pkt.GenericTrap, pkt.SpecificTrap = trap.Enterprise, trap.AgentAddress, trap.GenericTrap, trap.SpecificTrap
		if b, err := pkt.MarshalMsg(); err == nil {
			f.Add(b)
		}
	}
	pet := buildPET(1, 2, 0xFFFF, 0x10, 1, 7, []byte{0x59}, nil)
	seed(gosnmp.Version1, petTrap(65801, pet))
	seed(gosnmp.Version2c, gosnmp.SnmpTrap{Variables: []gosnmp.SnmpPDU{
		{Name: oidSnmpTrapOID, Type: gosnmp.ObjectIdentifier, Value: petTrapOIDPrefix + "65801"},
		{Name: PETVarbindOID, Type: gosnmp.OctetString, Value: pet},
	}})
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x03})
	f.Add([]byte("junk"))

	authUser := oobkit.Credential{Username: "u", USM: &oobkit.USM{AuthProtocol: "SHA", AuthPassphrase: oobkit.NewSecret("authpass123")}}
	privUser := trapUser("authpass123", "privpass123")
	id := string(testEngineID)
	f.Add(discoveryProbe(f))
	f.Add(v3Message(f, authUser, id, 7, 0, gosnmp.InformRequest))
	f.Add(v3Message(f, privUser, id, 7, 0, gosnmp.InformRequest))
	f.Add(v3Message(f, privUser, id, 8, 0, gosnmp.InformRequest))
	f.Add(v3Message(f, authUser, "\x80\x00\x1f\x88\x04other", 7, 0, gosnmp.InformRequest))
	f.Add(v3Message(f, privUser, "\x80\x00\x1f\x88\x04other", 1, 5, gosnmp.SNMPv2Trap))

	l, err := Listen(context.Background(), "127.0.0.1:0",
		WithCommunities(oobkit.NewSecret("public")), WithQueueSize(1),
		WithUSMUsers(authUser, privUser), WithEngineID(testEngineID), WithEngineBoots(7))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = l.Close() })
	// Answers (Reports, Responses) go to a socket of the test's own.
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = sink.Close() })
	from := sink.LocalAddr().(*net.UDPAddr)
	f.Fuzz(func(t *testing.T, msg []byte) {
		before := l.Stats()
		l.stats.received.Add(1)
		l.handle(msg, from)
		select {
		case <-l.queue: // keep room so accepted events are not all dropped
		default:
		}
		s := l.Stats()
		counted := (s.Accepted + s.Rejected + s.Malformed + s.Ignored) - (before.Accepted + before.Rejected + before.Malformed + before.Ignored)
		if counted != 1 {
			t.Fatalf("datagram counted %d times: %+v", counted, s)
		}
	})
}
