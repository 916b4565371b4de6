package view_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
	"github.com/oobkit/oobkit/snmp"
	"github.com/oobkit/oobkit/snmp/snmptest"
	"github.com/oobkit/oobkit/view"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

const (
	WMI  = oobkit.WMI
	AMT  = oobkit.AMT
	DASH = oobkit.DASH
	IPMI = oobkit.IPMI
	SNMP = oobkit.SNMP
)

func by(ps ...oobkit.Protocol) []oobkit.Protocol { return ps }

// everyTechnology reaches one simulated computer by every technology of
// the tables: wmitest (promoted to a domain controller, so that it has the
// Directory Service, DNS Server and File Replication Service logs), amttest,
// dashtest, Debian's ipmi_sim (it has a SEL; go-ipmi's embedded BMC has
// none) and Debian's snmpd. Without ipmi_sim or snmpd the test skips
// naming the package (openipmi, snmpd), and fails under
// OOBKIT_REQUIRE_PEERS=1.
func everyTechnology(t *testing.T) view.Clients {
	t.Helper()
	pc, w := newWMI(t)
	pc.PromoteToDomainController("contoso.example")
	_, a := newAMT(t)
	_, d := newDASH(t)
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{Power: oobkit.PowerS0})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	i, err := ipmi.New(sim.Target(), sim.Credential())
	require.NoError(t, err)
	t.Cleanup(func() { _ = i.Close() })
	agent, err := snmptest.NewServer(snmptest.Config{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = agent.Close() })
	s, err := snmp.New(oobkit.Target{Name: "snmphost", Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.SNMP: agent.Port()}},
		oobkit.Credential{Community: oobkit.NewSecret(snmptest.Community)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return view.Clients{WMI: w, AMT: a, DASH: d, IPMI: i, SNMP: s}
}

// noReader lists the (node, technology) pairs of the tables that no
// reader serves, with the reason. Every other technology of every row is
// served (TestEveryNodeEveryTechnology).
var noReader = map[string]map[oobkit.Protocol]string{
	// Table A-4 prints "WMI or AMT or DASH" for Virtual memory usage, but
	// virtual memory is the operating system's: neither Intel AMT's nor
	// DASH's CIM classes report it (their CIM_Memory is physical memory).
	"Memory Usage/Virtual": {AMT: "firmware has no view of the OS's virtual memory", DASH: "firmware has no view of the OS's virtual memory"},
}

