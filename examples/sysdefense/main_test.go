package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	assert.Contains(t, out.String(), "keeps 5 required flows open")
	assert.Contains(t, out.String(), `<filterPolicy schemaVersion="1"`)
	assert.Contains(t, out.String(), "default receive action")
}
