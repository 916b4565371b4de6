package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/oobkit/oobkit/profile"
)

// cmdProfile manages the profiles of --profile-store. Secrets never print:
// show writes them redacted.
func (a *app) cmdProfile(ctx context.Context, args []string) error {
	pos, err := a.commandArgs("profile", args, nil)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("profile wants list, show NAME, put FILE, delete NAME, default NAME or runtime [import FILE]")
	}
	verb, rest := pos[0], pos[1:]
	if verb == "runtime" {
		st, err := a.openStore()
		if err != nil {
			return err
		}
		return a.profileRuntime(ctx, st, rest)
	}
	want := map[string]int{"list": 0, "show": 1, "put": 1, "delete": 1, "default": 1}
	n, ok := want[verb]
	if !ok {
		return usagef("profile: unknown action %q", verb)
	}
	if len(rest) != n {
		return usagef("profile %s takes %d argument(s)", verb, n)
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	switch verb {
	case "list":
		return a.profileList(ctx, st)
	case "show":
		p, err := st.Get(ctx, rest[0])
		if err != nil {
			return setupf("%w", err)
		}
		return writeJSON(a.stdout, p)
	case "put":
		return a.profilePut(ctx, st, rest[0])
	case "delete":
		if err := st.Delete(ctx, rest[0]); err != nil {
			return setupf("%w", err)
		}
		fmt.Fprintf(a.stdout, "deleted profile %s\n", rest[0])
	case "default":
		if err := st.SetDefault(ctx, rest[0]); err != nil {
			return setupf("%w", err)
		}
		fmt.Fprintf(a.stdout, "default profile is now %s\n", rest[0])
	}
	return nil
}

func (a *app) profileList(ctx context.Context, st profile.Store) error {
	list, err := st.List(ctx)
	if err != nil {
		return setupf("%w", err)
	}
	def, err := st.Default(ctx)
	if err != nil {
		return setupf("%w", err)
	}
	if a.opt.json {
		return writeJSON(a.stdout, map[string]any{"default": def.Name, "profiles": list})
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tDEFAULT\tPROTOCOLS\tDESCRIPTION")
	for _, p := range list {
		mark := ""
		if p.Name == def.Name {
			mark = "*"
		}
		var protos []string
		for _, pr := range p.Enabled() {
			protos = append(protos, string(pr))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, mark, orDash(strings.Join(protos, ",")), p.Description)
	}
	return tw.Flush()
}

// profilePut imports a document (as profile.Export writes it) into the store.
func (a *app) profilePut(ctx context.Context, st profile.Store, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return setupf("%w", err)
	}
	defer f.Close()
	format := profile.YAML
	if strings.EqualFold(filepath.Ext(path), ".json") {
		format = profile.JSON
	}
	n, err := profile.Import(ctx, st, f, format)
	if err != nil {
		return setupf("import %s: %w", path, err)
	}
	fmt.Fprintf(a.stdout, "stored %d profile(s) from %s\n", n, path)
	return nil
}
