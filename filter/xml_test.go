package filter

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// featurePolicy uses every feature of the model.
func featurePolicy(t testing.TB) *Policy {
	p := mustRemediation(t, RemediationOptions{
		Name: `Quarantine "lab" & <co>`, Precedence: 7, AntiSpoofing: AntiSpoofingCountAndEvent, Timeout: time.Hour,
		TaskServer: mgmt, NotificationServerOnly: true,
	})
	p.Rules = append(p.Rules,
		Rule{Name: "ping", Direction: Receive, Action: RateLimit, Rate: 10, MatchEvent: true, IP: &IPMatch{Version: 4, Protocol: ICMP}},
		Rule{Name: "lab-range", Direction: Receive, Action: Drop, Count: true, IP: &IPMatch{Version: 4,
			Src: Range(mustAddr("10.9.0.1"), mustAddr("10.9.0.99")), Dst: AddrMatch{Addr: mustAddr("10.0.0.1"), Mask: mustAddr("255.0.255.0")}}},
		Rule{Name: "syn-scan", Direction: Receive, Action: Drop, MatchEvent: true, IP: &IPMatch{Version: 6, Protocol: TCP,
			Src: Prefix(mustPrefix("2001:db8::/32")), FlagsOn: SYN, FlagsOff: ACK | 0x80}},
		Rule{Name: "vlan-proto", Direction: Transmit, Action: Pass, Count: true, Ether: &EtherMatch{EtherType: 0x8100}},
	)
	return p
}

func TestXMLGoldenRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		file   string
		policy *Policy
	}{
		{"remediation.golden.xml", mustRemediation(t, RemediationOptions{})},
		{"features.golden.xml", featurePolicy(t)},
		{"limitping.golden.xml", LimitPing(0)},
	} {
		t.Run(tc.file, func(t *testing.T) {
			out, err := Marshal(tc.policy)
			require.NoError(t, err)
			path := filepath.Join("testdata", tc.file)
			if *update {
				require.NoError(t, os.WriteFile(path, out, 0o644))
			}
			golden, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, string(golden), string(out))

			back, err := Read(bytes.NewReader(golden))
			require.NoError(t, err)
			assert.Equal(t, tc.policy, back)
			again, err := Marshal(back)
			require.NoError(t, err)
			assert.Equal(t, string(golden), string(again), "round trip is stable")
		})
	}
}

func TestXMLHandEditedAccepted(t *testing.T) {
	src := `<?xml version="1.0" encoding="UTF-8"?>
<!-- kept by the help desk -->
<filterPolicy name="hand" schemaVersion="1">
  <default direction="transmit" action="pass"/>
  <default direction="receive" action="drop" count="false"></default>
  <ethernet name="arp" direction="receive" action="pass" etherType="2054"/>
  <!-- the server -->
  <ip name="srv" direction="receive" action="pass" version="4" src="10.0.0.5/255.255.255.255" protocol="6" tcpFlagsOn="SYN, ack"/>
</filterPolicy>
`
	p, err := Read(strings.NewReader(src))
	require.NoError(t, err)
	assert.Equal(t, "hand", p.Name)
	assert.Equal(t, EtherTypeARP, p.Rules[0].Ether.EtherType)
	assert.Equal(t, hostAddr(mgmt), p.Rules[1].IP.Src)
	assert.Equal(t, TCP, p.Rules[1].IP.Protocol)
	assert.Equal(t, SYN|ACK, p.Rules[1].IP.FlagsOn)
	assert.Equal(t, Drop, p.Receive.Action)
}

