package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// associatedPowerPull is the PullResponse of CIM_AssociatedPowerManagementService
// recorded from an AMT 12 device (the same file as amt/testdata).
//
//go:embed associatedpower_pull.xml
var associatedPowerPull []byte

const uriAssociatedPower = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_AssociatedPowerManagementService"

// recorded returns a fresh copy of the recorded instance (a response
// document adopts the element it is given).
func recorded() (*etree.Element, error) {
	env, err := wsman.ParseEnvelope(bytes.NewReader(associatedPowerPull))
	if err != nil {
		return nil, err
	}
	items := env.Content().SelectElement("Items")
	if items == nil || len(items.ChildElements()) != 1 {
		return nil, fmt.Errorf("recorded response has no instance")
	}
	return items.ChildElements()[0].Copy(), nil
}

// runDevice serves the simulated device and prints its address.
func runDevice() {
	if _, err := recorded(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s := wsmantest.New(user, password)
	s.Handle(wsman.ActionGet, uriAssociatedPower, func(*wsmantest.Request) (*etree.Element, error) { return recorded() })
	s.HandleEnumerate(uriAssociatedPower, func(*wsmantest.Request) ([]*etree.Element, error) {
		in, err := recorded()
		return []*etree.Element{in}, err
	})
	if err := s.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(s.Addr())
	select {}
}
