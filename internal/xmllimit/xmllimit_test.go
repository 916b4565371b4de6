package xmllimit_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/xmllimit"
)

// corpus is recorded device replies (AMT firmware, WinRM, DASH pushes) and
// hand-made documents that exercise what etree's reader keeps: prefixes,
// default namespaces, repeated attributes, comments, CDATA, processing
// instructions, directives, white space, names with odd colons.
func corpus(t testing.TB) [][]byte {
	var docs [][]byte
	for _, glob := range []string{"../../amt/testdata/*.xml", "../../wmi/testdata/*.xml", "../indication/testdata/*.xml"} {
		files, err := filepath.Glob(glob)
		require.NoError(t, err)
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			docs = append(docs, b)
		}
	}
	require.Greater(t, len(docs), 30)
	for _, s := range []string{
		`<?xml version="1.0" encoding="ISO-8859-1"?><!DOCTYPE x><!-- c --><x xmlns="u:d" xmlns:p="u:p" p:a="1" a="2" a="3" p:a="4"><p:y> t &amp; <![CDATA[<c=d>]]> </p:y><?pi a=b?>tail</x>  `,
		`<a><b/><b></b>  <c>
 </c></a>`,
		`<s:E xmlns:s="u"><s:B x:y="1" xmlns:x="v"><x:z x:q="2"/></s:B></s:E><!-- after --><second/>`,
		`<a b="=>='" c='"'></a>`,
		`<:a/>`,
		`<a:/>`,
		"",
		"just text",
	} {
		docs = append(docs, []byte(s))
	}
	return docs
}

// etreeLimits match etree's own reader: depth 1024, nothing else bounded.
var etreeLimits = xmllimit.Limits{MaxDepth: 1024, MaxElements: 1 << 30, MaxNodes: 1 << 30, MaxAttrs: 1 << 30,
	MaxAttrsPerElement: 1 << 30, MaxTokenBytes: 1 << 30}

// sameTree fails unless a and b have the same tokens, names, attributes
// (bound to their element), namespace resolution and white-space flags.
func sameTree(t testing.TB, a, b *etree.Element) {
	t.Helper()
	if a.Space != b.Space || a.Tag != b.Tag || a.NamespaceURI() != b.NamespaceURI() || a.Index() != b.Index() {
		t.Fatalf("element %s:%s (%q, index %d) vs %s:%s (%q, index %d)", a.Space, a.Tag, a.NamespaceURI(), a.Index(),
			b.Space, b.Tag, b.NamespaceURI(), b.Index())
	}
	if len(a.Attr) != len(b.Attr) {
		t.Fatalf("<%s>: %d attributes vs %d", a.FullTag(), len(a.Attr), len(b.Attr))
	}
	for i := range a.Attr {
		x, y := &a.Attr[i], &b.Attr[i]
		if x.Space != y.Space || x.Key != y.Key || x.Value != y.Value || x.NamespaceURI() != y.NamespaceURI() {
			t.Fatalf("<%s> attribute %d: %+v vs %+v", a.FullTag(), i, *x, *y)
		}
		if x.Element() != a || y.Element() != b {
			t.Fatalf("<%s> attribute %s not bound to its element", a.FullTag(), x.FullKey())
		}
	}
	if len(a.Child) != len(b.Child) {
		t.Fatalf("<%s>: %d children vs %d", a.FullTag(), len(a.Child), len(b.Child))
	}
	for i := range a.Child {
		if a.Child[i].Parent() != a || b.Child[i].Parent() != b || a.Child[i].Index() != i || b.Child[i].Index() != i {
			t.Fatalf("<%s> child %d: parent or index wrong", a.FullTag(), i)
		}
		switch x := a.Child[i].(type) {
		case *etree.Element:
			y, ok := b.Child[i].(*etree.Element)
			if !ok {
				t.Fatalf("<%s> child %d: element vs %T", a.FullTag(), i, b.Child[i])
			}
			sameTree(t, x, y)
		case *etree.CharData:
			y, ok := b.Child[i].(*etree.CharData)
			if !ok || x.Data != y.Data || x.IsWhitespace() != y.IsWhitespace() || x.IsCData() != y.IsCData() {
				t.Fatalf("<%s> child %d: text %q vs %#v", a.FullTag(), i, x.Data, b.Child[i])
			}
		default:
			var wa, wb bytes.Buffer
			x.WriteTo(&wa, &etree.WriteSettings{})
			b.Child[i].WriteTo(&wb, &etree.WriteSettings{})
			if wa.String() != wb.String() {
				t.Fatalf("<%s> child %d: %q vs %q", a.FullTag(), i, wa.String(), wb.String())
			}
		}
	}
}

