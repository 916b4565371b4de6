package profile

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"fmt"
)

// An encrypted file is a small JSON envelope around AES-256-GCM ciphertext:
//
//	{"format":"oobkit-sealed","version":1,"kind":"store","nonce":"…","ciphertext":"…"}
//
// The format, version and kind are authenticated as additional data, so a
// runtime-profile file cannot be passed off as a store file. The whole
// plaintext (the profiles, secrets included) is encrypted, so nothing of a
// secret, not even its length per field, is visible on disk.

const (
	sealFormat  = "oobkit-sealed"
	sealVersion = 1
	// maxSealedSize bounds what is read from disk or decoded.
	maxSealedSize = 32 << 20
)

// The kinds of sealed files.
const (
	kindStore   = "store"
	kindRuntime = "runtime"
)

type envelope struct {
	Format     string `json:"format"`
	Version    int    `json:"version"`
	Kind       string `json:"kind"`
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ciphertext"`
}

func additionalData(kind string) []byte {
	return fmt.Appendf(nil, "%s/%d/%s", sealFormat, sealVersion, kind)
}

func newGCM(k Key) (cipher.AEAD, error) {
	if k.IsZero() {
		return nil, fmt.Errorf("profile: no encryption key")
	}
	block, err := aes.NewCipher(k.b[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal encrypts plaintext with k into an envelope of the given kind.
func seal(k Key, kind string, plaintext []byte) ([]byte, error) {
	aead, err := newGCM(k)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("profile: nonce: %w", err)
	}
	e := envelope{Format: sealFormat, Version: sealVersion, Kind: kind, Nonce: nonce,
		Ciphertext: aead.Seal(nil, nonce, plaintext, additionalData(kind))}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// unseal checks and decrypts an envelope of the given kind. Every failure
// wraps [ErrCorrupt]; the messages say what is wrong but never echo content.
func unseal(k Key, kind string, data []byte) ([]byte, error) {
	if len(data) > maxSealedSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrCorrupt, maxSealedSize)
	}
	var e envelope
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("%w: not an oobkit encrypted file (damaged or truncated)", ErrCorrupt)
	}
	switch {
	case e.Format != sealFormat:
		return nil, fmt.Errorf("%w: not an oobkit encrypted file (format %.40q)", ErrCorrupt, e.Format)
	case e.Version != sealVersion:
		return nil, fmt.Errorf("%w: encrypted file version %d is not supported", ErrCorrupt, e.Version)
	case e.Kind != kind:
		return nil, fmt.Errorf("%w: file holds %.40q data, want %q", ErrCorrupt, e.Kind, kind)
	}
	aead, err := newGCM(k)
	if err != nil {
		return nil, err
	}
	if len(e.Nonce) != aead.NonceSize() {
		return nil, fmt.Errorf("%w: bad nonce length", ErrCorrupt)
	}
	pt, err := aead.Open(nil, e.Nonce, e.Ciphertext, additionalData(kind))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed: the file was damaged or encrypted with another key", ErrCorrupt)
	}
	return pt, nil
}
