package wmi_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

const adminPassword = "Adm1n-Passw0rd"

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newComputer starts a simulated computer on its own listener.
func newComputer(t testing.TB, useTLS bool) *wmitest.Computer {
	t.Helper()
	pc := wmitest.NewComputer(wmitest.Config{AdminPassword: adminPassword})
	if useTLS {
		require.NoError(t, pc.StartTLS())
	} else {
		require.NoError(t, pc.Start())
	}
	t.Cleanup(func() { _ = pc.Close() })
	return pc
}

// ntlmClient connects to pc with NTLM as the built-in Administrator.
func ntlmClient(t testing.TB, pc *wmitest.Computer, opts ...wmi.Option) *wmi.Client {
	t.Helper()
	cred := oobkit.Credential{Auth: oobkit.AuthNTLM, Username: `PC42\Administrator`, Password: oobkit.NewSecret(adminPassword)}
	opts = append([]wmi.Option{wmi.WithPollInterval(5 * time.Millisecond), wmi.WithTimeout(5 * time.Second)}, opts...)
	c, err := wmi.New(pc.Target(), cred, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// tlsClient connects to a StartTLS computer with basic auth and a pinned certificate.
func tlsClient(t testing.TB, pc *wmitest.Computer, opts ...wmi.Option) *wmi.Client {
	t.Helper()
	cred := oobkit.Credential{Auth: oobkit.AuthBasic, Username: "Administrator", Password: oobkit.NewSecret(adminPassword),
		TLS: oobkit.TLSSettings{Enabled: true, PinnedSHA256: pc.Fingerprint()}}
	opts = append([]wmi.Option{wmi.WithPollInterval(5 * time.Millisecond), wmi.WithTimeout(5 * time.Second)}, opts...)
	c, err := wmi.New(pc.Target(), cred, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}
