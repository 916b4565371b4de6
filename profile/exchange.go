package profile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/oobkit/oobkit"
)

// Format is an import/export document format.
type Format string

// The document formats.
const (
	JSON Format = "json"
	YAML Format = "yaml"
)

// maxImportSize bounds an import document.
const maxImportSize = 16 << 20

// ExportOptions says how [Export] writes.
type ExportOptions struct {
	// Format is JSON (the default when empty) or YAML.
	Format Format
	// IncludeSecrets writes passwords, communities and passphrases in clear.
	// Leave it false unless the document goes somewhere as safe as the
	// store: without it every secret field is left out.
	IncludeSecrets bool
}

// Export writes every profile of s and the name of the default to w. The
// built-in default profile is left out unless the store overrides it.
// Secrets are left out unless opts.IncludeSecrets.
func Export(ctx context.Context, s Store, w io.Writer, opts ExportOptions) error {
	list, err := s.List(ctx)
	if err != nil {
		return err
	}
	def, err := s.Default(ctx)
	if err != nil {
		return err
	}
	builtin := toWire(Builtin(), false)
	keep := list[:0]
	for _, p := range list {
		if p.Name == DefaultName && reflect.DeepEqual(toWire(p, false), builtin) {
			continue
		}
		keep = append(keep, p)
	}
	doc := newDocument(keep, def.Name, opts.IncludeSecrets)
	switch opts.Format {
	case JSON, "":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	case YAML:
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(doc); err != nil {
			return err
		}
		return enc.Close()
	}
	return fmt.Errorf("%w: unknown export format %q (json or yaml)", oobkit.ErrInvalidArgument, opts.Format)
}

// Import reads a document written by [Export] (or by hand) from r and puts
// its profiles into s, then makes the document's default the default. It
// returns how many profiles it stored.
//
// A document without secrets can update profiles already in s: a secret the
// document lacks is kept from the stored profile of the same name when the
// protocol's user name and authentication kind are unchanged. Every profile
// is validated before any is stored, so a profile whose enabled protocol
// still has no credential makes the whole import fail and s unchanged.
// Unknown fields are refused, so a misspelt setting is not silently lost.
func Import(ctx context.Context, s Store, r io.Reader, format Format) (int, error) {
	doc, err := decodeDocument(r, format)
	if err != nil {
		return 0, err
	}
	profiles, err := doc.profiles(false)
	if err != nil {
		return 0, err
	}
	for i := range profiles {
		if old, err := s.Get(ctx, profiles[i].Name); err == nil {
			keepSecrets(&profiles[i], old)
		}
		if err := profiles[i].Validate(); err != nil {
			return 0, fmt.Errorf("profile: import refused, nothing stored: %w", err)
		}
	}
	for i, p := range profiles {
		if err := s.Put(ctx, p); err != nil {
			return i, err
		}
	}
	if doc.Default != "" {
		if err := s.SetDefault(ctx, doc.Default); err != nil {
			return len(profiles), err
		}
	}
	return len(profiles), nil
}

func decodeDocument(r io.Reader, format Format) (wireDocument, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxImportSize+1))
	if err != nil {
		return wireDocument{}, fmt.Errorf("profile: reading import: %w", err)
	}
	if len(data) > maxImportSize {
		return wireDocument{}, fmt.Errorf("%w: import document larger than %d bytes", oobkit.ErrInvalidArgument, maxImportSize)
	}
	var doc wireDocument
	switch format {
	case JSON, "":
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err = dec.Decode(&doc)
	case YAML:
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		err = dec.Decode(&doc)
	default:
		return wireDocument{}, fmt.Errorf("%w: unknown import format %q (json or yaml)", oobkit.ErrInvalidArgument, format)
	}
	if err != nil {
		// Decoder messages can quote input; the input may hold secrets, so
		// only the format is named.
		return wireDocument{}, fmt.Errorf("%w: the import is not a valid %s profile document%s",
			oobkit.ErrInvalidArgument, format, decodeErrorPlace(err))
	}
	return doc, nil
}

var yamlLine = regexp.MustCompile(`line \d+`)

// decodeErrorPlace says where a decoder failed without quoting the input.
func decodeErrorPlace(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf(" (syntax error at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf(" (field %q has the wrong type)", typ.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return " (" + strings.TrimPrefix(err.Error(), "json: ") + ")"
	}
	if lines := yamlLine.FindAllString(err.Error(), 3); len(lines) > 0 {
		return " (at " + strings.Join(lines, ", ") + ")"
	}
	return ""
}

// keepSecrets fills the secrets p lacks from old, protocol by protocol,
// when the identity (authentication kind and user name) is unchanged.
func keepSecrets(p *Profile, old Profile) {
	for proto, s := range p.Protocols {
		o, ok := old.Protocols[proto]
		if !ok || o.Credential.Auth != s.Credential.Auth || o.Credential.Username != s.Credential.Username {
			continue
		}
		c, oc := &s.Credential, o.Credential
		if c.Password.IsZero() {
			c.Password = oc.Password
		}
		if c.Community.IsZero() {
			c.Community = oc.Community
		}
		if c.USM != nil && oc.USM != nil && c.USM.AuthProtocol == oc.USM.AuthProtocol && c.USM.PrivProtocol == oc.USM.PrivProtocol {
			if c.USM.AuthPassphrase.IsZero() {
				c.USM.AuthPassphrase = oc.USM.AuthPassphrase
			}
			if c.USM.PrivPassphrase.IsZero() {
				c.USM.PrivPassphrase = oc.USM.PrivPassphrase
			}
		}
		p.Protocols[proto] = s
	}
}
