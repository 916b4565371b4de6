package wmi

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// InventoryClasses are the classes Inventory reads, in order.
var InventoryClasses = []string{
	"Win32_ComputerSystem", "Win32_OperatingSystem", "Win32_BIOS", "Win32_Processor", "Win32_PhysicalMemory",
	"Win32_DiskDrive", "Win32_LogicalDisk", "Win32_NetworkAdapterConfiguration", "Win32_QuickFixEngineering",
}

// Inventory reads the computer's hardware and operating-system inventory
// (every class of [InventoryClasses]) into one oobkit.Inventory whose items
// carry Source oobkit.WMI. It implements oobkit.InventoryReader.
//
// A class the computer lacks, refuses or faults on is named in the
// inventory's Missing list and the rest is returned
// ([oobkit.Inventory.Partial]). A refused credential, an unreachable
// computer or the end of ctx fails the whole inventory, and so does a
// computer on which no class answers.
func (c *Client) Inventory(ctx context.Context) (*oobkit.Inventory, error) {
	classes := map[string][]*wsman.Instance{}
	var missing []oobkit.InventoryGap
	var errs []error
	for _, class := range InventoryClasses {
		var items []*wsman.Instance
		var err error
		if class == "Win32_NetworkAdapterConfiguration" {
			items, err = c.query(ctx, "SELECT * FROM Win32_NetworkAdapterConfiguration WHERE IPEnabled = TRUE", 0)
		} else {
			items, err = c.enumerate(ctx, class)
		}
		if err != nil {
			if oobkit.InventoryFatal(err) {
				return nil, err
			}
			missing = append(missing, oobkit.Gap(oobkit.WMI, class, err))
			errs = append(errs, fmt.Errorf("%s: %w", class, err))
			continue
		}
		classes[class] = items
	}
	if len(errs) == len(InventoryClasses) {
		return nil, errors.Join(errs...)
	}
	inv := decodeInventory(classes)
	inv.Missing = missing
	inv.Target = c.target.String()
	inv.Collected = time.Now().UTC()
	return inv, nil
}

