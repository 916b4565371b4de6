package snmp

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/oobkit/oobkit"
)

// OIDs of the objects the inventory reads (RFC 3418 SNMPv2-MIB system group,
// RFC 2790 HOST-RESOURCES-MIB, RFC 2863 IF-MIB, RFC 1213 ipAddrTable).
const (
	OIDSysDescr    = ".1.3.6.1.2.1.1.1.0"
	OIDSysObjectID = ".1.3.6.1.2.1.1.2.0"
	OIDSysUpTime   = ".1.3.6.1.2.1.1.3.0"
	OIDSysContact  = ".1.3.6.1.2.1.1.4.0"
	OIDSysName     = ".1.3.6.1.2.1.1.5.0"
	OIDSysLocation = ".1.3.6.1.2.1.1.6.0"

	OIDHrStorageEntry   = ".1.3.6.1.2.1.25.2.3.1"
	OIDHrDeviceEntry    = ".1.3.6.1.2.1.25.3.2.1"
	OIDHrProcessorEntry = ".1.3.6.1.2.1.25.3.3.1"
	OIDHrDiskEntry      = ".1.3.6.1.2.1.25.3.6.1"
	OIDIfEntry          = ".1.3.6.1.2.1.2.2.1"
	OIDIfXEntry         = ".1.3.6.1.2.1.31.1.1.1"
	OIDIPAdEntIfIndex   = ".1.3.6.1.2.1.4.20.1.2"
)

// hrStorageType and hrDeviceType values (RFC 2790).
const (
	hrStorageTypes = ".1.3.6.1.2.1.25.2.1."
	hrDeviceTypes  = ".1.3.6.1.2.1.25.3.1."
)

var storageKinds = map[string]string{
	hrStorageTypes + "2":  "ram",
	hrStorageTypes + "3":  "virtual-memory",
	hrStorageTypes + "4":  "volume",
	hrStorageTypes + "5":  "removable",
	hrStorageTypes + "6":  "floppy",
	hrStorageTypes + "7":  "optical",
	hrStorageTypes + "8":  "ram-disk",
	hrStorageTypes + "9":  "flash",
	hrStorageTypes + "10": "network",
}

var deviceKinds = map[string]string{
	hrDeviceTypes + "1":  "other",
	hrDeviceTypes + "2":  "unknown",
	hrDeviceTypes + "3":  "processor",
	hrDeviceTypes + "4":  "network",
	hrDeviceTypes + "5":  "printer",
	hrDeviceTypes + "6":  "disk",
	hrDeviceTypes + "10": "video",
	hrDeviceTypes + "11": "audio",
	hrDeviceTypes + "12": "coprocessor",
	hrDeviceTypes + "13": "keyboard",
	hrDeviceTypes + "14": "modem",
	hrDeviceTypes + "15": "parallel-port",
	hrDeviceTypes + "16": "pointing",
	hrDeviceTypes + "17": "serial-port",
	hrDeviceTypes + "18": "tape",
	hrDeviceTypes + "19": "clock",
	hrDeviceTypes + "20": "volatile-memory",
	hrDeviceTypes + "21": "non-volatile-memory",
}

var deviceStatus = []string{"", "unknown", "running", "warning", "testing", "down"}

// SystemInfo is the SNMPv2-MIB system group.
type SystemInfo struct {
	Descr    string        `json:"descr"`
	ObjectID string        `json:"objectID"`
	UpTime   time.Duration `json:"upTime"`
	Contact  string        `json:"contact,omitempty"`
	Name     string        `json:"name,omitempty"`
	Location string        `json:"location,omitempty"`
}

// System reads the system group in one request.
func (c *Client) System(ctx context.Context) (*SystemInfo, error) {
	v, err := c.Get(ctx, OIDSysDescr, OIDSysObjectID, OIDSysUpTime, OIDSysContact, OIDSysName, OIDSysLocation)
	if err != nil {
		return nil, err
	}
	if len(v) != 6 {
		return nil, &oobkit.Error{Protocol: oobkit.SNMP, Op: "System", Class: oobkit.ErrProtocol,
			Message: "agent answered " + strconv.Itoa(len(v)) + " of 6 variables"}
	}
	return &SystemInfo{
		Descr:    pduString(v[0]),
		ObjectID: pduString(v[1]),
		UpTime:   time.Duration(pduInt(v[2])) * 10 * time.Millisecond, // TimeTicks are 1/100 s
		Contact:  pduString(v[3]),
		Name:     pduString(v[4]),
		Location: pduString(v[5]),
	}, nil
}

// Inventory reads the system group, HOST-RESOURCES devices, processors,
// storage and disks, and the interfaces with their IPv4 addresses. Every
// item has Source [oobkit.SNMP]. A table the agent does not implement is
// left empty; any other failure is returned.
func (c *Client) Inventory(ctx context.Context) (*oobkit.Inventory, error) {
	sys, err := c.System(ctx)
	if err != nil {
		return nil, err
	}
	inv := &oobkit.Inventory{Target: c.target.String(), Collected: time.Now().UTC()}
	inv.System = append(inv.System, oobkit.System{Source: oobkit.SNMP, Kind: "system", Name: sys.Name, Model: sys.Descr})
	for _, p := range [][2]string{
		{"sysDescr", sys.Descr}, {"sysObjectID", sys.ObjectID}, {"sysUpTime", sys.UpTime.String()},
		{"sysContact", sys.Contact}, {"sysName", sys.Name}, {"sysLocation", sys.Location},
	} {
		inv.Properties = append(inv.Properties, oobkit.Property{Source: oobkit.SNMP, Name: p[0], Value: p[1]})
	}
	if err := c.hostResources(ctx, inv); err != nil {
		return nil, err
	}
	if err := c.interfaces(ctx, inv); err != nil {
		return nil, err
	}
	return inv, nil
}

