package view

import (
	"strings"

	"github.com/oobkit/oobkit"
)

// Row is one row of the RTSM guide's Appendix A ("List of available
// operations"): a node of the one-to-one real-time view and the
// technologies that can serve it.
//
// The guide (Symantec Real-Time System Manager / Real-Time Console
// Infrastructure User Guide, Appendix A) prints each table with the columns
// Node | Available Data | Technical Requirements | Out-of-band | 1-to-many.
// Group is the Node column (it spans several rows on the page), Data the
// Available Data column. A row whose Node column stands alone (A-4 "Network
// Connectivity", A-5's logs) has an empty Data.
type Row struct {
	// Table is the guide's table: "A-4", "A-5" or "A-6".
	Table string `json:"table"`
	// Group is the Node column ("Basic Information", "Physical System").
	Group string `json:"group,omitempty"`
	// Data is the Available Data column ("Computer name", "BIOS").
	Data string `json:"data,omitempty"`
	// Techs are the technologies of the Technical Requirements column, in
	// the table's order.
	Techs []oobkit.Protocol `json:"techs"`
	// And is true when the technologies are joined by "and" ("WMI and
	// SNMP"): each serves its part. Otherwise they are joined by "or"
	// ("WMI or AMT or DASH"): the first that answers serves the node.
	And bool `json:"and,omitempty"`
	// OutOfBand is the x of the Out-of-band column.
	OutOfBand bool `json:"outOfBand,omitempty"`
	// OneToMany is the x of the 1-to-many column.
	OneToMany bool `json:"oneToMany,omitempty"`
	// Note is the row's footnote, verbatim.
	Note string `json:"note,omitempty"`
}

// Name is the row's node name: "Group/Data", or the one of the two that is
// not empty. It is the key of the [Registry].
func (r Row) Name() string {
	switch {
	case r.Group == "":
		return r.Data
	case r.Data == "":
		return r.Group
	}
	return r.Group + "/" + r.Data
}

// Requirement renders the Technical Requirements cell as the guide writes
// it: "WMI or AMT or DASH", "WMI and SNMP".
func (r Row) Requirement() string {
	sep := " or "
	if r.And {
		sep = " and "
	}
	names := make([]string, len(r.Techs))
	for i, p := range r.Techs {
		names[i] = strings.ToUpper(string(p))
	}
	return strings.Join(names, sep)
}

const (
	wmiT  = oobkit.WMI
	amtT  = oobkit.AMT
	dashT = oobkit.DASH
	ipmiT = oobkit.IPMI
	snmpT = oobkit.SNMP
)

func techs(ps ...oobkit.Protocol) []oobkit.Protocol { return ps }

// dcOnly is Table A-5's footnote.
const dcOnly = "This log is only available for clients that are Domain Controllers."

