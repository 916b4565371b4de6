package main

import (
	"context"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/tasks"
)

// filterStatusKind is the task kind of filterStatusTask in job files.
// Package tasks has no task that reads System Defense back, so oobctl
// registers its own; oobctl workers (--nats) know it too.
const filterStatusKind = "filter-status"

func init() {
	tasks.RegisterKind(filterStatusKind, func() tasks.Task { return &filterStatusTask{} })
}

// policyReader is what a client needs for a filterStatusTask: AMT System
// Defense read back (package amt's Client implements it).
type policyReader interface {
	ActivePolicies(ctx context.Context) ([]amt.ActivePolicy, error)
}

// filterStatusTask reads the System Defense policy active on each network
// interface of a computer, through AMT.
type filterStatusTask struct{}

// filterStatusOutput is what a filterStatusTask returns.
type filterStatusOutput struct {
	// Active lists the policies active, one per interface; empty when the
	// computer is not filtered.
	Active []activePolicy `json:"active"`
}

// activePolicy is one policy active on one interface.
type activePolicy struct {
	Interface  string `json:"interface"`
	Policy     string `json:"policy"`
	Rules      int    `json:"rules"`
	InstanceID string `json:"instanceID"`
}

func (t *filterStatusTask) Kind() string { return filterStatusKind }

func (t *filterStatusTask) Run(ctx context.Context, env *tasks.Env) (any, error) {
	out := &filterStatusOutput{Active: []activePolicy{}}
	_, err := env.First(ctx, env.Only(oobkit.AMT), func(c oobkit.Client) error {
		pr, err := tasks.Capability[policyReader](c, "System Defense")
		if err != nil {
			return err
		}
		active, err := pr.ActivePolicies(ctx)
		if err != nil {
			return err
		}
		for _, p := range active {
			ap := activePolicy{Interface: p.Interface.String(), InstanceID: p.InstanceID}
			if p.Policy != nil {
				ap.Policy, ap.Rules = p.Policy.Name, len(p.Policy.Rules)
			}
			out.Active = append(out.Active, ap)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
