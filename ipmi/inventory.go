package ipmi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/types"

	"github.com/oobkit/oobkit"
)

// Inventory collects what the BMC knows: Get Device ID (the BMC firmware and
// IPMI properties), the system GUID, every FRU's chassis, board and product
// areas (IPMI Platform Management FRU Information Storage Definition v1.0),
// and every full/compact sensor SDR with its current reading. Every item has
// Source [oobkit.IPMI].
//
// A FRU device or the SDR repository that the BMC lacks, refuses or errs on
// is named in the inventory's Missing list ("FRU 0", "FRU 3 (PSU)", "SDR")
// and the rest is returned ([oobkit.Inventory.Partial]). Get System GUID is
// optional (IPMI v2.0 §22.14): a BMC without it has no GUID and no gap. A
// refused credential, an unreachable BMC, the end of ctx or a failed Get
// Device ID (mandatory, §20.1: nothing answers) fails the whole inventory.
func (c *Client) Inventory(ctx context.Context) (*oobkit.Inventory, error) {
	inv := &oobkit.Inventory{Target: c.target.String(), Collected: time.Now().UTC()}
	dev, err := c.DeviceID(ctx)
	if err != nil {
		return nil, err
	}
	inv.BIOS = append(inv.BIOS, oobkit.Firmware{Source: oobkit.IPMI, Name: "BMC", Version: dev.Firmware,
		Vendor: "IANA " + strconv.Itoa(int(dev.ManufacturerID))})
	inv.Properties = append(inv.Properties,
		oobkit.Property{Source: oobkit.IPMI, Name: "ipmi.version", Value: dev.IPMIVersion},
		oobkit.Property{Source: oobkit.IPMI, Name: "ipmi.manufacturerID", Value: strconv.Itoa(int(dev.ManufacturerID))},
		oobkit.Property{Source: oobkit.IPMI, Name: "ipmi.productID", Value: strconv.Itoa(int(dev.ProductID))},
		oobkit.Property{Source: oobkit.IPMI, Name: "ipmi.deviceSupport", Value: strings.Join(dev.Supports, ",")},
	)
	gap := func(class string, err error) error {
		if oobkit.InventoryFatal(err) {
			return err
		}
		inv.Missing = append(inv.Missing, oobkit.Gap(oobkit.IPMI, class, err))
		return nil
	}
	if guid, err := c.GUID(ctx); err == nil {
		inv.System = append(inv.System, oobkit.System{Source: oobkit.IPMI, Kind: "system", GUID: guid})
	} else if !errors.Is(err, oobkit.ErrUnsupported) {
		if err := gap("System GUID", err); err != nil {
			return nil, err
		}
	}
	frus, err := c.frus(ctx, dev, gap)
	if err != nil {
		return nil, err
	}
	for _, f := range frus {
		inv.System = append(inv.System, fruSystems(f)...)
	}
	sensors, err := c.Sensors(ctx)
	if err != nil {
		if err := gap("SDR", err); err != nil {
			return nil, err
		}
	}
	inv.Sensors = sensors
	return inv, nil
}