// TableA4 is the guide's Table A-4, "Summary" (audit nodes: "Audit nodes
// allow you to track variable information about client computers in real
// time"). It has no 1-to-many column.
var TableA4 = []Row{
	{Table: "A-4", Group: "Basic Information", Data: "Computer name", Techs: techs(wmiT, amtT, dashT), OutOfBand: true},
	{Table: "A-4", Group: "Basic Information", Data: "Primary owner name", Techs: techs(wmiT)},
	{Table: "A-4", Group: "Basic Information", Data: "Currently logged in user", Techs: techs(wmiT)},
	{Table: "A-4", Group: "Basic Information", Data: "Domain", Techs: techs(wmiT)},
	{Table: "A-4", Group: "Basic Information", Data: "Operation system", Techs: techs(wmiT)},
	{Table: "A-4", Group: "Basic Information", Data: "Product", Techs: techs(amtT)},
	{Table: "A-4", Group: "Basic Information", Data: "Version", Techs: techs(wmiT), OutOfBand: true},
	{Table: "A-4", Group: "CPU Information", Data: "Name", Techs: techs(wmiT, amtT), OutOfBand: true},
	{Table: "A-4", Group: "CPU Information", Data: "Current/max speed", Techs: techs(wmiT, amtT, dashT)},
	{Table: "A-4", Group: "CPU Information", Data: "Load percentage", Techs: techs(wmiT)},
	{Table: "A-4", Group: "Memory Usage", Data: "Virtual", Techs: techs(wmiT, amtT, dashT)},
	{Table: "A-4", Group: "Memory Usage", Data: "Physical", Techs: techs(wmiT, amtT, dashT), OutOfBand: true},
	{Table: "A-4", Group: "Memory Usage", Data: "Committed", Techs: techs(wmiT)},
	{Table: "A-4", Group: "Memory Usage", Data: "Page file @ C", Techs: techs(wmiT)},
	{Table: "A-4", Group: "Disk Usage", Data: "Capacity", Techs: techs(wmiT, amtT)},
	{Table: "A-4", Group: "Disk Usage", Data: "Used", Techs: techs(wmiT)},
	{Table: "A-4", Group: "Disk Usage", Data: "Free", Techs: techs(wmiT)},
	{Table: "A-4", Group: "Disk Usage", Data: "File system", Techs: techs(wmiT)},
	{Table: "A-4", Group: "Network Connectivity", Techs: techs(wmiT, amtT)},
	{Table: "A-4", Group: "Security", Techs: techs(wmiT)},
}

// TableA5 is the guide's Table A-5, "Event Logs". It has no 1-to-many
// column; each log is a node of its own.
var TableA5 = []Row{
	{Table: "A-5", Group: "Application Log", Techs: techs(wmiT)},
	{Table: "A-5", Group: "Security Log", Techs: techs(wmiT)},
	{Table: "A-5", Group: "System Log", Techs: techs(wmiT)},
	{Table: "A-5", Group: "Directory Service Log", Techs: techs(wmiT), Note: dcOnly},
	{Table: "A-5", Group: "DNS Server Log", Techs: techs(wmiT), Note: dcOnly},
	{Table: "A-5", Group: "File Replication Service Log", Techs: techs(wmiT), Note: dcOnly},
	{Table: "A-5", Group: "System Event Log", Techs: techs(ipmiT), OutOfBand: true},
	{Table: "A-5", Group: "Intel AMT Event Log", Techs: techs(amtT), OutOfBand: true},
}

