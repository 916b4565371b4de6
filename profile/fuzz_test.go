package profile

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

var fuzzKey = func() Key {
	k, err := KeyFromBytes(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		panic(err)
	}
	return k
}()

func validStoreState() *state {
	st := newState()
	for _, p := range []Profile{fullProfile("lab", "f"), amtProfile("a", "b")} {
		if err := st.put(p); err != nil {
			panic(err)
		}
	}
	st.def = "lab"
	return st
}

// FuzzDecodeStoreFile feeds arbitrary bytes to the store-file decoder (the
// envelope, then decryption): it must never panic, and whatever it accepts
// must encode and decode back to the same content.
func FuzzDecodeStoreFile(f *testing.F) {
	good, err := encodeStore(validStoreState(), fuzzKey)
	require.NoError(f, err)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte(`{"format":"oobkit-sealed","version":1,"kind":"store","nonce":"AAAAAAAAAAAAAAAA","ciphertext":""}`))
	f.Add([]byte(`{"format":"oobkit-sealed","version":1,"kind":"runtime"}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := decodeStore(data, fuzzKey)
		if err != nil {
			require.ErrorIs(t, err, ErrCorrupt)
			return
		}
		again, err := encodeStore(st, fuzzKey)
		require.NoError(t, err)
		st2, err := decodeStore(again, fuzzKey)
		require.NoError(t, err)
		require.Equal(t, st.document(), st2.document())
	})
}

// FuzzDecodeStoreDocument fuzzes the decrypted content of a store file, the
// part the envelope's authentication cannot reach when the key is known:
// accepted documents hold only valid profiles and round-trip.
func FuzzDecodeStoreDocument(f *testing.F) {
	good, err := json.Marshal(validStoreState().document())
	require.NoError(f, err)
	f.Add(good)
	f.Add(defaultDocument)
	f.Add([]byte(`{"format":"oobkit-profiles","version":1,"profiles":[{"name":"x","protocols":{"AMT":{"enabled":true}}}]}`))
	f.Add([]byte(`{"format":"oobkit-profiles","version":1,"default":"z","profiles":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := decodeStoreDocument(data)
		if err != nil {
			require.ErrorIs(t, err, ErrCorrupt)
			return
		}
		for _, p := range st.profiles {
			require.NoError(t, p.Validate())
		}
		b, err := json.Marshal(st.document())
		require.NoError(t, err)
		st2, err := decodeStoreDocument(b)
		require.NoError(t, err)
		require.Equal(t, st.document(), st2.document())
	})
}

// FuzzImport fuzzes import documents in both formats: no panic, and an
// accepted document leaves only valid profiles in the store.
func FuzzImport(f *testing.F) {
	var j, y bytes.Buffer
	src := NewMemoryStore()
	require.NoError(f, src.Put(context.Background(), fullProfile("lab", "f")))
	require.NoError(f, Export(context.Background(), src, &j, ExportOptions{Format: JSON, IncludeSecrets: true}))
	require.NoError(f, Export(context.Background(), src, &y, ExportOptions{Format: YAML, IncludeSecrets: true}))
	f.Add(j.Bytes(), false)
	f.Add(y.Bytes(), true)
	f.Add([]byte("format: oobkit-profiles\nversion: 1\nprofiles: [{name: a, protocols: {ipmi: {enabled: false}}}]\n"), true)
	f.Add([]byte("&a [*a]"), true)
	f.Fuzz(func(t *testing.T, data []byte, isYAML bool) {
		format := JSON
		if isYAML {
			format = YAML
		}
		s := NewMemoryStore()
		ctx := context.Background()
		if _, err := Import(ctx, s, bytes.NewReader(data), format); err != nil {
			return
		}
		list, err := s.List(ctx)
		require.NoError(t, err)
		for _, p := range list {
			require.NoError(t, p.Validate())
		}
	})
}
