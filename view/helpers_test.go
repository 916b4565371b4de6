package view_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const adminPassword = "Adm1n-Passw0rd"

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// newWMI starts a simulated Windows computer and a WinRM client for it.
func newWMI(t testing.TB) (*wmitest.Computer, *wmi.Client) {
	t.Helper()
	pc := wmitest.NewComputer(wmitest.Config{AdminPassword: adminPassword})
	require.NoError(t, pc.Start())
	t.Cleanup(func() { _ = pc.Close() })
	cred := oobkit.Credential{Auth: oobkit.AuthNTLM, Username: `PC42\Administrator`, Password: oobkit.NewSecret(adminPassword)}
	c, err := wmi.New(pc.Target(), cred, wmi.WithPollInterval(5*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return pc, c
}

// newAMT starts a simulated AMT device and a client for it.
func newAMT(t testing.TB) (*amttest.Server, *amt.Client) {
	t.Helper()
	cfg := amttest.Config{}
	cfg.TLS = cfg.Generation().TLSOnly
	srv, err := amttest.NewServer(cfg)
	require.NoError(t, err)
	c, err := amt.New(srv.Target(), srv.Credential())
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = c.Close()
		_ = srv.Close()
	})
	return srv, c
}

// newDASH starts a simulated DASH computer and a client for it.
func newDASH(t testing.TB) (*dashtest.Server, *dash.Client) {
	t.Helper()
	sim, err := dashtest.NewServer(dashtest.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { sim.Close() })
	c, err := dash.New(sim.Target(), sim.Credential())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return sim, c
}

// newIPMI starts go-ipmi's embedded BMC and a client for it.
func newIPMI(t testing.TB) (*ipmitest.Server, *ipmi.Client) {
	t.Helper()
	b, err := ipmitest.NewServer(ipmitest.Config{Power: oobkit.PowerS0})
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	c, err := ipmi.New(b.Target(), b.Credential())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return b, c
}
