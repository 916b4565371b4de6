package main

// The one-to-one view (the RTSM guide's Appendix A), custom views, WS-Man
// browsing, WQL queries and trace route.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/connect"
	"github.com/oobkit/oobkit/profile"
	"github.com/oobkit/oobkit/tasks"
	"github.com/oobkit/oobkit/traceroute"
	"github.com/oobkit/oobkit/view"
	"github.com/oobkit/oobkit/wsbrowse"
)

// cmdView prints one computer's one-to-one view: every node of Tables A-4,
// as it arrives (or one node, --node), plus the nodes of
// custom view files (--custom).
func (a *app) cmdView(ctx context.Context, args []string) error {
	var nodeName string
	var customs stringList
	pos, err := a.commandArgs("view", args, func(fs *flag.FlagSet) {
		fs.StringVar(&nodeName, "node", "", "")
		fs.Var(&customs, "custom", "")
	})
	if err != nil {
		return err
	}
	if err := noArgs("view", pos); err != nil {
		return err
	}
	t, err := a.oneTarget()
	if err != nil {
		return err
	}
	reg := view.Default.Clone()
	rows := view.Rows()
	var files []*view.ViewFile
	for _, path := range customs {
		f, err := view.LoadViewFile(path)
		if err != nil {
			return usagef("--custom: %v", err)
		}
		f.Register(reg)
		rows = append(rows, f.Rows()...)
		files = append(files, f)
	}
	flavor, err := view.CustomFlavor(files...)
	if err != nil {
		return usagef("--custom: %v", err)
	}
	if nodeName != "" {
		r, ok := view.FindIn(rows, nodeName)
		if !ok {
			return usagef("--node: no node %q (names as Tables A-4 to A-6 print them, e.g. \"Computer name\" or \"Physical System/BIOS\")", nodeName)
		}
		rows = []view.Row{r}
	}
	creds, err := a.credentialsFor(ctx, profile.OriginOneToOne)
	if err != nil {
		return err
	}
	ctx, conn, closeLog, err := a.connector(ctx, creds, nil)
	if err != nil {
		return err
	}
	defer closeLog()
	ctx, cancel := context.WithTimeout(ctx, a.opt.timeout)
	defer cancel()
	protos, _ := a.protocolList()
	if protos == nil {
		protos = connect.TargetProtocols(conn.Protocols())(t)
	}
	sess := conn.Session(t, protos...)
	defer sess.Close()
	var b *wsbrowse.Client
	if flavor != "" {
		if b, err = a.browser(ctx, t, creds, flavor, ""); err != nil {
			return err
		}
		defer b.Close()
	}
	conns := view.WithBrowser(view.Shared(sess), b)
	v := &view.View{Rows: rows, Registry: reg}
	var nodes []view.Node
	failed := 0
	err = v.Stream(ctx, conns, func(n view.Node) {
		if n.Err != nil {
			failed++
		}
		if a.opt.json {
			nodes = append(nodes, n)
			return
		}
		writeNode(a.stdout, n)
	})
	a.saveRuntime(ctx)
	if err != nil {
		return fmt.Errorf("view %s: %w", t, err)
	}
	if a.opt.json {
		order := map[string]int{}
		for i, r := range rows {
			order[r.Table+"|"+r.Name()] = i
		}
		sortNodes(nodes, order)
		return writeJSON(a.stdout, struct {
			Target string      `json:"target"`
			Nodes  []view.Node `json:"nodes"`
		}{t.String(), nodes})
	}
	if nodeName != "" && failed > 0 {
		return errTargetsFailed
	}
	return nil
}

func sortNodes(nodes []view.Node, order map[string]int) {
	for i := 1; i < len(nodes); i++ {
		for j := i; j > 0 && order[nodes[j].Table+"|"+nodes[j].Name()] < order[nodes[j-1].Table+"|"+nodes[j-1].Name()]; j-- {
			nodes[j], nodes[j-1] = nodes[j-1], nodes[j]
		}
	}
}

// writeNode prints one node as it arrives.
func writeNode(w io.Writer, n view.Node) {
	marks := "Table " + n.Table
	if n.Table == view.CustomTable {
		marks = "custom view"
	}
	if n.OutOfBand {
		marks += ", out-of-band"
	}
	if n.Err != nil {
		fmt.Fprintf(w, "== %s  [%s; %s]  not served: %s\n", n.Name(), marks, n.Requirement(), cell(n.Err.Error()))
		return
	}
	served := make([]string, len(n.ServedBy))
	for i, p := range n.ServedBy {
		served[i] = strings.ToUpper(string(p))
	}
	fmt.Fprintf(w, "== %s  [%s; %s]  served by %s (%s)\n", n.Name(), marks, n.Requirement(), strings.Join(served, ", "), roundDuration(n.Elapsed))
	for i, r := range n.Content.Records {
		if i > 0 {
			fmt.Fprintln(w, "   --")
		}
		for _, p := range r.Properties {
			fmt.Fprintf(w, "   %s: %s\n", cell(p.Name), cell(p.Value))
		}
	}
	for _, note := range n.Notes {
		fmt.Fprintf(w, "   (not from %s)\n", cell(note))
	}
}

// browser opens a WS-Management browser of flavor f on t (view.Browser):
// basic authentication over plain HTTP only under --allow-unencrypted.
func (a *app) browser(ctx context.Context, t oobkit.Target, creds tasks.Credentials, f wsbrowse.Flavor, endpoint string) (*wsbrowse.Client, error) {
	b, err := view.Browser(ctx, t, creds, f, view.BrowserOptions{Endpoint: endpoint, AllowUnencrypted: a.opt.allowPlain})
	if errors.Is(err, oobkit.ErrInvalidArgument) {
		return nil, usagef("%v", err)
	}
	return b, err
}

