package view

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/ipmi"
)

// The IPMI part of Table A-6's "WMI or AMT or SNMP or IPMI" Network
// Adapter Configuration: the BMC's LAN configuration, read with Get LAN
// Configuration Parameters (IPMI v2.0 rev 1.1 §23.2, NetFn Transport 0Ch,
// command 02h; parameters of Table 23-4).
const (
	netFnTransport  = 0x0c
	cmdGetLANConfig = 0x02
	// chanCurrent is "the channel this request was received on" (IPMI
	// v2.0 §6.3, channel number Eh): the LAN channel the session runs on.
	chanCurrent = 0x0e
)

// lanParams are the parameters read, in Table 23-4's order.
var lanParams = []struct {
	num  byte
	name string
	size int
}{
	{3, "IP Address", 4},
	{4, "IP Address Source", 1},
	{5, "MAC Address", 6},
	{6, "Subnet Mask", 4},
	{12, "Default Gateway", 4},
	{13, "Default Gateway MAC Address", 6},
}

// lanValue decodes one Get LAN Configuration Parameters response (after
// the completion code): the parameter revision byte, then size bytes of
// data.
func lanValue(num byte, size int, resp []byte) (string, error) {
	if len(resp) < 1+size {
		return "", fmt.Errorf("LAN parameter %d: %d bytes, want %d", num, len(resp), 1+size)
	}
	d := resp[1 : 1+size]
	switch size {
	case 4:
		return netip.AddrFrom4([4]byte(d)).String(), nil
	case 6:
		parts := make([]string, 6)
		for i, b := range d {
			parts[i] = fmt.Sprintf("%02x", b)
		}
		return strings.Join(parts, ":"), nil
	}
	// IP Address Source, Table 23-4: bits [3:0].
	switch d[0] & 0x0f {
	case 0:
		return "unspecified", nil
	case 1:
		return "static", nil
	case 2:
		return "DHCP", nil
	case 3:
		return "BIOS or system software", nil
	}
	return "other", nil
}

// ipmiLAN reads the BMC's LAN configuration on the current channel.
func ipmiLAN(ctx context.Context, c oobkit.Client) (*Table, error) {
	ic, ok := c.(*ipmi.Client)
	if !ok {
		return nil, notReader(c, "the BMC's LAN configuration")
	}
	var kv []string
	for _, p := range lanParams {
		resp, err := ic.Raw(ctx, netFnTransport, cmdGetLANConfig, []byte{chanCurrent, p.num, 0, 0})
		if err != nil {
			var oe *oobkit.Error
			// 80h: "parameter not supported" (Table 23-3); skip it.
			if errors.As(err, &oe) && oe.DeviceCode == "0x80" {
				continue
			}
			return nil, err
		}
		v, err := lanValue(p.num, p.size, resp)
		if err != nil {
			return nil, &oobkit.Error{Protocol: oobkit.IPMI, Op: "view", Class: oobkit.ErrProtocol, Message: err.Error()}
		}
		kv = append(kv, p.name, v)
	}
	t := &Table{}
	t.Add(oobkit.IPMI, append([]string{"Channel", "current"}, kv...)...)
	return t, nil
}
