package wsbrowse_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/dash/dashtest"
	"github.com/oobkit/oobkit/wmi/wmitest"
	"github.com/oobkit/oobkit/wsbrowse"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// TestResourceURI: the namespace rules of each flavor.
func TestResourceURI(t *testing.T) {
	for _, tt := range []struct {
		f     wsbrowse.Flavor
		class string
		want  string
	}{
		{wsbrowse.AMT, "AMT_GeneralSettings", "http://intel.com/wbem/wscim/1/amt-schema/1/AMT_GeneralSettings"},
		{wsbrowse.AMT, "IPS_OptInService", "http://intel.com/wbem/wscim/1/ips-schema/1/IPS_OptInService"},
		{wsbrowse.AMT, "CIM_ComputerSystem", "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ComputerSystem"},
		{wsbrowse.DASH, "CIM_Fan", "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_Fan"},
		{wsbrowse.WMI, "Win32_Service", "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service"},
		{wsbrowse.WMI, "CIM_DataFile", "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/CIM_DataFile"},
		{wsbrowse.WMI, "root/StandardCimv2/MSFT_NetAdapter", "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/StandardCimv2/MSFT_NetAdapter"},
		{wsbrowse.OpenWSMan, "Linux_OperatingSystem", "http://sblim.sf.net/wbem/wscim/1/cim-schema/2/Linux_OperatingSystem"},
		{wsbrowse.OpenWSMan, "CIM_OperatingSystem", "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_OperatingSystem"},
		{wsbrowse.DASH, "http://example.com/x/Vendor_Thing", "http://example.com/x/Vendor_Thing"},
	} {
		got, err := wsbrowse.ResourceURI(tt.f, tt.class)
		require.NoError(t, err, tt.class)
		assert.Equal(t, tt.want, got)
	}
	for _, tt := range []struct {
		f     wsbrowse.Flavor
		class string
	}{
		{wsbrowse.AMT, "Win32_Service"}, {wsbrowse.DASH, "AMT_GeneralSettings"}, {wsbrowse.OpenWSMan, "Win32_BIOS"},
		{wsbrowse.WMI, "not a class"}, {wsbrowse.WMI, ""},
	} {
		_, err := wsbrowse.ResourceURI(tt.f, tt.class)
		assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, "%s %s", tt.f, tt.class)
	}
}

func TestAMT(t *testing.T) {
	cfg := amttest.Config{}
	cfg.TLS = cfg.Generation().TLSOnly
	srv, err := amttest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	c, err := wsbrowse.New(srv.Target(), srv.Credential(), wsbrowse.AMT)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })

	id, err := c.Identify(ctx(t))
	require.NoError(t, err)
	assert.NotEmpty(t, id.ProductVendor)

	gs, err := c.Get(ctx(t), "AMT_GeneralSettings")
	require.NoError(t, err)
	assert.Equal(t, "AMT_GeneralSettings", gs.Class)
	host, ok := gs.Get("HostName")
	require.True(t, ok)
	assert.Equal(t, "amt-sim", host.Value())

	items, err := c.Enumerate(ctx(t), "CIM_Chassis", wsbrowse.EnumerateOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, items)
	assert.Equal(t, "CIM_Chassis", items[0].Class)

	_, err = c.Query(ctx(t), "SELECT * FROM CIM_ComputerSystem", 0)
	assert.ErrorIs(t, err, oobkit.ErrUnsupported, "WQL is WMI's")
}

func TestDASH(t *testing.T) {
	sim, err := dashtest.NewServer(dashtest.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { sim.Close() })
	c, err := wsbrowse.New(sim.Target(), sim.Credential(), wsbrowse.DASH)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })

	_, err = c.Identify(ctx(t))
	require.NoError(t, err)
	items, err := c.Enumerate(ctx(t), "CIM_ComputerSystem", wsbrowse.EnumerateOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, items)
	profiles, err := c.Enumerate(ctx(t), "CIM_RegisteredProfile", wsbrowse.EnumerateOptions{Namespace: "interop"})
	require.NoError(t, err)
	require.NotEmpty(t, profiles)
	_, ok := profiles[0].Get("RegisteredName")
	assert.True(t, ok)
	// A class the computer lacks: the device's fault, classed.
	_, err = c.Enumerate(ctx(t), "CIM_NoSuchThing", wsbrowse.EnumerateOptions{})
	require.Error(t, err)
}

