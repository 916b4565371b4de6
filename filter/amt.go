package filter

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
)

// AMT class names (reference amt_wsman.md §2(d), System Defense).
const (
	ClassIPHeadersFilter     = "AMT_IPHeadersFilter"
	ClassHdr8021Filter       = "AMT_Hdr8021Filter"
	ClassSystemDefensePolicy = "AMT_SystemDefensePolicy"
)

// AMT property names used by the mapping. Names are those of the reference
// (amt_wsman.md §2(d)) except ElementName, the CIM_ManagedElement property
// inherited by every filter class, which the reference does not list: it
// carries the rule's name so FromAMT can give it back.
const (
	propElementName        = "ElementName"
	propFilterDirection    = "FilterDirection"
	propFilterProfile      = "FilterProfile"
	propFilterProfileData  = "FilterProfileData"
	propActionEventOnMatch = "ActionEventOnMatch"
	propIsNegated          = "IsNegated"

	propHdrIPVersion        = "HdrIPVersion"
	propHdrSrcAddress       = "HdrSrcAddress"
	propHdrSrcAddressEnd    = "HdrSrcAddressEndOfRange"
	propHdrSrcMask          = "HdrSrcMask"
	propHdrDestAddress      = "HdrDestAddress"
	propHdrDestAddressEnd   = "HdrDestAddressEndOfRange"
	propHdrDestMask         = "HdrDestMask"
	propHdrProtocolID       = "HdrProtocolID"
	propHdrSrcPortStart     = "HdrSrcPortStart"
	propHdrSrcPortEnd       = "HdrSrcPortEnd"
	propHdrDestPortStart    = "HdrDestPortStart"
	propHdrDestPortEnd      = "HdrDestPortEnd"
	propTCPFlagsOn          = "TCPFlagsOn"
	propTCPFlagsOff         = "TCPFlagsOff"
	propHdrProtocolID8021   = "HdrProtocolID8021"
	propPolicyName          = "PolicyName"
	propPolicyPrecedence    = "PolicyPrecedence"
	propAntiSpoofingSupport = "AntiSpoofingSupport"
	propTxDefaultDrop       = "TxDefaultDrop"
	propTxDefaultMatchEvent = "TxDefaultMatchEvent"
	propTxDefaultCount      = "TxDefaultCount"
	propRxDefaultDrop       = "RxDefaultDrop"
	propRxDefaultMatchEvent = "RxDefaultMatchEvent"
	propRxDefaultCount      = "RxDefaultCount"

	// PropFilterCreationHandles is the AMT_SystemDefensePolicy property that
	// lists the policy's filters: the amt client fills it with the handles
	// the device returned when creating AMTPolicy.Filters, in that order.
	PropFilterCreationHandles = "FilterCreationHandles"
)

// FilterDirection values (reference: MeshCommander labels, 0 outbound /
// transmit, 1 inbound / receive).
const (
	amtDirTransmit = 0
	amtDirReceive  = 1
)

// FilterProfile values (reference: MeshCommander labels 0 Allow+Count,
// 1 Drop+Count, 2 Rate limit, 3 Allow, 4 Drop).
const (
	amtProfilePassCount = 0
	amtProfileDropCount = 1
	amtProfileRateLimit = 2
	amtProfilePass      = 3
	amtProfileDrop      = 4
)

// AMTInstance is one AMT instance to create: its class and its properties,
// each value written as WS-Man text. Octet-string addresses (HdrSrcAddress
// and friends) are upper-case hex of the address bytes, as MeshCommander
// sends them per the reference; the reference does not say whether AMT also
// accepts other encodings.
type AMTInstance struct {
	Class      string
	Properties map[string]string
}

// AMTPolicy describes what a client creates on the device for a Policy.
type AMTPolicy struct {
	// Filters are the AMT_IPHeadersFilter and AMT_Hdr8021Filter instances
	// in creation order, which is the rules' precedence order.
	Filters []AMTInstance
	// Policy holds the AMT_SystemDefensePolicy properties: PolicyName,
	// PolicyPrecedence, AntiSpoofingSupport and the Tx/Rx default flags. The
	// client adds PropFilterCreationHandles from the created filters.
	Policy map[string]string
	// TimeoutSeconds, when not zero, is passed to
	// AMT_SystemDefensePolicy.SetTimeout. The reference does not give the
	// unit; seconds is this package's assumption.
	TimeoutSeconds uint32
}