// frus reads the FRU of the BMC itself (FRU device 0, when Get Device ID
// says the BMC has FRU inventory) and the logical FRU devices on the BMC
// that FRU Device Locator SDRs name (IPMI v2.0 §38, §43.8). Each read is
// its own exchange, so a FRU device that fails is reported to gap (which
// returns the error only when it ends the whole inventory) and the others
// are still read. It does not use go-ipmi's GetFRUs, whose own Get Device
// ID refuses a BMC that leaves out the optional auxiliary firmware
// revision. FRUs behind other controllers or on private buses are not read.
func (c *Client) frus(ctx context.Context, dev *DeviceID, gap func(string, error) error) ([]*types.FRU, error) {
	var out []*types.FRU
	read := func(id uint8, name, class string) error {
		var f *types.FRU
		err := c.do(ctx, "Read FRU Data", func(cl *client.Client) error {
			var err error
			f, err = cl.GetFRU(ctx, id, name)
			return err
		})
		if err == nil && f != nil && f.DeviceNotPresent {
			// go-ipmi turns completion code 0xCB ("requested data not
			// present", IPMI v2.0 §5.2) into a FRU marked not present;
			// ipmitool prints "Device not present" for it.
			err = &oobkit.Error{Protocol: oobkit.IPMI, Op: "Read FRU Data", Class: oobkit.ErrUnsupported, DeviceCode: "0xcb",
				Message: "FRU device not present (" + f.DeviceNotPresentReason + ")"}
		}
		if err != nil {
			return gap(class, err)
		}
		out = append(out, f)
		return nil
	}
	if slices.Contains(dev.Supports, "fru") {
		if err := read(0, "Builtin FRU", "FRU 0"); err != nil {
			return nil, err
		}
	}
	if !slices.Contains(dev.Supports, "sdr") {
		return out, nil
	}
	var sdrs []*types.SDR
	err := c.do(ctx, "Get SDR", func(cl *client.Client) error {
		var err error
		sdrs, err = cl.GetSDRsRaw(ctx, types.SDRRecordTypeFRUDeviceLocator)
		return err
	})
	if err != nil {
		return out, gap("SDR FRU Device Locator", err)
	}
	for _, r := range sdrs {
		l := r.FRUDeviceLocator
		if l == nil || l.Location() != types.FRULocation_MgmtController || l.AccessLUN != 0 || l.FRUDeviceID_SlaveAddress == 0 {
			continue // device 0 is the BMC's own, read above
		}
		name := string(l.DeviceIDBytes)
		if err := read(l.FRUDeviceID_SlaveAddress, name, fmt.Sprintf("FRU %d (%s)", l.FRUDeviceID_SlaveAddress, name)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// fruSystems maps one FRU's chassis, board and product areas (IPMI FRU
// Information Storage Definition v1.0 §10–§12) field for field as ipmitool's
// "fru print" and FreeIPMI's ipmi-fru print them:
//
//   - chassis: Model = Chassis Type, PartNumber = Chassis Part Number,
//     Serial = Chassis Serial;
//   - board: Manufacturer = Board Mfg, Model = Board Product, Serial = Board
//     Serial, PartNumber = Board Part Number, Manufactured = Board Mfg Date,
//     FileID = FRU File ID;
//   - product: Name and Model = Product Name, Manufacturer = Product
//     Manufacturer, PartNumber = Product Part/Model Number, Version = Product
//     Version, Serial = Product Serial, AssetTag = Product Asset Tag, FileID
//     = FRU File ID.
//
// Name is the FRU device's name ("Builtin FRU") for chassis and board.
func fruSystems(f *types.FRU) []oobkit.System {
	if f == nil || f.DeviceNotPresent {
		return nil
	}
	var out []oobkit.System
	if a := f.ChassisInfoArea; a != nil {
		out = append(out, oobkit.System{Source: oobkit.IPMI, Kind: "chassis", Name: f.DeviceName,
			Model: a.ChassisType.String(), PartNumber: text(a.PartNumber), Serial: text(a.SerialNumber)})
	}
	if a := f.BoardInfoArea; a != nil {
		b := oobkit.System{Source: oobkit.IPMI, Kind: "board", Name: f.DeviceName,
			Manufacturer: text(a.Manufacturer), Model: text(a.ProductName), Serial: text(a.SerialNumber),
			PartNumber: text(a.PartNumber), FileID: text(a.FRUFileID)}
		// 0 minutes after 1996-01-01 00:00 means "unspecified" (§11).
		if t := a.MfgDateTime.UTC(); t.After(fruEpoch) {
			b.Manufactured = t
		}
		out = append(out, b)
	}
	if a := f.ProductInfoArea; a != nil {
		out = append(out, oobkit.System{Source: oobkit.IPMI, Kind: "product", Name: text(a.Name), Model: text(a.Name),
			Manufacturer: text(a.Manufacturer), PartNumber: text(a.PartModel), Serial: text(a.SerialNumber),
			Version: text(a.Version), AssetTag: text(a.AssetTag), FileID: text(a.FRUFileID)})
	}
	return out
}

// fruEpoch is the origin of FRU board manufacturing dates.
var fruEpoch = time.Date(1996, 1, 1, 0, 0, 0, 0, time.UTC)

func text(b []byte) string { return strings.TrimSpace(strings.TrimRight(string(b), "\x00")) }

// Sensors reads every full and compact sensor SDR and the sensor's current
// reading. Threshold sensors get a Value, Unit and their readable
// Thresholds; Status is "ok",
// "warning" (non-critical), "critical", "non-recoverable", "n/a" (no
// reading), or for discrete sensors the active states.
func (c *Client) Sensors(ctx context.Context) ([]oobkit.Sensor, error) {
	var raw []*types.Sensor
	err := c.do(ctx, "Get Sensor Reading", func(cl *client.Client) error {
		s, err := cl.GetSensors(ctx)
		raw = s
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]oobkit.Sensor, 0, len(raw))
	for _, s := range raw {
		out = append(out, sensorFrom(s))
	}
	return out, nil
}

func sensorFrom(s *types.Sensor) oobkit.Sensor {
	o := oobkit.Sensor{Source: oobkit.IPMI, Name: s.Name, Type: strings.ToLower(SensorTypeName(uint8(s.SensorType)))}
	switch {
	case s.NotPresent || s.ScanningDisabled || !s.IsReadingValid():
		o.Status = "n/a"
	case s.IsThreshold():
		v := s.Value
		o.Value = &v
		o.Unit = s.SensorUnit.String()
		o.Status = thresholdStatus(string(s.Threshold.ThresholdStatus))
		o.Thresholds = thresholds(s)
	default:
		if states := s.DiscreteActiveEventsString(); len(states) > 0 {
			o.Status = strings.Join(states, ", ")
		} else {
			o.Status = "ok"
		}
	}
	return o
}

// thresholds returns the readable thresholds of a threshold sensor, as
// Get Sensor Thresholds reported them (IPMI v2.0 §35.9), converted to the
// sensor's unit; nil when none is readable.
func thresholds(s *types.Sensor) map[string]float64 {
	m := s.Threshold.Mask
	out := map[string]float64{}
	for _, t := range []struct {
		key      string
		readable bool
		v        float64
	}{
		{"lnr", m.LNR.Readable, s.Threshold.LNR}, {"lcr", m.LCR.Readable, s.Threshold.LCR},
		{"lnc", m.LNC.Readable, s.Threshold.LNC}, {"unc", m.UNC.Readable, s.Threshold.UNC},
		{"ucr", m.UCR.Readable, s.Threshold.UCR}, {"unr", m.UNR.Readable, s.Threshold.UNR},
	} {
		if t.readable {
			out[t.key] = t.v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func thresholdStatus(s string) string {
	switch strings.ToLower(s) {
	case "ok", "":
		return "ok"
	case "lnc", "unc":
		return "warning"
	case "lcr", "ucr":
		return "critical"
	case "lnr", "unr":
		return "non-recoverable"
	}
	return s
}
