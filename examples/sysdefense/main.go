// Command sysdefense builds the System Defense quarantine policy of the RTSM
// guide with package filter, proves that a quarantined computer can still
// reach its management server, writes the policy in the XML file format, and
// shows the verdict on a policy that would cut the computer off.
package main

import (
	"fmt"
	"io"
	"log"
	"net/netip"
	"os"

	"github.com/oobkit/oobkit/filter"
)

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(w io.Writer) error {
	mgmt := netip.MustParseAddr("10.0.0.5") // the management server
	quarantine, err := filter.DefaultRemediation(mgmt, filter.RemediationOptions{})
	if err != nil {
		return err
	}
	flows := filter.RequiredFlows(mgmt, filter.FlowPorts{})

	// Verify before applying: CheckApply is the gate a client calls.
	if err := filter.CheckApply(quarantine, flows, false); err != nil {
		return err
	}
	fmt.Fprintf(w, "%q keeps %d required flows open\n", quarantine.Name, len(flows))
	if err := filter.Write(w, quarantine); err != nil {
		return err
	}

	// A policy that drops everything fails the check and names what blocks.
	dropAll, err := filter.Unmarshal([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<filterPolicy schemaVersion="1" name="drop-all">
  <default direction="receive" action="drop"/>
  <default direction="transmit" action="drop"/>
</filterPolicy>`))
	if err != nil {
		return err
	}
	for _, r := range filter.Verify(dropAll, flows).Failures() {
		fmt.Fprintln(w, r)
	}
	return nil
}
