package dash

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Inventory collects the computer's inventory from the DASH classes it
// serves: CIM_ComputerSystem, CIM_Chassis and CIM_ComputerSystemPackage
// (system, GUID), CIM_BIOSElement, CIM_Processor, CIM_PhysicalMemory,
// CIM_Fan, CIM_PowerSupply, CIM_NumericSensor, CIM_SoftwareIdentity (DASH
// Software Inventory) and CIM_Memory with CIM_AssociatedCacheMemory (cache
// memory, reported as "cache …" properties).
//
// A class the computer does not serve, refuses or faults on is named in
// the inventory's Missing list and the rest is returned
// ([oobkit.Inventory.Partial]). A refused credential, an unreachable
// computer or the end of ctx fails the whole inventory, and so does a
// computer on which no class answers.
func (c *Client) Inventory(ctx context.Context) (*oobkit.Inventory, error) {
	inv := &invRun{Inventory: &oobkit.Inventory{Target: c.target.String(), Collected: time.Now().UTC()}}
	for _, step := range []func(context.Context, *invRun) error{
		c.invSystem, c.invBIOS, c.invProcessors, c.invMemory, c.invFans, c.invPowerSupplies,
		c.invSensors, c.invSoftware, c.invCache,
	} {
		if err := step(ctx, inv); err != nil {
			return nil, err
		}
	}
	if inv.answered == 0 {
		return nil, errors.Join(inv.errs...)
	}
	return inv.Inventory, nil
}

// invRun is an inventory being collected: what answered and what failed.
type invRun struct {
	*oobkit.Inventory
	answered int
	errs     []error
}

// invEnum enumerates class for the inventory. A failure that ends the
// whole inventory ([oobkit.InventoryFatal]) is returned; any other
// becomes a gap in inv.Missing and no instances.
func (c *Client) invEnum(ctx context.Context, inv *invRun, class string) ([]*wsman.Instance, error) {
	items, err := c.enumerate(ctx, class, false)
	if err == nil {
		inv.answered++
		return items, nil
	}
	if oobkit.InventoryFatal(err) {
		return nil, err
	}
	inv.Missing = append(inv.Missing, oobkit.Gap(src, class, err))
	inv.errs = append(inv.errs, fmt.Errorf("%s: %w", class, err))
	return nil, nil
}

const src = oobkit.DASH

func (c *Client) invSystem(ctx context.Context, inv *invRun) error {
	systems, err := c.invEnum(ctx, inv, "CIM_ComputerSystem")
	if err != nil {
		return err
	}
	pkgs, err := c.invEnum(ctx, inv, "CIM_ComputerSystemPackage")
	if err != nil {
		return err
	}
	guid := ""
	if len(pkgs) > 0 {
		guid = pkgs[0].Get("PlatformGUID")
	}
	for _, s := range systems {
		inv.System = append(inv.System, oobkit.System{Source: src, Kind: "system", Name: firstOf(s.Get("ElementName"), s.Get("Name")), GUID: guid})
	}
	chassis, err := c.invEnum(ctx, inv, "CIM_Chassis")
	if err != nil {
		return err
	}
	for _, ch := range chassis {
		inv.System = append(inv.System, oobkit.System{Source: src, Kind: "chassis", Manufacturer: ch.Get("Manufacturer"),
			Model: ch.Get("Model"), Serial: ch.Get("SerialNumber"), Version: ch.Get("Version"), Name: ch.Get("ElementName"), GUID: guid})
	}
	return nil
}

func (c *Client) invBIOS(ctx context.Context, inv *invRun) error {
	items, err := c.invEnum(ctx, inv, "CIM_BIOSElement")
	for _, b := range items {
		inv.BIOS = append(inv.BIOS, oobkit.Firmware{Source: src, Name: firstOf(b.Get("ElementName"), b.Get("Name")),
			Vendor: b.Get("Manufacturer"), Version: b.Get("Version"), ReleaseDate: b.Get("ReleaseDate")})
	}
	return err
}

func (c *Client) invProcessors(ctx context.Context, inv *invRun) error {
	items, err := c.invEnum(ctx, inv, "CIM_Processor")
	for _, p := range items {
		maxc, _ := p.Int("MaxClockSpeed")
		cur, _ := p.Int("CurrentClockSpeed")
		inv.Processors = append(inv.Processors, oobkit.Processor{Source: src, Name: firstOf(p.Get("ElementName"), p.Get("DeviceID")),
			Family: p.Get("Family"), MaxClockMHz: int(maxc), CurrentClockM: int(cur), Socket: p.Get("DeviceID")})
	}
	return err
}

// memoryTypes names CIM_PhysicalMemory.MemoryType values (CIM schema).
var memoryTypes = map[string]string{"24": "DDR3", "26": "DDR4", "34": "DDR5", "35": "LPDDR5", "20": "DDR", "21": "DDR2"}