// differential reads b with etree and with ReadDocument (from bytes and
// from a one-byte-at-a-time reader) and requires the same verdict and tree.
func differential(t testing.TB, b []byte) {
	t.Helper()
	want := etree.NewDocument()
	_, werr := want.ReadFrom(bytes.NewReader(b))
	got, err := xmllimit.ReadDocument(b, etreeLimits, nil)
	got2, err2 := xmllimit.ReadDocumentFrom(iotest.OneByteReader(bytes.NewReader(b)), etreeLimits, nil)
	if (werr == nil) != (err == nil) || (err == nil) != (err2 == nil) {
		t.Fatalf("etree: %v; ReadDocument: %v; ReadDocumentFrom: %v\n%q", werr, err, err2, b)
	}
	if err != nil {
		return
	}
	sameTree(t, &want.Element, &got.Element)
	sameTree(t, &want.Element, &got2.Element)
}

func TestReadDocumentBuildsEtreesTree(t *testing.T) {
	for _, b := range corpus(t) {
		differential(t, b)
	}
}

func FuzzReadDocument(f *testing.F) {
	for _, b := range corpus(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		differential(t, b)
		// With the defaults, every error is either a limit (wrapping
		// ErrProtocol) or a plain XML error; never a panic.
		_, err := xmllimit.ReadDocument(b, xmllimit.Limits{MaxAttrsPerElement: 3, MaxDepth: 4, MaxTokenBytes: 16}, nil)
		var le *xmllimit.Error
		if errors.As(err, &le) && !errors.Is(err, oobkit.ErrProtocol) {
			t.Fatal("a limit error must wrap ErrProtocol")
		}
	})
}

func limitOf(err error) string {
	var le *xmllimit.Error
	if errors.As(err, &le) {
		return le.Limit
	}
	return ""
}

func TestEachLimit(t *testing.T) {
	small := xmllimit.Limits{MaxDepth: 3, MaxElements: 4, MaxNodes: 6, MaxAttrs: 5, MaxAttrsPerElement: 3, MaxTokenBytes: 64}
	for _, tc := range []struct {
		name, doc, limit string
	}{
		{"within all", `<a x="1" y="2" z="3"><b><c/></b><d>t</d></a>`, ""},
		{"depth", `<a><b><c><d/></c></b></a>`, "MaxDepth"},
		{"elements", `<a><b/><b/><b/><b/></a>`, "MaxElements"},
		{"nodes", `<a>1<b/>2<b/>3<!--4--></a>`, "MaxNodes"},
		{"attributes per element", `<a w="1" x="2" y="3" z="4"/>`, "MaxAttrsPerElement"},
		{"attributes", `<a x="1" y="2" z="3"><b x="1" y="2" z="3"/></a>`, "MaxAttrs"},
		{"text", `<a>` + strings.Repeat("t", 100) + `</a>`, "MaxTokenBytes"},
		{"attribute value", `<a x="` + strings.Repeat("v", 100) + `"/>`, "MaxTokenBytes"},
		{"name", `<a` + strings.Repeat("n", 100) + `/>`, "MaxTokenBytes"},
		{"comment", `<a><!--` + strings.Repeat("c", 100) + `--></a>`, "MaxTokenBytes"},
		// '=' inside quotes, comments, CDATA and processing instructions
		// are not attributes.
		{"equals in values", `<a x="=>=" y='a=b=c=d' z="&quot;=&quot;"/>`, ""},
		{"equals in comment", `<a><!-- <b p=1 q=2 r=3 s=4> --></a>`, ""},
		{"equals in CDATA", `<a><![CDATA[<b p=1 q=2 r=3 s=4>]]></a>`, ""},
		{"equals in PI", `<?pi p=1 q=2 r=3 s=4?><a/>`, ""},
		{"equals in end tag text", `<a>p=1 q=2 r=3 s=4</a>`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := xmllimit.ReadDocument([]byte(tc.doc), small, nil)
			if tc.limit == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tc.limit, limitOf(err), "%v", err)
			assert.ErrorIs(t, err, oobkit.ErrProtocol)
			assert.Contains(t, err.Error(), "limit "+tc.limit)
			// The same from a reader, and through the token-level Decoder.
			_, err = xmllimit.ReadDocumentFrom(strings.NewReader(tc.doc), small, nil)
			assert.Equal(t, tc.limit, limitOf(err), "%v", err)
			d := xmllimit.NewDecoder([]byte(tc.doc), small)
			for err == nil {
				_, err = d.Token()
			}
			assert.Equal(t, tc.limit, limitOf(err), "%v", err)
		})
	}
}