// TableA6 is the guide's Table A-6, "Information nodes (static)":
// "Information nodes provide constant data about client computers."
//
// The guide prints Registry twice under Operating System; both rows are kept
// here as printed, and the view serves the node once ([Rows]).
//
// The last two rows (Intel AMT Network Settings, Wireless Profile) print no
// technology of their own: their Technical Requirements cell is the AMT cell
// of the Intel AMT block above them, so they are AMT rows here.
var TableA6 = []Row{
	{Table: "A-6", Group: "Operating System", Data: "Local Time", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Operating System", Data: "Operating System", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Operating System", Data: "Page File Settings", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Operating System", Data: "Printing Job", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Operating System", Data: "Proxy Server", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Operating System", Data: "Quick-Fix Engineering", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Operating System", Data: "Registry", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Operating System", Data: "Registry", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Operating System", Data: "Share", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Operating System", Data: "Terminal Server", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Input and Output Devices", Data: "Keyboard", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Input and Output Devices", Data: "Modem", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Input and Output Devices", Data: "Monitor", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Input and Output Devices", Data: "Pointing Device", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Input and Output Devices", Data: "Printer", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Input and Output Devices", Data: "Video Adapter", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Controllers and Ports", Data: "IDE Controller", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Controllers and Ports", Data: "Parallel Port", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Controllers and Ports", Data: "Serial Port", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Controllers and Ports", Data: "USB Controller", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Controllers and Ports", Data: "SCSI Controller", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Controllers and Ports", Data: "USB Hub", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Physical System", Data: "Agent Watchdogs", Techs: techs(amtT), OutOfBand: true},
	{Table: "A-6", Group: "Physical System", Data: "Battery", Techs: techs(amtT)},
	{Table: "A-6", Group: "Physical System", Data: "BIOS", Techs: techs(wmiT, amtT, ipmiT), OutOfBand: true},
	{Table: "A-6", Group: "Physical System", Data: "Computer System", Techs: techs(wmiT, amtT, dashT, snmpT, ipmiT), OutOfBand: true},
	{Table: "A-6", Group: "Physical System", Data: "DASH Registered Profiles", Techs: techs(dashT)},
	{Table: "A-6", Group: "Physical System", Data: "DASH Software", Techs: techs(dashT)},
	{Table: "A-6", Group: "Physical System", Data: "Fan", Techs: techs(dashT)},
	{Table: "A-6", Group: "Physical System", Data: "Field Replaceable Unit", Techs: techs(amtT, dashT)},
	{Table: "A-6", Group: "Physical System", Data: "Motherboard Device", Techs: techs(wmiT, amtT, dashT, ipmiT), OutOfBand: true},
	{Table: "A-6", Group: "Physical System", Data: "Power Supply", Techs: techs(dashT)},
	{Table: "A-6", Group: "Physical System", Data: "Processor", Techs: techs(wmiT, amtT, dashT)},
	{Table: "A-6", Group: "Physical System", Data: "Sensors", Techs: techs(dashT, ipmiT), OutOfBand: true},
	{Table: "A-6", Group: "Physical System", Data: "SMBIOS", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Physical System", Data: "Sound Device", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Memory", Data: "Cache Memory", Techs: techs(wmiT, dashT)},
	{Table: "A-6", Group: "Memory", Data: "Logical Memory Configuration", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Memory", Data: "Physical Memory", Techs: techs(wmiT, dashT), OutOfBand: true},
	{Table: "A-6", Group: "Mass Storage", Data: "Disk Drive", Techs: techs(wmiT, amtT), And: true, OutOfBand: true},
	{Table: "A-6", Group: "Mass Storage", Data: "Logical Drive", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Mass Storage", Data: "Media Device", Techs: techs(wmiT), OutOfBand: true},
	{Table: "A-6", Group: "Networking", Data: "IP Route Table", Techs: techs(wmiT, snmpT), And: true},
	{Table: "A-6", Group: "Networking", Data: "Network Adapter", Techs: techs(wmiT, snmpT), And: true},
	{Table: "A-6", Group: "Networking", Data: "Network Adapter Configuration", Techs: techs(wmiT, amtT, snmpT, ipmiT), OutOfBand: true},
	{Table: "A-6", Group: "Networking", Data: "Network Connection", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Networking", Data: "Server Connection", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Networking", Data: "Server Session", Techs: techs(wmiT)},
	{Table: "A-6", Group: "Intel AMT Network Filtering", Data: "Filter network traffic", Techs: techs(amtT), OutOfBand: true, OneToMany: true},
	{Table: "A-6", Group: "Intel AMT Network Filtering", Data: "Export filtering settings", Techs: techs(amtT), OutOfBand: true},
	{Table: "A-6", Group: "Intel AMT Network Settings", Techs: techs(amtT), OutOfBand: true},
	{Table: "A-6", Group: "Wireless Profile", Techs: techs(amtT), OutOfBand: true},
}

// Rows returns the nodes of the one-to-one view: every row of Tables A-4,
// in the guide's order, each node once (A-6 prints Registry
// twice).
func Rows() []Row {
	var out []Row
	seen := map[string]bool{}
	for _, t := range [][]Row{TableA4, TableA5, TableA6} {
		for _, r := range t {
			if seen[r.Table+"|"+r.Name()] {
				continue
			}
			seen[r.Table+"|"+r.Name()] = true
			out = append(out, r)
		}
	}
	return out
}
