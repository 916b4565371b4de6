package filter

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A policy file under MaxFileSize costs a small multiple of its size to
// read: the XML reader refuses a start tag with thousands of attributes or
// a giant token before it has buffered them, as a *ParseError that names
// the bound and the line.
func TestXMLReadBounds(t *testing.T) {
	const head = "<filterPolicy schemaVersion=\"1\" name=\"p\">\n"
	fill := func(prefix, unit, suffix string) string {
		return prefix + strings.Repeat(unit, (MaxFileSize-len(prefix)-len(suffix))/len(unit)) + suffix
	}
	for _, tc := range []struct {
		name, src, limit string
		line             int
	}{
		{"attributes on one element", fill(head+"<ip", ` a=""`, "/>\n</filterPolicy>"), "MaxAttrsPerElement", 2},
		{"giant comment", fill(head+"<!--", "c", "-->\n</filterPolicy>"), "MaxTokenBytes", 2},
		{"giant attribute value", fill(head+`<ip name="`, "n", `"/>`+"\n</filterPolicy>"), "MaxTokenBytes", 2},
		{"comments", fill(head, "<!---->", "\n</filterPolicy>"), "MaxNodes", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			alloc := allocatedBy(func() { _, err = Unmarshal([]byte(tc.src)) })
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "%T %v", err, err)
			assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
			assert.Contains(t, err.Error(), "(limit "+tc.limit+")")
			assert.Equal(t, tc.line, pe.Line, err.Error())
			assert.LessOrEqual(t, alloc, uint64(8*len(tc.src)), "%d KiB allocated", alloc>>10)
		})
	}
}

// Line numbers are counted as the reader moves, not kept per line: a file
// of a million newlines used to cost a slice of a million line starts.
func TestXMLManyLinesCostLittle(t *testing.T) {
	pol := "<filterPolicy schemaVersion=\"1\" name=\"p\">\n<default direction=\"receive\" action=\"drop\"/>\n" +
		"<default direction=\"transmit\" action=\"drop\"/>\n</filterPolicy>\n"
	// White space between comments, each run under the 64 KiB token bound.
	src := strings.Repeat(strings.Repeat("\n", 60000)+"<!---->", 16) + pol + "<x/>"
	var err error
	alloc := allocatedBy(func() { _, err = Unmarshal([]byte(src)) })
	var pe *ParseError
	require.True(t, errors.As(err, &pe), "%v", err)
	assert.Equal(t, 16*60000+5, pe.Line, err.Error())
	assert.Contains(t, err.Error(), "content after")
	assert.LessOrEqual(t, alloc, uint64(2*len(src)), "%d KiB allocated", alloc>>10)
}
