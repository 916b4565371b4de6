package amt_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name    string
		cfg     amttest.Config
		major   int
		mode    int
		kvm     bool
		authInt bool
	}{
		{"AMT 12 admin control", amttest.Config{}, 12, amt.ModeAdminControl, true, false},
		{"AMT 8 without KVM", amttest.Config{Firmware: "8.1.40", NoKVM: true}, 8, amt.ModeAdminControl, false, false},
		{"AMT 16 client control, qop auth-int", amttest.Config{Firmware: "16.0.15", ClientControl: true}, 16, amt.ModeClientControl, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := amttest.NewServer(tt.cfg)
			require.NoError(t, err)
			defer srv.Close()
			var opts []amt.Option
			if tt.authInt {
				opts = append(opts, amt.WithAuthInt())
			}
			c, err := amt.New(srv.Target(), srv.Credential(), opts...)
			require.NoError(t, err)
			defer c.Close()
			d, err := c.Detect(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.major, d.Major)
			assert.Equal(t, srv.Config().Firmware, d.AMTVersion)
			assert.Equal(t, tt.mode, d.ProvisioningMode)
			assert.Equal(t, amt.StatePost, d.ProvisioningState)
			assert.False(t, d.TLS)
			assert.Equal(t, amt.RedirectionSettings{SOL: true, IDER: true, KVM: tt.kvm, Listener: true}, d.Redirection)
			assert.Equal(t, "8086", d.Versions["VendorID"])
		})
	}
}

func TestDetectWrongPassword(t *testing.T) {
	srv, err := amttest.NewServer(amttest.Config{})
	require.NoError(t, err)
	defer srv.Close()
	c, err := amt.New(srv.Target(), oobkit.UserPassword("admin", "not-the-password"))
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Detect(context.Background())
	requireClass(t, err, oobkit.ErrAuth)
	assert.NotContains(t, err.Error(), "not-the-password")
	assert.Equal(t, oobkit.CodeAuth, oobkit.ReturnCode(err))
}

func TestDetectUnprovisioned(t *testing.T) {
	srv, c := start(t, amttest.Config{Unprovisioned: true, Firmware: "11.8.50"})
	d, err := c.Detect(context.Background())
	oe := requireClass(t, err, oobkit.ErrNotProvisioned)
	assert.Equal(t, "0", oe.DeviceCode)
	require.NotNil(t, d)
	assert.Equal(t, "11.8.50", d.AMTVersion)
	assert.Equal(t, amt.StatePre, d.ProvisioningState)
	// Management is refused while unprovisioned.
	_, err = c.PowerState(context.Background())
	requireClass(t, err, oobkit.ErrAuth)
	assert.Equal(t, 0, srv.PowerChanges())
}

func TestDetectNotAMT(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><head><title>Printer</title></head><body><p>Welcome<br></body></html>"))
	}))
	defer web.Close()
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	for _, s := range []*httptest.Server{web, notFound} {
		u, _ := url.Parse(s.URL)
		port, _ := strconv.Atoi(u.Port())
		c, err := amt.New(oobkit.Target{Address: u.Hostname(), Ports: map[oobkit.Protocol]int{oobkit.AMT: port}},
			oobkit.UserPassword("admin", "x"))
		require.NoError(t, err)
		_, err = c.Detect(context.Background())
		requireClass(t, err, oobkit.ErrNotDetected)
		assert.Equal(t, oobkit.CodeNotDetected, oobkit.ReturnCode(err))
		require.NoError(t, c.Close())
	}
}

func TestDetectTLS(t *testing.T) {
	srv, err := amttest.NewServer(amttest.Config{TLS: true, Firmware: "16.1.25"})
	require.NoError(t, err)
	defer srv.Close()

	t.Run("pinned", func(t *testing.T) {
		c, err := amt.New(srv.Target(), srv.Credential())
		require.NoError(t, err)
		defer c.Close()
		assert.True(t, strings.HasPrefix(c.Endpoint(), "https://"))
		d, err := c.Detect(context.Background())
		require.NoError(t, err)
		assert.True(t, d.TLS)
		assert.Equal(t, 16, d.Major)
	})
	t.Run("wrong fingerprint", func(t *testing.T) {
		cred := srv.Credential()
		cred.TLS.PinnedSHA256 = strings.Repeat("ab", 32)
		c, err := amt.New(srv.Target(), cred)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Detect(context.Background())
		requireClass(t, err, oobkit.ErrAuth)
	})
	t.Run("no pin, self-signed", func(t *testing.T) {
		cred := srv.Credential()
		cred.TLS.PinnedSHA256 = ""
		c, err := amt.New(srv.Target(), cred)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Detect(context.Background())
		requireClass(t, err, oobkit.ErrAuth)
	})
}
