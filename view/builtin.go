package view

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/wmi"
)

// EventLogMax bounds the records an event-log node reads.
const EventLogMax = 100

// Inventory returns c's inventory, read once per assembly of the view (see
// [Once]) however many nodes show part of it. c must implement
// [oobkit.InventoryReader].
func Inventory(ctx context.Context, c oobkit.Client) (*oobkit.Inventory, error) {
	ir, ok := c.(oobkit.InventoryReader)
	if !ok {
		return nil, notReader(c, "inventory")
	}
	if !reflect.TypeOf(c).Comparable() { // cannot key the cache: read it each time
		return ir.Inventory(ctx)
	}
	v, err := Once(ctx, onceKey{"inventory", c}, func() (any, error) { return ir.Inventory(ctx) })
	if err != nil {
		return nil, err
	}
	return v.(*oobkit.Inventory), nil
}

// onceKey keys a read shared by the nodes: what is read, from which client.
type onceKey struct {
	what string
	c    oobkit.Client
}

func notReader(c oobkit.Client, what string) error {
	return &oobkit.Error{Protocol: c.Protocol(), Op: "view", Class: oobkit.ErrUnsupported,
		Message: fmt.Sprintf("the %s client (%T) does not read %s", upper(c.Protocol()), c, what)}
}

// fromInventory makes a reader of the part of an inventory fn picks.
func fromInventory(fn func(inv *oobkit.Inventory, t *Table)) Reader {
	return func(ctx context.Context, c oobkit.Client) (*Table, error) {
		inv, err := Inventory(ctx, c)
		if err != nil {
			return nil, err
		}
		t := &Table{}
		fn(inv, t)
		if len(t.Records) == 0 {
			return nil, &oobkit.Error{Protocol: c.Protocol(), Op: "view", Class: oobkit.ErrUnsupported,
				Message: "the " + upper(c.Protocol()) + " inventory has nothing for this node"}
		}
		return t, nil
	}
}

// props is a reader of inventory properties: each name shown under its label.
func props(pairs ...string) Reader {
	return fromInventory(func(inv *oobkit.Inventory, t *Table) {
		var kv []string
		for i := 0; i+1 < len(pairs); i += 2 {
			if v, ok := inv.Property(pairs[i]); ok && v != "" {
				kv = append(kv, pairs[i+1], v)
			}
		}
		if len(kv) > 0 {
			t.Add("", kv...)
		}
	})
}

func itoa[T ~int | ~int64](v T) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatInt(int64(v), 10)
}

func systems(kind string, t *Table, inv *oobkit.Inventory) {
	for _, s := range inv.System {
		if kind != "" && s.Kind != kind {
			continue
		}
		t.Add(s.Source, "Kind", s.Kind, "Name", s.Name, "Manufacturer", s.Manufacturer, "Model", s.Model,
			"Serial Number", s.Serial, "Version", s.Version, "Asset Tag", s.AssetTag, "UUID", s.GUID, "Part Number", s.PartNumber)
	}
}

func processors(inv *oobkit.Inventory, t *Table) {
	for _, p := range inv.Processors {
		t.Add(p.Source, "Name", p.Name, "Manufacturer", p.Manufacturer, "Family", p.Family, "Cores", itoa(p.Cores),
			"Logical Processors", itoa(p.Threads), "Current Clock Speed (MHz)", itoa(p.CurrentClockM),
			"Max Clock Speed (MHz)", itoa(p.MaxClockMHz), "Socket", p.Socket)
	}
}

func memory(inv *oobkit.Inventory, t *Table) {
	for _, m := range inv.Memory {
		t.Add(m.Source, "Slot", m.Slot, "Capacity (MB)", itoa(m.CapacityMB), "Speed (MHz)", itoa(m.SpeedMHz),
			"Type", m.Type, "Manufacturer", m.Manufacturer, "Part Number", m.PartNumber, "Serial Number", m.Serial)
	}
}

func disks(keep func(oobkit.Disk) bool, t *Table, inv *oobkit.Inventory) {
	for _, d := range inv.Disks {
		if !keep(d) {
			continue
		}
		used := ""
		if d.CapacityMB > 0 && d.Kind != "disk" {
			used = strconv.FormatInt(d.CapacityMB-d.FreeMB, 10)
		}
		t.Add(d.Source, "Name", d.Name, "Kind", d.Kind, "Model", d.Model, "Manufacturer", d.Manufacturer,
			"Serial Number", d.Serial, "Capacity (MB)", itoa(d.CapacityMB), "Used (MB)", used, "Free (MB)", itoa(d.FreeMB))
	}
}

