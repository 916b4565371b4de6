package amt

import (
	"context"
	"strconv"
	"strings"
)

// Node names a node of the one-to-one view that package amt reads (RTSM
// guide Tables ).
type Node string

// The AMT nodes, named as the guide's tables name them.
const (
	NodeBattery            Node = "Battery"
	NodeFRU                Node = "Field Replaceable Unit"
	NodeAgentWatchdogs     Node = "Agent Watchdogs"
	NodeWirelessProfile    Node = "Wireless Profile"
	NodeNetworkSettings    Node = "Intel AMT Network Settings"
	NodeRemoteAccessPolicy Node = "Intel Remote Access Policy"
)

// Nodes lists the nodes [Client.NodeRows] reads, in the guide's order.
var Nodes = []Node{NodeAgentWatchdogs, NodeBattery, NodeFRU, NodeNetworkSettings, NodeWirelessProfile, NodeRemoteAccessPolicy}

// Row is one line of a node's generic table: column name to value.
type Row = map[string]string

// NodeRows reads node and returns it as rows of strings, the generic form
// a table view shows (the typed readers give the same data: [Client.Batteries],
// [Client.FRUs], [Client.AgentWatchdogs], [Client.WirelessProfiles],
// [Client.NetworkSettings], [Client.RemoteAccessPolicy]). An unknown node
// is an ErrInvalidArgument error; a device without the node's classes
// answers as the typed reader does (ErrUnsupported or ErrNotDetected).
func (c *Client) NodeRows(ctx context.Context, node Node) ([]Row, error) {
	switch node {
	case NodeBattery:
		list, err := c.Batteries(ctx)
		return rowsOf(list, err, func(b Battery) Row {
			return Row{"DeviceID": b.DeviceID, "Name": b.Name, "Status": b.Status, "Chemistry": b.Chemistry,
				"ChargePercent": strconv.Itoa(b.ChargePercent), "RunTimeMinutes": strconv.Itoa(b.RunTimeMinutes),
				"DesignCapacity": i64(b.DesignCapacity), "FullChargeCapacity": i64(b.FullChargeCapacity),
				"DesignVoltage": i64(b.DesignVoltage), "Health": b.Health}
		})
	case NodeFRU:
		list, err := c.FRUs(ctx)
		return rowsOf(list, err, func(f FRU) Row {
			return Row{"Class": f.Class, "Name": f.Name, "Tag": f.Tag, "Manufacturer": f.Manufacturer, "Model": f.Model,
				"SerialNumber": f.SerialNumber, "PartNumber": f.PartNumber, "Version": f.Version, "CanBeFRUed": ptrBool(f.CanBeFRUed)}
		})
	case NodeAgentWatchdogs:
		list, err := c.AgentWatchdogs(ctx)
		return rowsOf(list, err, func(w AgentWatchdog) Row {
			var acts []string
			for _, a := range w.Actions {
				acts = append(acts, a.Name)
			}
			return Row{"AgentID": w.AgentID, "Name": w.Name, "State": w.State, "StartupSeconds": dur(w.Startup),
				"TimeoutSeconds": dur(w.Timeout), "Actions": strings.Join(acts, ", ")}
		})
	case NodeWirelessProfile:
		list, err := c.WirelessProfiles(ctx)
		return rowsOf(list, err, func(p WirelessProfile) Row {
			return Row{"Name": p.Name, "SSID": p.SSID, "Priority": strconv.Itoa(p.Priority), "Authentication": p.Authentication,
				"Encryption": p.Encryption, "BSSType": p.BSSType}
		})
	case NodeNetworkSettings:
		list, err := c.NetworkSettings(ctx)
		return rowsOf(list, err, func(n NetworkSettings) Row {
			var lp []string
			for _, v := range n.LinkPolicy {
				lp = append(lp, strconv.Itoa(v))
			}
			return Row{"Interface": n.Interface.String(), "MAC": n.MAC, "LinkUp": b2s(n.LinkUp), "DHCP": b2s(n.DHCP), "IP": n.IP,
				"SubnetMask": n.SubnetMask, "Gateway": n.Gateway, "PrimaryDNS": n.PrimaryDNS, "SecondaryDNS": n.SecondaryDNS,
				"SharedMAC": b2s(n.SharedMAC), "SharedDynamicIP": b2s(n.SharedDynamicIP), "SharedStaticIP": b2s(n.SharedStaticIP),
				"IPSync": b2s(n.IPSync), "LinkPolicy": strings.Join(lp, ",")}
		})
	case NodeRemoteAccessPolicy:
		p, err := c.RemoteAccessPolicy(ctx)
		if err != nil {
			return nil, err
		}
		addr := map[string]string{}
		for _, s := range p.Servers {
			addr[s.Name] = s.Address + ":" + strconv.Itoa(s.Port)
		}
		return rowsOf(p.Rules, nil, func(r RemoteAccessRule) Row {
			var srv []string
			for _, s := range r.Servers {
				srv = append(srv, addr[s.Server]+" ("+s.Type+")")
			}
			return Row{"Rule": r.Name, "Trigger": r.Trigger, "TunnelLifeTimeSeconds": dur(r.TunnelLifeTime),
				"Servers": strings.Join(srv, ", ")}
		})
	}
	return nil, argErr("NodeRows", "no AMT node %q", string(node))
}

func rowsOf[T any](list []T, err error, f func(T) Row) ([]Row, error) {
	if err != nil {
		return nil, err
	}
	out := make([]Row, 0, len(list))
	for _, v := range list {
		out = append(out, f(v))
	}
	return out, nil
}

func i64(v int64) string { return strconv.FormatInt(v, 10) }
