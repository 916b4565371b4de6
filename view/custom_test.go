package view_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsmantest"
	"github.com/oobkit/oobkit/view"
	"github.com/oobkit/oobkit/wsbrowse"
)

// openWSMan starts a WS-Management service that serves, like openwsmand
// over the SBLIM providers, a Linux computer's Linux_* classes under
// http://sblim.sf.net/wbem/wscim/1/cim-schema/2/.
func openWSMan(t *testing.T) *wsbrowse.Client {
	t.Helper()
	srv := wsmantest.New("root", "linux-pass")
	instances := map[string][][2]string{
		"Linux_ComputerSystem":     {{"Name", "linux01.example.com"}, {"PrimaryOwnerName", "root"}, {"EnabledState", "2"}},
		"Linux_OperatingSystem":    {{"Caption", "Debian GNU/Linux 12"}, {"Version", "6.1.0-18-amd64"}, {"NumberOfProcesses", "142"}, {"TotalVisibleMemorySize", "16318420"}},
		"Linux_Processor":          {{"DeviceID", "0"}, {"ElementName", "AMD EPYC 7302P"}, {"CurrentClockSpeed", "3000"}, {"MaxClockSpeed", "3300"}, {"LoadPercentage", "4"}},
		"Linux_EthernetPort":       {{"DeviceID", "eth0"}, {"PermanentAddress", "525400123456"}, {"Speed", "1000000000"}},
		"Linux_IPProtocolEndpoint": {{"Name", "IPv4_eth0"}, {"IPv4Address", "192.0.2.10"}, {"SubnetMask", "255.255.255.0"}},
		"Linux_UnixProcess":        {{"Handle", "1"}, {"Name", "systemd"}, {"ParentProcessID", "0"}},
	}
	for class, props := range instances {
		uri := wsbrowse.SBLIMBase + class
		srv.HandleEnumerate(uri, func(*wsmantest.Request) ([]*etree.Element, error) {
			e := etree.NewElement("p:" + class)
			e.CreateAttr("xmlns:p", uri)
			for _, kv := range props {
				e.CreateElement("p:" + kv[0]).SetText(kv[1])
			}
			return []*etree.Element{e}, nil
		})
	}
	require.NoError(t, srv.Start())
	t.Cleanup(func() { _ = srv.Close() })
	c, err := wsbrowse.New(oobkit.Target{Name: "linux01", Address: "127.0.0.1"}, oobkit.UserPassword("root", "linux-pass"),
		wsbrowse.OpenWSMan, wsbrowse.WithEndpoint(srv.URL()+"/wsman"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// custom assembles the nodes of f alone through c.
func custom(t *testing.T, f *view.ViewFile, c *wsbrowse.Client) []view.Node {
	t.Helper()
	reg := view.Default.Clone()
	f.Register(reg)
	nodes, err := (&view.View{Rows: f.Rows(), Registry: reg}).Assemble(ctx(t), view.Clients{wsbrowse.Protocol: c})
	require.NoError(t, err)
	return nodes
}

// TestSampleLinuxOpenWSMan: the guide's example, "you can add the Linux
// OpenWSMan view, which is included in Real-Time Console Infrastructure",
// shipped as samples/linux-openwsman.yaml and read from an OpenWSMan
// service.
func TestSampleLinuxOpenWSMan(t *testing.T) {
	disk, err := os.ReadFile("samples/linux-openwsman.yaml")
	require.NoError(t, err)
	assert.Equal(t, disk, view.SampleLinuxOpenWSMan, "the embedded sample is the shipped file")
	f, err := view.ParseViewFile(view.SampleLinuxOpenWSMan)
	require.NoError(t, err)
	assert.Equal(t, "Linux OpenWSMan", f.Name)
	require.Len(t, f.Nodes, 6)

	nodes := custom(t, f, openWSMan(t))
	require.Len(t, nodes, 6)
	for _, n := range nodes {
		require.NoError(t, n.Err, n.Name())
		assert.Equal(t, []oobkit.Protocol{wsbrowse.Protocol}, n.ServedBy)
		assert.Equal(t, view.CustomTable, n.Table)
	}
	cs := node(t, nodes, "Linux OpenWSMan/Computer System")
	assert.Equal(t, "linux01.example.com", cs.Content.Records[0].Get("Host Name"), "labelled")
	assert.Equal(t, "root", cs.Content.Records[0].Get("Primary Owner"))
	osn := node(t, nodes, "Linux OpenWSMan/Operating System")
	assert.Equal(t, "Debian GNU/Linux 12", osn.Content.Records[0].Get("Operating System"))
	// Properties in the file's order.
	var names []string
	for _, p := range node(t, nodes, "Linux OpenWSMan/Processors").Content.Records[0].Properties {
		names = append(names, p.Name)
	}
	assert.Equal(t, []string{"DeviceID", "Name", "Current Clock (MHz)", "Max Clock (MHz)", "LoadPercentage"}, names)
}

// TestCustomViewAMT, DASH, WMI: a view file per simulator.
func TestCustomViewAMT(t *testing.T) {
	srv, _ := newAMT(t)
	c, err := wsbrowse.New(srv.Target(), srv.Credential(), wsbrowse.AMT)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	f, err := view.ParseViewFile([]byte(`
name: AMT
flavor: amt
nodes:
  - name: General
    class: AMT_GeneralSettings
    properties: [HostName, DomainName]
  - name: Chassis
    class: CIM_Chassis
`))
	require.NoError(t, err)
	nodes := custom(t, f, c)
	g := node(t, nodes, "AMT/General")
	require.NoError(t, g.Err)
	assert.Equal(t, "amt-sim", g.Content.Records[0].Get("HostName"))
	require.NoError(t, node(t, nodes, "AMT/Chassis").Err)
}

func TestCustomViewDASH(t *testing.T) {
	sim, _ := newDASH(t)
	c, err := wsbrowse.New(sim.Target(), sim.Credential(), wsbrowse.DASH)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	f, err := view.ParseViewFile([]byte(`
name: DASH
flavor: dash
nodes:
  - name: Profiles
    class: CIM_RegisteredProfile
    namespace: interop
    properties: [RegisteredName, RegisteredVersion]
  - name: Missing
    class: CIM_NoSuchClass
`))
	require.NoError(t, err)
	nodes := custom(t, f, c)
	p := node(t, nodes, "DASH/Profiles")
	require.NoError(t, p.Err)
	assert.NotEmpty(t, p.Content.Records[0].Get("RegisteredName"))
	m := node(t, nodes, "DASH/Missing")
	assert.ErrorIs(t, m.Err, oobkit.ErrUnsupported)
}

func TestCustomViewWMIFilter(t *testing.T) {
	pc, _ := newWMI(t)
	cred := oobkit.Credential{Auth: oobkit.AuthNTLM, Username: `PC42\Administrator`, Password: oobkit.NewSecret(adminPassword)}
	c, err := wsbrowse.New(pc.Target(), cred, wsbrowse.WMI)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	f, err := view.ParseViewFile([]byte(`
name: Services
flavor: wmi
nodes:
  - name: Running
    class: Win32_Service
    filter: State = 'Running'
    properties: [Name, State]
  - name: All
    class: Win32_Service
    properties: [Name, State]
  - name: Spooler
    class: Win32_Service
    selectors: {Name: Spooler}
    properties: [Name]
`))
	require.NoError(t, err)
	nodes := custom(t, f, c)
	run := node(t, nodes, "Services/Running")
	require.NoError(t, run.Err)
	for _, r := range run.Content.Records {
		assert.Equal(t, "Running", r.Get("State"))
	}
	all := node(t, nodes, "Services/All")
	require.NoError(t, all.Err)
	assert.Less(t, len(run.Content.Records), len(all.Content.Records))
	sp := node(t, nodes, "Services/Spooler")
	require.NoError(t, sp.Err)
	assert.Equal(t, "Spooler", sp.Content.Records[0].Get("Name"))
}

// TestViewFileErrors: what is wrong is named with its line.
func TestViewFileErrors(t *testing.T) {
	for _, tt := range []struct{ yaml, want string }{
		{"name: x\nflavor: wmi\nnodes:\n  - name: a\n    class: Win32_BIOS\n    colour: red\n", `line 6: unknown key "colour"`},
		{"name: x\nflavour: wmi\n", `line 2: unknown key "flavour"`},
		{"name: x\nflavor: amt\nnodes:\n  - name: a\n    class: AMT_GeneralSettings\n    filter: HostName = 'x'\n", "line 4: node \"a\": filter is a WQL condition, and WQL is WMI's"},
		{"name: x\nflavor: wmi\nnodes:\n  - name: a\n    class: Win32_Service\n    filter: State = 'Running\n", "line 4: node \"a\": bad WQL"},
		{"name: x\nflavor: wmi\nnodes:\n  - name: a\n    class: Win32_Service\n    filter: SELECT * FROM Win32_BIOS\n", "line 4: node \"a\": the filter selects from Win32_BIOS"},
		{"name: x\nflavor: dash\nnodes:\n  - name: a\n    class: Win32_BIOS\n", "line 4: node \"a\": dash has no namespace rule for WIN32 classes"},
		{"name: x\nflavor: dash\nnodes:\n  - name: a\n  - name: a\n    class: CIM_Fan\n", "line 4: node \"a\": give class or resourceURI"},
		{"name: x\nflavor: dash\nnodes:\n  - name: a\n    class: CIM_Fan\n  - name: a\n    class: CIM_Fan\n", "line 6: node \"a\" is defined twice"},
		{"name: x\nflavor: snmp\nnodes: []\n", "flavor: unknown WS-Management flavor"},
		{"flavor: wmi\n", "line 1: the view has no name"},
		{"name: [\n", "view file"},
	} {
		_, err := view.ParseViewFile([]byte(tt.yaml))
		require.Error(t, err, tt.yaml)
		assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, tt.yaml)
		assert.Contains(t, err.Error(), tt.want, tt.yaml)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "v.yaml")
	require.NoError(t, os.WriteFile(p, []byte("name: x\nflavor: wmi\nnodes:\n  - name: a\n    clas: Win32_BIOS\n"), 0o600))
	_, err := view.LoadViewFile(p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), p)
	assert.Contains(t, err.Error(), `line 5: unknown key "clas"`)
}

func FuzzParseViewFile(f *testing.F) {
	f.Add(view.SampleLinuxOpenWSMan)
	f.Add([]byte("name: x\nflavor: wmi\nnodes:\n  - name: a\n    class: Win32_Service\n    filter: State = 'x'\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		vf, err := view.ParseViewFile(b)
		if err == nil && (vf.Name == "" || len(vf.Nodes) == 0) {
			t.Fatal("accepted an empty view")
		}
	})
}
