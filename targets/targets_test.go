package targets

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

func TestParseYAMLAndJSON(t *testing.T) {
	yml := "- name: amt-01\n  address: 10.0.0.21\n  labels: {protocols: \"amt,redirection\"}\n- name: bmc-01\n  address: 10.0.0.31\n  ports: {ipmi: 6230}\n"
	js := `[{"name":"amt-01","address":"10.0.0.21","labels":{"protocols":"amt,redirection"}},{"name":"bmc-01","address":"10.0.0.31","ports":{"ipmi":6230}}]`
	want := []oobkit.Target{
		{Name: "amt-01", Address: "10.0.0.21", Labels: map[string]string{"protocols": "amt,redirection"}},
		{Name: "bmc-01", Address: "10.0.0.31", Ports: map[oobkit.Protocol]int{oobkit.IPMI: 6230}},
	}
	for name, in := range map[string]string{"yaml": yml, "json": js} {
		got, err := Parse([]byte(in))
		require.NoError(t, err, name)
		assert.Equal(t, want, got, name)
	}
	got, err := Parse(nil)
	require.NoError(t, err)
	assert.Empty(t, got)
}

// A misspelt key is named with its line (moved from oobctl's
// TestTargetsFileUnknownKey).
func TestParseUnknownKeyNamedWithLine(t *testing.T) {
	_, err := Parse([]byte("- name: a\n  address: 127.0.0.1\n- name: b\n  adress: 127.0.0.2\n"))
	require.Error(t, err)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "line 4")
	assert.Contains(t, err.Error(), "adress")
	assert.Contains(t, err.Error(), "a target has name, address")
}

func TestParseInvalidTargetNamedWithLine(t *testing.T) {
	_, err := Parse([]byte("- name: a\n  address: 127.0.0.1\n- name: b\n  ports: {amt: 16992}\n"))
	require.Error(t, err)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "line 3: ")
	assert.Contains(t, err.Error(), "no address")

	_, err = Parse([]byte("name: a\n"))
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, "a map is not a list")
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "targets.yaml")
	require.NoError(t, os.WriteFile(path, []byte("- address: 10.0.0.1\n"), 0o600))
	got, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, []oobkit.Target{{Address: "10.0.0.1"}}, got)

	_, err = Load(filepath.Join(dir, "missing.yaml"))
	assert.ErrorIs(t, err, os.ErrNotExist)

	big := filepath.Join(dir, "big.yaml")
	require.NoError(t, os.WriteFile(big, make([]byte, MaxFileSize+1), 0o600))
	_, err = Load(big)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "larger than")
}

// Pick keeps the file's order and names every missing computer (moved
// from oobctl's TestOnlyPicksByName).
func TestPick(t *testing.T) {
	ts := []oobkit.Target{{Name: "amt-01", Address: "a"}, {Name: "amt-02", Address: "b"}, {Name: "bmc-01", Address: "c"}}
	got, err := Pick(ts, "bmc-01", "amt-02")
	require.NoError(t, err)
	assert.Equal(t, []oobkit.Target{ts[1], ts[2]}, got)

	_, err = Pick(ts, "amt-09", "amt-01", "zz")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), `no computer named "amt-09", "zz"`)
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("- name: a\n  address: 127.0.0.1\n"))
	f.Add([]byte(`[{"address":"h","ports":{"amt":1}}]`))
	f.Add([]byte("- adress: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := Parse(data)
		if err != nil {
			return
		}
		for _, tg := range list {
			require.NoError(t, tg.Validate())
		}
	})
}
