package view

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// printed is one row of a table as the guide's text extraction prints it:
// the cells run together in the order 1-to-many | Out-of-band | Technical
// Requirements | Available Data | Node (the reverse of the page), and the
// Node cell, which spans rows on the page, is printed on one row of its
// span only.
type printed struct {
	line       string
	printsNode bool // the line carries the Node column
	printsTech bool // the line carries the Technical Requirements column
}

// flat drops the line breaks and spaces the extraction puts inside cells.
func flat(s string) string { return strings.Join(strings.Fields(s), "") }

// assertTable asserts rows against the printed lines cell by cell: the
// x-marks, the technologies and how they are joined, the data and the node.
func assertTable(t *testing.T, rows []Row, lines []printed) {
	t.Helper()
	require.Len(t, rows, len(lines))
	for i, p := range lines {
		r := rows[i]
		var b strings.Builder
		if r.OneToMany {
			b.WriteString("x")
		}
		if r.OutOfBand {
			b.WriteString("x")
		}
		if p.printsTech {
			b.WriteString(r.Requirement())
		}
		b.WriteString(r.Data)
		if p.printsNode {
			b.WriteString(r.Group)
		}
		assert.Equal(t, flat(p.line), flat(b.String()), "row %d (%s)", i+1, r.Name())
	}
}

// TestTableA4 asserts Table A-4, "Summary". The guide: "Actions that are
// available out-of-band or as one-to-many tasks are marked with X-s in
// corresponding columns." and "Audit nodes allow you to track variable
// information about client computers in real time."
func TestTableA4(t *testing.T) {
	assertTable(t, TableA4, []printed{
		{"xWMI or AMT or DASHComputer nameBasic Information", true, true},
		{"WMIPrimary owner name", false, true},
		{"WMICurrently logged in user", false, true},
		{"WMIDomain", false, true},
		{"WMIOperation system", false, true},
		{"AMTProduct", false, true},
		{"xWMIVersion", false, true},
		{"xWMI or AMTNameCPU Information", true, true},
		{"WMI or AMT or DASHCurrent/max speed", false, true},
		{"WMILoad percentage", false, true},
		{"WMI or AMT or DASHVirtualMemory Usage", true, true},
		{"xWMI or AMT or DASHPhysical", false, true},
		{"WMICommitted", false, true},
		{"WMIPage file @ C", false, true},
		{"WMI or AMTCapacityDisk Usage", true, true},
		{"WMIUsed", false, true},
		{"WMIFree", false, true},
		{"WMIFile system", false, true},
		{"WMI or AMTNetwork Connectivity", true, true},
		{"WMISecurity", true, true},
	})
}

// TestTableA5 asserts Table A-5, "Event Logs", and its footnote "* This log
// is only available for clients that are Domain Controllers."
func TestTableA5(t *testing.T) {
	assertTable(t, TableA5, []printed{
		{"WMIApplication Log", true, true},
		{"WMISecurity Log", true, true},
		{"WMISystem Log", true, true},
		{"WMIDirectory Service Log", true, true},
		{"WMIDNS Server Log", true, true},
		{"WMIFile Replication Service Log", true, true},
		{"xIPMISystem Event Log", true, true},
		{"xAMTIntel AMT Event Log", true, true},
	})
	for i, r := range TableA5 {
		if i >= 3 && i <= 5 {
			assert.Equal(t, "This log is only available for clients that are Domain Controllers.", r.Note, r.Name())
		} else {
			assert.Empty(t, r.Note, r.Name())
		}
	}
}

// TestTableA6 asserts Table A-6, "Information nodes (static)":
// "Information nodes provide constant data about client computers."
func TestTableA6(t *testing.T) {
	assertTable(t, TableA6, []printed{
		{"WMILocal TimeOperating System", true, true},
		{"WMIOperating System", false, true},
		{"WMIPage File Settings", false, true},
		{"WMIPrinting Job", false, true},
		{"WMIProxy Server", false, true},
		{"WMIQuick-Fix Engineering", false, true},
		{"WMIRegistry", false, true},
		{"WMIRegistry", false, true},
		{"WMIShare", false, true},
		{"WMITerminal Server", false, true},
		{"WMIKeyboardInput and Output Devices", true, true},
		{"WMIModem", false, true},
		{"WMIMonitor", false, true},
		{"WMIPointing Device", false, true},
		{"WMIPrinter", false, true},
		{"WMIVideo Adapter", false, true},
		{"WMIIDE ControllerControllers and Ports", true, true},
		{"WMIParallel Port", false, true},
		{"WMISerial Port", false, true},
		{"WMIUSB Controller", false, true},
		{"WMISCSI Controller", false, true},
		{"WMIUSB Hub", false, true},
		{"xAMTAgent WatchdogsPhysical System", true, true},
		{"AMTBattery", false, true},
		{"xWMI or AMT or\nIPMI\n\nBIOS", false, true},
		{"xWMI or AMT or\nDASH or SNMP or\nIPMI\n\nComputer System", false, true},
		{"DASHDASH Registered Profiles", false, true},
		{"DASHDASH Software", false, true},
		{"DASHFanPhysical System", true, true},
		{"AMT or DASHField Replaceable Unit", false, true},
		{"xWMI or AMT or\nDASH or IPMI\n\nMotherboard Device", false, true},
		{"DASHPower Supply", false, true},
		{"WMI or AMT or\nDASH\n\nProcessor", false, true},
		{"xDASH or IPMISensors", false, true},
		{"WMISMBIOS", false, true},
		{"WMISound Device", false, true},
		{"WMI or DASHCache MemoryMemory", true, true},
		{"WMILogical Memory\nConfiguration", false, true},
		{"xWMI or DASHPhysical Memory", false, true},
		{"xWMI and AMTDisk DriveMass Storage", true, true},
		{"WMILogical Drive", false, true},
		{"xWMIMedia Device", false, true},
		{"WMI and SNMPIP Route TableNetworking", true, true},
		{"WMI and SNMPNetwork Adapter", false, true},
		{"xWMI or AMT or\nSNMP or IPMI\n\nNetwork Adapter\nConfiguration", false, true},
		{"WMINetwork Connection", false, true},
		{"WMIServer Connection", false, true},
		{"WMIServer Session", false, true},
		{"xxAMTFilter network\ntraffic\n\nIntel AMT\nNetwork\nFiltering", true, true},
		{"xAMTExport\nfiltering\nsettings", false, true},
		// The last two rows print no technology: the AMT cell of the
		// block above spans them.
		{"xIntel AMT Network Settings", true, false},
		{"xWireless Profile", true, false},
	})
	assert.Equal(t, "AMT", TableA6[len(TableA6)-1].Requirement())
}

// TestRowsOnce: the view shows Registry once although A-6 prints it twice,
// and every other row of the three tables.
func TestRowsOnce(t *testing.T) {
	rows := Rows()
	assert.Len(t, rows, len(TableA4)+len(TableA5)+len(TableA6)-1)
	seen := map[string]bool{}
	for _, r := range rows {
		assert.False(t, seen[r.Name()], r.Name())
		seen[r.Name()] = true
	}
	r, ok := Find("computer name")
	require.True(t, ok)
	assert.Equal(t, "Basic Information/Computer name", r.Name())
	r, ok = Find("System Event Log")
	require.True(t, ok)
	assert.Equal(t, "A-5", r.Table)
}
