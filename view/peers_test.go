package view_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
	"github.com/oobkit/oobkit/snmp"
	"github.com/oobkit/oobkit/snmp/snmptest"
	"github.com/oobkit/oobkit/view"
)

// TestSNMPServesComputerSystem: Table A-6's "xWMI or AMT or DASH or SNMP or
// IPMI Computer System" on a computer reached only by SNMP (Debian's
// snmpd) is served by SNMP after WMI, AMT and DASH were tried; "WMI and
// SNMP Network Adapter" gets SNMP's part.
func TestSNMPServesComputerSystem(t *testing.T) {
	agent, err := snmptest.NewServer(snmptest.Config{Name: "snmphost"})
	peer.Check(t, err)
	t.Cleanup(func() { _ = agent.Close() })
	c, err := snmp.New(agent.Target(), agent.Credential())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	v := &view.View{Rows: rowsNamed(t, "Physical System/Computer System", "Networking/Network Adapter")}
	nodes, err := v.Assemble(ctx(t), view.Clients{oobkit.SNMP: c})
	require.NoError(t, err)
	cs := node(t, nodes, "Physical System/Computer System")
	served(t, cs, oobkit.SNMP)
	assert.Equal(t, []oobkit.Protocol{oobkit.WMI, oobkit.AMT, oobkit.DASH, oobkit.SNMP}, cs.Tried)
	served(t, node(t, nodes, "Networking/Network Adapter"), oobkit.SNMP)
}

// TestIPMISystemEventLog: Table A-5's "xIPMISystem Event Log" read from
// Debian's ipmi_sim, whose SEL holds a record.
func TestIPMISystemEventLog(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{Power: oobkit.PowerS0})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	c, err := ipmi.New(sim.Target(), sim.Credential())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	v := &view.View{Rows: rowsNamed(t, "System Event Log", "Physical System/Sensors", "Physical System/BIOS")}
	nodes, err := v.Assemble(ctx(t), view.Clients{oobkit.IPMI: c})
	require.NoError(t, err)
	sel := node(t, nodes, "System Event Log")
	served(t, sel, oobkit.IPMI)
	assert.NotEmpty(t, sel.Content.Records[0].Get("Description"))
	// "xDASH or IPMISensors": IPMI after DASH.
	sensors := node(t, nodes, "Physical System/Sensors")
	served(t, sensors, oobkit.IPMI)
	assert.Equal(t, []oobkit.Protocol{oobkit.DASH, oobkit.IPMI}, sensors.Tried)
	served(t, node(t, nodes, "Physical System/BIOS"), oobkit.IPMI)
}