const adminPassword = "Adm1n-Passw0rd"

func newWMI(t *testing.T) (*wmitest.Computer, *wsbrowse.Client) {
	pc := wmitest.NewComputer(wmitest.Config{AdminPassword: adminPassword})
	require.NoError(t, pc.Start())
	t.Cleanup(func() { _ = pc.Close() })
	cred := oobkit.Credential{Auth: oobkit.AuthNTLM, Username: `PC42\Administrator`, Password: oobkit.NewSecret(adminPassword)}
	c, err := wsbrowse.New(pc.Target(), cred, wsbrowse.WMI)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return pc, c
}

func TestWMI(t *testing.T) {
	pc, c := newWMI(t)
	id, err := c.Identify(ctx(t))
	require.NoError(t, err)
	assert.NotEmpty(t, id.ProtocolVersion)

	os, err := c.Enumerate(ctx(t), "Win32_OperatingSystem", wsbrowse.EnumerateOptions{})
	require.NoError(t, err)
	require.Len(t, os, 1)
	caption, _ := os[0].Get("Caption")
	assert.Equal(t, pc.Hardware.OSCaption, caption.Value())

	svcs, err := c.Enumerate(ctx(t), "Win32_Service", wsbrowse.EnumerateOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, svcs)
	name, _ := svcs[0].Get("Name")
	one, err := c.Get(ctx(t), "Win32_Service", wsbrowse.Selector{Name: "Name", Value: name.Value()})
	require.NoError(t, err)
	got, _ := one.Get("Name")
	assert.Equal(t, name.Value(), got.Value())

	// A WQL filter.
	running, err := c.Query(ctx(t), "SELECT * FROM Win32_Service WHERE State = 'Running'", 0)
	require.NoError(t, err)
	require.NotEmpty(t, running, "the simulated computer runs services")
	for _, s := range running {
		st, _ := s.Get("State")
		assert.Equal(t, "Running", st.Value())
	}
	assert.Less(t, len(running), len(svcs), "the filter left the stopped services out")
}

// TestBadWQL: a query that is not WQL is refused before it is sent, and one
// the computer rejects is quoted in a clear error.
func TestBadWQL(t *testing.T) {
	pc, c := newWMI(t)
	before := pc.Counters().Requests
	for _, q := range []string{"", "DELETE FROM Win32_Service", "SELECT *", "SELECT * FROM Win32_Service WHERE Name = 'x",
		"SELECT * FROM Win32_Service WHERE (State = 'Running'"} {
		_, err := c.Query(ctx(t), q, 0)
		assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, q)
		assert.Contains(t, err.Error(), "bad WQL", q)
	}
	assert.Equal(t, before, pc.Counters().Requests, "nothing sent")

	_, err := c.Query(ctx(t), "SELECT * FROM Win32_Service WHERE State ~~ 3", 0)
	require.Error(t, err)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "rejected the WQL query")
	assert.Contains(t, err.Error(), "State ~~ 3")
}

func TestCheckWQL(t *testing.T) {
	class, err := wsbrowse.CheckWQL("select Name, State from Win32_Service where StartMode = 'Auto'")
	require.NoError(t, err)
	assert.Equal(t, "Win32_Service", class)
}

func FuzzCheckWQL(f *testing.F) {
	f.Add("SELECT * FROM Win32_Service WHERE Name = 'x'")
	f.Add("SELECT a,b FROM C_D")
	f.Fuzz(func(t *testing.T, q string) {
		class, err := wsbrowse.CheckWQL(q)
		if err == nil && class == "" {
			t.Fatal("no class")
		}
	})
}
