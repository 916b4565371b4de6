package amt

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// inventoryClasses are read in this order; a class the device lacks,
// refuses or faults on becomes a gap in [oobkit.Inventory.Missing].
var inventoryClasses = []struct {
	uri    string
	decode func(inv *oobkit.Inventory, in *wsman.Instance)
}{
	{schema.SystemPackage, decodeSystemPackage},
	{schema.Chassis, decodeChassis},
	{schema.Card, decodeCard},
	{schema.BIOS, decodeBIOS},
	{schema.Processor, decodeProcessor},
	{schema.Memory, decodeMemory},
	{schema.MediaAccess, decodeMedia},
	{schema.Ethernet, decodeEthernet},
	{schema.General, decodeGeneral},
	{schema.SoftwareID, decodeSoftware},
	{schema.AgentWatchdog, decodeWatchdog},
}

// Inventory collects the hardware inventory AMT keeps: system GUID,
// chassis, board, BIOS, processors, memory, disks, AMT network settings,
// general settings, firmware versions and agent watchdogs.
//
// Real firmware lacks classes other firmware has (agent presence
// watchdogs, wireless ports…) and answers for them with a SOAP fault or an
// HTTP error. Such a class is named in the inventory's Missing list and
// the rest is still returned ([oobkit.Inventory.Partial]). A refused
// credential, an unreachable device or the end of ctx fails the whole
// inventory, and so does a device on which no class answers.
func (c *Client) Inventory(ctx context.Context) (*oobkit.Inventory, error) {
	inv := &oobkit.Inventory{Target: c.target.String(), Collected: time.Now().UTC()}
	var errs []error
	for _, cl := range inventoryClasses {
		list, err := c.enumerate(ctx, cl.uri)
		if err != nil {
			if oobkit.InventoryFatal(err) {
				return nil, err
			}
			name := className(cl.uri)
			inv.Missing = append(inv.Missing, oobkit.Gap(oobkit.AMT, name, err))
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		for _, in := range list {
			cl.decode(inv, in)
		}
	}
	if len(errs) == len(inventoryClasses) {
		return nil, errors.Join(errs...)
	}
	return inv, nil
}

// className is the last path segment of a resource URI: the class name.
func className(uri string) string {
	return uri[strings.LastIndexByte(uri, '/')+1:]
}

func prop(inv *oobkit.Inventory, name, value string) {
	if value != "" {
		inv.Properties = append(inv.Properties, oobkit.Property{Source: oobkit.AMT, Name: name, Value: value})
	}
}

func decodeSystemPackage(inv *oobkit.Inventory, in *wsman.Instance) {
	inv.System = append(inv.System, oobkit.System{Source: oobkit.AMT, Kind: "system", GUID: FormatGUID(in.Get("PlatformGUID"))})
}

func decodeChassis(inv *oobkit.Inventory, in *wsman.Instance) {
	inv.System = append(inv.System, oobkit.System{Source: oobkit.AMT, Kind: "chassis", Manufacturer: in.Get("Manufacturer"),
		Model: in.Get("Model"), Serial: in.Get("SerialNumber"), Version: in.Get("Version"), AssetTag: in.Get("Tag"),
		Name: in.Get("ElementName")})
}

func decodeCard(inv *oobkit.Inventory, in *wsman.Instance) {
	inv.System = append(inv.System, oobkit.System{Source: oobkit.AMT, Kind: "board", Manufacturer: in.Get("Manufacturer"),
		Model: in.Get("Model"), Serial: in.Get("SerialNumber"), Version: in.Get("Version"), AssetTag: in.Get("Tag"),
		Name: in.Get("ElementName")})
}

func decodeBIOS(inv *oobkit.Inventory, in *wsman.Instance) {
	inv.BIOS = append(inv.BIOS, oobkit.Firmware{Source: oobkit.AMT, Name: in.Get("ElementName"), Vendor: in.Get("Manufacturer"),
		Version: in.Get("Version"), ReleaseDate: cimDate(in)})
}

// cimDate reads ReleaseDate, which AMT sends wrapped as
// <ReleaseDate><Datetime>2020-08-10T00:00:00Z</Datetime></ReleaseDate>
// (wsman.ParseInstance unwraps it).
func cimDate(in *wsman.Instance) string {
	return strings.TrimSpace(in.Get("ReleaseDate"))
}

func decodeProcessor(inv *oobkit.Inventory, in *wsman.Instance) {
	max, _ := in.Int("MaxClockSpeed")
	cur, _ := in.Int("CurrentClockSpeed")
	fam, _ := in.Int("Family")
	inv.Processors = append(inv.Processors, oobkit.Processor{Source: oobkit.AMT, Name: in.Get("ElementName"),
		Family: fmt.Sprint(fam), MaxClockMHz: int(max), CurrentClockM: int(cur), Socket: in.Get("DeviceID")})
}

func decodeMemory(inv *oobkit.Inventory, in *wsman.Instance) {
	capacity, _ := in.Int("Capacity")
	speed, _ := in.Int("Speed")
	if speed == 0 {
		speed, _ = in.Int("ConfiguredMemoryClockSpeed")
	}
	inv.Memory = append(inv.Memory, oobkit.MemoryModule{Source: oobkit.AMT, Slot: in.Get("BankLabel"),
		Manufacturer: in.Get("Manufacturer"), PartNumber: strings.TrimSpace(in.Get("PartNumber")),
		Serial: in.Get("SerialNumber"), CapacityMB: capacity >> 20, SpeedMHz: int(speed), Type: memoryType(in.Get("MemoryType"))})
}

// memoryType names CIM_PhysicalMemory.MemoryType values (DMTF CIM schema).
func memoryType(v string) string {
	switch v {
	case "24":
		return "DDR3"
	case "26":
		return "DDR4"
	case "30":
		return "LPDDR3"
	case "31":
		return "LPDDR4"
	case "34":
		return "DDR5"
	case "35":
		return "LPDDR5"
	}
	return v
}

func decodeMedia(inv *oobkit.Inventory, in *wsman.Instance) {
	size, _ := in.Int("MaxMediaSize") // kilobytes
	inv.Disks = append(inv.Disks, oobkit.Disk{Source: oobkit.AMT, Name: in.Get("DeviceID"), Model: in.Get("ElementName"),
		CapacityMB: size / 1000, Kind: "disk"})
}

func decodeEthernet(inv *oobkit.Inventory, in *wsman.Instance) {
	dhcp := in.Bool("DHCPEnabled")
	link := in.Bool("LinkIsUp")
	n := oobkit.NetworkInterface{Source: oobkit.AMT, Name: in.Get("ElementName"), MAC: in.Get("MACAddress"),
		DHCP: &dhcp, LinkUp: &link, Wireless: strings.HasSuffix(in.Get("InstanceID"), " 1") || in.Get("PhysicalConnectionType") == "3"}
	if ip := in.Get("IPAddress"); ip != "" {
		n.Addresses = append(n.Addresses, ip)
	}
	inv.Network = append(inv.Network, n)
}

func decodeGeneral(inv *oobkit.Inventory, in *wsman.Instance) {
	prop(inv, "amt.hostName", in.Get("HostName"))
	prop(inv, "amt.domainName", in.Get("DomainName"))
	prop(inv, "amt.digestRealm", in.Get("DigestRealm"))
	prop(inv, "amt.idleWakeTimeout", in.Get("IdleWakeTimeout"))
	prop(inv, "amt.networkEnabled", in.Get("AMTNetworkEnabled"))
	prop(inv, "amt.pingResponseEnabled", in.Get("PingResponseEnabled"))
	prop(inv, "amt.powerSource", in.Get("PowerSource"))
}

func decodeSoftware(inv *oobkit.Inventory, in *wsman.Instance) {
	id, v := in.Get("InstanceID"), strings.TrimSpace(in.Get("VersionString"))
	if id == "AMT" {
		prop(inv, "amt.version", v)
		inv.BIOS = append(inv.BIOS, oobkit.Firmware{Source: oobkit.AMT, Name: "Intel AMT", Vendor: "Intel", Version: v})
	}
	inv.Software = append(inv.Software, oobkit.Software{Source: oobkit.AMT, Name: "AMT " + id, Version: v, Vendor: "Intel"})
}

func decodeWatchdog(inv *oobkit.Inventory, in *wsman.Instance) {
	name := in.Get("DeviceID")
	if name == "" {
		name = in.Get("ElementName")
	}
	prop(inv, "amt.agentWatchdog."+name, in.Get("CurrentState"))
}

// FormatGUID turns AMT's 32-hex-digit PlatformGUID into the canonical
// 8-4-4-4-12 form; anything else is returned unchanged.
func FormatGUID(s string) string {
	s = strings.TrimSpace(s)
	if len(s) != 32 {
		return s
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return s
		}
	}
	s = strings.ToUpper(s)
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