// ToAMT maps p to AMT instances. It refuses (oobkit.ErrInvalidArgument) a
// policy with validation errors.
func ToAMT(p *Policy) (*AMTPolicy, error) {
	for _, f := range Validate(p) {
		if f.Severity == Error {
			return nil, fmt.Errorf("filter: policy %q cannot be mapped to AMT: %s: %w", p.Name, f, oobkit.ErrInvalidArgument)
		}
	}
	out := &AMTPolicy{
		Policy: map[string]string{
			propPolicyName:          p.Name,
			propPolicyPrecedence:    strconv.FormatUint(uint64(p.Precedence), 10),
			propAntiSpoofingSupport: strconv.Itoa(int(p.AntiSpoofing)),
			propTxDefaultDrop:       fmtBool(p.Transmit.Action == Drop),
			propTxDefaultMatchEvent: fmtBool(p.Transmit.MatchEvent),
			propTxDefaultCount:      fmtBool(p.Transmit.Count),
			propRxDefaultDrop:       fmtBool(p.Receive.Action == Drop),
			propRxDefaultMatchEvent: fmtBool(p.Receive.MatchEvent),
			propRxDefaultCount:      fmtBool(p.Receive.Count),
		},
		TimeoutSeconds: uint32(p.Timeout / time.Second),
	}
	for i := range p.Rules {
		out.Filters = append(out.Filters, ruleToAMT(&p.Rules[i]))
	}
	return out, nil
}

func ruleToAMT(r *Rule) AMTInstance {
	props := map[string]string{
		propElementName:        r.Name,
		propActionEventOnMatch: fmtBool(r.MatchEvent),
	}
	dir := amtDirReceive
	if r.Direction == Transmit {
		dir = amtDirTransmit
	}
	props[propFilterDirection] = strconv.Itoa(dir)
	var profile int
	switch {
	case r.Action == RateLimit:
		profile = amtProfileRateLimit
		props[propFilterProfileData] = strconv.FormatUint(uint64(r.Rate), 10)
	case r.Action == Pass && r.Count:
		profile = amtProfilePassCount
	case r.Action == Pass:
		profile = amtProfilePass
	case r.Count:
		profile = amtProfileDropCount
	default:
		profile = amtProfileDrop
	}
	props[propFilterProfile] = strconv.Itoa(profile)
	if r.Ether != nil {
		props[propHdrProtocolID8021] = strconv.Itoa(int(r.Ether.EtherType))
		return AMTInstance{Class: ClassHdr8021Filter, Properties: props}
	}
	m := r.IP
	props[propHdrIPVersion] = strconv.Itoa(int(m.Version))
	putAddr(props, propHdrSrcAddress, propHdrSrcMask, propHdrSrcAddressEnd, m.Src)
	putAddr(props, propHdrDestAddress, propHdrDestMask, propHdrDestAddressEnd, m.Dst)
	if m.Protocol != AnyProtocol {
		props[propHdrProtocolID] = strconv.Itoa(int(m.Protocol))
	}
	putPorts(props, propHdrSrcPortStart, propHdrSrcPortEnd, m.SrcPorts)
	putPorts(props, propHdrDestPortStart, propHdrDestPortEnd, m.DstPorts)
	if m.FlagsOn != 0 {
		props[propTCPFlagsOn] = strconv.Itoa(int(m.FlagsOn))
	}
	if m.FlagsOff != 0 {
		props[propTCPFlagsOff] = strconv.Itoa(int(m.FlagsOff))
	}
	return AMTInstance{Class: ClassIPHeadersFilter, Properties: props}
}

func fmtBool(b bool) string { return strconv.FormatBool(b) }

func hexAddr(a netip.Addr) string { return strings.ToUpper(hex.EncodeToString(a.AsSlice())) }

func putAddr(props map[string]string, addr, mask, end string, m AddrMatch) {
	if m.Any() {
		return
	}
	props[addr] = hexAddr(m.Addr)
	if m.Mask.IsValid() {
		props[mask] = hexAddr(m.Mask)
	}
	if m.End.IsValid() {
		props[end] = hexAddr(m.End)
	}
}

func putPorts(props map[string]string, start, end string, r PortRange) {
	if r.Any() {
		return
	}
	props[start] = strconv.Itoa(int(r.First))
	props[end] = strconv.Itoa(int(r.Last))
}
