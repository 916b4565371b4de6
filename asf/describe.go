package asf

import (
	"context"
	"strconv"
)

// Describe sends a Presence Ping (DSP0136 §3.2.4.3) and returns the Pong as
// [oobkit.Describer] details: "iana", "oem", "asfVersion" ("1.0", or ""
// for an IPMI-only BMC), "ipmi" and "security" (RMCP security extensions
// supported).
func (c *Client) Describe(ctx context.Context) (map[string]string, error) {
	p, err := c.Ping(ctx)
	if err != nil {
		return nil, err
	}
	v := ""
	if p.ASFVersion == 1 {
		v = "1.0"
	} else if p.ASFVersion != 0 {
		v = strconv.Itoa(p.ASFVersion)
	}
	return map[string]string{
		"iana":       strconv.FormatUint(uint64(p.IANA), 10),
		"oem":        strconv.FormatUint(uint64(p.OEM), 10),
		"asfVersion": v,
		"ipmi":       strconv.FormatBool(p.IPMI),
		"security":   strconv.FormatBool(p.Security),
	}, nil
}
