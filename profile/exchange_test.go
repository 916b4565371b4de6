package profile

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

func TestExportImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, format := range []Format{JSON, YAML} {
		t.Run(string(format), func(t *testing.T) {
			src := NewMemoryStore()
			require.NoError(t, src.Put(ctx, fullProfile("lab", "rt")))
			require.NoError(t, src.Put(ctx, amtProfile("amt-only", "a")))
			require.NoError(t, src.SetDefault(ctx, "lab"))

			var buf bytes.Buffer
			require.NoError(t, Export(ctx, src, &buf, ExportOptions{Format: format, IncludeSecrets: true}))
			assert.Contains(t, buf.String(), "rt-amt", "asked for explicitly, secrets are written")
			assert.NotContains(t, buf.String(), `"`+DefaultName+`"`+`,`, "the untouched built-in is not exported")

			dst := NewMemoryStore()
			n, err := Import(ctx, dst, &buf, format)
			require.NoError(t, err)
			assert.Equal(t, 2, n)
			want, _ := src.List(ctx)
			got, _ := dst.List(ctx)
			assert.Equal(t, want, got)
			def, _ := dst.Default(ctx)
			assert.Equal(t, "lab", def.Name)
			for _, p := range got {
				wp, _ := src.Get(ctx, p.Name)
				assert.Equal(t, secretsOf(wp), secretsOf(p), p.Name)
			}
		})
	}
}

func TestExportExcludesSecretsByDefault(t *testing.T) {
	ctx := context.Background()
	src := NewMemoryStore()
	require.NoError(t, src.Put(ctx, fullProfile("lab", "CANARY-EXPORT")))
	for _, format := range []Format{JSON, YAML, ""} {
		var buf bytes.Buffer
		require.NoError(t, Export(ctx, src, &buf, ExportOptions{Format: format}))
		assert.NotContains(t, buf.String(), "CANARY-EXPORT", format)
		assert.Contains(t, buf.String(), "admin", "non-secret fields are there")
		assert.Contains(t, buf.String(), "16993")
	}
	assert.ErrorIs(t, Export(ctx, src, &bytes.Buffer{}, ExportOptions{Format: "xml"}), oobkit.ErrInvalidArgument)
}

// TestImportWithoutSecrets: a secret-less export can update profiles that
// are already stored (their secrets are kept), but cannot create a profile
// whose enabled protocols have no credential.
func TestImportWithoutSecrets(t *testing.T) {
	ctx := context.Background()
	src := NewMemoryStore()
	require.NoError(t, src.Put(ctx, fullProfile("lab", "keep")))
	var buf bytes.Buffer
	require.NoError(t, Export(ctx, src, &buf, ExportOptions{Format: YAML}))
	edited := strings.Replace(buf.String(), "port: 16993", "port: 17000", 1)
	require.NotEqual(t, buf.String(), edited)

	n, err := Import(ctx, src, strings.NewReader(edited), YAML)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	got, err := src.Get(ctx, "lab")
	require.NoError(t, err)
	assert.Equal(t, 17000, got.Protocols[oobkit.AMT].Port, "the edit is applied")
	assert.Equal(t, secretsOf(fullProfile("lab", "keep")), secretsOf(got), "the stored secrets are kept")

	empty := NewMemoryStore()
	_, err = Import(ctx, empty, strings.NewReader(edited), YAML)
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "enabled without a credential")
	list, _ := empty.List(ctx)
	assert.Equal(t, []string{DefaultName}, names(list), "nothing stored")
}

func TestImportRefusesBadDocuments(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		format Format
		doc    string
		text   string
	}{
		{"not json", JSON, `{`, "not a valid json profile document"},
		{"wrong type", JSON, `{"format":"oobkit-profiles","version":"1"}`, `field "version" has the wrong type`},
		{"unknown field", JSON, `{"format":"oobkit-profiles","version":1,"profiles":[],"extra":1}`, `unknown field "extra"`},
		{"unknown yaml field", YAML, "format: oobkit-profiles\nversion: 1\nprofiles: []\ntypo: 1\n", "line 4"},
		{"wrong format", JSON, `{"format":"other","version":1,"profiles":[]}`, `not an oobkit profile document`},
		{"wrong version", JSON, `{"format":"oobkit-profiles","version":9,"profiles":[]}`, "version 9"},
		{"unknown protocol", YAML, "format: oobkit-profiles\nversion: 1\nprofiles:\n- name: x\n  protocols:\n    gopher: {enabled: false}\n",
			`unknown protocol "gopher"`},
		{"bad timeout", JSON, `{"format":"oobkit-profiles","version":1,"profiles":[{"name":"x","protocols":{"ipmi":{"enabled":false,"timeout":"soon"}}}]}`,
			`timeout "soon"`},
		{"duplicate", JSON, `{"format":"oobkit-profiles","version":1,"profiles":[{"name":"x"},{"name":"x"}]}`, "appears twice"},
		{"default missing", JSON, `{"format":"oobkit-profiles","version":1,"default":"y","profiles":[{"name":"x"}]}`, `default profile "y"`},
		{"unknown format", "toml", ``, "unknown import format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewMemoryStore()
			_, err := Import(ctx, s, strings.NewReader(tt.doc), tt.format)
			require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
			assert.Contains(t, err.Error(), tt.text)
		})
	}
}
