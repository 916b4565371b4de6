package tasks

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
)

// InventoryTask collects out-of-band inventory from every protocol that
// answers and merges it; each item keeps the protocol it came from.
type InventoryTask struct {
	// Protocols limits and orders the protocols asked; empty means all.
	Protocols []oobkit.Protocol `json:"protocols,omitempty"`
}

// InventoryOutput is what an [InventoryTask] returns.
type InventoryOutput struct {
	// Sources lists the protocols that answered.
	Sources []oobkit.Protocol `json:"sources"`
	// Inventory is the merged inventory.
	Inventory *oobkit.Inventory `json:"inventory"`
	// Status is "ok" when every class asked answered, "partial" when the
	// inventory has gaps (Inventory.Missing names each). A partial
	// inventory is still a successful step; the step's Notes name the gaps.
	Status string `json:"status"`
}

// Inventory output statuses.
const (
	InventoryComplete = "ok"
	InventoryPartial  = "partial"
)

// Kind returns "inventory".
func (t *InventoryTask) Kind() string { return "inventory" }

// Run asks every protocol and merges the answers.
func (t *InventoryTask) Run(ctx context.Context, env *Env) (any, error) {
	order := env.Order()
	if len(t.Protocols) > 0 {
		order = env.Only(t.Protocols...)
	}
	merged := &oobkit.Inventory{Target: env.Target.String()}
	sources, err := env.Each(ctx, order, func(p oobkit.Protocol, c oobkit.Client) error {
		r, err := Capability[oobkit.InventoryReader](c, "inventory")
		if err != nil {
			return err
		}
		inv, err := r.Inventory(ctx)
		if err != nil {
			return err
		}
		merged.Merge(inv)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if merged.Collected.IsZero() {
		merged.Collected = time.Now()
	}
	out := &InventoryOutput{Sources: sources, Inventory: merged, Status: InventoryComplete}
	if merged.Partial() {
		out.Status = InventoryPartial
		var gaps []string
		for _, g := range merged.Missing {
			gaps = append(gaps, fmt.Sprintf("%s %s (%s)", g.Protocol, g.Class, g.ErrorClass))
		}
		env.rec.note("partial inventory: missing " + strings.Join(gaps, ", "))
	}
	return out, nil
}
