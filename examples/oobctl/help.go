package main

import (
	"strings"
)

// commandUsage returns the usage of one command: its lines of the usage
// text, then the flags every command takes, so that "oobctl power --help"
// and a mistake in a power command show what matters for power. It returns
// the whole usage for a command it does not know.
func commandUsage(cmd string) string {
	full := usage()
	lines := strings.Split(full, "\n")
	var own []string
	in := false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "  "+cmd+" ") || l == "  "+cmd:
			own, in = append(own, l), true
		case in && strings.HasPrefix(l, "      "): // a continuation of the command's line
			own = append(own, l)
		default:
			in = false
		}
	}
	flags := strings.Index(full, "Flags (before or after the command):")
	if len(own) == 0 || flags < 0 {
		return full
	}
	var b strings.Builder
	b.WriteString("Usage: oobctl [flags] " + cmd + " ...\n\n")
	b.WriteString(strings.Join(own, "\n"))
	b.WriteString("\n\n")
	b.WriteString(full[flags:])
	b.WriteString("\nEvery command: oobctl --help. First time? oobctl demo runs the whole product on a simulated fleet.\n")
	return b.String()
}
