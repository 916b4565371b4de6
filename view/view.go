// Package view assembles the one-to-one real-time view of a computer: every
// node of the RTSM guide's Tables A-4 (summary audit nodes), A-5 (event
// logs) and A-6 (static information nodes), each served by the first
// technology of its row that answers ("WMI or AMT or DASH" is a fallback
// order), recording which technology served it.
//
// Nodes are streamed as they arrive ([View.Stream], [View.Nodes]), so a
// slow node does not hold the page. What a node shows comes from a
// [Reader] found in a [Registry] by node name and technology. [Default]
// has a reader for every technology of every row except Virtual memory
// through AMT or DASH (firmware does not see the operating system's
// virtual memory):
//
//   - WMI: each node of wmi.Nodes read with wmi.Client.ReadNode, the
//     Registry node reading [RegistryKey], the Table A-4 summary nodes
//     from the inventory and from the classes that report them
//     (Win32_ComputerSystem.PrimaryOwnerName, Win32_Processor.LoadPercentage,
//     Win32_OperatingSystem's virtual memory, Win32_PageFileUsage,
//     Win32_LogicalDisk.FileSystem, security updates and the firewall and
//     Defender services), Win32_BaseBoard, the Windows event logs;
//   - AMT: the inventory, amt.Client.NodeRows (battery, FRU, agent
//     watchdogs, network settings, wireless profiles), the System Defense
//     policy of each interface, the event log;
//   - DASH: the inventory, dash.Client.NodeRows (software, fans, FRU,
//     power supplies, sensors), the registered profiles;
//   - SNMP: the inventory, snmp.Client.NodeRows (route table, adapters);
//   - IPMI: the inventory, the SEL, the LAN configuration parameters.
//
// Readers are replaced or added with [Registry.Register] (on a
// [Registry.Clone] to leave Default alone), keyed by the node's [Row.Name]
// ("Group/Data" as the tables print them, e.g. "Input and Output
// Devices/Printer", "Physical System/Fan") and the technology. [Typed]
// adapts a client method returning a list of structs:
//
//	reg := view.Default.Clone()
//	reg.Register("Physical System/Fan", oobkit.DASH,
//		view.Typed(func(ctx context.Context, c *dash.Client) ([]dash.Fan, error) { return c.Fans(ctx) }))
//
// Custom views ([ViewFile], YAML) add nodes read from any WS-Management
// service through package wsbrowse.
package view

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/panics"
)

// Property is one name/value line of a node.
type Property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Record is one instance a node shows (one disk, one event, one adapter).
type Record struct {
	// Source is the technology the record came from.
	Source     oobkit.Protocol `json:"source,omitempty"`
	Properties []Property      `json:"properties"`
}

// Get returns the value of the property named name ("" when absent).
func (r Record) Get(name string) string {
	for _, p := range r.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// Table is what a node shows: a list of records of property name/value
// lines, as the Resource Manager's detailed view lists them.
type Table struct {
	Records []Record `json:"records"`
}

// Add appends a record of name/value pairs (pairs with an empty value are
// left out) and returns t.
func (t *Table) Add(src oobkit.Protocol, pairs ...string) *Table {
	rec := Record{Source: src}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			rec.Properties = append(rec.Properties, Property{Name: pairs[i], Value: pairs[i+1]})
		}
	}
	t.Records = append(t.Records, rec)
	return t
}

// Reader reads one node through one technology from that technology's
// client (a *wmi.Client, *amt.Client, … as the [Connections] give it). A
// Reader that finds the client is not of the type it reads returns an error
// wrapping [oobkit.ErrUnsupported].
type Reader func(ctx context.Context, c oobkit.Client) (*Table, error)

// Registry maps a node name ([Row.Name]) and a technology to the [Reader]
// that serves it. It is safe for concurrent use.
type Registry struct {
	mu sync.RWMutex
	m  map[regKey]Reader
}

