package tasks

import (
	"context"
	"fmt"
	"slices"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
)

// BIOSSetter is what a client needs for a [BIOSTask]: DMTF DASH BIOS
// management (package dash's Client implements it).
type BIOSSetter interface {
	UpdateBIOS(ctx context.Context, settings []dash.BIOSSetting, pw dash.BIOSPasswords) (*dash.BIOSChange, error)
}

// BIOSTask updates BIOS settings through DASH (DSP1061 BIOS management):
// every named attribute is set in one request; values the BIOS stores as
// pending take effect at the next restart, which the output reports (add a
// power step with action reset to apply them at once). A protected BIOS
// takes its administrator password, its system (power-on) password, or both
// (the guide: "If BIOS is protected by administrator or system passwords,
// specify the passwords"; see [dash.BIOSPasswords] for which is sent).
type BIOSTask struct {
	// Settings maps attribute names ("DASH:WakeOnLAN") to new values.
	Settings map[string]string `json:"settings"`
	// Password is the BIOS administrator password, for programs; it is never
	// written into a job's JSON.
	Password oobkit.Secret `json:"-"`
	// PasswordEnv names an environment variable holding the administrator
	// password, read where the task runs. Neither set: no administrator
	// password is sent.
	PasswordEnv string `json:"passwordEnv,omitempty"`
	// SystemPassword is the BIOS system (power-on) password, for programs;
	// never written into a job's JSON.
	SystemPassword oobkit.Secret `json:"-"`
	// SystemPasswordEnv names an environment variable holding the system
	// password. Neither set: no system password is sent.
	SystemPasswordEnv string `json:"systemPasswordEnv,omitempty"`
}

// BIOSOutput is what a [BIOSTask] returns.
type BIOSOutput struct {
	// Set lists the attributes set, sorted by name.
	Set []string `json:"set"`
	// Pending lists those stored as pending values.
	Pending []string `json:"pending,omitempty"`
	// RestartRequired says a restart applies the pending values.
	RestartRequired bool `json:"restartRequired"`
	// AuthorizedBy says which BIOS password the computer accepted
	// ("administrator", "system"; empty when none was sent).
	AuthorizedBy dash.BIOSPasswordKind `json:"authorizedBy,omitempty"`
}

// Kind returns "bios".
func (t *BIOSTask) Kind() string { return "bios" }

// Validate checks that there is something to set.
func (t *BIOSTask) Validate() error {
	if len(t.Settings) == 0 {
		return fmt.Errorf("%w: bios: no settings", oobkit.ErrInvalidArgument)
	}
	return nil
}

// Run sets the attributes through DASH.
func (t *BIOSTask) Run(ctx context.Context, env *Env) (any, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	var pw dash.BIOSPasswords
	if t.PasswordEnv != "" || !t.Password.IsZero() {
		var err error
		if pw.Administrator, err = secretInput(t.Password, t.PasswordEnv, "bios administrator password"); err != nil {
			return nil, err
		}
	}
	if t.SystemPasswordEnv != "" || !t.SystemPassword.IsZero() {
		var err error
		if pw.System, err = secretInput(t.SystemPassword, t.SystemPasswordEnv, "bios system password"); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(t.Settings))
	for n := range t.Settings {
		names = append(names, n)
	}
	slices.Sort(names)
	settings := make([]dash.BIOSSetting, len(names))
	for i, n := range names {
		settings[i] = dash.BIOSSetting{Name: n, Values: []string{t.Settings[n]}}
	}
	out := &BIOSOutput{}
	_, err := env.First(ctx, env.Only(oobkit.DASH), func(c oobkit.Client) error {
		bs, err := Capability[BIOSSetter](c, "BIOS management")
		if err != nil {
			return err
		}
		ch, err := bs.UpdateBIOS(ctx, settings, pw)
		if err != nil {
			return err
		}
		out.RestartRequired, out.AuthorizedBy = ch.RestartRequired, ch.AuthorizedBy
		for _, r := range ch.Results {
			out.Set = append(out.Set, r.Name)
			if r.Code == 3 { // SetResult 3: pending value set
				out.Pending = append(out.Pending, r.Name)
			}
		}
		return nil
	})
	return out, err
}
