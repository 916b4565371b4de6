package filter

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/oobkit/oobkit"
)

func FuzzUnmarshal(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`<filterPolicy schemaVersion="1" name="x"><default direction="receive" action="pass"/><default direction="transmit" action="drop"/><ip name="a" direction="receive" action="pass" version="6" src="::1-::9" tcpFlagsOn="0x40" protocol="tcp"/></filterPolicy>`))
	f.Add([]byte("<filterPolicy/>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Unmarshal(data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, oobkit.ErrInvalidArgument) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			return
		}
		out, err := Marshal(p)
		if err != nil {
			t.Fatalf("accepted policy does not marshal: %v", err)
		}
		back, err := Unmarshal(out)
		if err != nil {
			t.Fatalf("own output rejected: %v\n%s", err, out)
		}
		again, err := Marshal(back)
		if err != nil || string(again) != string(out) {
			t.Fatalf("round trip not stable:\n%s\n---\n%s", out, again)
		}
		// Whatever was read can be evaluated and verified without panics.
		p.Evaluate(Packet{Direction: Receive, Src: mgmt, Protocol: TCP, SrcPort: 80, DstPort: 50000})
		Verify(p, RequiredFlows(mgmt, FlowPorts{}))
		Validate(p)
	})
}

func FuzzEvaluate(f *testing.F) {
	f.Add(uint8(1), uint16(0), []byte{10, 0, 0, 5}, []byte{10, 0, 0, 77}, uint8(6), uint16(80), uint16(50000), uint8(SYN), false)
	f.Add(uint8(2), uint16(0x0806), []byte{}, []byte{}, uint8(0), uint16(0), uint16(0), uint8(0), false)
	f.Add(uint8(2), uint16(0), []byte{32, 1, 13, 184, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, []byte{}, uint8(58), uint16(0), uint16(0), uint8(0), true)
	policies := []*Policy{featurePolicy(f), LimitPing(0), must(DefaultRemediation(mustAddr("2001:db8::5"), RemediationOptions{}))}
	f.Fuzz(func(t *testing.T, dir uint8, etherType uint16, src, dst []byte, proto uint8, sport, dport uint16, flags uint8, spoofed bool) {
		pkt := Packet{Direction: Direction(dir%3 + 1), EtherType: etherType, Protocol: Protocol(proto),
			SrcPort: sport, DstPort: dport, Flags: TCPFlags(flags), Spoofed: spoofed}
		pkt.Src, _ = netip.AddrFromSlice(src)
		pkt.Dst, _ = netip.AddrFromSlice(dst)
		_ = pkt.String()
		for _, p := range policies {
			d := p.Evaluate(pkt)
			first := -1
			for i := range p.Rules {
				if p.Rules[i].match(&pkt) == yes {
					first = i
					break
				}
			}
			switch d.By {
			case ByAntiSpoofing:
				if !spoofed || pkt.Direction != Transmit || d.Action != Drop {
					t.Fatalf("anti-spoofing decided %v", pkt)
				}
			case ByRule:
				if d.Index != first || p.Rules[d.Index].Action != d.Action || p.Rules[d.Index].Name != d.Rule {
					t.Fatalf("%v: decided by %q (#%d), first match #%d", pkt, d.Rule, d.Index, first)
				}
			case ByDefault:
				if first != -1 || d.Action != p.Default(pkt.Direction).Action {
					t.Fatalf("%v: default decided but rule #%d matches", pkt, first)
				}
			default:
				t.Fatalf("no decider for %v", pkt)
			}
		}
	})
}

// FuzzFromAMT feeds FromAMT the property values a device might report (they
// come off the network through package amt): one filter instance of either
// class plus the policy's properties, each as "Name=value" lines. FromAMT
// must not panic, must refuse with oobkit.ErrProtocol, and a policy it
// accepts must survive ToAMT and come back the same.
func FuzzFromAMT(f *testing.F) {
	props := func(m map[string]string) string {
		var b strings.Builder
		for k, v := range m {
			b.WriteString(k + "=" + v + "\n")
		}
		return b.String()
	}
	for _, p := range []*Policy{featurePolicy(f), AllowAll(), LimitPing(3)} {
		a, err := ToAMT(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, inst := range a.Filters {
			f.Add(inst.Class == ClassHdr8021Filter, props(inst.Properties), props(a.Policy))
		}
	}
	f.Add(false, "FilterDirection=1\nFilterProfile=4\nHdrIPVersion=4\nHdrSrcAddress=192.0.2.0\nHdrSrcMask=255.255.255.0\nHdrProtocolID=17\nHdrDestPortStart=161",
		"PolicyName=dev\nRxDefaultDrop=true")
	parse := func(s string) map[string]string {
		m := map[string]string{}
		for _, line := range strings.Split(s, "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				m[k] = v
			}
		}
		return m
	}
	f.Fuzz(func(t *testing.T, ether bool, filter, policy string) {
		class := ClassIPHeadersFilter
		if ether {
			class = ClassHdr8021Filter
		}
		a := &AMTPolicy{Policy: parse(policy), Filters: []AMTInstance{{Class: class, Properties: parse(filter)}}}
		p, err := FromAMT(a)
		if err != nil {
			if !errors.Is(err, oobkit.ErrProtocol) {
				t.Fatalf("error %v does not wrap ErrProtocol", err)
			}
			return
		}
		p.Evaluate(Packet{Direction: Receive, Src: mgmt, Protocol: TCP, SrcPort: 80, DstPort: 50000})
		Verify(p, RequiredFlows(mgmt, FlowPorts{}))
		Validate(p)
		back, err := ToAMT(p)
		if err != nil {
			if !errors.Is(err, oobkit.ErrInvalidArgument) {
				t.Fatalf("ToAMT error %v does not wrap ErrInvalidArgument", err)
			}
			return // the device reported a policy this package would not write
		}
		again, err := FromAMT(back)
		if err != nil {
			t.Fatalf("own mapping rejected: %v", err)
		}
		if !reflect.DeepEqual(p, again) {
			t.Fatalf("round trip changed the policy:\n%+v\n%+v", p, again)
		}
	})
}
