package oobkit

import (
	"context"
	"errors"
	"time"
)

// Inventory is one model for what AMT, DASH, IPMI, WMI and SNMP report about a
// computer. Every item carries the protocol it came from (Source), so a merged
// inventory says which technology said what.
type Inventory struct {
	// Target is the computer the inventory describes.
	Target string `json:"target,omitempty"`
	// Collected is when the inventory was read.
	Collected time.Time `json:"collected"`
	// System is the computer system: manufacturer, model, serial, GUID.
	System []System `json:"system,omitempty"`
	// BIOS lists firmware (BIOS/UEFI, management firmware).
	BIOS []Firmware `json:"bios,omitempty"`
	// Processors lists CPUs.
	Processors []Processor `json:"processors,omitempty"`
	// Memory lists physical memory modules.
	Memory []MemoryModule `json:"memory,omitempty"`
	// Disks lists storage devices and volumes.
	Disks []Disk `json:"disks,omitempty"`
	// Network lists network interfaces.
	Network []NetworkInterface `json:"network,omitempty"`
	// Sensors lists sensor readings (temperature, voltage, fan speed…).
	Sensors []Sensor `json:"sensors,omitempty"`
	// Software lists installed software and firmware identities.
	Software []Software `json:"software,omitempty"`
	// Properties holds protocol-specific facts that fit no list above
	// (AMT version, provisioning state, ME idle timeout, OS name…).
	Properties []Property `json:"properties,omitempty"`
	// Missing names each piece the device did not deliver: a class it
	// lacks, refuses or faults on. An inventory with gaps is partial
	// ([Inventory.Partial]); the pieces that answered are still listed.
	Missing []InventoryGap `json:"missing,omitempty"`
}

// InventoryGap is one piece of an inventory the device did not deliver.
type InventoryGap struct {
	// Protocol is the protocol that was asked.
	Protocol Protocol `json:"protocol"`
	// Class is what was asked for: a CIM/WMI class name ("AMT_AgentPresenceWatchdog",
	// "Win32_Battery") or an IPMI record kind ("FRU 0", "SDR").
	Class string `json:"class"`
	// ErrorClass is the error class of the failure as [ClassName] names it
	// ("unsupported", "device", "not-detected"…).
	ErrorClass string `json:"errorClass"`
	// Code is the device's own code ([DeviceCode]): an HTTP status, a
	// WS-Management fault subcode, an IPMI completion code; empty if none.
	Code string `json:"code,omitempty"`
	// Error is the failure's text.
	Error string `json:"error"`
}

// Gap builds the [InventoryGap] for class on protocol from err.
func Gap(p Protocol, class string, err error) InventoryGap {
	return InventoryGap{Protocol: p, Class: class, ErrorClass: ClassName(err), Code: DeviceCode(err), Error: err.Error()}
}

// Partial reports whether some piece of the inventory is missing.
func (inv *Inventory) Partial() bool { return inv != nil && len(inv.Missing) > 0 }

// InventoryFatal reports whether err, met while reading one class of an
// inventory, ends the whole inventory rather than leaving a gap: the
// credential was refused, nothing answered, the device is not provisioned,
// or the caller's context ended. Every other failure (a fault, an HTTP
// error, a class the device lacks) is a gap.
func InventoryFatal(err error) bool {
	for _, c := range []error{ErrAuth, ErrUnreachable, ErrNotProvisioned, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, c) {
			return true
		}
	}
	return false
}

// System describes the computer system, chassis or board (Kind says which).
type System struct {
	Source       Protocol `json:"source"`
	Kind         string   `json:"kind"` // "system", "chassis", "board", "product"
	Manufacturer string   `json:"manufacturer,omitempty"`
	Model        string   `json:"model,omitempty"`
	Serial       string   `json:"serial,omitempty"`
	Version      string   `json:"version,omitempty"`
	AssetTag     string   `json:"assetTag,omitempty"`
	GUID         string   `json:"guid,omitempty"`
	Name         string   `json:"name,omitempty"`
	// PartNumber is the manufacturer's part number (IPMI FRU chassis and
	// board "Part Number", product "Part/Model Number").
	PartNumber string `json:"partNumber,omitempty"`
	// Manufactured is the manufacturing date and time (IPMI FRU board
	// area), zero when unknown.
	Manufactured time.Time `json:"manufactured,omitzero"`
	// FileID names the file the FRU data was written from (IPMI FRU
	// board and product "FRU File ID").
	FileID string `json:"fileID,omitempty"`
}

