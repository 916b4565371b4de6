package ipmi

import (
	"context"
	"errors"
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
// Source [oobkit.IPMI]. A BMC without SDRs or FRUs yields an inventory
// without them, not an error.
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
	if guid, err := c.GUID(ctx); err == nil {
		inv.System = append(inv.System, oobkit.System{Source: oobkit.IPMI, Kind: "system", GUID: guid})
	} else if !errors.Is(err, oobkit.ErrUnsupported) {
		return nil, err
	}
	frus, err := c.frus(ctx, dev)
	if err != nil {
		return nil, err
	}
	for _, f := range frus {
		inv.System = append(inv.System, fruSystems(f)...)
	}
	sensors, err := c.Sensors(ctx)
	if err != nil && !errors.Is(err, oobkit.ErrUnsupported) {
		return nil, err
	}
	inv.Sensors = sensors
	return inv, nil
}

// frus reads the FRU of the BMC itself (FRU device 0, when Get Device ID
// says the BMC has FRU inventory) and the logical FRU devices on the BMC
// that FRU Device Locator SDRs name (IPMI v2.0 §38, §43.8). It does not use
// go-ipmi's GetFRUs, whose own Get Device ID refuses a BMC that leaves out
// the optional auxiliary firmware revision. FRUs behind other controllers or
// on private buses are not read.
func (c *Client) frus(ctx context.Context, dev *DeviceID) ([]*types.FRU, error) {
	var out []*types.FRU
	err := c.do(ctx, "Read FRU Data", func(cl *client.Client) error {
		if slices.Contains(dev.Supports, "fru") {
			f, err := cl.GetFRU(ctx, 0, "Builtin FRU")
			if err != nil {
				return err
			}
			out = append(out, f)
		}
		if !slices.Contains(dev.Supports, "sdr") {
			return nil
		}
		sdrs, err := cl.GetSDRsRaw(ctx, types.SDRRecordTypeFRUDeviceLocator)
		if err != nil {
			return err
		}
		for _, r := range sdrs {
			l := r.FRUDeviceLocator
			if l == nil || l.Location() != types.FRULocation_MgmtController || l.AccessLUN != 0 || l.FRUDeviceID_SlaveAddress == 0 {
				continue // device 0 is the BMC's own, read above
			}
			f, err := cl.GetFRU(ctx, l.FRUDeviceID_SlaveAddress, string(l.DeviceIDBytes))
			if err != nil {
				return err
			}
			out = append(out, f)
		}
		return nil
	})
	if errors.Is(err, oobkit.ErrUnsupported) {
		return out, nil
	}
	return out, err
}

// fruSystems maps one FRU's chassis/board/product areas.
func fruSystems(f *types.FRU) []oobkit.System {
	if f == nil || f.DeviceNotPresent {
		return nil
	}
	var out []oobkit.System
	if a := f.ChassisInfoArea; a != nil {
		out = append(out, oobkit.System{Source: oobkit.IPMI, Kind: "chassis", Name: f.DeviceName,
			Model: text(a.PartNumber), Serial: text(a.SerialNumber), Version: a.ChassisType.String()})
	}
	if a := f.BoardInfoArea; a != nil {
		out = append(out, oobkit.System{Source: oobkit.IPMI, Kind: "board", Name: f.DeviceName,
			Manufacturer: text(a.Manufacturer), Model: text(a.ProductName), Serial: text(a.SerialNumber),
			Version: text(a.PartNumber)})
	}
	if a := f.ProductInfoArea; a != nil {
		out = append(out, oobkit.System{Source: oobkit.IPMI, Kind: "product", Name: text(a.Name),
			Manufacturer: text(a.Manufacturer), Model: text(a.PartModel), Serial: text(a.SerialNumber),
			Version: text(a.Version), AssetTag: text(a.AssetTag)})
	}
	return out
}

func text(b []byte) string { return strings.TrimSpace(strings.TrimRight(string(b), "\x00")) }

// Sensors reads every full and compact sensor SDR and the sensor's current
// reading. Threshold sensors get a Value and Unit; Status is "ok",
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
	default:
		if states := s.DiscreteActiveEventsString(); len(states) > 0 {
			o.Status = strings.Join(states, ", ")
		} else {
			o.Status = "ok"
		}
	}
	return o
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