func (c *Client) invMemory(ctx context.Context, inv *invRun) error {
	items, err := c.invEnum(ctx, inv, "CIM_PhysicalMemory")
	for _, m := range items {
		capB, _ := m.Int("Capacity")
		speed, ok := m.Int("ConfiguredMemoryClockSpeed")
		if !ok {
			speed, _ = m.Int("MaxMemorySpeed")
		}
		typ := memoryTypes[m.Get("MemoryType")]
		if typ == "" {
			typ = m.Get("MemoryType")
		}
		inv.Memory = append(inv.Memory, oobkit.MemoryModule{Source: src, Slot: firstOf(m.Get("BankLabel"), m.Get("ElementName")),
			Manufacturer: m.Get("Manufacturer"), PartNumber: m.Get("PartNumber"), Serial: m.Get("SerialNumber"),
			CapacityMB: capB / (1 << 20), SpeedMHz: int(speed), Type: typ})
	}
	return err
}

// healthStatus maps CIM HealthState to a sensor status word.
func healthStatus(in *wsman.Instance) string {
	switch in.Get("HealthState") {
	case "5":
		return "ok"
	case "10", "15":
		return "warning"
	case "20", "25":
		return "critical"
	case "30":
		return "non-recoverable"
	}
	return ""
}

func (c *Client) invFans(ctx context.Context, inv *invRun) error {
	items, err := c.invEnum(ctx, inv, "CIM_Fan")
	for _, f := range items {
		s := oobkit.Sensor{Source: src, Name: firstOf(f.Get("ElementName"), f.Get("DeviceID")), Type: "fan", Status: healthStatus(f)}
		if v, ok := f.Int("DesiredSpeed"); ok && v > 0 {
			fv := float64(v)
			s.Value, s.Unit = &fv, "RPM"
		}
		inv.Sensors = append(inv.Sensors, s)
	}
	return err
}

func (c *Client) invPowerSupplies(ctx context.Context, inv *invRun) error {
	items, err := c.invEnum(ctx, inv, "CIM_PowerSupply")
	for _, p := range items {
		s := oobkit.Sensor{Source: src, Name: firstOf(p.Get("ElementName"), p.Get("DeviceID")), Type: "power supply", Status: healthStatus(p)}
		if mw, ok := p.Int("TotalOutputPower"); ok && mw > 0 { // milliwatts
			w := float64(mw) / 1000
			s.Value, s.Unit = &w, "W"
		}
		inv.Sensors = append(inv.Sensors, s)
	}
	return err
}

// sensorTypes names CIM_Sensor.SensorType values.
var sensorTypes = map[string]string{"2": "temperature", "3": "voltage", "4": "current", "5": "fan", "6": "counter", "13": "power"}

// baseUnits names CIM_NumericSensor.BaseUnits values.
var baseUnits = map[string]string{"2": "°C", "3": "°F", "4": "K", "5": "V", "6": "A", "7": "W", "19": "RPM"}

func (c *Client) invSensors(ctx context.Context, inv *invRun) error {
	items, err := c.invEnum(ctx, inv, "CIM_NumericSensor")
	for _, n := range items {
		s := oobkit.Sensor{Source: src, Name: firstOf(n.Get("ElementName"), n.Get("DeviceID")),
			Type: firstOf(sensorTypes[n.Get("SensorType")], n.Get("OtherSensorTypeDescription")), Unit: baseUnits[n.Get("BaseUnits")],
			Status: firstOf(strings.ToLower(n.Get("CurrentState")), healthStatus(n))}
		if r, ok := n.Int("CurrentReading"); ok {
			mod, _ := n.Int("UnitModifier")
			v := float64(r) * math.Pow10(int(mod))
			s.Value = &v
		}
		inv.Sensors = append(inv.Sensors, s)
	}
	return err
}

func (c *Client) invSoftware(ctx context.Context, inv *invRun) error {
	items, err := c.invEnum(ctx, inv, "CIM_SoftwareIdentity")
	for _, s := range items {
		inv.Software = append(inv.Software, oobkit.Software{Source: src, Name: firstOf(s.Get("ElementName"), s.Get("InstanceID")),
			Version: s.Get("VersionString"), Vendor: s.Get("Manufacturer")})
	}
	return err
}

// cacheLevels names CIM_AssociatedCacheMemory.Level values.
var cacheLevels = map[string]string{"3": "L1", "4": "L2", "5": "L3"}

func (c *Client) invCache(ctx context.Context, inv *invRun) error {
	assocs, err := c.invEnum(ctx, inv, "CIM_AssociatedCacheMemory")
	if err != nil || len(assocs) == 0 {
		return err
	}
	mems, err := c.invEnum(ctx, inv, "CIM_Memory")
	if err != nil {
		return err
	}
	size := map[string]int64{}
	for _, m := range mems {
		bs, _ := m.Int("BlockSize")
		nb, _ := m.Int("NumberOfBlocks")
		size[m.Get("DeviceID")] = bs * nb
	}
	for _, a := range assocs {
		mem, cpu := a.EPR("Antecedent"), a.EPR("Dependent")
		if mem == nil {
			continue
		}
		id := mem.Selectors.Get("DeviceID")
		val := firstOf(cacheLevels[a.Get("Level")], "level "+a.Get("Level"))
		if b := size[id]; b > 0 {
			val += " " + strconv.FormatInt(b/1024, 10) + " KiB"
		}
		if cpu != nil {
			val += " (" + cpu.Selectors.Get("DeviceID") + ")"
		}
		inv.Properties = append(inv.Properties, oobkit.Property{Source: src, Name: "cache " + id, Value: val})
	}
	return nil
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
