package view_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/view"
)

// node returns the node named name of nodes.
func node(t *testing.T, nodes []view.Node, name string) view.Node {
	t.Helper()
	for _, n := range nodes {
		if n.Name() == name {
			return n
		}
	}
	t.Fatalf("no node %q", name)
	return view.Node{}
}

func served(t *testing.T, n view.Node, by ...oobkit.Protocol) {
	t.Helper()
	require.NoError(t, n.Err, n.Name())
	assert.Equal(t, by, n.ServedBy, n.Name())
	require.NotNil(t, n.Content, n.Name())
	require.NotEmpty(t, n.Content.Records, n.Name())
}

// TestWMIServesItsNodes: a Windows computer reached only by WMI. Table A-4:
// "xWMI or AMT or DASHComputer nameBasic Information" — WMI, the first
// technology of the row, serves it; "AMTProduct" has no WMI, so the node
// says it is not served and names AMT.
func TestWMIServesItsNodes(t *testing.T) {
	pc, c := newWMI(t)
	nodes, err := (&view.View{}).Assemble(ctx(t), view.Clients{oobkit.WMI: c})
	require.NoError(t, err)
	require.Len(t, nodes, len(view.Rows()))

	n := node(t, nodes, "Basic Information/Computer name")
	served(t, n, oobkit.WMI)
	assert.Equal(t, pc.Name, n.Content.Records[0].Get("Computer Name"))
	assert.Equal(t, []oobkit.Protocol{oobkit.WMI}, n.Tried)
	assert.True(t, n.OutOfBand)

	served(t, node(t, nodes, "Basic Information/Domain"), oobkit.WMI)
	served(t, node(t, nodes, "Basic Information/Currently logged in user"), oobkit.WMI)
	os := node(t, nodes, "Basic Information/Operation system")
	served(t, os, oobkit.WMI)
	assert.Equal(t, pc.Hardware.OSCaption, os.Content.Records[0].Get("Operating System"))
	served(t, node(t, nodes, "CPU Information/Name"), oobkit.WMI)
	served(t, node(t, nodes, "Memory Usage/Physical"), oobkit.WMI)
	served(t, node(t, nodes, "Disk Usage/Free"), oobkit.WMI)
	served(t, node(t, nodes, "Physical System/BIOS"), oobkit.WMI)
	served(t, node(t, nodes, "Physical System/Computer System"), oobkit.WMI)
	served(t, node(t, nodes, "Mass Storage/Logical Drive"), oobkit.WMI)
	qfe := node(t, nodes, "Operating System/Quick-Fix Engineering")
	served(t, qfe, oobkit.WMI)
	var ids []string
	for _, r := range qfe.Content.Records {
		ids = append(ids, r.Get("HotFixID"))
	}
	assert.Equal(t, pc.Hardware.HotFixes, ids)
	// "WMI and AMT" Disk Drive: WMI serves its part, AMT's absence is noted.
	dd := node(t, nodes, "Mass Storage/Disk Drive")
	served(t, dd, oobkit.WMI)
	require.Len(t, dd.Notes, 1)
	assert.Contains(t, dd.Notes[0], "AMT")

	p := node(t, nodes, "Basic Information/Product")
	require.Error(t, p.Err)
	assert.ErrorIs(t, p.Err, oobkit.ErrUnsupported)
	assert.ErrorIs(t, p.Err, oobkit.ErrNotDetected, "the per-technology cause is kept")
	assert.Contains(t, p.Err.Error(), "not served by AMT")
	assert.Nil(t, p.Content)
	assert.Equal(t, p.Err.Error(), p.Error)
}

