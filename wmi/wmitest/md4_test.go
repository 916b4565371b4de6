package wmitest

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
)

// RFC 1320 appendix A.5 test suite.
func TestMD4(t *testing.T) {
	for in, want := range map[string]string{
		"":               "31d6cfe0d16ae931b73c59d7e0c089c0",
		"a":              "bde52cb31de33e46245e05fbdbd6fb24",
		"abc":            "a448017aaf21d8525fc10ae87aa6729d",
		"message digest": "d9130a8164549fe818874806e1c7014b",
		"12345678901234567890123456789012345678901234567890123456789012345678901234567890": "e33b4ddc9c38f2199c3e7b164fcc0536",
	} {
		sum := md4([]byte(in))
		assert.Equal(t, want, hex.EncodeToString(sum[:]), "md4(%q)", in)
	}
}