func TestRootHookRunsBeforeContent(t *testing.T) {
	stop := errors.New("stop")
	var tag string
	_, err := xmllimit.ReadDocument([]byte(`<!-- c --><r a="1"><x/></r>`), xmllimit.Limits{}, func(root *etree.Element) error {
		tag = root.Tag + " " + root.SelectAttrValue("a", "")
		if len(root.Child) != 0 {
			return errors.New("content already read")
		}
		return stop
	})
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, "r 1", tag)
}

func TestForSize(t *testing.T) {
	l := xmllimit.ForSize(256 << 10)
	assert.Equal(t, 256<<10/32, l.MaxElements)
	assert.Equal(t, 256<<10/32, l.MaxNodes)
	assert.Equal(t, xmllimit.Default.MaxDepth, l.MaxDepth)
	assert.Equal(t, xmllimit.Default, xmllimit.ForSize(64<<20))
	assert.Equal(t, 1024, xmllimit.ForSize(100).MaxElements)
}

// Hostile documents of 4 MiB (the WS-Management response cap): each is
// refused naming its limit, and parsing it allocates at most 16 times its
// size in all (before bounded reading, the first one took 236 MiB).
func TestHostileDocumentsCostBoundedHeap(t *testing.T) {
	const size = 4 << 20
	fill := func(head, unit, tail string) []byte {
		return []byte(head + strings.Repeat(unit, (size-len(head)-len(tail))/len(unit)) + tail)
	}
	const head, tail = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>`, `</s:Body></s:Envelope>`
	for _, tc := range []struct {
		name, limit string
		doc         []byte
	}{
		{"empty elements", "MaxElements", fill(head, "<a/>", tail)},
		{"empty elements and white space", "MaxElements", fill(head, "<a/> ", tail)},
		{"comments", "MaxNodes", fill(head, "<!---->", tail)},
		{"deep nesting", "MaxDepth", fill(head, "<a>", tail)},
		{"attributes in one tag", "MaxAttrsPerElement", fill(head+"<a", ` b=""`, "/>"+tail)},
		{"attributes in many tags", "MaxAttrs", fill(head, "<a"+strings.Repeat(` b=""`, 200)+"/>", tail)},
		{"giant text", "MaxTokenBytes", fill(head+"<a>", "x", "</a>"+tail)},
		{"giant attribute value", "MaxTokenBytes", fill(head+`<a b="`, "x", `"/>`+tail)},
		{"giant name", "MaxTokenBytes", fill(head+"<a", "x", "/>"+tail)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			alloc := allocated(func() { _, err = xmllimit.ReadDocument(tc.doc, xmllimit.Limits{}, nil) })
			assert.Equal(t, tc.limit, limitOf(err), "%v", err)
			assert.ErrorIs(t, err, oobkit.ErrProtocol)
			assert.LessOrEqual(t, alloc, uint64(16*len(tc.doc)), "allocated %d MiB for %d MiB", alloc>>20, len(tc.doc)>>20)
			t.Logf("%s: %.1f MiB allocated for %.1f MiB: %v", tc.name, float64(alloc)/(1<<20), float64(len(tc.doc))/(1<<20), err)
		})
	}
}

// allocated returns the bytes f allocates (all goroutines; the tests of this
// package do not run in parallel).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