// decodeInventory turns instances of the [InventoryClasses], keyed by class
// name, into an inventory.
func decodeInventory(classes map[string][]*wsman.Instance) *oobkit.Inventory {
	const src = oobkit.WMI
	inv := &oobkit.Inventory{}
	prop := func(name, value string) {
		if value != "" {
			inv.Properties = append(inv.Properties, oobkit.Property{Source: src, Name: name, Value: value})
		}
	}
	serial := ""
	for _, b := range classes["Win32_BIOS"] {
		serial = text(b, "SerialNumber")
		fw := oobkit.Firmware{Source: src, Name: text(b, "Name"), Vendor: text(b, "Manufacturer"),
			Version: text(b, "SMBIOSBIOSVersion")}
		if t := timeProp(b, "ReleaseDate"); !t.IsZero() {
			fw.ReleaseDate = t.Format("2006-01-02")
		}
		inv.BIOS = append(inv.BIOS, fw)
	}
	for _, cs := range classes["Win32_ComputerSystem"] {
		inv.System = append(inv.System, oobkit.System{Source: src, Kind: "system", Name: text(cs, "Name"),
			Manufacturer: text(cs, "Manufacturer"), Model: text(cs, "Model"), Serial: serial})
		prop("wmi.domain", text(cs, "Domain"))
		prop("wmi.userName", text(cs, "UserName"))
		prop("wmi.totalPhysicalMemory", text(cs, "TotalPhysicalMemory"))
	}
	for _, os := range classes["Win32_OperatingSystem"] {
		inv.Software = append(inv.Software, oobkit.Software{Source: src, Name: text(os, "Caption"),
			Version: text(os, "Version"), Vendor: text(os, "Manufacturer")})
		prop("os.name", text(os, "Caption"))
		prop("os.version", text(os, "Version"))
		prop("os.build", text(os, "BuildNumber"))
		prop("os.architecture", text(os, "OSArchitecture"))
		if t := timeProp(os, "LastBootUpTime"); !t.IsZero() {
			prop("os.lastBoot", t.UTC().Format(time.RFC3339))
		}
		if t := timeProp(os, "InstallDate"); !t.IsZero() {
			prop("os.installDate", t.UTC().Format(time.RFC3339))
		}
	}
	for _, p := range classes["Win32_Processor"] {
		inv.Processors = append(inv.Processors, oobkit.Processor{Source: src, Name: text(p, "Name"),
			Manufacturer: text(p, "Manufacturer"), Family: text(p, "Family"),
			Cores: int(uintProp(p, "NumberOfCores")), Threads: int(uintProp(p, "NumberOfLogicalProcessors")),
			MaxClockMHz: int(uintProp(p, "MaxClockSpeed")), CurrentClockM: int(uintProp(p, "CurrentClockSpeed")),
			Socket: text(p, "SocketDesignation")})
	}
	for _, m := range classes["Win32_PhysicalMemory"] {
		slot := text(m, "DeviceLocator")
		if slot == "" {
			slot = text(m, "BankLabel")
		}
		inv.Memory = append(inv.Memory, oobkit.MemoryModule{Source: src, Slot: slot, Manufacturer: text(m, "Manufacturer"),
			PartNumber: text(m, "PartNumber"), Serial: text(m, "SerialNumber"),
			CapacityMB: int64(uintProp(m, "Capacity") >> 20), SpeedMHz: int(uintProp(m, "Speed")),
			Type: memoryType(uintProp(m, "SMBIOSMemoryType"))})
	}
	for _, d := range classes["Win32_DiskDrive"] {
		inv.Disks = append(inv.Disks, oobkit.Disk{Source: src, Name: text(d, "DeviceID"), Model: text(d, "Model"),
			Manufacturer: text(d, "Manufacturer"), Serial: text(d, "SerialNumber"),
			CapacityMB: int64(uintProp(d, "Size") >> 20), Kind: "disk"})
	}
	for _, v := range classes["Win32_LogicalDisk"] {
		inv.Disks = append(inv.Disks, oobkit.Disk{Source: src, Name: text(v, "DeviceID"), Model: text(v, "VolumeName"),
			CapacityMB: int64(uintProp(v, "Size") >> 20), FreeMB: int64(uintProp(v, "FreeSpace") >> 20),
			Kind: driveKind(uintProp(v, "DriveType"))})
	}
	for _, n := range classes["Win32_NetworkAdapterConfiguration"] {
		dhcp := n.Bool("DHCPEnabled")
		var addrs []string
		for _, a := range n.All("IPAddress") {
			if a = strings.TrimSpace(a); a != "" {
				addrs = append(addrs, a)
			}
		}
		inv.Network = append(inv.Network, oobkit.NetworkInterface{Source: src, Name: text(n, "Description"),
			MAC: text(n, "MACAddress"), Addresses: addrs, DHCP: &dhcp})
	}
	for _, q := range classes["Win32_QuickFixEngineering"] {
		inv.Software = append(inv.Software, oobkit.Software{Source: src, Name: text(q, "HotFixID"),
			Version: text(q, "Description"), Vendor: "Microsoft"})
	}
	return inv
}

// memoryType names SMBIOS memory types (SMBIOS 3.x Table 76) that WMI
// reports in SMBIOSMemoryType.
func memoryType(t uint64) string {
	switch t {
	case 0:
		return ""
	case 20:
		return "DDR"
	case 21:
		return "DDR2"
	case 24:
		return "DDR3"
	case 26:
		return "DDR4"
	case 29:
		return "LPDDR3"
	case 30:
		return "LPDDR4"
	case 34:
		return "DDR5"
	case 35:
		return "LPDDR5"
	}
	return "SMBIOS type " + strconv.FormatUint(t, 10)
}

// driveKind maps Win32_LogicalDisk.DriveType.
func driveKind(t uint64) string {
	switch t {
	case 2:
		return "removable"
	case 3:
		return "volume"
	case 4:
		return "network"
	case 5:
		return "optical"
	case 6:
		return "ramdisk"
	}
	return "unknown"
}
