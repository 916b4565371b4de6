package ipmi

import (
	"context"
	"strconv"
	"strings"
)

// Describe reads Get Device ID (IPMI v2.0 §20.1) and returns it as
// [oobkit.Describer] details: "firmware", "ipmiVersion", "manufacturerID",
// "productID", "deviceID", "available" and, when the BMC reports them,
// "auxFirmware" and "supports".
func (c *Client) Describe(ctx context.Context) (map[string]string, error) {
	id, err := c.DeviceID(ctx)
	if err != nil {
		return nil, err
	}
	d := map[string]string{
		"firmware":       id.Firmware,
		"ipmiVersion":    id.IPMIVersion,
		"manufacturerID": strconv.FormatUint(uint64(id.ManufacturerID), 10),
		"productID":      strconv.FormatUint(uint64(id.ProductID), 10),
		"deviceID":       strconv.FormatUint(uint64(id.DeviceID), 10),
		"available":      strconv.FormatBool(id.Available),
	}
	if id.AuxFirmware != "" {
		d["auxFirmware"] = id.AuxFirmware
	}
	if len(id.Supports) > 0 {
		d["supports"] = strings.Join(id.Supports, ",")
	}
	return d, nil
}
