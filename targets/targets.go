// Package targets reads targets files: a YAML (or JSON, which is YAML) list
// of the computers to manage, each an [oobkit.Target]:
//
//	# targets.yaml
//	- name: amt-01
//	  address: 10.0.0.21
//	  labels: {protocols: "amt,redirection"}
//	- name: bmc-01
//	  address: 10.0.0.31
//	  ports: {ipmi: 6230}
//
// A key a target does not have is an error naming the key and its line, so
// a misspelt "adress" is not silently a target without an address. [Pick]
// chooses computers of a list by name.
package targets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/oobkit/oobkit"
)

// MaxFileSize is the largest targets file [Load] reads (16 MiB, some
// hundred thousand computers).
const MaxFileSize = 16 << 20

// Parse reads a targets file's content: a YAML or JSON list of targets.
// An unknown key, a value of the wrong type or a target that does not
// validate ([oobkit.Target.Validate]) is an error wrapping
// [oobkit.ErrInvalidArgument] that gives the line. Empty content is an
// empty list.
func Parse(data []byte) ([]oobkit.Target, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var list []oobkit.Target
	if err := dec.Decode(&list); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
		msg = strings.Join(strings.Fields(strings.ReplaceAll(msg, "in type oobkit.Target", "(a target has name, address, guid, ports, labels)")), " ")
		return nil, fmt.Errorf("%w: want a YAML or JSON list of targets: %s", oobkit.ErrInvalidArgument, msg)
	}
	var doc yaml.Node // for the line of each target
	_ = yaml.Unmarshal(data, &doc)
	for i, t := range list {
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("%s%w", lineOf(&doc, i), err)
		}
	}
	return list, nil
}

// lineOf returns "line N: " for the i-th item of the document's list, or
// "" when it cannot tell.
func lineOf(doc *yaml.Node, i int) string {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return ""
	}
	seq := doc.Content[0]
	if seq.Kind != yaml.SequenceNode || i >= len(seq.Content) {
		return ""
	}
	return fmt.Sprintf("line %d: ", seq.Content[i].Line)
}

// Load reads and parses the targets file at path (see [Parse]). A file
// larger than [MaxFileSize] is refused.
func Load(path string) ([]oobkit.Target, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: targets file %s is larger than %d bytes", oobkit.ErrInvalidArgument, path, MaxFileSize)
	}
	list, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("targets file %s: %w", path, err)
	}
	return list, nil
}

// Pick returns the targets of ts whose names are among names, in the order
// of ts. A name no target has is an error wrapping
// [oobkit.ErrInvalidArgument] that quotes every such name.
func Pick(ts []oobkit.Target, names ...string) ([]oobkit.Target, error) {
	found := map[string]bool{}
	for _, n := range names {
		found[n] = false
	}
	var out []oobkit.Target
	for _, t := range ts {
		if _, ok := found[t.Name]; ok {
			found[t.Name] = true
			out = append(out, t)
		}
	}
	var missing []string
	for n, ok := range found {
		if !ok {
			missing = append(missing, strconv.Quote(n))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("%w: no computer named %s", oobkit.ErrInvalidArgument, strings.Join(missing, ", "))
	}
	return out, nil
}