// hostResources adds hrDevice/hrProcessor/hrDiskStorage/hrStorage rows.
func (c *Client) hostResources(ctx context.Context, inv *oobkit.Inventory) error {
	devs, err := c.walkTable(ctx, OIDHrDeviceEntry)
	if err != nil {
		return err
	}
	procs, err := c.walkTable(ctx, OIDHrProcessorEntry)
	if err != nil {
		return err
	}
	disks, err := c.walkTable(ctx, OIDHrDiskEntry)
	if err != nil {
		return err
	}
	for _, idx := range devs.order {
		row := devs.rows[idx]
		kind := deviceKinds[pduString(row[2])]
		descr := pduString(row[3])
		status := ""
		if s := pduInt(row[5]); s > 0 && int(s) < len(deviceStatus) {
			status = deviceStatus[s]
		}
		inv.Properties = append(inv.Properties, oobkit.Property{Source: oobkit.SNMP,
			Name: "hrDevice." + idx, Value: kind + ": " + descr + statusSuffix(status)})
		switch kind {
		case "processor":
			if _, ok := procs.rows[idx]; ok || len(procs.rows) == 0 {
				inv.Processors = append(inv.Processors, oobkit.Processor{Source: oobkit.SNMP, Name: descr, Socket: "hrDevice." + idx})
			}
		case "disk":
			d := oobkit.Disk{Source: oobkit.SNMP, Name: descr, Kind: "disk"}
			if drow, ok := disks.rows[idx]; ok {
				d.CapacityMB = pduInt(drow[4]) / 1024 // hrDiskStorageCapacity is in KBytes
				if pduInt(drow[3]) == 1 {             // hrDiskStorageRemoveble true(1)
					d.Kind = "removable"
				}
			}
			inv.Disks = append(inv.Disks, d)
		}
	}
	stor, err := c.walkTable(ctx, OIDHrStorageEntry)
	if err != nil {
		return err
	}
	for _, idx := range stor.order {
		row := stor.rows[idx]
		kind, known := storageKinds[pduString(row[2])]
		if !known || kind == "virtual-memory" {
			continue
		}
		units := pduInt(row[4])
		sizeMB := pduInt(row[5]) * units / (1 << 20)
		usedMB := pduInt(row[6]) * units / (1 << 20)
		if kind == "ram" {
			inv.Memory = append(inv.Memory, oobkit.MemoryModule{Source: oobkit.SNMP, Slot: pduString(row[3]), CapacityMB: sizeMB, Type: "RAM"})
			continue
		}
		inv.Disks = append(inv.Disks, oobkit.Disk{Source: oobkit.SNMP, Name: pduString(row[3]), Kind: kind,
			CapacityMB: sizeMB, FreeMB: sizeMB - usedMB})
	}
	return nil
}

func statusSuffix(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// interfaces adds ifTable rows with ifXTable names/speeds and IPv4 addresses.
func (c *Client) interfaces(ctx context.Context, inv *oobkit.Inventory) error {
	ifs, err := c.walkTable(ctx, OIDIfEntry)
	if err != nil {
		return err
	}
	ifx, err := c.walkTable(ctx, OIDIfXEntry)
	if err != nil {
		return err
	}
	addrs, err := c.Walk(ctx, OIDIPAdEntIfIndex)
	if err != nil && !isNoSuch(err) {
		return err
	}
	byIf := map[string][]string{}
	for _, p := range addrs {
		ip, ok := strings.CutPrefix(p.Name, OIDIPAdEntIfIndex+".")
		if !ok {
			continue // not an ipAdEntIfIndex row: never slice what an agent sent blindly
		}
		idx := strconv.FormatInt(pduInt(p), 10)
		byIf[idx] = append(byIf[idx], ip)
	}
	for _, idx := range ifs.order {
		row := ifs.rows[idx]
		n := oobkit.NetworkInterface{Source: oobkit.SNMP, Name: pduString(row[2]), MAC: pduMAC(row[6]), Addresses: byIf[idx]}
		if x, ok := ifx.rows[idx]; ok && pduString(x[1]) != "" {
			n.Name = pduString(x[1])
		}
		if pduInt(row[3]) == 71 { // ifType ieee80211
			n.Wireless = true
		}
		if st := pduInt(row[8]); st == 1 || st == 2 { // ifOperStatus up(1) down(2)
			up := st == 1
			n.LinkUp = &up
		}
		n.SpeedMbps = pduInt(row[5]) / 1_000_000
		if x, ok := ifx.rows[idx]; ok && pduInt(x[15]) > 0 {
			n.SpeedMbps = pduInt(x[15]) // ifHighSpeed, in Mb/s
		}
		inv.Network = append(inv.Network, n)
	}
	return nil
}

// walkedTable is a table read by walkTable.
type walkedTable struct {
	rows  table
	order []string
}

// walkTable walks one table entry OID; an agent without the table yields an
// empty table.
func (c *Client) walkTable(ctx context.Context, entry string) (walkedTable, error) {
	pdus, err := c.Walk(ctx, entry)
	if err != nil && !isNoSuch(err) {
		return walkedTable{}, err
	}
	rows, order := splitTable(entry, pdus)
	return walkedTable{rows: rows, order: order}, nil
}

// isNoSuch reports whether err says the subtree does not exist (a v1 agent
// answers noSuchName at the end of the MIB).
func isNoSuch(err error) bool {
	return oobkit.DeviceCode(err) == gosnmp.NoSuchName.String()
}
