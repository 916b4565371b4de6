package view_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/view"
)

type printer struct {
	Name     string    `json:"name"`
	Shared   bool      `json:"shared,omitempty"`
	Jobs     []string  `json:"jobs,omitempty"`
	Since    time.Time `json:"since,omitzero"`
	Location struct {
		Room string
	}
	Secret string `json:"-"`
	hidden string
}

func TestRecordOf(t *testing.T) {
	p := printer{Name: "HP", Jobs: []string{"a", "b"}, Since: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Secret: "x", hidden: "y"}
	p.Location.Room = "B12"
	rec := view.RecordOf(&p)
	assert.Equal(t, []view.Property{{Name: "name", Value: "HP"}, {Name: "jobs", Value: "a, b"},
		{Name: "since", Value: "2026-01-02T03:04:05Z"}, {Name: "Location.Room", Value: "B12"}}, rec.Properties)
	assert.Equal(t, []view.Property{{Name: "Value", Value: "7"}}, view.RecordOf(7).Properties)
}

// TestTyped: a typed read plugs into the registry; a client of another
// type is unsupported.
func TestTyped(t *testing.T) {
	reg := view.NewRegistry()
	reg.Register("Input and Output Devices/Printer", oobkit.WMI, view.Typed(func(_ context.Context, _ fakeClient) ([]printer, error) {
		return []printer{{Name: "HP"}, {Name: "Brother", Shared: true}}, nil
	}))
	row, ok := view.Find("Printer")
	require.True(t, ok)
	n := view.Serve(ctx(t), reg, view.Clients{oobkit.WMI: fakeClient{}}, row)
	require.NoError(t, n.Err)
	require.Len(t, n.Content.Records, 2)
	assert.Equal(t, "Brother", n.Content.Records[1].Get("name"))
	assert.Equal(t, "true", n.Content.Records[1].Get("shared"))
	assert.Equal(t, oobkit.WMI, n.Content.Records[0].Source)

	reg.Register("Input and Output Devices/Printer", oobkit.WMI, view.Typed(func(_ context.Context, _ otherClient) ([]printer, error) {
		return nil, errors.New("not reached")
	}))
	n = view.Serve(ctx(t), reg, view.Clients{oobkit.WMI: fakeClient{}}, row)
	assert.ErrorIs(t, n.Err, oobkit.ErrUnsupported)
}

type otherClient struct{ fakeClient }