func isDisk(d oobkit.Disk) bool   { return d.Kind == "disk" }
func isVolume(d oobkit.Disk) bool { return d.Kind != "disk" }

func network(inv *oobkit.Inventory, t *Table) {
	for _, n := range inv.Network {
		dhcp, link := "", ""
		if n.DHCP != nil {
			dhcp = strconv.FormatBool(*n.DHCP)
		}
		if n.LinkUp != nil {
			link = strconv.FormatBool(*n.LinkUp)
		}
		t.Add(n.Source, "Name", n.Name, "MAC Address", n.MAC, "IP Addresses", strings.Join(n.Addresses, ", "),
			"DHCP Enabled", dhcp, "Link Up", link, "Speed (Mbps)", itoa(n.SpeedMbps))
	}
}

func sensors(typ string, t *Table, inv *oobkit.Inventory) {
	for _, s := range inv.Sensors {
		if typ != "" && s.Type != typ {
			continue
		}
		val := ""
		if s.Value != nil {
			val = strconv.FormatFloat(*s.Value, 'f', -1, 64)
		}
		t.Add(s.Source, "Name", s.Name, "Type", s.Type, "Value", val, "Unit", s.Unit, "Status", s.Status)
	}
}

// eventLog reads an oobkit.EventLogReader (AMT's event log, IPMI's SEL).
func eventLog(ctx context.Context, c oobkit.Client) (*Table, error) {
	r, ok := c.(oobkit.EventLogReader)
	if !ok {
		return nil, notReader(c, "an event log")
	}
	evs, err := r.EventLog(ctx, EventLogMax)
	if err != nil {
		return nil, err
	}
	return events(evs), nil
}

func events(evs []oobkit.Event) *Table {
	t := &Table{Records: []Record{}}
	for _, e := range evs {
		ts := ""
		if !e.Time.IsZero() {
			ts = e.Time.UTC().Format("2006-01-02 15:04:05Z")
		}
		t.Add(e.Source, "Time", ts, "Severity", e.Severity.String(), "ID", e.ID, "Entity", e.Entity, "Description", e.Description)
	}
	return t
}

// windowsLog reads one Windows event log, every record type, newest first.
func windowsLog(log string) Reader {
	return func(ctx context.Context, c oobkit.Client) (*Table, error) {
		w, ok := c.(*wmi.Client)
		if !ok {
			return nil, notReader(c, "Windows event logs")
		}
		evs, err := w.Events(ctx, wmi.EventQuery{Logs: []string{log}, Types: wmi.AllEventTypes, Max: EventLogMax})
		if err != nil {
			return nil, err
		}
		return events(evs), nil
	}
}

func dashProfiles(ctx context.Context, c oobkit.Client) (*Table, error) {
	d, ok := c.(*dash.Client)
	if !ok {
		return nil, notReader(c, "DASH registered profiles")
	}
	ps, err := d.Profiles(ctx)
	if err != nil {
		return nil, err
	}
	t := &Table{}
	for _, p := range ps {
		t.Add(oobkit.DASH, "Name", p.Name, "Version", p.Version, "Organization", p.Organization)
	}
	return t, nil
}

