package ipmi

import (
	"context"
	"fmt"
	"slices"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/types"

	"github.com/oobkit/oobkit"
)

// ChassisStatus is the answer to Get Chassis Status (IPMI v2.0 §28.2).
type ChassisStatus struct {
	PowerOn            bool   `json:"powerOn"`
	PowerOverload      bool   `json:"powerOverload,omitempty"`
	Interlock          bool   `json:"interlock,omitempty"`
	PowerFault         bool   `json:"powerFault,omitempty"`
	PowerControlFault  bool   `json:"powerControlFault,omitempty"`
	PowerRestorePolicy string `json:"powerRestorePolicy"` // "always-off", "previous", "always-on", "unknown"
	// LastPowerEvent is "command", "fault", "interlock", "overload", "ac-failed" or "".
	LastPowerEvent    string `json:"lastPowerEvent,omitempty"`
	Intrusion         bool   `json:"intrusion,omitempty"`
	FrontPanelLockout bool   `json:"frontPanelLockout,omitempty"`
	DriveFault        bool   `json:"driveFault,omitempty"`
	FanFault          bool   `json:"fanFault,omitempty"`
	// IdentifyState is "off", "temporary", "indefinite", or "" when the BMC does
	// not report the identify state.
	IdentifyState string `json:"identify,omitempty"`
}

// ChassisStatus reads the chassis status.
func (c *Client) ChassisStatus(ctx context.Context) (*ChassisStatus, error) {
	var out *ChassisStatus
	err := c.do(ctx, "Get Chassis Status", func(cl *client.Client) error {
		r, err := cl.GetChassisStatus(ctx)
		if err != nil {
			return err
		}
		out = &ChassisStatus{
			PowerOn: r.PowerIsOn, PowerOverload: r.PowerOverload, Interlock: r.InterLock,
			PowerFault: r.PowerFault, PowerControlFault: r.PowerControlFault,
			PowerRestorePolicy: r.PowerRestorePolicy.String(),
			Intrusion:          r.ChassisIntrusionActive, FrontPanelLockout: r.FrontPanelLockoutActive,
			DriveFault: r.DriveFault, FanFault: r.CollingFanFault,
		}
		switch {
		case r.ACFailed:
			out.LastPowerEvent = "ac-failed"
		case r.LastPowerDownByPowerOverload:
			out.LastPowerEvent = "overload"
		case r.LastPowerDownByPowerInterlockActivated:
			out.LastPowerEvent = "interlock"
		case r.LastPowerDownByPowerFault:
			out.LastPowerEvent = "fault"
		case r.LastPowerOnByCommand:
			out.LastPowerEvent = "command"
		}
		if r.ChassisIdentifySupported {
			out.IdentifyState = [...]string{"off", "temporary", "indefinite", "reserved"}[r.ChassisIdentifyState&3]
		}
		return nil
	})
	return out, err
}

// ChassisIdentify turns the chassis identify light on for seconds (1–255),
// off (seconds 0), or on until turned off (forever true): the Chassis
// Identify command (IPMI v2.0 §28.5). (It is not the WS-Management
// Identify that dash and wmi clients send.)
func (c *Client) ChassisIdentify(ctx context.Context, seconds int, forever bool) error {
	if seconds < 0 || seconds > 255 {
		return fmt.Errorf("ipmi: identify interval %d s out of range 0–255: %w", seconds, errInvalid)
	}
	return c.do(ctx, "Chassis Identify", func(cl *client.Client) error {
		_, err := cl.ChassisIdentify(ctx, uint8(seconds), forever)
		return err
	})
}