// TestWholeView assembles the view of a computer reached by every
// technology at once. The guide: "Nodes are divided into 3 groups:
// management processes, audit and information sections. Information nodes
// provide constant data about client computers. Audit nodes allow you to
// track variable information about client computers in real time." Every
// node of Tables is served, an "or" row by the first
// technology of its row ("WMI or AMT or DASH": WMI), an "and" row by each
// of its technologies ("WMI and SNMP"). The table lists every node: a node
// added to the tables without a line here fails the test.
func TestWholeView(t *testing.T) {
	conns := everyTechnology(t)
	want := []struct {
		node string
		by   []oobkit.Protocol
	}{
		{"Basic Information/Computer name", by(WMI)},
		{"Basic Information/Primary owner name", by(WMI)},
		{"Basic Information/Currently logged in user", by(WMI)},
		{"Basic Information/Domain", by(WMI)},
		{"Basic Information/Operation system", by(WMI)},
		{"Basic Information/Product", by(AMT)},
		{"Basic Information/Version", by(WMI)},
		{"CPU Information/Name", by(WMI)},
		{"CPU Information/Current/max speed", by(WMI)},
		{"CPU Information/Load percentage", by(WMI)},
		{"Memory Usage/Virtual", by(WMI)},
		{"Memory Usage/Physical", by(WMI)},
		{"Memory Usage/Committed", by(WMI)},
		{"Memory Usage/Page file @ C", by(WMI)},
		{"Disk Usage/Capacity", by(WMI)},
		{"Disk Usage/Used", by(WMI)},
		{"Disk Usage/Free", by(WMI)},
		{"Disk Usage/File system", by(WMI)},
		{"Network Connectivity", by(WMI)},
		{"Security", by(WMI)},
		{"Application Log", by(WMI)},
		{"Security Log", by(WMI)},
		{"System Log", by(WMI)},
		{"Directory Service Log", by(WMI)},
		{"DNS Server Log", by(WMI)},
		{"File Replication Service Log", by(WMI)},
		{"System Event Log", by(IPMI)},
		{"Intel AMT Event Log", by(AMT)},
		{"Operating System/Local Time", by(WMI)},
		{"Operating System/Operating System", by(WMI)},
		{"Operating System/Page File Settings", by(WMI)},
		{"Operating System/Printing Job", by(WMI)},
		{"Operating System/Proxy Server", by(WMI)},
		{"Operating System/Quick-Fix Engineering", by(WMI)},
		{"Operating System/Registry", by(WMI)},
		{"Operating System/Share", by(WMI)},
		{"Operating System/Terminal Server", by(WMI)},
		{"Input and Output Devices/Keyboard", by(WMI)},
		{"Input and Output Devices/Modem", by(WMI)},
		{"Input and Output Devices/Monitor", by(WMI)},
		{"Input and Output Devices/Pointing Device", by(WMI)},
		{"Input and Output Devices/Printer", by(WMI)},
		{"Input and Output Devices/Video Adapter", by(WMI)},
		{"Controllers and Ports/IDE Controller", by(WMI)},
		{"Controllers and Ports/Parallel Port", by(WMI)},
		{"Controllers and Ports/Serial Port", by(WMI)},
		{"Controllers and Ports/USB Controller", by(WMI)},
		{"Controllers and Ports/SCSI Controller", by(WMI)},
		{"Controllers and Ports/USB Hub", by(WMI)},
		{"Physical System/Agent Watchdogs", by(AMT)},
		{"Physical System/Battery", by(AMT)},
		{"Physical System/BIOS", by(WMI)},
		{"Physical System/Computer System", by(WMI)},
		{"Physical System/DASH Registered Profiles", by(DASH)},
		{"Physical System/DASH Software", by(DASH)},
		{"Physical System/Fan", by(DASH)},
		{"Physical System/Field Replaceable Unit", by(AMT)},
		{"Physical System/Motherboard Device", by(WMI)},
		{"Physical System/Power Supply", by(DASH)},
		{"Physical System/Processor", by(WMI)},
		{"Physical System/Sensors", by(DASH)},
		{"Physical System/SMBIOS", by(WMI)},
		{"Physical System/Sound Device", by(WMI)},
		{"Memory/Cache Memory", by(WMI)},
		{"Memory/Logical Memory Configuration", by(WMI)},
		{"Memory/Physical Memory", by(WMI)},
		{"Mass Storage/Disk Drive", by(WMI, AMT)},
		{"Mass Storage/Logical Drive", by(WMI)},
		{"Mass Storage/Media Device", by(WMI)},
		{"Networking/IP Route Table", by(WMI, SNMP)},
		{"Networking/Network Adapter", by(WMI, SNMP)},
		{"Networking/Network Adapter Configuration", by(WMI)},
		{"Networking/Network Connection", by(WMI)},
		{"Networking/Server Connection", by(WMI)},
		{"Networking/Server Session", by(WMI)},
		{"Intel AMT Network Filtering/Filter network traffic", by(AMT)},
		{"Intel AMT Network Filtering/Export filtering settings", by(AMT)},
		{"Intel AMT Network Settings", by(AMT)},
		{"Wireless Profile", by(AMT)},
	}
	nodes, err := (&view.View{}).Assemble(ctx(t), conns)
	require.NoError(t, err)
	require.Len(t, nodes, len(view.Rows()))
	require.Len(t, want, len(nodes), "every node has a line")
	for i, w := range want {
		n := nodes[i]
		require.Equal(t, w.node, n.Name(), "the tables' order")
		require.NoError(t, n.Err, w.node)
		assert.Equal(t, w.by, n.ServedBy, w.node)
		require.NotNil(t, n.Content, w.node)
		assert.Empty(t, n.Notes, w.node)
	}
	// A few nodes by their content: what the simulators hold.
	assert.Equal(t, "Alice Contoso", node(t, nodes, "Basic Information/Primary owner name").Content.Records[0].Get("Primary Owner Name"))
	assert.Equal(t, "7", node(t, nodes, "CPU Information/Load percentage").Content.Records[0].Get("Load Percentage"))
	assert.Equal(t, "NTFS", node(t, nodes, "Disk Usage/File system").Content.Records[0].Get("File System"))
	pf := node(t, nodes, "Memory Usage/Page file @ C").Content.Records[0]
	assert.Equal(t, `C:\pagefile.sys`, pf.Get("Name"))
	assert.Equal(t, "4864", pf.Get("Allocated Size (MB)"))
	// wmitest: 32 GiB of memory, a 4,864 MiB page file; Win32_OperatingSystem
	// TotalVirtualMemorySize 38,535,168 KB, FreeVirtualMemory 19,777,216 KB.
	vm := node(t, nodes, "Memory Usage/Virtual").Content.Records[0]
	assert.Equal(t, "37632", vm.Get("Total Virtual Memory (MB)"))
	assert.Equal(t, "19313", vm.Get("Available Virtual Memory (MB)"))
	cm := node(t, nodes, "Memory Usage/Committed").Content.Records[0]
	assert.Equal(t, "18318", cm.Get("Committed (MB)"))
	assert.Equal(t, "37632", cm.Get("Commit Limit (MB)"))
	assert.Equal(t, "48", cm.Get("Committed (%)"))
	assert.Equal(t, "2", node(t, nodes, "Security").Content.Records[0].Get("Security Updates Installed"))
	assert.NotEmpty(t, node(t, nodes, "DNS Server Log").Content.Records, "a domain controller's log")
	assert.NotEmpty(t, node(t, nodes, "System Event Log").Content.Records, "ipmi_sim's SEL")
	reg := node(t, nodes, "Operating System/Registry").Content.Records
	require.NotEmpty(t, reg)
	assert.Equal(t, `HKEY_LOCAL_MACHINE\`+view.RegistryKey, reg[0].Get("Key"))
	kb := node(t, nodes, "Memory/Logical Memory Configuration").Content.Records[0]
	assert.NotEmpty(t, kb.Get("TotalVirtualMemorySize"), "Win32_OperatingSystem, as Windows no longer has Win32_LogicalMemoryConfiguration")
}

// TestEveryNodeEveryTechnology: for every row of the three tables and every
// technology the row names, a computer reached by that technology alone
// gets the node from it, after the technologies before it in the row were
// tried ("or" is a fallback order) — except the pairs of noReader, whose
// node then says it is unsupported and names the technology.
func TestEveryNodeEveryTechnology(t *testing.T) {
	all := everyTechnology(t)
	pairs := 0
	for _, r := range view.Rows() {
		for i, p := range r.Techs {
			n := view.Serve(ctx(t), nil, view.Clients{p: all[p]}, r)
			tried := r.Techs[:i+1]
			if r.And {
				tried = r.Techs
			}
			if why, ok := noReader[r.Name()][p]; ok {
				require.Error(t, n.Err, "%s via %s: %s", r.Name(), p, why)
				assert.Equal(t, r.Techs, n.Tried, "%s via %s", r.Name(), p)
				assert.ErrorIs(t, n.Err, oobkit.ErrUnsupported)
				assert.Contains(t, n.Err.Error(), "no "+string(upper(p))+" reader")
				continue
			}
			pairs++
			assert.Equal(t, tried, n.Tried, "%s via %s", r.Name(), p)
			if !assert.NoError(t, n.Err, "%s via %s", r.Name(), p) {
				continue
			}
			assert.Equal(t, []oobkit.Protocol{p}, n.ServedBy, "%s via %s", r.Name(), p)
			require.NotNil(t, n.Content, "%s via %s", r.Name(), p)
			for _, rec := range n.Content.Records {
				assert.Equal(t, p, rec.Source, "%s via %s", r.Name(), p)
			}
		}
	}
	t.Logf("%d (node, technology) pairs served", pairs)
}

func upper(p oobkit.Protocol) string {
	b := []byte(p)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// TestFallbackWithoutWMI: the computer's OS is down (no WMI): every "WMI
// or …" row is served by the next technology of its row, in the table's
// order; "WMI and …" rows by their other technologies, noting WMI's
// absence. Then without WMI and AMT, DASH, SNMP or IPMI take over.
func TestFallbackWithoutWMI(t *testing.T) {
	all := everyTechnology(t)
	without := func(drop ...oobkit.Protocol) view.Clients {
		c := view.Clients{}
		for p, cl := range all {
			if !slices.Contains(drop, p) {
				c[p] = cl
			}
		}
		return c
	}
	for _, tc := range []struct {
		name  string
		conns view.Clients
		want  map[string][]oobkit.Protocol // nil: not served
	}{
		{"no WMI", without(WMI), map[string][]oobkit.Protocol{
			"Basic Information/Computer name":          by(AMT),
			"CPU Information/Name":                     by(AMT),
			"CPU Information/Current/max speed":        by(AMT),
			"Memory Usage/Virtual":                     nil, // noReader
			"Memory Usage/Physical":                    by(AMT),
			"Disk Usage/Capacity":                      by(AMT),
			"Network Connectivity":                     by(AMT),
			"Physical System/BIOS":                     by(AMT),
			"Physical System/Computer System":          by(AMT),
			"Physical System/Motherboard Device":       by(AMT),
			"Physical System/Processor":                by(AMT),
			"Memory/Cache Memory":                      by(DASH),
			"Memory/Physical Memory":                   by(DASH),
			"Mass Storage/Disk Drive":                  by(AMT),
			"Networking/IP Route Table":                by(SNMP),
			"Networking/Network Adapter":               by(SNMP),
			"Networking/Network Adapter Configuration": by(AMT),
		}},
		{"no WMI, no AMT", without(WMI, AMT), map[string][]oobkit.Protocol{
			"Basic Information/Computer name":          by(DASH),
			"CPU Information/Name":                     nil,
			"CPU Information/Current/max speed":        by(DASH),
			"Memory Usage/Physical":                    by(DASH),
			"Disk Usage/Capacity":                      nil,
			"Physical System/BIOS":                     by(IPMI),
			"Physical System/Computer System":          by(DASH),
			"Physical System/Motherboard Device":       by(DASH),
			"Physical System/Processor":                by(DASH),
			"Physical System/Field Replaceable Unit":   by(DASH),
			"Networking/Network Adapter Configuration": by(SNMP),
		}},
		{"only IPMI", view.Clients{IPMI: all[IPMI]}, map[string][]oobkit.Protocol{
			"Physical System/BIOS":                     by(IPMI),
			"Physical System/Computer System":          by(IPMI),
			"Physical System/Motherboard Device":       by(IPMI),
			"Physical System/Sensors":                  by(IPMI),
			"Networking/Network Adapter Configuration": by(IPMI),
			"System Event Log":                         by(IPMI),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rows []view.Row
			for name := range tc.want {
				rows = append(rows, rowsNamed(t, name)...)
			}
			nodes, err := (&view.View{Rows: rows}).Assemble(ctx(t), tc.conns)
			require.NoError(t, err)
			for name, want := range tc.want {
				n := node(t, nodes, name)
				if want == nil {
					assert.ErrorIs(t, n.Err, oobkit.ErrUnsupported, name)
					assert.Equal(t, n.Techs, n.Tried, "%s: every technology tried", name)
					continue
				}
				served(t, n, want...)
				if !n.And {
					at := slices.Index(n.Techs, want[0])
					assert.Equal(t, n.Techs[:at+1], n.Tried, "%s: the technologies before %s first", name, want[0])
				} else if _, ok := tc.conns[WMI]; !ok {
					require.NotEmpty(t, n.Notes, name)
					assert.Contains(t, n.Notes[0], "WMI", name)
				}
			}
		})
	}
}

// TestEveryTechnologyFails: "Computer name" ("WMI or AMT or DASH") on a
// computer that refuses the credentials of all three: the node is not
// served, its error wraps ErrUnsupported, keeps each technology's refusal
// (ErrAuth) and names each technology tried, in order.
func TestEveryTechnologyFails(t *testing.T) {
	pc, _ := newWMI(t)
	w, err := wmi.New(pc.Target(), oobkit.Credential{Auth: oobkit.AuthNTLM, Username: `PC42\Administrator`, Password: oobkit.NewSecret("wrong")},
		wmi.WithPollInterval(5*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	srv, _ := newAMT(t)
	acred := srv.Credential()
	acred.Password = oobkit.NewSecret("wrong-P4ss!")
	a, err := amt.New(srv.Target(), acred)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	sim, _ := newDASH(t)
	dcred := sim.Credential()
	dcred.Password = oobkit.NewSecret("wrong")
	d, err := dash.New(sim.Target(), dcred)
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })

	n := view.Serve(ctx(t), nil, view.Clients{WMI: w, AMT: a, DASH: d}, rowsNamed(t, "Basic Information/Computer name")[0])
	require.Error(t, n.Err)
	assert.Nil(t, n.Content)
	assert.Empty(t, n.ServedBy)
	assert.Equal(t, by(WMI, AMT, DASH), n.Tried)
	assert.ErrorIs(t, n.Err, oobkit.ErrUnsupported)
	assert.ErrorIs(t, n.Err, oobkit.ErrAuth, "each technology's refusal is kept")
	msg := n.Err.Error()
	assert.Contains(t, msg, "not served by WMI, AMT, DASH")
	for _, p := range []string{"WMI: ", "AMT: ", "DASH: "} {
		assert.Contains(t, msg, p)
	}
}

// TestFallbackWMIClassMissing: WMI answers but lacks the class of a node
// (Windows' "invalid class"): the next technology of the row serves it —
// "WMI or AMT or DASH or IPMI" Motherboard Device from AMT when
// Win32_BaseBoard is missing, "WMI or DASH" Cache Memory from DASH when
// Win32_CacheMemory is.
func TestFallbackWMIClassMissing(t *testing.T) {
	pc, w := newWMI(t)
	pc.Do(func(c *wmitest.Computer) { c.Missing = []string{"Win32_BaseBoard", "Win32_CacheMemory"} })
	_, a := newAMT(t)
	_, d := newDASH(t)
	v := &view.View{Rows: rowsNamed(t, "Physical System/Motherboard Device", "Memory/Cache Memory", "Physical System/Processor")}
	nodes, err := v.Assemble(ctx(t), view.Clients{WMI: w, AMT: a, DASH: d})
	require.NoError(t, err)
	mb := node(t, nodes, "Physical System/Motherboard Device")
	served(t, mb, AMT)
	assert.Equal(t, by(WMI, AMT), mb.Tried)
	cm := node(t, nodes, "Memory/Cache Memory")
	served(t, cm, DASH)
	assert.Equal(t, by(WMI, DASH), cm.Tried)
	served(t, node(t, nodes, "Physical System/Processor"), WMI)
}