func init() {
	r := Default
	// Table A-4, Summary.
	r.Register("Basic Information/Computer name", wmiT, fromInventory(func(inv *oobkit.Inventory, t *Table) {
		for _, s := range inv.System {
			if s.Kind == "system" && s.Name != "" {
				t.Add(s.Source, "Computer Name", s.Name)
			}
		}
	}))
	r.Register("Basic Information/Computer name", amtT, props("amt.hostName", "Computer Name", "amt.domainName", "Domain"))
	r.Register("Basic Information/Computer name", dashT, fromInventory(func(inv *oobkit.Inventory, t *Table) {
		for _, s := range inv.System {
			if s.Kind == "system" && s.Name != "" {
				t.Add(s.Source, "Computer Name", s.Name)
			}
		}
	}))
	r.Register("Basic Information/Currently logged in user", wmiT, props("wmi.userName", "User Name"))
	r.Register("Basic Information/Domain", wmiT, props("wmi.domain", "Domain"))
	r.Register("Basic Information/Operation system", wmiT, props("os.name", "Operating System", "os.architecture", "Architecture"))
	r.Register("Basic Information/Product", amtT, props("amt.version", "Intel AMT Version"))
	r.Register("Basic Information/Version", wmiT, props("os.version", "Version", "os.build", "Build Number"))
	for _, p := range []oobkit.Protocol{wmiT, amtT, dashT} {
		r.Register("CPU Information/Current/max speed", p, fromInventory(func(inv *oobkit.Inventory, t *Table) {
			for _, c := range inv.Processors {
				t.Add(c.Source, "Name", c.Name, "Current Clock Speed (MHz)", itoa(c.CurrentClockM), "Max Clock Speed (MHz)", itoa(c.MaxClockMHz))
			}
		}))
		r.Register("Physical System/Processor", p, fromInventory(processors))
		r.Register("Memory Usage/Physical", p, fromInventory(func(inv *oobkit.Inventory, t *Table) {
			if v, ok := inv.Property("wmi.totalPhysicalMemory"); ok {
				if b, err := strconv.ParseInt(v, 10, 64); err == nil {
					t.Add(oobkit.WMI, "Total Physical Memory (MB)", strconv.FormatInt(b>>20, 10))
					return
				}
			}
			var mb int64
			for _, m := range inv.Memory {
				mb += m.CapacityMB
			}
			if mb > 0 {
				t.Add("", "Total Physical Memory (MB)", strconv.FormatInt(mb, 10), "Modules", strconv.Itoa(len(inv.Memory)))
			}
		}))
	}
	for _, p := range []oobkit.Protocol{wmiT, amtT} {
		r.Register("CPU Information/Name", p, fromInventory(func(inv *oobkit.Inventory, t *Table) {
			for _, c := range inv.Processors {
				t.Add(c.Source, "Name", c.Name)
			}
		}))
		r.Register("Disk Usage/Capacity", p, fromInventory(func(inv *oobkit.Inventory, t *Table) { disks(isDisk, t, inv) }))
		r.Register("Network Connectivity", p, fromInventory(network))
	}
	r.Register("Mass Storage/Disk Drive", amtT, fromInventory(func(inv *oobkit.Inventory, t *Table) { disks(isDisk, t, inv) }))
	usage := fromInventory(func(inv *oobkit.Inventory, t *Table) { disks(isVolume, t, inv) })
	r.Register("Disk Usage/Used", wmiT, usage)
	r.Register("Disk Usage/Free", wmiT, usage)

	// Table A-5, Event Logs.
	for node, log := range map[string]string{
		"Application Log": wmi.LogApplication, "Security Log": wmi.LogSecurity, "System Log": wmi.LogSystem,
		"Directory Service Log": wmi.LogDirectoryService, "DNS Server Log": wmi.LogDNSServer,
		"File Replication Service Log": wmi.LogFileReplicationService,
	} {
		r.Register(node, wmiT, windowsLog(log))
	}
	r.Register("System Event Log", ipmiT, eventLog)
	r.Register("Intel AMT Event Log", amtT, eventLog)

	// Table A-6, Information nodes.
	for _, p := range []oobkit.Protocol{wmiT, amtT, ipmiT} {
		r.Register("Physical System/BIOS", p, fromInventory(func(inv *oobkit.Inventory, t *Table) {
			for _, f := range inv.BIOS {
				t.Add(f.Source, "Name", f.Name, "Manufacturer", f.Vendor, "Version", f.Version, "Release Date", f.ReleaseDate)
			}
		}))
	}
	for _, p := range []oobkit.Protocol{wmiT, amtT, dashT, snmpT, ipmiT} {
		r.Register("Physical System/Computer System", p, fromInventory(func(inv *oobkit.Inventory, t *Table) { systems("", t, inv) }))
	}
	r.Register("Physical System/DASH Registered Profiles", dashT, dashProfiles)
	for _, p := range []oobkit.Protocol{amtT, dashT, ipmiT} {
		r.Register("Physical System/Motherboard Device", p, fromInventory(func(inv *oobkit.Inventory, t *Table) { systems("board", t, inv) }))
	}
	r.Register("Physical System/Sensors", ipmiT, fromInventory(func(inv *oobkit.Inventory, t *Table) { sensors("", t, inv) }))
	r.Register("Memory/Cache Memory", dashT, fromInventory(func(inv *oobkit.Inventory, t *Table) {
		for _, p := range inv.Properties {
			if id, ok := strings.CutPrefix(p.Name, "cache "); ok {
				t.Add(p.Source, "Cache", id, "Value", p.Value)
			}
		}
	}))
	r.Register("Memory/Physical Memory", dashT, fromInventory(memory))
	r.Register("Networking/Network Adapter Configuration", snmpT, fromInventory(network))

	registerNodes(r)
}
