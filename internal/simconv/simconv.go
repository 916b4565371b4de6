// Package simconv bridges tests between the amt client's types and the
// amttest simulator's own ones. The simulator reads and decides the wire by
// itself (issue 18: it may not import client packages); tests that speak in
// filter.Policy and filter.Packet convert here. Only tests and example
// programs use it.
package simconv

import (
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/filter"
)

// Defender is a simulated device's System Defense (*amttest.Device,
// *amttest.Server).
type Defender interface {
	ActivePolicy(amttest.Interface) *amttest.DefensePolicy
	Evaluate(amttest.Interface, amttest.Packet) amttest.Decision
}

// Iface is the simulator's interface for a client interface.
func Iface(i amt.Interface) amttest.Interface {
	if i == amt.Wireless {
		return amttest.Wireless
	}
	return amttest.Wired
}

// Packet is the simulator's packet for a filter.Packet.
func Packet(p filter.Packet) amttest.Packet {
	return amttest.Packet{Transmit: p.Direction == filter.Transmit, EtherType: p.EtherType, Src: p.Src, Dst: p.Dst,
		Protocol: uint8(p.Protocol), SrcPort: p.SrcPort, DstPort: p.DstPort, Flags: uint8(p.Flags), Spoofed: p.Spoofed}
}

// Decision is the filter.Decision for the simulator's decision.
func Decision(d amttest.Decision) filter.Decision {
	out := filter.Decision{Rate: d.Rate, Rule: d.Rule, Index: d.Index, Count: d.Count, MatchEvent: d.MatchEvent}
	switch d.Action {
	case amttest.Pass:
		out.Action = filter.Pass
	case amttest.Drop:
		out.Action = filter.Drop
	case amttest.RateLimit:
		out.Action = filter.RateLimit
	}
	switch d.By {
	case amttest.ByRule:
		out.By = filter.ByRule
	case amttest.ByDefault:
		out.By = filter.ByDefault
	case amttest.ByAntiSpoofing:
		out.By = filter.ByAntiSpoofing
	}
	return out
}

// Evaluate asks the simulated device about pkt on iface, in filter terms.
func Evaluate(d Defender, iface amt.Interface, pkt filter.Packet) filter.Decision {
	return Decision(d.Evaluate(Iface(iface), Packet(pkt)))
}

// Active decodes the policy the device stores for iface with the client's
// decoder (filter.FromAMT), or nil when none is active. A stored policy
// that does not decode panics, so that a test asserting "no policy" cannot
// pass on a broken one.
func Active(d Defender, iface amt.Interface) *filter.Policy {
	p := d.ActivePolicy(Iface(iface))
	if p == nil {
		return nil
	}
	a := &filter.AMTPolicy{Policy: p.Properties}
	for _, f := range p.Filters {
		a.Filters = append(a.Filters, filter.AMTInstance{Class: f.Class, Properties: f.Properties})
	}
	out, err := filter.FromAMT(a)
	if err != nil {
		panic("simconv: the device's policy does not decode: " + err.Error())
	}
	return out
}

// Records converts the device's event log to the client's record type.
func Records(rs []amttest.Record) []amt.Record {
	out := make([]amt.Record, len(rs))
	for i, r := range rs {
		out[i] = amt.Record{Time: r.Time, DeviceAddress: r.DeviceAddress, SensorType: r.SensorType, EventType: r.EventType,
			Offset: r.Offset, SourceType: r.SourceType, Severity: r.Severity, SensorNumber: r.SensorNumber,
			Entity: r.Entity, EntityInstance: r.EntityInstance, Data: r.Data, AssertionStatus: r.Offset&0x80 == 0}
	}
	return out
}
