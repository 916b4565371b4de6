package tasks

import (
	"context"
	"fmt"

	"github.com/oobkit/oobkit"
)

// AlertSettingsTask is the RTSM guide's Update Out-of-Band Alert Settings
// task: where a computer sends its alerts (AMT/DASH destinations), which
// alerts it sends and which it logs, per-alert subscribe / unsubscribe
// (kept, inactive) / remove from client, partial subscription and removal
// of third-party filters and subscriptions, through
// [oobkit.AlertConfigurer]. By default the
// first protocol that can (AMT, then DASH, then the rest) applies the
// settings; with All set, every protocol that can does.
type AlertSettingsTask struct {
	// Config is the alert settings to apply.
	Config oobkit.AlertConfig `json:"config"`
	// All applies the settings through every protocol that offers them.
	All bool `json:"all,omitempty"`
	// Protocols overrides the protocol preference for this step.
	Protocols []oobkit.Protocol `json:"protocols,omitempty"`
}

// AlertSettingsOutput is what an [AlertSettingsTask] returns.
type AlertSettingsOutput struct {
	// Applied lists the protocols that applied the settings.
	Applied []oobkit.Protocol `json:"applied"`
}

// Kind returns "alerts".
func (t *AlertSettingsTask) Kind() string { return "alerts" }

// Validate checks that the task asks for something.
func (t *AlertSettingsTask) Validate() error {
	c := t.Config
	if len(c.Destinations) == 0 && len(c.Remove) == 0 && !c.RemoveThirdParty && len(c.Alerts) == 0 {
		return fmt.Errorf("%w: alerts: no destination to add or remove and no alert to change", oobkit.ErrInvalidArgument)
	}
	if err := c.Validate(); err != nil {
		return err
	}
	for _, d := range c.Destinations {
		if d.Address == "" {
			return fmt.Errorf("%w: alerts: a destination has no address", oobkit.ErrInvalidArgument)
		}
	}
	return nil
}

// Run applies the settings.
func (t *AlertSettingsTask) Run(ctx context.Context, env *Env) (any, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	order := env.Order(append(t.Protocols, oobkit.AMT, oobkit.DASH)...)
	apply := func(c oobkit.Client) error {
		ac, err := Capability[oobkit.AlertConfigurer](c, "alert settings")
		if err != nil {
			return err
		}
		return ac.ConfigureAlerts(ctx, t.Config)
	}
	if t.All {
		applied, err := env.Each(ctx, order, func(_ oobkit.Protocol, c oobkit.Client) error { return apply(c) })
		return &AlertSettingsOutput{Applied: applied}, err
	}
	p, err := env.First(ctx, order, apply)
	if err != nil {
		return nil, err
	}
	return &AlertSettingsOutput{Applied: []oobkit.Protocol{p}}, nil
}
