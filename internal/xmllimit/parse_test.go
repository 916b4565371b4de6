package xmllimit_test

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/xmllimit"
)

// etreeVerdict reads b with etree's own reader.
func etreeVerdict(b string) error {
	return etree.NewDocument().ReadFromString(b)
}

// Names that are not ASCII are checked against encoding/xml's tables
// (XML 1.0 Appendix B) rune by rune: as a first character and after one.
func TestNonASCIINamesAsEncodingXML(t *testing.T) {
	for r := rune(0x80); r <= 0x10FFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF || r > 0x3400 && r < 0xF900 && r%97 != 0 || r > 0x10000 && r%4099 != 0 {
			continue // surrogates are not UTF-8; sample the big uniform blocks
		}
		for _, doc := range []string{"<" + string(r) + "/>", "<a" + string(r) + "/>", "<a " + string(r) + `="1"/>`} {
			want := etreeVerdict(doc)
			_, got := xmllimit.ReadDocument([]byte(doc), xmllimit.Limits{}, nil)
			if (want == nil) != (got == nil) {
				t.Fatalf("%U in %q: etree %v, ReadDocument %v", r, doc, want, got)
			}
		}
	}
	for c := 0; c < utf8.RuneSelf; c++ {
		for _, doc := range []string{"<" + string(rune(c)) + "/>", "<a" + string(rune(c)) + "/>", "<a" + string(rune(c)) + "b/>"} {
			want := etreeVerdict(doc)
			_, got := xmllimit.ReadDocument([]byte(doc), xmllimit.Limits{}, nil)
			if (want == nil) != (got == nil) {
				t.Fatalf("%q: etree %v, ReadDocument %v", doc, want, got)
			}
		}
	}
}

// Each construct encoding/xml refuses is refused, with the same kind of
// error; each it accepts builds the same tree.
func TestReadDocumentRefusesWhatEncodingXMLRefuses(t *testing.T) {
	for _, doc := range []string{
		`<a>&unknown;</a>`, `<a>&amp</a>`, `<a>&#;</a>`, `<a>&#x110000;</a>`, `<a>&#0;</a>`, `<a>&#99999999999999999999;</a>`,
		`<a b="&lt"/>`, `<a b="<"/>`, `<a b=1/>`, `<a b/>`, `<a>]]></a>`, "<a>\x01</a>", "<a>\xff</a>", "<a b=\"\xff\"/>",
		`<a><!-- -- --></a>`, `<a><!-x--></a>`, `<a><![CDAT[x]]></a>`, `<a><![CDATA[x]]</a>`, `<?xml version="1.1"?><a/>`,
		`<a:b:c/>`, `<1a/>`, `</a>`, `<a></b>`, `<p:a></a>`, `<a>`, `<a/ >`, `<a x="1" x:y:z="2"/>`, `<a></a b>`, `<?1?>`,
		`<!DOCTYPE a [<!-- x -->`, `<a b="1"`, `<a`, `<`, "<a>\xef\xbf\xbe</a>",
		// Accepted by encoding/xml and etree alike.
		`<a>&#65;&#x42;&#X43;</a>`, `<a>&#xD800;</a>`, "<a b='x\r\ny'>\r\n\r</a>", `<a b="1"c="2"/>`, `<p:a xmlns:q="u"/>`,
		`<a:/>`, `<:a/>`, `<?xml version="1.0" encoding="latin1"?><a/>`, `<!DOCTYPE a [<!ENTITY x "<>"> <!-- c --> ]><a/>`,
		`<!x<!y>>`, `<!a"'>"<!-->`, "\xef\xbb\xbf<a/>", `<a><![CDATA[]]]]></a>`, `<a>]]&gt;</a>`, "<a>\u00b7</a>", "<\u00b7/>",
	} {
		want := etreeVerdict(doc)
		got, err := xmllimit.ReadDocument([]byte(doc), xmllimit.Limits{}, nil)
		require.Equal(t, want == nil, err == nil, "%q: etree %v, ReadDocument %v", doc, want, err)
		if err != nil {
			var se *xml.SyntaxError
			if !errors.As(err, &se) && !errors.Is(err, xmllimit.ErrMalformed) && !strings.HasPrefix(err.Error(), "xml:") {
				t.Errorf("%q: error %T %v", doc, err, err)
			}
			continue
		}
		differential(t, []byte(doc))
		_ = got
	}
}

