package wsbrowse_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/optcheck"
	"github.com/oobkit/oobkit/wmi/wmitest"
	"github.com/oobkit/oobkit/wsbrowse"
)

// WithDialContext, WithHooks, WithLogger and WithTimeout, the options every
// oobkit client shares, take effect (issue 19), reported as the flavor's
// protocol.
func TestSharedOptions(t *testing.T) {
	optcheck.Run(t, oobkit.WMI, "tcp", func(t *testing.T, o optcheck.Options) func(context.Context) error {
		pc, err := wmitest.NewServer(wmitest.Config{AdminPassword: adminPassword})
		require.NoError(t, err)
		t.Cleanup(func() { _ = pc.Close() })
		cred := oobkit.Credential{Auth: oobkit.AuthNTLM, Username: `PC42\Administrator`, Password: oobkit.NewSecret(adminPassword)}
		c, err := wsbrowse.New(pc.Target(), cred, wsbrowse.WMI, wsbrowse.WithDialContext(o.Dial), wsbrowse.WithHooks(o.Hooks),
			wsbrowse.WithLogger(o.Logger), wsbrowse.WithTimeout(o.Timeout))
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		return func(ctx context.Context) error {
			_, err := c.Enumerate(ctx, "Win32_OperatingSystem", wsbrowse.EnumerateOptions{})
			return err
		}
	})
}

// TestBasicOverHTTP: basic authentication over plain HTTP sends the
// password base64-encoded, readable by anyone on the path. New refuses it
// unless the caller opts in with WithAllowUnencrypted; over HTTPS it is
// fine, and so are digest and NTLM over HTTP.
func TestBasicOverHTTP(t *testing.T) {
	target := oobkit.Target{Name: "linux01", Address: "192.0.2.10"}
	basic := oobkit.Credential{Auth: oobkit.AuthBasic, Username: "root", Password: oobkit.NewSecret("linux-pass")}

	for _, opts := range [][]wsbrowse.Option{nil, {wsbrowse.WithEndpoint("http://192.0.2.10:5985/wsman")}} {
		_, err := wsbrowse.New(target, basic, wsbrowse.OpenWSMan, opts...)
		require.Error(t, err)
		assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
		assert.Contains(t, err.Error(), "WithAllowUnencrypted")
		assert.NotContains(t, err.Error(), "linux-pass")
	}
	// An endpoint over HTTP refuses basic even when the credential asks
	// for TLS: the URL decides what goes on the wire.
	tlsBasic := basic
	tlsBasic.TLS.Enabled = true
	_, err := wsbrowse.New(target, tlsBasic, wsbrowse.OpenWSMan, wsbrowse.WithEndpoint("http://192.0.2.10:5985/wsman"))
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)

	c, err := wsbrowse.New(target, basic, wsbrowse.OpenWSMan, wsbrowse.WithAllowUnencrypted())
	require.NoError(t, err, "the caller opted in")
	assert.Equal(t, "http://192.0.2.10:5985/wsman", c.Endpoint())
	c, err = wsbrowse.New(target, tlsBasic, wsbrowse.OpenWSMan)
	require.NoError(t, err, "basic over HTTPS")
	assert.Equal(t, "https://192.0.2.10:5986/wsman", c.Endpoint())
	_, err = wsbrowse.New(target, basic, wsbrowse.OpenWSMan, wsbrowse.WithEndpoint("https://192.0.2.10:5986/wsman"))
	require.NoError(t, err, "basic to an https endpoint")
	for _, auth := range []oobkit.AuthKind{"", oobkit.AuthDigest, oobkit.AuthNTLM} {
		cred := basic
		cred.Auth = auth
		_, err := wsbrowse.New(target, cred, wsbrowse.OpenWSMan)
		require.NoError(t, err, "%q over HTTP sends no clear-text password", auth)
	}
}