// TestFallbackToAMT: the first technology of "WMI or AMT or DASH" is
// missing (the OS is down, only AMT answers): AMT serves the node, and the
// node records that WMI was tried first.
func TestFallbackToAMT(t *testing.T) {
	_, c := newAMT(t)
	nodes, err := (&view.View{}).Assemble(ctx(t), view.Clients{oobkit.AMT: c})
	require.NoError(t, err)
	n := node(t, nodes, "Basic Information/Computer name")
	served(t, n, oobkit.AMT)
	assert.Equal(t, []oobkit.Protocol{oobkit.WMI, oobkit.AMT}, n.Tried)
	assert.Equal(t, "amt-sim", n.Content.Records[0].Get("Computer Name"))
	served(t, node(t, nodes, "Basic Information/Product"), oobkit.AMT)
	served(t, node(t, nodes, "Physical System/BIOS"), oobkit.AMT)
	served(t, node(t, nodes, "Physical System/Processor"), oobkit.AMT)
	served(t, node(t, nodes, "Physical System/Motherboard Device"), oobkit.AMT)
	// Table A-5: "xAMTIntel AMT Event Log".
	el := node(t, nodes, "Intel AMT Event Log")
	require.NoError(t, el.Err)
	assert.Equal(t, []oobkit.Protocol{oobkit.AMT}, el.ServedBy)
	// A WMI-only node names WMI as the technology tried.
	dom := node(t, nodes, "Basic Information/Domain")
	assert.ErrorIs(t, dom.Err, oobkit.ErrUnsupported)
	assert.Contains(t, dom.Err.Error(), "not served by WMI")
}

// TestFallbackToDASH: "WMI or AMT or DASH" with neither WMI nor AMT: DASH
// serves it after both were tried; "xDASH or IPMISensors" is served by
// DASH, the first.
func TestFallbackToDASH(t *testing.T) {
	_, c := newDASH(t)
	nodes, err := (&view.View{}).Assemble(ctx(t), view.Clients{oobkit.DASH: c})
	require.NoError(t, err)
	n := node(t, nodes, "Basic Information/Computer name")
	served(t, n, oobkit.DASH)
	assert.Equal(t, []oobkit.Protocol{oobkit.WMI, oobkit.AMT, oobkit.DASH}, n.Tried)
	served(t, node(t, nodes, "Physical System/DASH Registered Profiles"), oobkit.DASH)
	served(t, node(t, nodes, "Physical System/Processor"), oobkit.DASH)
	served(t, node(t, nodes, "Physical System/Computer System"), oobkit.DASH)
}

// TestFallbackToIPMI: "xWMI or AMT or IPMI BIOS" on a server with only a
// BMC is served by IPMI, and so is Table A-5's "xIPMISystem Event Log".
func TestFallbackToIPMI(t *testing.T) {
	_, c := newIPMI(t)
	v := &view.View{Rows: rowsNamed(t, "Physical System/BIOS", "System Event Log", "Physical System/Computer System")}
	nodes, err := v.Assemble(ctx(t), view.Clients{oobkit.IPMI: c})
	require.NoError(t, err)
	bios := node(t, nodes, "Physical System/BIOS")
	served(t, bios, oobkit.IPMI)
	assert.Equal(t, []oobkit.Protocol{oobkit.WMI, oobkit.AMT, oobkit.IPMI}, bios.Tried)
	// go-ipmi's embedded BMC has no SEL: the node says so, with the
	// BMC's completion code (0xC1, invalid command).
	sel := node(t, nodes, "System Event Log")
	assert.ErrorIs(t, sel.Err, oobkit.ErrUnsupported)
	assert.Equal(t, []oobkit.Protocol{oobkit.IPMI}, sel.Tried)
	assert.Contains(t, sel.Err.Error(), "0xc1")
	served(t, node(t, nodes, "Physical System/Computer System"), oobkit.IPMI)
}

// TestWindowsLogs: the Application log is read through WMI; a domain
// controller's log on a workstation is not served, and says why (Table A-5:
// "This log is only available for clients that are Domain Controllers").
func TestWindowsLogs(t *testing.T) {
	_, c := newWMI(t)
	v := &view.View{Rows: rowsNamed(t, "Application Log", "DNS Server Log")}
	nodes, err := v.Assemble(ctx(t), view.Clients{oobkit.WMI: c})
	require.NoError(t, err)
	app := node(t, nodes, "Application Log")
	require.NoError(t, app.Err)
	assert.Equal(t, []oobkit.Protocol{oobkit.WMI}, app.ServedBy)
	dns := node(t, nodes, "DNS Server Log")
	assert.ErrorIs(t, dns.Err, oobkit.ErrUnsupported)
	assert.Contains(t, dns.Err.Error(), "domain controllers")
}

