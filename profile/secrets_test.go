package profile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/oobkit/oobkit"
)

const canary = "CANARY-7f3a9c"

// TestSecretsNeverOnDiskInClear writes profiles and a runtime profile full
// of canary secrets and greps every file in the directory for the canary.
func TestSecretsNeverOnDiskInClear(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "profiles.store")
	s, err := OpenFile(path)
	require.NoError(t, err)
	require.NoError(t, s.Put(ctx, fullProfile("lab", canary)))
	require.NoError(t, s.Put(ctx, amtProfile("other", canary+"-2")))
	require.NoError(t, s.SetDefault(ctx, "lab"))

	rt := NewRuntime(s)
	cands, err := rt.Resolve(ctx, host, oobkit.SNMP, nil)
	require.NoError(t, err)
	rt.Succeeded(host, cands[0])
	key, err := LoadOrCreateKeyFile(path + ".key")
	require.NoError(t, err)
	require.NoError(t, rt.Save(ctx, filepath.Join(dir, "runtime.profile"), key))

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(entries), 6, "store, key, lock, backup, runtime, runtime lock")
	for _, e := range entries {
		b := mustRead(t, filepath.Join(dir, e.Name()))
		assert.NotContains(t, string(b), "CANARY", e.Name())
		assert.NotContains(t, string(b), "7f3a9c", e.Name())
	}
	// And the secrets are really in there, encrypted.
	got, err := s.Get(ctx, "lab")
	require.NoError(t, err)
	c, _ := got.Credential(oobkit.SNMP)
	assert.Equal(t, canary+"-priv", c.USM.PrivPassphrase.Reveal())
}

// TestSecretsNeverInOutput prints, marshals and logs every value of this
// package that holds a secret, and collects the texts of errors produced
// from secret-bearing input; none may contain the canary.
func TestSecretsNeverInOutput(t *testing.T) {
	ctx := context.Background()
	p := fullProfile("lab", canary)
	s := NewMemoryStore()
	require.NoError(t, s.Put(ctx, p))
	require.NoError(t, s.SetDefault(ctx, "lab"))
	rt := NewRuntime(s)
	cands, err := rt.Resolve(ctx, host, oobkit.AMT, &p)
	require.NoError(t, err)
	rt.Succeeded(host, cands[0])
	entry, ok := rt.Known(host, oobkit.AMT)
	require.True(t, ok)
	key, err := KeyFromBytes([]byte(strings.Repeat("K", KeySize)))
	require.NoError(t, err)
	settings, _ := p.Settings(oobkit.SNMP)
	values := []any{p, &p, cands, cands[0], entry, settings, key, rt, s}

	var out bytes.Buffer
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
		if b, err := json.Marshal(v); err == nil {
			out.Write(b)
		}
		if b, err := yaml.Marshal(v); err == nil {
			out.Write(b)
		}
	}
	for _, h := range []slog.Handler{slog.NewJSONHandler(&out, nil), slog.NewTextHandler(&out, nil)} {
		slog.New(h).Info("resolved", "profile", p, "candidate", cands[0], "entry", entry, "key", key)
	}
	require.NoError(t, Export(ctx, s, &out, ExportOptions{Format: YAML}))
	require.NoError(t, Export(ctx, s, &out, ExportOptions{Format: JSON}))

	// Errors built from input that holds secrets.
	bad := p.Clone()
	amt := bad.Protocols[oobkit.AMT]
	amt.Credential.TLS.PinnedSHA256 = "not-a-pin"
	bad.Protocols[oobkit.AMT] = amt
	noUser := Profile{Name: "n"}
	require.NoError(t, noUser.Set(oobkit.AMT, Settings{Enabled: true, Credential: oobkit.Credential{Password: oobkit.NewSecret(canary)}}))
	errs := []error{bad.Validate(), s.Put(ctx, bad), noUser.Validate()}
	_, err = rt.Resolve(ctx, host, oobkit.AMT, &noUser)
	errs = append(errs, err)
	for _, doc := range []struct {
		f Format
		d string
	}{
		{YAML, "format: oobkit-profiles\nversion: 1\nprofiles:\n- name: x\n  protocols:\n    amt: {enabled: true, password: {" + canary + ": 1}}\n"},
		{YAML, "format: oobkit-profiles\nversion: " + canary + "\nprofiles: []\n"},
		{JSON, `{"format":"oobkit-profiles","version":1,"profiles":[{"name":"x","protocols":{"amt":{"enabled":true,"password":["` + canary + `"]}}}]}`},
		{JSON, `{"format":"oobkit-profiles","version":1,"profiles":[{"name":"x","protocols":{"amt":{"enabled":true,"username":"u","password":"` + canary + `","port":-4}}}]}`},
	} {
		_, err := Import(ctx, NewMemoryStore(), strings.NewReader(doc.d), doc.f)
		errs = append(errs, err)
	}
	path := filepath.Join(t.TempDir(), "s.store")
	fs, err := OpenFile(path)
	require.NoError(t, err)
	require.NoError(t, fs.Put(ctx, p))
	_, err = OpenFile(path, WithKey(key))
	errs = append(errs, err)
	for _, err := range errs {
		require.Error(t, err)
		fmt.Fprintf(&out, "%v\n%+v\n", err, err)
	}

	text := out.String()
	assert.NotContains(t, text, "CANARY")
	assert.NotContains(t, text, "7f3a9c")
	assert.NotContains(t, text, strings.Repeat("K", KeySize))
	assert.NotContains(t, text, fmt.Sprintf("%x", strings.Repeat("K", KeySize)))
	assert.Contains(t, text, oobkit.Redacted, "the values were printed, redacted")
	assert.Contains(t, text, "admin")
}