type regKey struct {
	node string
	tech oobkit.Protocol
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{m: map[regKey]Reader{}} }

// Register sets the reader of node through tech, replacing any.
func (r *Registry) Register(node string, tech oobkit.Protocol, fn Reader) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[regKey{node, tech}] = fn
}

// Lookup returns the reader of node through tech.
func (r *Registry) Lookup(node string, tech oobkit.Protocol) (Reader, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	fn, ok := r.m[regKey{node, tech}]
	return fn, ok
}

// Clone returns a copy of r, to extend without changing r.
func (r *Registry) Clone() *Registry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c := NewRegistry()
	for k, v := range r.m {
		c.m[k] = v
	}
	return c
}

// Default holds the built-in readers (see builtin.go).
var Default = NewRegistry()

// Connections gives the view the clients of one computer. Use runs fn
// with the client of protocol p, or returns why there is none (an error
// wrapping [oobkit.ErrNotDetected] when the computer has no connection of
// that protocol). *tasks.Session has this method; it is not safe for
// concurrent use, so wrap it with [Serialized].
type Connections interface {
	Use(ctx context.Context, p oobkit.Protocol, fn func(oobkit.Client) error) error
}

// Clients is [Connections] over clients already open, safe for concurrent
// use when the clients are (oobkit's clients are).
type Clients map[oobkit.Protocol]oobkit.Client

// Use runs fn with c[p].
func (c Clients) Use(_ context.Context, p oobkit.Protocol, fn func(oobkit.Client) error) error {
	cl, ok := c[p]
	if !ok || cl == nil {
		return &oobkit.Error{Protocol: p, Op: "connect", Class: oobkit.ErrNotDetected, Message: "no " + upper(p) + " connection to this computer"}
	}
	return fn(cl)
}

// Serialized makes c safe for concurrent use by running one Use at a time.
func Serialized(c Connections) Connections { return &serialized{c: c} }

type serialized struct {
	mu sync.Mutex
	c  Connections
}

func (s *serialized) Use(ctx context.Context, p oobkit.Protocol, fn func(oobkit.Client) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c.Use(ctx, p, fn)
}

// Shared makes c, which is not safe for concurrent use (a *tasks.Session),
// usable by the view's concurrent readers without serialising them all:
// calls of a protocol run one at a time under a lock until one succeeds —
// the session dials, offers its credentials in order and learns the one
// that works — and from then on the client that served it is called
// directly, concurrently (oobkit's clients are safe for concurrent use).
// Those later calls bypass c, so c logs the protocol's first successful
// call, not each read.
func Shared(c Connections) Connections {
	return &shared{c: c, ok: map[oobkit.Protocol]oobkit.Client{}}
}

type shared struct {
	mu sync.Mutex
	c  Connections
	ok map[oobkit.Protocol]oobkit.Client
}

func (s *shared) Use(ctx context.Context, p oobkit.Protocol, fn func(oobkit.Client) error) error {
	s.mu.Lock()
	if cl, ok := s.ok[p]; ok {
		s.mu.Unlock()
		return fn(cl)
	}
	defer s.mu.Unlock()
	var used oobkit.Client
	err := s.c.Use(ctx, p, func(cl oobkit.Client) error {
		used = cl
		return fn(cl)
	})
	if err == nil && used != nil {
		s.ok[p] = used
	}
	return err
}

// Node is one node of the view as it arrives.
type Node struct {
	Row
	// ServedBy lists the technologies whose data the node shows: the one
	// that answered of an "or" row, every one that answered of an "and"
	// row.
	ServedBy []oobkit.Protocol `json:"servedBy,omitempty"`
	// Tried lists the technologies asked, in order.
	Tried []oobkit.Protocol `json:"tried,omitempty"`
	// Content is what the node shows (nil when Err is set).
	Content *Table `json:"content,omitempty"`
	// Err says why the node could not be served: it wraps
	// [oobkit.ErrUnsupported] and names every technology tried and what
	// each answered (the per-technology errors are wrapped too, so
	// errors.Is(err, oobkit.ErrAuth) tells a refused credential).
	Err error `json:"-"`
	// Error is Err's text, for JSON.
	Error string `json:"error,omitempty"`
	// Notes holds the failures of the technologies that did not serve an
	// "and" row served by another.
	Notes []string `json:"notes,omitempty"`
	// Elapsed is how long the node took.
	Elapsed time.Duration `json:"elapsedNs"`
}

