package panics

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

//go:noinline
func explode(word uint64, s string) {
	var m map[string]int
	if word != 0 && s != "" {
		m[s] = 1 // assignment to entry in nil map
	}
}

func recovered(f func()) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = New("task x", v)
		}
	}()
	f()
	return nil
}

func TestNewCarriesCleanStack(t *testing.T) {
	err := recovered(func() { explode(0x5ec7e75ec7e7, "CANARY") })
	require.ErrorIs(t, err, oobkit.ErrInternal)
	assert.Equal(t, "internal", oobkit.ClassName(err))
	assert.Contains(t, err.Error(), "assignment to entry in nil map")
	p := Of(err)
	require.NotNil(t, p)
	assert.Contains(t, p.Stack, "panics.explode(...)")
	assert.Contains(t, p.Stack, "panics_test.go:")
	for _, l := range strings.Split(p.Stack, "\n") {
		if !strings.HasPrefix(l, "\t") { // a frame's function line: its argument words are raw memory
			assert.NotContains(t, l, "0x", "argument words stay out of the log")
		}
	}
	assert.Nil(t, Of(oobkit.ErrInternal))
}

func TestRedact(t *testing.T) {
	pw := oobkit.NewSecret("hunter2-CANARY")
	err := recovered(func() { panic("login failed for " + pw.Reveal() + " and " + pw.String()) })
	p := Of(err)
	p.Redact("", pw.Reveal())
	assert.NotContains(t, err.Error(), "CANARY")
	assert.Contains(t, err.Error(), oobkit.Redacted)
	long := recovered(func() { panic(strings.Repeat("x", 2000)) })
	assert.Less(t, len(long.Error()), 600)
}
