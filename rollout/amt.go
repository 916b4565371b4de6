package rollout

import (
	"context"
	"errors"
	"sync"

	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/filter"
)

// AMTTarget is a computer reached through its Intel AMT client: the
// policy is applied with amt's ApplyPolicy (static checks included),
// confirmed by clearing the AMT policy timeout, and removed out of band
// with RemoveAllPolicies — the guide's "Remove a System Defense network
// filter to open back up general network communication".
type AMTTarget struct {
	// Label names the computer in the report.
	Label string
	// Client is the computer's AMT client.
	Client *amt.Client
	// Options are passed to ApplyPolicy (interfaces, static flows).
	Options amt.ApplyOptions

	mu     sync.Mutex
	policy string // InstanceID of the applied policy
}

// Name returns the label.
func (t *AMTTarget) Name() string { return t.Label }

// Apply puts p on the computer with its timeout.
func (t *AMTTarget) Apply(ctx context.Context, p *filter.Policy) error {
	ap, err := t.Client.ApplyPolicy(ctx, p, t.Options)
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.policy = ap.InstanceID
	t.mu.Unlock()
	return nil
}

// Confirm clears the applied policy's timeout.
func (t *AMTTarget) Confirm(ctx context.Context) error {
	t.mu.Lock()
	id := t.policy
	t.mu.Unlock()
	if id == "" {
		return errors.New("rollout: nothing applied to confirm")
	}
	return t.Client.SetPolicyTimeout(ctx, id, 0)
}

// Remove removes every System Defense policy and filter from the device.
func (t *AMTTarget) Remove(ctx context.Context) error {
	return t.Client.RemoveAllPolicies(ctx)
}

// ActivePolicy reads the policy active on the wired interface (nil when
// none): what a prober evaluates the OS's traffic against.
func (t *AMTTarget) ActivePolicy(ctx context.Context) (*filter.Policy, error) {
	list, err := t.Client.ActivePolicies(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		if a.Interface == amt.Wired {
			return a.Policy, nil
		}
	}
	return nil, nil
}
