package wsman

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPromoteKeepsCandidates: the SPN that worked moves to the front and no
// other candidate is lost (review of issue 22, item 10: the candidates
// after it were dropped).
func TestPromoteKeepsCandidates(t *testing.T) {
	spns := []string{"HTTP/a:16992", "HTTP/a", "WSMAN/a", "HOST/a"}
	assert.Equal(t, []string{"WSMAN/a", "HTTP/a:16992", "HTTP/a", "HOST/a"}, promote(spns, 2))
	assert.Equal(t, []string{"HOST/a", "HTTP/a:16992", "HTTP/a", "WSMAN/a"}, promote(spns, 3))
	assert.Equal(t, []string{"HTTP/a", "HTTP/a:16992", "WSMAN/a", "HOST/a"}, promote(spns, 1))
	assert.Equal(t, []string{"HTTP/a:16992", "HTTP/a", "WSMAN/a", "HOST/a"}, spns, "the old list is not written")
}
