package wmi_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/krbtest"
	"github.com/oobkit/oobkit/internal/sambatest"
	"github.com/oobkit/oobkit/kerberos"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// TestKerberosWinRM: a domain administrator signs in to the simulated
// Windows computer over HTTPS with a ticket for HTTP/<fqdn> from the real
// Samba KDC; a wrong password, a moved clock and plain HTTP each fail
// clearly, as do an expired ticket, a wrong realm and an unregistered
// SPN; many calls ask the KDC for one service ticket.
func TestKerberosWinRM(t *testing.T) {
	dc := sambatest.Start(t)
	comp := wmitest.NewComputer(wmitest.Config{AdminPassword: "Admin-Passw0rd"})
	require.NoError(t, comp.StartTLS())
	t.Cleanup(func() { comp.Close() })
	fqdn := sambatest.Name("pc") + ".oobkit.test"
	keytab := dc.AddServiceAccount(t, sambatest.Name("pc"), "HTTP/"+fqdn)
	admin, user := sambatest.Name("da"), sambatest.Name("du")
	pass := "Da-" + sambatest.Name("p") + "!7"
	dc.AddUser(t, admin, pass)
	dc.AddUser(t, user, pass)
	v, err := comp.EnableKerberos(keytab, dc.UPN(admin))
	require.NoError(t, err)

	kdc := krbtest.NewKDC(t, dc.KDC)
	cache := kerberos.NewCache()
	t.Cleanup(cache.Close)
	tg := comp.Target()
	addr := net.JoinHostPort("127.0.0.1", itoa(tg.Ports[oobkit.WMI]))
	tg.Address = fqdn
	var d net.Dialer
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	cred := func(name, password string) oobkit.Credential {
		return oobkit.Credential{Auth: oobkit.AuthKerberos, Username: dc.UPN(name), Password: oobkit.NewSecret(password),
			TLS:      oobkit.TLSSettings{Enabled: true, PinnedSHA256: comp.Fingerprint()},
			Kerberos: &oobkit.KerberosSettings{KDC: []string{kdc.Addr()}}}
	}
	client := func(c oobkit.Credential) *wmi.Client {
		cl, err := wmi.New(tg, c, wmi.WithDialContext(dial), wmi.WithKerberosCache(cache))
		require.NoError(t, err)
		t.Cleanup(func() { cl.Close() })
		return cl
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	c := client(cred(admin, pass))
	for range 3 {
		st, err := c.PowerState(ctx)
		require.NoError(t, err)
		assert.Equal(t, oobkit.PowerS0, st)
	}
	assert.Equal(t, 3, v.Accepted()[dc.UPN(admin)])
	assert.Equal(t, map[string]int64{"HTTP/" + fqdn: 1}, cache.Stats().TGSPerSPN)

	// A domain user who is no administrator signs in and is denied, as
	// Windows does: the ticket was good, the account lacks the right.
	_, err = client(cred(user, pass)).PowerState(ctx)
	require.Error(t, err)
	assert.Empty(t, kerberos.ReasonOf(err), "%v", err)
	assert.Contains(t, err.Error(), "Access is denied")
	assert.Equal(t, 1, v.Accepted()[dc.UPN(user)])

	_, err = client(cred(admin, "wrong")).PowerState(ctx)
	assert.ErrorIs(t, err, oobkit.ErrAuth)
	assert.Equal(t, kerberos.ReasonWrongPassword, kerberos.ReasonOf(err), "%v", err)

	v.SetClockOffset(-time.Hour)
	_, err = c.PowerState(ctx)
	assert.ErrorIs(t, err, oobkit.ErrAuth)
	assert.Equal(t, kerberos.ReasonClockSkew, kerberos.ReasonOf(err), "%v", err)
	v.SetClockOffset(0)

	// Every failure issue 22 names, as on AMT (amt/kerberos_samba_test.go).
	t.Run("expired ticket", func(t *testing.T) {
		// The computer's clock is past the ticket's end (AD's default
		// lifetime is 10 hours).
		v.SetClockOffset(30 * 24 * time.Hour)
		defer v.SetClockOffset(0)
		_, err := c.PowerState(ctx)
		assert.ErrorIs(t, err, oobkit.ErrAuth)
		assert.Equal(t, kerberos.ReasonExpired, kerberos.ReasonOf(err), "%v", err)
	})
	t.Run("wrong realm", func(t *testing.T) {
		wr := cred(admin, pass)
		wr.Username = admin + "@ELSEWHERE.TEST"
		_, err := client(wr).PowerState(ctx)
		assert.ErrorIs(t, err, oobkit.ErrAuth)
		assert.Equal(t, kerberos.ReasonWrongRealm, kerberos.ReasonOf(err), "%v", err)
	})
	t.Run("unknown SPN", func(t *testing.T) {
		// Neither HTTP/<name> nor WSMAN/<name> is registered.
		other := tg
		other.Address = sambatest.Name("nosuch") + ".oobkit.test"
		cl, err := wmi.New(other, cred(admin, pass), wmi.WithDialContext(dial), wmi.WithKerberosCache(cache))
		require.NoError(t, err)
		t.Cleanup(func() { cl.Close() })
		_, err = cl.PowerState(ctx)
		assert.ErrorIs(t, err, oobkit.ErrAuth)
		assert.Equal(t, kerberos.ReasonUnknownSPN, kerberos.ReasonOf(err), "%v", err)
		assert.Contains(t, err.Error(), other.Address)
	})

	// Plain HTTP: WinRM needs its messages sealed, which oobkit does not do.
	plain := cred(admin, pass)
	plain.TLS = oobkit.TLSSettings{}
	_, err = wmi.New(tg, plain)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}

func itoa(n int) string { return (&net.TCPAddr{Port: n}).String()[1:] }
