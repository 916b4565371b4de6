// Command alerts receives SNMP traps with package snmp and decides with a
// tasks.AlertRule whether one calls for action. It sends itself a v2c
// linkDown trap on loopback; point real devices (AMT, DASH, IPMI PET
// destinations) at the listener's address instead.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/snmp"
	"github.com/oobkit/oobkit/tasks"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	l, err := snmp.Listen(ctx, "127.0.0.1:0", snmp.WithCommunities(oobkit.NewSecret("public")))
	if err != nil {
		return err
	}
	defer l.Close()

	if err := sendLinkDown(l.Addr().Port); err != nil {
		return err
	}

	// Any SNMP event triggers this rule; a real rule would name a severity
	// or sensor type and carry the job to run (see tasks.AlertHandler).
	rule := tasks.AlertRule{Name: "any snmp", Source: oobkit.SNMP}
	select {
	case ev := <-l.Events():
		fmt.Fprintf(w, "event from %s over %s: %s\n", ev.Target, ev.Source, ev.Description)
		fmt.Fprintf(w, "rule %q matches: %v\n", rule.Name, rule.Matches(ev))
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// sendLinkDown sends a v2c linkDown trap (SNMPv2-MIB snmpTrapOID
// 1.3.6.1.6.3.1.1.5.3) to 127.0.0.1:port.
func sendLinkDown(port int) error {
	g := &gosnmp.GoSNMP{Target: "127.0.0.1", Port: uint16(port), Community: "public",
		Version: gosnmp.Version2c, Timeout: time.Second}
	if err := g.Connect(); err != nil {
		return err
	}
	defer g.Conn.Close()
	_, err := g.SendTrap(gosnmp.SnmpTrap{Variables: []gosnmp.SnmpPDU{
		{Name: ".1.3.6.1.2.1.1.3.0", Type: gosnmp.TimeTicks, Value: uint32(100)},
		{Name: ".1.3.6.1.6.3.1.1.4.1.0", Type: gosnmp.ObjectIdentifier, Value: ".1.3.6.1.6.3.1.1.5.3"},
	}})
	return err
}
