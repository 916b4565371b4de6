package wmi_test

import (
	"context"
	"testing"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
)

// BenchmarkServiceGet measures one Win32_Service Get over a kept-alive,
// NTLM-authenticated connection.
func BenchmarkServiceGet(b *testing.B) {
	pc := newComputer(b, false)
	c := ntlmClient(b, pc)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Service(ctx, "Spooler"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewConnectionNTLM measures a fresh client's first request: TCP
// connect plus the three-leg NTLM handshake.
func BenchmarkNewConnectionNTLM(b *testing.B) {
	pc := newComputer(b, false)
	cred := oobkit.Credential{Auth: oobkit.AuthNTLM, Username: `PC42\Administrator`, Password: oobkit.NewSecret(adminPassword)}
	ctx := context.Background()
	for b.Loop() {
		c, err := wmi.New(pc.Target(), cred)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Service(ctx, "Spooler"); err != nil {
			b.Fatal(err)
		}
		_ = c.Close()
	}
}

// BenchmarkInventory measures a full inventory (nine enumerations).
func BenchmarkInventory(b *testing.B) {
	pc := newComputer(b, false)
	c := ntlmClient(b, pc)
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.Inventory(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