// Firmware describes a BIOS/UEFI or management-controller firmware.
type Firmware struct {
	Source      Protocol `json:"source"`
	Name        string   `json:"name,omitempty"`
	Vendor      string   `json:"vendor,omitempty"`
	Version     string   `json:"version,omitempty"`
	ReleaseDate string   `json:"releaseDate,omitempty"`
}

// Processor describes a CPU.
type Processor struct {
	Source        Protocol `json:"source"`
	Name          string   `json:"name,omitempty"`
	Manufacturer  string   `json:"manufacturer,omitempty"`
	Family        string   `json:"family,omitempty"`
	Cores         int      `json:"cores,omitempty"`
	Threads       int      `json:"threads,omitempty"`
	MaxClockMHz   int      `json:"maxClockMHz,omitempty"`
	CurrentClockM int      `json:"currentClockMHz,omitempty"`
	Socket        string   `json:"socket,omitempty"`
}

// MemoryModule describes a memory module.
type MemoryModule struct {
	Source       Protocol `json:"source"`
	Slot         string   `json:"slot,omitempty"`
	Manufacturer string   `json:"manufacturer,omitempty"`
	PartNumber   string   `json:"partNumber,omitempty"`
	Serial       string   `json:"serial,omitempty"`
	CapacityMB   int64    `json:"capacityMB,omitempty"`
	SpeedMHz     int      `json:"speedMHz,omitempty"`
	Type         string   `json:"type,omitempty"`
}

// Disk describes a storage device or volume.
type Disk struct {
	Source       Protocol `json:"source"`
	Name         string   `json:"name,omitempty"`
	Model        string   `json:"model,omitempty"`
	Manufacturer string   `json:"manufacturer,omitempty"`
	Serial       string   `json:"serial,omitempty"`
	CapacityMB   int64    `json:"capacityMB,omitempty"`
	FreeMB       int64    `json:"freeMB,omitempty"`
	Kind         string   `json:"kind,omitempty"` // "disk", "volume", "optical", "removable"
}

// NetworkInterface describes a network interface.
type NetworkInterface struct {
	Source    Protocol `json:"source"`
	Name      string   `json:"name,omitempty"`
	MAC       string   `json:"mac,omitempty"`
	Addresses []string `json:"addresses,omitempty"`
	DHCP      *bool    `json:"dhcp,omitempty"`
	Wireless  bool     `json:"wireless,omitempty"`
	LinkUp    *bool    `json:"linkUp,omitempty"`
	SpeedMbps int64    `json:"speedMbps,omitempty"`
}

// Sensor is one sensor reading.
type Sensor struct {
	Source Protocol `json:"source"`
	Name   string   `json:"name"`
	Type   string   `json:"type,omitempty"` // "temperature", "voltage", "fan", "power supply"…
	Value  *float64 `json:"value,omitempty"`
	Unit   string   `json:"unit,omitempty"`
	Status string   `json:"status,omitempty"` // "ok", "warning", "critical", or the device's word
	// Thresholds are the sensor's readable thresholds in Unit, keyed as
	// ipmitool's sensor list heads them: "lnr", "lcr", "lnc", "unc",
	// "ucr", "unr" (lower/upper non-recoverable, critical, non-critical).
	Thresholds map[string]float64 `json:"thresholds,omitempty"`
}

// Software is an installed software or firmware identity.
type Software struct {
	Source  Protocol `json:"source"`
	Name    string   `json:"name"`
	Version string   `json:"version,omitempty"`
	Vendor  string   `json:"vendor,omitempty"`
}

// Property is a protocol-specific fact.
type Property struct {
	Source Protocol `json:"source"`
	Name   string   `json:"name"`
	Value  string   `json:"value"`
}

// Property returns the value of the first property called name, and whether
// there was one.
func (inv *Inventory) Property(name string) (string, bool) {
	for _, p := range inv.Properties {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

// Merge appends every item of other to inv. Items keep their Source, so the
// merged inventory still says which protocol reported what.
func (inv *Inventory) Merge(other *Inventory) {
	if other == nil {
		return
	}
	if inv.Target == "" {
		inv.Target = other.Target
	}
	if other.Collected.After(inv.Collected) {
		inv.Collected = other.Collected
	}
	inv.System = append(inv.System, other.System...)
	inv.BIOS = append(inv.BIOS, other.BIOS...)
	inv.Processors = append(inv.Processors, other.Processors...)
	inv.Memory = append(inv.Memory, other.Memory...)
	inv.Disks = append(inv.Disks, other.Disks...)
	inv.Network = append(inv.Network, other.Network...)
	inv.Sensors = append(inv.Sensors, other.Sensors...)
	inv.Software = append(inv.Software, other.Software...)
	inv.Properties = append(inv.Properties, other.Properties...)
	inv.Missing = append(inv.Missing, other.Missing...)
}