// DeviceID is the answer to Get Device ID (§20.1), what discovery records
// about a BMC.
type DeviceID struct {
	DeviceID       uint8  `json:"deviceID"`
	DeviceRevision uint8  `json:"deviceRevision"`
	Firmware       string `json:"firmware"`    // "major.minor", e.g. "9.08"
	IPMIVersion    string `json:"ipmiVersion"` // e.g. "2.0"
	ManufacturerID uint32 `json:"manufacturerID"`
	ProductID      uint16 `json:"productID"`
	Available      bool   `json:"available"` // false during a firmware/SDR update
	ProvidesSDRs   bool   `json:"providesSDRs,omitempty"`
	// Supports lists the additional logical devices: "chassis", "bridge",
	// "event-generator", "event-receiver", "fru", "sel", "sdr", "sensor".
	Supports []string `json:"supports,omitempty"`
	// AuxFirmware is the optional auxiliary firmware revision, 8 hex
	// digits, or "" when the BMC leaves it out.
	AuxFirmware string `json:"auxFirmware,omitempty"`
}

// DeviceID reads Get Device ID. The answer is decoded here, not by go-ipmi,
// so that a BMC that leaves out the optional Auxiliary Firmware Revision
// (bytes 12–15 of the response, IPMI v2.0 §20.1 Table 20-2) or sends part
// of it — pyghmi's BMC answers with 14 data bytes — is read as ipmitool
// reads it: the 11 mandatory bytes are what counts.
func (c *Client) DeviceID(ctx context.Context) (*DeviceID, error) {
	var out *DeviceID
	err := c.do(ctx, "Get Device ID", func(cl *client.Client) error {
		resp := &client.CommandRawResponse{}
		if err := cl.Exchange(ctx, &client.CommandRawRequest{NetFn: types.NetFnAppRequest, Cmd: 0x01, Name: "Get Device ID"}, resp); err != nil {
			return err
		}
		d, err := parseDeviceID(resp.Response)
		out = d
		return err
	})
	return out, err
}

// parseDeviceID decodes the data of a Get Device ID response (after the
// completion code, IPMI v2.0 §20.1 Table 20-2). Fewer than the 11 mandatory
// bytes wrap [oobkit.ErrProtocol].
func parseDeviceID(b []byte) (*DeviceID, error) {
	if len(b) < 11 {
		return nil, &oobkit.Error{Protocol: oobkit.IPMI, Op: "Get Device ID", Class: oobkit.ErrProtocol,
			Message: fmt.Sprintf("answer of %d data bytes, want at least 11", len(b))}
	}
	out := &DeviceID{
		DeviceID:       b[0],
		DeviceRevision: b[1] & 0x0F,
		ProvidesSDRs:   b[1]&0x80 != 0,
		Available:      b[2]&0x80 == 0,
		// The minor revision is BCD: its hex digits are the decimal ones
		// ("9.08", "2.12"), as ipmitool prints it.
		Firmware:       fmt.Sprintf("%d.%02x", b[2]&0x7F, b[3]),
		IPMIVersion:    fmt.Sprintf("%d.%d", b[4]&0x0F, b[4]>>4),
		ManufacturerID: uint32(b[6]) | uint32(b[7])<<8 | uint32(b[8]&0x0F)<<16, // 20 bits
		ProductID:      uint16(b[9]) | uint16(b[10])<<8,
	}
	for i, name := range []string{"sensor", "sdr", "sel", "fru", "event-receiver", "event-generator", "bridge", "chassis"} {
		if b[5]&(1<<i) != 0 {
			out.Supports = append(out.Supports, name)
		}
	}
	slices.Reverse(out.Supports) // chassis first, as Table 20-2 lists them from bit 7
	if len(b) >= 15 {
		out.AuxFirmware = fmt.Sprintf("%x", b[11:15])
	}
	return out, nil
}

// GUID reads Get System GUID (§22.14) and formats it as ipmitool's
// "mc guid" does: the 16 bytes are least-significant byte first, so the text
// is the bytes reversed, in RFC 4122 groups.
func (c *Client) GUID(ctx context.Context) (string, error) {
	var out string
	err := c.do(ctx, "Get System GUID", func(cl *client.Client) error {
		r, err := cl.GetSystemGUID(ctx)
		if err != nil {
			return err
		}
		out = formatGUID(r.GUID)
		return nil
	})
	return out, err
}

// formatGUID writes the IPMI GUID (least-significant byte first, §20.8) as
// RFC 4122 text.
func formatGUID(g [16]byte) string {
	var b [16]byte
	for i := range g {
		b[i] = g[15-i]
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
