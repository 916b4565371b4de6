package profile

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/oobkit/oobkit"
)

// BenchmarkResolve measures candidate resolution with all three sources
// present, the per-target cost a one-to-many task pays.
func BenchmarkResolve(b *testing.B) {
	ctx := context.Background()
	s := NewMemoryStore()
	if err := s.Put(ctx, amtProfile("site", "def")); err != nil {
		b.Fatal(err)
	}
	if err := s.SetDefault(ctx, "site"); err != nil {
		b.Fatal(err)
	}
	rt := NewRuntime(s)
	explicit := amtProfile("task", "task")
	learned, _ := amtProfile("learned", "l").Settings(oobkit.AMT)
	targets := make([]oobkit.Target, 1000)
	for i := range targets {
		targets[i] = oobkit.Target{Address: fmt.Sprintf("10.2.%d.%d", i/256, i%256)}
		rt.Succeeded(targets[i], Candidate{Profile: "learned", Protocol: oobkit.AMT, Settings: learned})
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := rt.Resolve(ctx, targets[i%len(targets)], oobkit.AMT, &explicit); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkFileStoreGet measures a read from a store of 50 profiles: lock,
// read, decrypt, parse.
func BenchmarkFileStoreGet(b *testing.B) {
	s := benchFileStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(ctx, "p-25"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFileStorePut measures a durable write to a store of 50
// profiles: lock, re-read, encrypt, two fsynced atomic replacements.
func BenchmarkFileStorePut(b *testing.B) {
	s := benchFileStore(b)
	ctx := context.Background()
	p := amtProfile("p-25", "changed")
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Put(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}

func benchFileStore(b *testing.B) *FileStore {
	b.Helper()
	key, err := NewKey()
	if err != nil {
		b.Fatal(err)
	}
	s, err := OpenFile(filepath.Join(b.TempDir(), "bench.store"), WithKey(key))
	if err != nil {
		b.Fatal(err)
	}
	for i := range 50 {
		if err := s.Put(context.Background(), fullProfile(fmt.Sprintf("p-%d", i), "x")); err != nil {
			b.Fatal(err)
		}
	}
	return s
}