// cmdWSMan browses any WS-Management service: identify, enum CLASS|URI,
// get CLASS|URI Name=Value….
func (a *app) cmdWSMan(ctx context.Context, args []string) error {
	var flavor, endpoint, namespace string
	var max int
	pos, err := a.commandArgs("wsman", args, func(fs *flag.FlagSet) {
		fs.StringVar(&flavor, "flavor", "amt", "")
		fs.StringVar(&endpoint, "endpoint", "", "")
		fs.StringVar(&namespace, "namespace", "", "")
		fs.IntVar(&max, "max", 0, "")
	})
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("wsman wants identify, enum CLASS or get CLASS Name=Value…")
	}
	var sels []wsbrowse.Selector
	switch {
	case pos[0] == "identify" && len(pos) == 1:
	case pos[0] == "enum" && len(pos) == 2:
	case pos[0] == "get" && len(pos) >= 2:
		if sels, err = wsbrowse.ParseSelectors(pos[2:]); err != nil {
			return usagef("%v", err)
		}
	default:
		return usagef("wsman wants identify, enum CLASS or get CLASS Name=Value…")
	}
	t, err := a.oneTarget()
	if err != nil {
		return err
	}
	creds, err := a.credentialsFor(ctx, profile.OriginOneToOne)
	if err != nil {
		return err
	}
	b, err := a.browser(ctx, t, creds, wsbrowse.Flavor(strings.ToLower(flavor)), endpoint)
	if err != nil {
		return err
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(ctx, a.opt.timeout)
	defer cancel()
	switch pos[0] {
	case "identify":
		id, err := b.Identify(ctx)
		if err != nil {
			return fmt.Errorf("wsman identify %s: %w", t, err)
		}
		if a.opt.json {
			return writeJSON(a.stdout, id)
		}
		fmt.Fprintf(a.stdout, "Protocol version: %s\nProduct vendor:   %s\nProduct version:  %s\n", id.ProtocolVersion, id.ProductVendor, id.ProductVersion)
		if len(id.SecurityProfiles) > 0 {
			fmt.Fprintf(a.stdout, "Security profiles: %s\n", strings.Join(id.SecurityProfiles, ", "))
		}
		return nil
	case "enum":
		items, err := b.Enumerate(ctx, pos[1], wsbrowse.EnumerateOptions{Max: max, Namespace: namespace})
		if err != nil {
			return fmt.Errorf("wsman enum %s %s: %w", t, pos[1], err)
		}
		return a.writeInstances(items)
	default:
		in, err := b.Get(ctx, pos[1], sels...)
		if err != nil {
			return fmt.Errorf("wsman get %s %s: %w", t, pos[1], err)
		}
		return a.writeInstances([]wsbrowse.Instance{*in})
	}
}

// writeInstances prints instances, property per line, or JSON.
func (a *app) writeInstances(items []wsbrowse.Instance) error {
	if a.opt.json {
		if items == nil {
			items = []wsbrowse.Instance{}
		}
		return writeJSON(a.stdout, items)
	}
	for i, in := range items {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		fmt.Fprintf(a.stdout, "%s\n", in.Class)
		for _, p := range in.Properties {
			fmt.Fprintf(a.stdout, "  %s: %s\n", cell(p.Name), cell(p.Value()))
		}
	}
	if len(items) == 0 {
		fmt.Fprintln(a.stdout, "no instances")
	}
	return nil
}

// cmdWMI runs a WQL query: wmi query "SELECT …".
func (a *app) cmdWMI(ctx context.Context, args []string) error {
	var max int
	pos, err := a.commandArgs("wmi", args, func(fs *flag.FlagSet) {
		fs.IntVar(&max, "max", 0, "")
	})
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[0] != "query" {
		return usagef("wmi wants: wmi query \"SELECT … FROM Class [WHERE …]\"")
	}
	if _, err := wsbrowse.CheckWQL(pos[1]); err != nil {
		return usagef("%v", err)
	}
	t, err := a.oneTarget()
	if err != nil {
		return err
	}
	creds, err := a.credentialsFor(ctx, profile.OriginOneToOne)
	if err != nil {
		return err
	}
	b, err := a.browser(ctx, t, creds, wsbrowse.WMI, "")
	if err != nil {
		return err
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(ctx, a.opt.timeout)
	defer cancel()
	items, err := b.Query(ctx, pos[1], max)
	if err != nil {
		if errors.Is(err, oobkit.ErrInvalidArgument) {
			return usagef("%v", err)
		}
		return fmt.Errorf("wmi query %s: %w", t, err)
	}
	return a.writeInstances(items)
}

// cmdTraceroute traces the route to each computer, beside portcheck; it
// needs no credential.
func (a *app) cmdTraceroute(ctx context.Context, args []string) error {
	var method string
	var maxHops int
	var probeTimeout time.Duration
	pos, err := a.commandArgs("traceroute", args, func(fs *flag.FlagSet) {
		fs.StringVar(&method, "method", "", "")
		fs.IntVar(&maxHops, "max-hops", 0, "")
		fs.DurationVar(&probeTimeout, "probe-timeout", 0, "")
	})
	if err != nil {
		return err
	}
	if err := noArgs("traceroute", pos); err != nil {
		return err
	}
	t := &tasks.TraceRouteTask{Method: traceroute.Method(strings.ToLower(method)), MaxHops: maxHops, Timeout: tasks.Duration(probeTimeout)}
	if err := t.Validate(); err != nil {
		return usagef("%v", err)
	}
	a.portCheck = true // like portcheck: no credential, no probe of the management ports
	return a.runJob(ctx, oneStep("traceroute", t))
}
