package profile_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/profile"
)

// A profile enables the protocols a site uses, each with its credential.
// Printing it never shows a secret.
func ExampleProfile() {
	p := profile.Builtin() // sensible ports, timeouts and retries
	p.Name = "lab"
	_ = p.Enable(oobkit.AMT, oobkit.UserPassword("admin", "P@ssw0rd"))
	_ = p.Enable(oobkit.SNMP, oobkit.Credential{Community: oobkit.NewSecret("public")})

	fmt.Println(p.Validate(), p.Enabled())
	cred, _ := p.Credential(oobkit.AMT)
	fmt.Printf("%s / %v\n", cred.Username, cred.Password)

	_ = p.Enable(oobkit.IPMI, oobkit.Credential{})
	fmt.Println(p.Validate())
	// Output:
	// <nil> [amt snmp]
	// admin / [REDACTED]
	// invalid argument: profile "lab", ipmi: enabled without a credential: a password is required
}

// A file store keeps profiles encrypted on disk; processes sharing the file
// see each other's updates.
func ExampleOpenFile() {
	dir, _ := os.MkdirTemp("", "profiles")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	store, err := profile.OpenFile(filepath.Join(dir, "profiles.store")) // key file: profiles.store.key
	if err != nil {
		fmt.Println(err)
		return
	}
	p := profile.Profile{Name: "amt-only"}
	_ = p.Enable(oobkit.AMT, oobkit.UserPassword("admin", "P@ssw0rd"))
	_ = store.Put(ctx, p)
	_ = store.SetDefault(ctx, "amt-only")

	again, _ := profile.OpenFile(filepath.Join(dir, "profiles.store"))
	def, _ := again.Default(ctx)
	cred, _ := def.Credential(oobkit.AMT)
	fmt.Println(def.Name, cred.Username, cred.Password.Reveal() == "P@ssw0rd")

	raw, _ := os.ReadFile(filepath.Join(dir, "profiles.store"))
	fmt.Println("password on disk:", strings.Contains(string(raw), "P@ssw0rd"))
	// Output:
	// amt-only admin true
	// password on disk: false
}

// The runtime profile learns which credential works on which computer and
// offers it when the task's own profile fails.
func ExampleRuntime_Resolve() {
	ctx := context.Background()
	store := profile.NewMemoryStore()
	rt := profile.NewRuntime(store)
	target := oobkit.Target{Name: "pc-17", Address: "192.0.2.17"}

	// device stands for a protocol client: this computer accepts one password.
	device := func(c oobkit.Credential) error {
		if c.Password.Reveal() == "right" {
			return nil
		}
		return &oobkit.Error{Protocol: oobkit.AMT, Op: "Get", Class: oobkit.ErrAuth}
	}
	run := func(taskProfile profile.Profile) {
		cands, err := rt.Resolve(ctx, target, oobkit.AMT, &taskProfile)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, c := range cands {
			err := device(c.Credential())
			fmt.Printf("  %s profile %q: %s\n", c.Source, c.Profile, oobkit.ClassName(err))
			if err == nil {
				rt.Succeeded(target, c)
				return
			}
			rt.Failed(target, c, err)
		}
	}
	good := profile.Profile{Name: "it-team"}
	_ = good.Enable(oobkit.AMT, oobkit.UserPassword("admin", "right"))
	stale := profile.Profile{Name: "old-image"}
	_ = stale.Enable(oobkit.AMT, oobkit.UserPassword("admin", "wrong"))

	fmt.Println("task 1:")
	run(good)
	fmt.Println("task 2:")
	run(stale)
	// Output:
	// task 1:
	//   explicit profile "it-team": ok
	// task 2:
	//   explicit profile "old-image": auth
	//   runtime profile "it-team": ok
}

// Export writes profiles without their secrets unless asked for them.
func ExampleExport() {
	ctx := context.Background()
	store := profile.NewMemoryStore()
	p := profile.Profile{Name: "snmp-ro"}
	_ = p.Enable(oobkit.SNMP, oobkit.Credential{Community: oobkit.NewSecret("s3cret")})
	_ = store.Put(ctx, p)

	var out strings.Builder
	_ = profile.Export(ctx, store, &out, profile.ExportOptions{Format: profile.YAML})
	fmt.Print(out.String())

	// Importing it elsewhere needs the community: nothing is stored.
	_, err := profile.Import(ctx, profile.NewMemoryStore(), strings.NewReader(out.String()), profile.YAML)
	fmt.Println(errors.Is(err, oobkit.ErrInvalidArgument))
	// Output:
	// format: oobkit-profiles
	// version: 1
	// secretsIncluded: false
	// default: default
	// profiles:
	//   - name: snmp-ro
	//     protocols:
	//       snmp:
	//         enabled: true
	// true
}