// TestEveryTechnology: a computer reached by WMI, AMT, DASH and IPMI at
// once. Every node is either served by a technology of its row or says
// why not; the "or" rows are served by their first technology.
func TestEveryTechnology(t *testing.T) {
	_, w := newWMI(t)
	_, a := newAMT(t)
	_, d := newDASH(t)
	_, i := newIPMI(t)
	conns := view.Clients{oobkit.WMI: w, oobkit.AMT: a, oobkit.DASH: d, oobkit.IPMI: i}
	nodes, err := (&view.View{}).Assemble(ctx(t), conns)
	require.NoError(t, err)
	n := 0
	for _, nd := range nodes {
		if nd.Err != nil {
			assert.ErrorIs(t, nd.Err, oobkit.ErrUnsupported, nd.Name())
			continue
		}
		n++
		for _, p := range nd.ServedBy {
			assert.Contains(t, nd.Techs, p, nd.Name())
		}
		if !nd.And {
			assert.Len(t, nd.ServedBy, 1, nd.Name())
			assert.Equal(t, nd.Tried[len(nd.Tried)-1], nd.ServedBy[0], nd.Name())
		}
	}
	t.Logf("%d of %d nodes served", n, len(nodes))
	served(t, node(t, nodes, "Basic Information/Computer name"), oobkit.WMI)
	served(t, node(t, nodes, "Physical System/Sensors"), oobkit.DASH)
	// "WMI and AMT" Disk Drive: both serve their part.
	served(t, node(t, nodes, "Mass Storage/Disk Drive"), oobkit.WMI, oobkit.AMT)
}

func rowsNamed(t *testing.T, names ...string) []view.Row {
	t.Helper()
	var out []view.Row
	for _, n := range names {
		r, ok := view.Find(n)
		require.True(t, ok, n)
		out = append(out, r)
	}
	return out
}

// TestStreamedSlowNodeDoesNotHold: a node whose reader blocks does not hold
// back the others: they arrive while it is still reading.
func TestStreamedSlowNodeDoesNotHold(t *testing.T) {
	reg := view.NewRegistry()
	release := make(chan struct{})
	reg.Register("slow", oobkit.WMI, func(ctx context.Context, _ oobkit.Client) (*view.Table, error) {
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return (&view.Table{}).Add("", "k", "slow"), nil
	})
	for _, n := range []string{"a", "b", "c"} {
		reg.Register(n, oobkit.WMI, func(context.Context, oobkit.Client) (*view.Table, error) {
			return (&view.Table{}).Add("", "k", n), nil
		})
	}
	rows := []view.Row{{Table: "X", Group: "slow", Techs: []oobkit.Protocol{oobkit.WMI}}}
	for _, n := range []string{"a", "b", "c"} {
		rows = append(rows, view.Row{Table: "X", Group: n, Techs: []oobkit.Protocol{oobkit.WMI}})
	}
	v := &view.View{Rows: rows, Registry: reg}
	ch := v.Nodes(ctx(t), view.Clients{oobkit.WMI: fakeClient{}})
	var first []string
	for range 3 {
		n := <-ch
		first = append(first, n.Name())
	}
	assert.ElementsMatch(t, []string{"a", "b", "c"}, first)
	close(release)
	last, ok := <-ch
	require.True(t, ok)
	assert.Equal(t, "slow", last.Name())
	_, ok = <-ch
	assert.False(t, ok, "closed after the last node")
}

