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
// PET detection and event building): it must never panic and must count
// every datagram exactly once.
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

	l, err := Listen(context.Background(), "127.0.0.1:0",
		WithCommunities(oobkit.NewSecret("public")), WithQueueSize(1),
		WithUSMUsers(oobkit.Credential{Username: "u", USM: &oobkit.USM{AuthProtocol: "SHA", AuthPassphrase: oobkit.NewSecret("authpass123")}}))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = l.Close() })
	from := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
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