// The allocations of one parse do not grow with the number of tokens: a
// recorded Get reply (about 60 elements and 120 text nodes) costs a
// handful.
func TestReadDocumentAllocations(t *testing.T) {
	docs := corpus(t)
	var body []byte
	for _, d := range docs {
		if strings.Contains(string(d), "AMT_GeneralSettings") && len(d) > len(body) {
			body = d
		}
	}
	require.NotEmpty(t, body)
	n := testing.AllocsPerRun(50, func() {
		if _, err := xmllimit.ReadDocument(body, xmllimit.Limits{}, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%d bytes: %.0f allocations per parse", len(body), n)
	if raceEnabled {
		// The pooled parser is dropped at random under the race detector;
		// scripts/test.sh checks the bound in its run of the allocation
		// tests without -race.
		t.Skip("allocation counts vary under -race (sync.Pool drops at random); run without -race to check the bound")
	}
	assert.LessOrEqual(t, n, 12.0)
}

// treeCounts walks a tree for the fuzz target's invariants.
func treeCounts(e *etree.Element, depth int, c *[5]int, lim xmllimit.Limits, t *testing.T) {
	for _, k := range e.Child {
		c[1]++
		switch k := k.(type) {
		case *etree.Element:
			c[0]++
			c[2] += len(k.Attr)
			c[3] = max(c[3], depth+1)
			for _, a := range k.Attr {
				if len(a.Key)+len(a.Value) > lim.MaxTokenBytes {
					t.Fatalf("attribute %s longer than a token may be", a.Key)
				}
			}
			if len(k.Attr) > lim.MaxAttrsPerElement {
				t.Fatalf("<%s> has %d attributes", k.Tag, len(k.Attr))
			}
			treeCounts(k, depth+1, c, lim, t)
		case *etree.CharData:
			if len(k.Data) > lim.MaxTokenBytes+8 {
				t.Fatalf("text of %d bytes", len(k.Data))
			}
		}
	}
}

// FuzzTokenizer fuzzes ReadDocument's tokenizer alone under small limits
// taken from the input: it never panics, a limit error wraps ErrProtocol,
// and an accepted document's tree is within every limit.
func FuzzTokenizer(f *testing.F) {
	for _, b := range corpus(f) {
		f.Add(uint8(3), uint8(8), uint8(64), b)
	}
	f.Fuzz(func(t *testing.T, depth, count, token uint8, b []byte) {
		lim := xmllimit.Limits{MaxDepth: int(depth%16) + 1, MaxElements: int(count) + 1, MaxNodes: int(count)*2 + 1,
			MaxAttrs: int(count) + 1, MaxAttrsPerElement: int(count%8) + 1, MaxTokenBytes: int(token) + 1}
		var rootSeen *etree.Element
		doc, err := xmllimit.ReadDocument(b, lim, func(r *etree.Element) error { rootSeen = r; return nil })
		var le *xmllimit.Error
		if errors.As(err, &le) {
			require.ErrorIs(t, err, oobkit.ErrProtocol)
			return
		}
		if err != nil {
			return
		}
		var c [5]int
		treeCounts(&doc.Element, 0, &c, lim, t)
		if c[0] > lim.MaxElements || c[1] > lim.MaxNodes || c[2] > lim.MaxAttrs || c[3] > lim.MaxDepth {
			t.Fatalf("tree of %v elements/nodes/attrs/depth beyond %+v", c[:4], lim)
		}
		if rootSeen != nil && rootSeen != doc.Root() {
			t.Fatal("the root hook saw another element than the tree's root")
		}
	})
}