// TestStreamHonoursContext: cancelling ends the stream; the blocked reader
// sees the cancellation.
func TestStreamHonoursContext(t *testing.T) {
	reg := view.NewRegistry()
	reg.Register("stuck", oobkit.WMI, func(ctx context.Context, _ oobkit.Client) (*view.Table, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	c, cancel := context.WithCancel(ctx(t))
	v := &view.View{Rows: []view.Row{{Group: "stuck", Techs: []oobkit.Protocol{oobkit.WMI}}}, Registry: reg}
	done := make(chan error)
	go func() { done <- v.Stream(c, view.Clients{oobkit.WMI: fakeClient{}}, func(view.Node) {}) }()
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
}

// TestNoReaderNamesTechnology: a node with no reader for the technology
// that is connected says so.
func TestNoReaderNamesTechnology(t *testing.T) {
	n := view.Serve(ctx(t), view.NewRegistry(), view.Clients{oobkit.WMI: fakeClient{}},
		view.Row{Group: "Printer", Techs: []oobkit.Protocol{oobkit.WMI}})
	require.Error(t, n.Err)
	assert.ErrorIs(t, n.Err, oobkit.ErrUnsupported)
	assert.True(t, strings.Contains(n.Err.Error(), "no WMI reader"), n.Err.Error())
	var oe *oobkit.Error
	assert.True(t, errors.As(n.Err, &oe))
}

// TestOnceSharesInventory: the nodes of one assembly read each
// technology's inventory once.
func TestOnceSharesInventory(t *testing.T) {
	pc, c := newWMI(t)
	v := &view.View{Rows: rowsNamed(t, "Basic Information/Computer name")}
	_, err := v.Assemble(ctx(t), view.Clients{oobkit.WMI: c}) // authenticates
	require.NoError(t, err)
	before := pc.Counters()
	v.Rows = rowsNamed(t, "Basic Information/Computer name", "Basic Information/Domain", "Physical System/BIOS")
	_, err = v.Assemble(ctx(t), view.Clients{oobkit.WMI: c})
	require.NoError(t, err)
	mid := pc.Counters()
	v.Rows = rowsNamed(t, "Basic Information/Computer name")
	_, err = v.Assemble(ctx(t), view.Clients{oobkit.WMI: c})
	require.NoError(t, err)
	after := pc.Counters()
	assert.Equal(t, mid.Requests-before.Requests, after.Requests-mid.Requests, "three nodes cost what one does")
}

type fakeClient struct{}

func (fakeClient) Protocol() oobkit.Protocol { return oobkit.WMI }
func (fakeClient) Close() error              { return nil }

// lockedConns is a Connections that fails the test when used concurrently,
// as a *tasks.Session must not be.
type lockedConns struct {
	t     *testing.T
	mu    sync.Mutex
	busy  bool
	calls map[oobkit.Protocol]int
	c     view.Clients
}

func (l *lockedConns) Use(ctx context.Context, p oobkit.Protocol, fn func(oobkit.Client) error) error {
	l.mu.Lock()
	if l.busy {
		l.t.Error("used concurrently")
	}
	l.busy = true
	l.calls[p]++
	l.mu.Unlock()
	defer func() { l.mu.Lock(); l.busy = false; l.mu.Unlock() }()
	return l.c.Use(ctx, p, fn)
}

// TestShared: a connection source that is not safe for concurrent use is
// called one at a time until a protocol's first success, and then no more.
func TestShared(t *testing.T) {
	_, w := newWMI(t)
	lc := &lockedConns{t: t, c: view.Clients{oobkit.WMI: w}, calls: map[oobkit.Protocol]int{}}
	nodes, err := (&view.View{}).Assemble(ctx(t), view.Shared(lc))
	require.NoError(t, err)
	served(t, node(t, nodes, "Basic Information/Computer name"), oobkit.WMI)
	lc.mu.Lock()
	defer lc.mu.Unlock()
	// A WMI call goes through the source only until one succeeds: at most
	// once per WMI read that failed, plus the first success.
	failedWMI, wmiReads := 0, 0
	for _, n := range nodes {
		if slices.Contains(n.Tried, oobkit.WMI) {
			if _, ok := view.Default.Lookup(n.Name(), oobkit.WMI); ok {
				wmiReads++
				if !slices.Contains(n.ServedBy, oobkit.WMI) {
					failedWMI++
				}
			}
		}
	}
	assert.LessOrEqual(t, lc.calls[oobkit.WMI], failedWMI+1)
	assert.Less(t, failedWMI+1, wmiReads, "the bound says something")
}

// TestAllStopsEarly: breaking out of the iterator ends the reads still
// running (goleak checks that none is left).
func TestAllStopsEarly(t *testing.T) {
	reg := view.NewRegistry()
	reg.Register("fast", oobkit.WMI, func(context.Context, oobkit.Client) (*view.Table, error) {
		return (&view.Table{}).Add("", "k", "v"), nil
	})
	reg.Register("stuck", oobkit.WMI, func(ctx context.Context, _ oobkit.Client) (*view.Table, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	v := &view.View{Registry: reg, Rows: []view.Row{
		{Group: "stuck", Techs: []oobkit.Protocol{oobkit.WMI}},
		{Group: "fast", Techs: []oobkit.Protocol{oobkit.WMI}},
	}}
	var got []string
	for n := range v.All(ctx(t), view.Clients{oobkit.WMI: fakeClient{}}) {
		got = append(got, n.Name())
		break
	}
	assert.Equal(t, []string{"fast"}, got)
}
