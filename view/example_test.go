package view_test

import (
	"context"
	"fmt"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/view"
)

// A reader plugged into the view for a node and a technology.
func ExampleRegistry_Register() {
	reg := view.Default.Clone()
	reg.Register("Operating System/Local Time", oobkit.WMI, func(ctx context.Context, c oobkit.Client) (*view.Table, error) {
		return (&view.Table{}).Add(oobkit.WMI, "Hour", "12", "Minute", "30"), nil
	})
	row, _ := view.Find("Local Time")
	fmt.Println(row.Name(), "needs", row.Requirement())
	_, ok := reg.Lookup(row.Name(), oobkit.WMI)
	fmt.Println(ok)
	// Output:
	// Operating System/Local Time needs WMI
	// true
}
