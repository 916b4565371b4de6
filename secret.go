package oobkit

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
)

// Redacted is what a [Secret] prints, marshals and logs as.
const Redacted = "[REDACTED]"

// Secret holds a password, community string, passphrase or key. Every way of
// turning it into text redacts it: fmt verbs (including %#v and %x), String,
// GoString, JSON, YAML, encoding.TextMarshaler and slog. Only [Secret.Reveal]
// returns the value, so a secret reaches the wire and nothing else.
//
// A printer that walks values by reflection, reading unexported fields and
// following pointers (testify's diff, go-spew, kr/pretty), does not see the
// text either: the value is kept masked — XORed with a keystream from a
// random per-process key — and unmasked by Reveal. The mask is no
// encryption (the key is in the same memory); it keeps the literal text out
// of dumps, diffs and core-file greps. Masking is deterministic within a
// process, so reflect.DeepEqual (and testify's Equal) still compares two
// secrets by value. The zero Secret is empty.
type Secret struct {
	v *[]byte // masked value
}

// maskBlock keys the mask of every Secret in this process with a random
// AES-256 key. An AES block only reads its expanded key, so it is safe for
// concurrent use.
var maskBlock = func() cipher.Block {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic("oobkit: no randomness for the secret mask: " + err.Error())
	}
	b, err := aes.NewCipher(k)
	if err != nil {
		panic("oobkit: secret mask: " + err.Error()) // a 32-byte key never fails
	}
	return b
}()

// mask XORs b with the process's keystream (AES-256-CTR from a zero IV):
// the same call masks and unmasks.
func mask(b []byte) []byte {
	out := make([]byte, len(b))
	cipher.NewCTR(maskBlock, make([]byte, aes.BlockSize)).XORKeyStream(out, b)
	return out
}

// NewSecret wraps s.
func NewSecret(s string) Secret {
	m := mask([]byte(s))
	return Secret{v: &m}
}

// Reveal returns the secret's value. Call it only where the value goes onto
// the wire or into an encrypted store, and keep the result no longer than
// that.
func (s Secret) Reveal() string {
	if s.v == nil || len(*s.v) == 0 {
		return ""
	}
	return string(mask(*s.v))
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == nil || len(*s.v) == 0 }

// Equal reports whether two secrets hold the same value.
func (s Secret) Equal(o Secret) bool {
	var a, b []byte
	if s.v != nil {
		a = *s.v
	}
	if o.v != nil {
		b = *o.v
	}
	return bytes.Equal(a, b)
}

// String returns [Redacted], or "" for an empty secret.
func (s Secret) String() string {
	if s.IsZero() {
		return ""
	}
	return Redacted
}

// GoString redacts too, for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("oobkit.Secret(%q)", s.String()) }

// Format implements fmt.Formatter so that every verb and flag redacts.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(s.String()))
}

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON always writes the redacted form. To persist a secret, encrypt
// [Secret.Reveal] yourself (package profile does).
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText always writes the redacted form.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalYAML always writes the redacted form (gopkg.in/yaml.v3 Marshaler).
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// errRedactedInput is returned when a redacted placeholder is read back as if
// it were a secret: a round trip through JSON must not turn a password into
// the literal text "[REDACTED]".
var errRedactedInput = errors.New("oobkit: refusing to read the redaction placeholder as a secret")

// UnmarshalJSON reads a JSON string. It refuses the [Redacted] placeholder.
func (s *Secret) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("oobkit: a secret must be a JSON string: %w", err)
	}
	return s.UnmarshalText([]byte(v))
}

// UnmarshalText reads the value. It refuses the [Redacted] placeholder.
func (s *Secret) UnmarshalText(b []byte) error {
	if string(b) == Redacted {
		return errRedactedInput
	}
	*s = NewSecret(string(b))
	return nil
}

// UnmarshalYAML reads a YAML scalar (gopkg.in/yaml.v3 obsolete Unmarshaler
// form, so this package needs no YAML import).
func (s *Secret) UnmarshalYAML(unmarshal func(any) error) error {
	var v string
	if err := unmarshal(&v); err != nil {
		return err
	}
	return s.UnmarshalText([]byte(v))
}
