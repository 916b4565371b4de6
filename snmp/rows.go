package snmp

import (
	"context"
	"strconv"
	"strings"

	"github.com/oobkit/oobkit"
)

// Node names a node of the one-to-one view that package snmp reads (RTSM
// guide Table A-6, "Networking": "IP Route Table" and "Network Adapter",
// both "WMI and SNMP").
type Node string

// The SNMP nodes, named as the guide's table names them.
const (
	NodeRouteTable     Node = "IP Route Table"
	NodeNetworkAdapter Node = "Network Adapter"
)

// Nodes lists the nodes [Client.NodeRows] reads, in the guide's order.
var Nodes = []Node{NodeRouteTable, NodeNetworkAdapter}

// Row is one line of a node's generic table: column name to value.
type Row = map[string]string

// NodeRows reads node and returns it as rows of strings, the generic form
// a table view shows (the typed readers [Client.Routes] and
// [Client.Adapters] give the same data). An unknown node is an
// ErrInvalidArgument error.
func (c *Client) NodeRows(ctx context.Context, node Node) ([]Row, error) {
	switch node {
	case NodeRouteTable:
		list, err := c.Routes(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]Row, 0, len(list))
		for _, r := range list {
			out = append(out, Row{"Destination": r.Destination.String(), "NextHop": r.NextHop.String(),
				"IfIndex": strconv.Itoa(r.IfIndex), "Type": r.Type, "Protocol": r.Protocol, "Metric": strconv.Itoa(r.Metric),
				"Table": r.Table})
		}
		return out, nil
	case NodeNetworkAdapter:
		list, err := c.Adapters(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]Row, 0, len(list))
		for _, a := range list {
			addrs := make([]string, 0, len(a.Addresses))
			for _, ad := range a.Addresses {
				addrs = append(addrs, ad.String())
			}
			out = append(out, Row{"Index": strconv.Itoa(a.Index), "Name": a.Name, "Descr": a.Descr, "Alias": a.Alias,
				"Type": a.Type, "MTU": strconv.Itoa(a.MTU), "SpeedMbps": strconv.FormatInt(a.SpeedMbps, 10), "MAC": a.MAC,
				"AdminStatus": a.AdminStatus, "OperStatus": a.OperStatus, "InOctets": strconv.FormatUint(a.InOctets, 10),
				"OutOctets": strconv.FormatUint(a.OutOctets, 10), "Addresses": strings.Join(addrs, ", ")})
		}
		return out, nil
	}
	return nil, &oobkit.Error{Protocol: oobkit.SNMP, Op: "NodeRows", Class: oobkit.ErrInvalidArgument,
		Message: "no SNMP node " + strconv.Quote(string(node))}
}
