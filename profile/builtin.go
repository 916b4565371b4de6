package profile

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// DefaultName is the name of the built-in default profile. Every store
// starts with it; a Put of a profile with this name overrides it, and a
// Delete of the override brings the built-in one back.
const DefaultName = "default"

// defaultDocument is the built-in default profile: every protocol with
// sensible timeouts and retries, none enabled (it carries no credential).
//
//go:embed default.json
var defaultDocument []byte

// builtinDefault is parsed once; a broken embedded file is a build defect.
var builtinDefault = mustParseBuiltin()

func mustParseBuiltin() Profile {
	var d wireDocument
	if err := json.Unmarshal(defaultDocument, &d); err != nil {
		panic(fmt.Sprintf("profile: embedded default.json: %v", err))
	}
	ps, err := d.profiles(true)
	if err != nil || len(ps) != 1 || ps[0].Name != DefaultName {
		panic(fmt.Sprintf("profile: embedded default.json must hold one valid profile named %q: %v", DefaultName, err))
	}
	return ps[0]
}

// Builtin returns a copy of the built-in default profile. Use it as a
// template: set a name, enable the protocols you need with their
// credentials, and Put it.
func Builtin() Profile { return builtinDefault.Clone() }