// View assembles the one-to-one view.
type View struct {
	// Rows are the nodes to serve; nil means [Rows]() (every node of
	// Tables ).
	Rows []Row
	// Registry holds the readers; nil means [Default].
	Registry *Registry
	// Parallel bounds the nodes read at once; 0 means 8.
	Parallel int
}

// Stream serves every node and calls fn with each as it is ready (from one
// goroutine at a time), in the order they finish. It returns when every
// node was delivered, or ctx's error when ctx ended first (the nodes not
// yet delivered are then dropped).
func (v *View) Stream(ctx context.Context, conns Connections, fn func(Node)) error {
	ch := v.Nodes(ctx, conns)
	for n := range ch {
		fn(n)
	}
	return ctx.Err()
}

// Nodes serves every node on a channel, closed when all are sent or ctx
// ends. The reader must drain it or cancel ctx.
func (v *View) Nodes(ctx context.Context, conns Connections) <-chan Node {
	rows := v.Rows
	if rows == nil {
		rows = Rows()
	}
	reg := v.Registry
	if reg == nil {
		reg = Default
	}
	par := v.Parallel
	if par <= 0 {
		par = 8
	}
	ctx = withCache(ctx)
	out := make(chan Node)
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	go func() {
		defer close(out)
		defer wg.Wait()
		for _, r := range rows {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func(r Row) {
				defer wg.Done()
				n := serve(ctx, reg, conns, r)
				<-sem
				select {
				case out <- n:
				case <-ctx.Done():
				}
			}(r)
		}
	}()
	return out
}

// All serves every node as an iterator, in the order they finish.
// Breaking out of the loop stops the nodes still being read and waits for
// them to end.
func (v *View) All(ctx context.Context, conns Connections) iter.Seq[Node] {
	return func(yield func(Node) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		ch := v.Nodes(ctx, conns)
		for n := range ch {
			if !yield(n) {
				cancel()
				for range ch { // let the readers see the cancellation and end
				}
				return
			}
		}
	}
}

// Assemble serves every node and returns them in the tables' order.
func (v *View) Assemble(ctx context.Context, conns Connections) ([]Node, error) {
	var got []Node
	err := v.Stream(ctx, conns, func(n Node) { got = append(got, n) })
	rows := v.Rows
	if rows == nil {
		rows = Rows()
	}
	idx := map[string]int{}
	for i, r := range rows {
		idx[r.Table+"|"+r.Name()] = i
	}
	slices.SortStableFunc(got, func(a, b Node) int { return idx[a.Table+"|"+a.Name()] - idx[b.Table+"|"+b.Name()] })
	return got, err
}

// Serve serves the one node r.
func Serve(ctx context.Context, reg *Registry, conns Connections, r Row) Node {
	if reg == nil {
		reg = Default
	}
	return serve(withCache(ctx), reg, conns, r)
}

// Find returns the row whose name ([Row.Name]) or Available Data is name,
// case-insensitively, of every row of [Rows] (see [FindIn]).
func Find(name string) (Row, bool) { return FindIn(Rows(), name) }

