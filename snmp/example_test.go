package snmp_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/snmp"
)

// dellPET is the varbind of a real Dell Platform Event Trap (testdata/pet-dell.hex).
var dellPET = []byte{
	0x44, 0x45, 0x4c, 0x4c, 0x50, 0x00, 0x10, 0x59, 0x80, 0x43, 0xb2, 0xc0, 0x4f, 0x33, 0x33, 0x58,
	0x00, 0x02, 0x19, 0xe8, 0x7e, 0x26, 0xff, 0xff, 0x20, 0x20, 0x04, 0x20, 0x73, 0x18, 0x00, 0x80,
	0x01, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x02, 0xa2, 0x01, 0x00, 0xc1,
}

func ExampleDecodePET() {
	p, err := snmp.DecodePET(356224, dellPET)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Description())
	fmt.Println(p.Timestamp.Format(time.RFC3339), p.Severity(), p.Manufacturer)
	// Output:
	// Physical Security Sensor #115: General Chassis Intrusion (Deassertion)
	// 2011-10-10T20:50:46Z info 674
}

func ExampleListen() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l, err := snmp.Listen(ctx, "127.0.0.1:0", snmp.WithCommunities(oobkit.NewSecret("public")))
	if err != nil {
		panic(err)
	}
	defer l.Close()

	// A BMC sends a PET (here: gosnmp playing the BMC).
	g := &gosnmp.GoSNMP{Target: "127.0.0.1", Port: uint16(l.Addr().Port), Community: "public",
		Version: gosnmp.Version1, Timeout: time.Second, Logger: gosnmp.NewLogger(nil)}
	if err := g.Connect(); err != nil {
		panic(err)
	}
	defer g.Conn.Close()
	_, err = g.SendTrap(gosnmp.SnmpTrap{
		Enterprise: snmp.PETEnterprise, AgentAddress: "192.0.2.10", GenericTrap: 6, SpecificTrap: 356224,
		Variables: []gosnmp.SnmpPDU{{Name: snmp.PETVarbindOID, Type: gosnmp.OctetString, Value: dellPET}},
	})
	if err != nil {
		panic(err)
	}

	ev := <-l.Events()
	fmt.Println(ev.Target, ev.Severity, ev.SensorType, ev.Assertion)
	fmt.Println(ev.Description)
	// Output:
	// 192.0.2.10 critical Physical Security false
	// Physical Security Sensor #115: General Chassis Intrusion (Deassertion)
}

func ExampleNew() {
	target := oobkit.Target{Address: "192.0.2.20"}
	cred := oobkit.Credential{Auth: oobkit.AuthUSM, Username: "ciuser", USM: &oobkit.USM{
		AuthProtocol: "SHA256", AuthPassphrase: oobkit.NewSecret("authpass123"),
		PrivProtocol: "AES", PrivPassphrase: oobkit.NewSecret("privpass123"),
	}}
	c, err := snmp.New(target, cred, snmp.WithTimeout(2*time.Second))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Println(c.Protocol(), c.Version())
	// Inventory(ctx) would now read the agent; see TestInventoryMatchesSnmpget.
	// Output:
	// snmp 3
}

// A v3 inform, acknowledged: the sender (gosnmp here; net-snmp's snmpinform
// alike) discovers the listener's engine ID, localizes its keys to it and
// gets a Response encrypted the same way.
func ExampleWithEngineID() {
	user := oobkit.Credential{Auth: oobkit.AuthUSM, Username: "alerts", USM: &oobkit.USM{
		AuthProtocol: "SHA-256", AuthPassphrase: oobkit.NewSecret("auth-passphrase"),
		PrivProtocol: "AES", PrivPassphrase: oobkit.NewSecret("priv-passphrase"),
	}}
	engineID := []byte{0x80, 0x00, 0x00, 0x00, 0x05, 'o', 'o', 'b', 'k', 'i', 't'}
	l, err := snmp.Listen(context.Background(), "127.0.0.1:0", snmp.WithUSMUsers(user), snmp.WithEngineID(engineID))
	if err != nil {
		panic(err)
	}
	defer l.Close()

	g := &gosnmp.GoSNMP{Target: "127.0.0.1", Port: uint16(l.Addr().Port), Version: gosnmp.Version3,
		SecurityModel: gosnmp.UserSecurityModel, MsgFlags: gosnmp.AuthPriv, Timeout: 5 * time.Second,
		SecurityParameters: &gosnmp.UsmSecurityParameters{UserName: "alerts",
			AuthenticationProtocol: gosnmp.SHA256, AuthenticationPassphrase: "auth-passphrase",
			PrivacyProtocol: gosnmp.AES, PrivacyPassphrase: "priv-passphrase"},
		Logger: gosnmp.NewLogger(nil)}
	if err := g.Connect(); err != nil {
		panic(err)
	}
	defer g.Conn.Close()
	resp, err := g.SendTrap(gosnmp.SnmpTrap{IsInform: true, Variables: []gosnmp.SnmpPDU{
		{Name: ".1.3.6.1.6.3.1.1.4.1.0", Type: gosnmp.ObjectIdentifier, Value: ".1.3.6.1.6.3.1.1.5.3"},
	}})
	if err != nil {
		panic(err)
	}
	ev := <-l.Events()
	fmt.Printf("engine %x\n", l.EngineID())
	fmt.Println(resp.PDUType, ev.Data["pdu"], ev.Data["user"], ev.Description)
	// Output:
	// engine 80000000056f6f626b6974
	// GetResponse inform alerts SNMP trap linkDown from 127.0.0.1
}
