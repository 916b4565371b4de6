package activity

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/oobkit/oobkit"
)

// BenchmarkFileAppend measures one record appended to a rotating file.
func BenchmarkFileAppend(b *testing.B) {
	l, err := OpenFile(filepath.Join(b.TempDir(), "a.jsonl"), WithMaxSize(4<<20))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	r := rec(1, "pc-1", oobkit.AMT, "alice")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Append(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}