func serve(ctx context.Context, reg *Registry, conns Connections, r Row) Node {
	start := time.Now()
	n := Node{Row: r}
	var errs []error
	for _, tech := range r.Techs {
		if ctx.Err() != nil {
			errs = append(errs, fmt.Errorf("%s: %w", upper(tech), ctx.Err()))
			break
		}
		n.Tried = append(n.Tried, tech)
		t, err := read(ctx, reg, conns, r, tech)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", upper(tech), err))
			continue
		}
		n.ServedBy = append(n.ServedBy, tech)
		if n.Content == nil {
			n.Content = &Table{}
		}
		for _, rec := range t.Records {
			if rec.Source == "" {
				rec.Source = tech
			}
			n.Content.Records = append(n.Content.Records, rec)
		}
		if !r.And {
			break
		}
	}
	if len(n.ServedBy) == 0 {
		tried := make([]string, len(n.Tried))
		for i, p := range n.Tried {
			tried[i] = upper(p)
		}
		n.Err = &oobkit.Error{Op: "view " + r.Name(), Class: oobkit.ErrUnsupported,
			Message: "not served by " + strings.Join(tried, ", "), Err: errors.Join(errs...)}
		n.Error = n.Err.Error()
		n.Content = nil
	} else {
		for _, e := range errs {
			n.Notes = append(n.Notes, e.Error())
		}
	}
	n.Elapsed = time.Since(start)
	return n
}

func read(ctx context.Context, reg *Registry, conns Connections, r Row, tech oobkit.Protocol) (*Table, error) {
	fn, ok := reg.Lookup(r.Name(), tech)
	if !ok {
		return nil, &oobkit.Error{Protocol: tech, Op: "view " + r.Name(), Class: oobkit.ErrUnsupported, Message: "no " + upper(tech) + " reader for this node"}
	}
	var t *Table
	err := conns.Use(ctx, tech, func(c oobkit.Client) error {
		var err error
		t, err = fn(ctx, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	if t == nil {
		t = &Table{}
	}
	return t, nil
}

func upper(p oobkit.Protocol) string { return strings.ToUpper(string(p)) }

// cache memoises, for one assembly of the view, the reads many nodes share
// (one inventory per technology serves a dozen nodes).
type cache struct {
	mu   sync.Mutex
	vals map[any]*cacheEntry
}

type cacheEntry struct {
	done chan struct{}
	val  any
	err  error
}

type cacheKey struct{}

func withCache(ctx context.Context) context.Context {
	if _, ok := ctx.Value(cacheKey{}).(*cache); ok {
		return ctx
	}
	return context.WithValue(ctx, cacheKey{}, &cache{vals: map[any]*cacheEntry{}})
}

// Once runs fn once per key during one assembly of the view (a [View]
// call or [Serve]) and returns its result to every caller with the same
// key; outside an assembly it just runs fn. Readers use it to share a read
// between nodes: an inventory, a class enumerated once. The key must be
// comparable and should name the client too (a session may retry a read
// with another client, logged on with the next credential, after a
// refusal): see [Inventory]. A panic in fn is recovered and returned, to
// this caller and every waiter, as an error of class [oobkit.ErrInternal]
// (see package internal/panics), so no waiter is left blocked.
func Once(ctx context.Context, key any, fn func() (any, error)) (any, error) {
	c, ok := ctx.Value(cacheKey{}).(*cache)
	if !ok || key == nil || !reflect.TypeOf(key).Comparable() {
		return fn()
	}
	c.mu.Lock()
	e, ok := c.vals[key]
	if !ok {
		e = &cacheEntry{done: make(chan struct{})}
		c.vals[key] = e
		c.mu.Unlock()
		run(e, fn)
		return e.val, e.err
	}
	c.mu.Unlock()
	select {
	case <-e.done:
		return e.val, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run runs fn for e and closes e.done however fn ends: a panic becomes
// e.err, so the callers waiting on e.done are released.
func run(e *cacheEntry, fn func() (any, error)) {
	defer close(e.done)
	defer func() {
		if v := recover(); v != nil {
			e.val, e.err = nil, panics.New("view once", v)
		}
	}()
	e.val, e.err = fn()
}