func TestXMLErrorsNameTheLine(t *testing.T) {
	head := "<?xml version=\"1.0\"?>\n<filterPolicy schemaVersion=\"1\" name=\"p\">\n" +
		"  <default direction=\"receive\" action=\"drop\"/>\n  <default direction=\"transmit\" action=\"drop\"/>\n"
	tail := "</filterPolicy>\n"
	rule := func(s string) string {
		return head + "  <ip name=\"ok\" direction=\"receive\" action=\"pass\" version=\"4\"/>\n" + s + "\n" + tail
	}
	tests := []struct {
		name string
		src  string
		line int
		msg  string
	}{
		{"misspelt attribute", rule(`  <ip name="a" direction="receive" action="pass" version="4" protcol="tcp"/>`), 6, `unknown attribute "protcol"`},
		{"bad port", rule(`  <ip name="a" direction="receive" action="pass" version="4" protocol="tcp" dstPorts="80-70"/>`), 6, "ends before it starts"},
		{"bad address", rule(`  <ip name="a" direction="receive" action="pass" version="4" src="10.0.0.256"/>`), 6, `src="10.0.0.256"`},
		{"unknown protocol", rule(`  <ip name="a" direction="receive" action="pass" version="4" protocol="sctpp"/>`), 6, "unknown protocol"},
		{"unknown element", rule(`  <mac name="a"/>`), 6, "unknown element <mac>"},
		{"missing action", rule(`  <ethernet name="a" direction="receive" etherType="2054"/>`), 6, `lacks the "action" attribute`},
		{"bad boolean", rule(`  <ethernet name="a" direction="receive" action="pass" count="yes" etherType="2054"/>`), 6, "want true or false"},
		{"rate-limit without rate", rule(`  <ip name="a" direction="receive" action="rate-limit" version="4" protocol="icmp"/>`), 6, "rate-limit needs a rate"},
		{"duplicate name", rule(`  <ip name="ok" direction="transmit" action="pass" version="4"/>`), 6, `already used on line 5`},
		{"version mismatch", rule(`  <ip name="a" direction="receive" action="pass" version="6" dst="10.0.0.1"/>`), 6, "not an IPv6 match"},
		{"child element", rule("  <ip name=\"a\" direction=\"receive\" action=\"pass\" version=\"4\">\n    <src/>\n  </ip>"), 7, "must be empty"},
		{"text", rule("  hello"), 6, `unexpected text "hello"`},
		{"unclosed tag", rule(`  <ip name="a" direction="receive" action="pass" version="4">`), 7, "element <ip> closed by </filterPolicy>"},
		{"missing default", "<filterPolicy schemaVersion=\"1\" name=\"p\">\n<default direction=\"receive\" action=\"drop\"/>\n</filterPolicy>", 3, "lacks <default direction=\"transmit\""},
		{"newer schema", "<filterPolicy schemaVersion=\"2\" name=\"p\"/>", 1, "knows schema version 1"},
		{"no schema", "\n\n<filterPolicy name=\"p\"/>", 3, `lacks the "schemaVersion" attribute`},
		{"wrong root", "<CBFilters/>", 1, "root element must be <filterPolicy>"},
		{"namespace attribute", "<filterPolicy xmlns=\"urn:x\" schemaVersion=\"1\" name=\"p\"/>", 1, "root element"},
		{"doctype", "<!DOCTYPE x [<!ENTITY a \"b\">]>\n<filterPolicy/>", 1, "directives are not allowed"},
		{"trailing element", head + tail + "<filterPolicy/>\n", 6, "content after"},
		{"default rate-limit", strings.Replace(head, `action="drop"`, `action="rate-limit"`, 1) + tail, 3, "want pass or drop"},
		{"empty", "", 0, "empty file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.src))
			require.Error(t, err)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "%T %v", err, err)
			assert.Equal(t, tt.line, pe.Line, err.Error())
			assert.Contains(t, err.Error(), tt.msg)
			assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
		})
	}
}

func TestXMLSizeCap(t *testing.T) {
	big := strings.Repeat(" ", MaxFileSize+1)
	_, err := Read(strings.NewReader(big))
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "larger than")
}

func TestXMLWriteRefusesRuleWithoutMatch(t *testing.T) {
	p := AllowAll()
	p.Rules = []Rule{{Name: "nothing", Direction: Receive, Action: Pass}}
	_, err := Marshal(p)
	assert.Error(t, err)
}
