package redirect_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/krbtest"
	"github.com/oobkit/oobkit/internal/sambatest"
	"github.com/oobkit/oobkit/kerberos"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// TestKerberosRedirection: AuthenticateSession type 2 ("2 Kerberos",
// reference §2.4) with a ticket for HTTP/<fqdn>:<redirection port> from the
// real Samba KDC opens a SOL session; the device's refusal of a ticket
// (moved clock, expired ticket), a wrong password, a wrong realm and an
// unregistered SPN each name their
// reason; two sessions ask the KDC for one ticket.
func TestKerberosRedirection(t *testing.T) {
	dc := sambatest.Start(t)
	sim := newSim(t, redirecttest.Config{})
	fqdn := sambatest.Name("amt") + ".oobkit.test"
	tg := sim.Target()
	port := tg.Port(oobkit.Redirection, false)
	keytab := dc.AddServiceAccount(t, sambatest.Name("amt"), fmt.Sprintf("HTTP/%s:%d", fqdn, port))
	v, err := sim.EnableKerberos(keytab)
	require.NoError(t, err)
	user, pass := sambatest.Name("op"), "Op-"+sambatest.Name("p")+"!3"
	dc.AddUser(t, user, pass)
	kdc := krbtest.NewKDC(t, dc.KDC)
	cache := kerberos.NewCache()
	t.Cleanup(cache.Close)

	addr := sim.Addr()
	tg.Address = fqdn
	var d net.Dialer
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	clientAs := func(t *testing.T, target oobkit.Target, username, password string) *redirect.Client {
		cred := oobkit.Credential{Auth: oobkit.AuthKerberos, Username: username, Password: oobkit.NewSecret(password),
			Kerberos: &oobkit.KerberosSettings{KDC: []string{kdc.Addr()}}}
		c, err := redirect.New(target, cred, redirect.WithDialContext(dial), redirect.WithTimeout(30*time.Second), redirect.WithKerberosCache(cache))
		require.NoError(t, err)
		return c
	}
	client := func(t *testing.T, target oobkit.Target, password string) *redirect.Client {
		return clientAs(t, target, dc.UPN(user), password)
	}
	// The device frees the SOL slot when it sees a connection close.
	idle := func(t *testing.T) {
		require.Eventually(t, func() bool { return sim.Stats().Active == 0 }, 30*time.Second, 10*time.Millisecond)
	}
	for range 2 {
		sol, err := client(t, tg, pass).OpenSOL(ctxT(t), redirect.SOLSettings{})
		require.NoError(t, err)
		require.NoError(t, sol.Close())
		idle(t)
	}
	assert.Equal(t, 2, v.Accepted()[dc.UPN(user)])
	assert.Equal(t, map[string]int64{fmt.Sprintf("HTTP/%s:%d", fqdn, port): 1}, cache.Stats().TGSPerSPN)

	check := func(t *testing.T, err error, r kerberos.Reason) {
		t.Helper()
		defer idle(t)
		require.Error(t, err)
		assert.ErrorIs(t, err, oobkit.ErrAuth)
		assert.Equal(t, r, kerberos.ReasonOf(err), "%v", err)
	}
	t.Run("clock skew", func(t *testing.T) {
		v.SetClockOffset(2 * time.Hour)
		defer v.SetClockOffset(0)
		_, err := client(t, tg, pass).OpenSOL(ctxT(t), redirect.SOLSettings{})
		check(t, err, kerberos.ReasonClockSkew)
	})
	t.Run("expired ticket", func(t *testing.T) {
		v.SetClockOffset(30 * 24 * time.Hour)
		defer v.SetClockOffset(0)
		_, err := client(t, tg, pass).OpenSOL(ctxT(t), redirect.SOLSettings{})
		check(t, err, kerberos.ReasonExpired)
	})
	t.Run("wrong password", func(t *testing.T) {
		_, err := client(t, tg, "wrong").OpenSOL(ctxT(t), redirect.SOLSettings{})
		check(t, err, kerberos.ReasonWrongPassword)
	})
	t.Run("wrong realm", func(t *testing.T) {
		_, err := clientAs(t, tg, user+"@ELSEWHERE.TEST", pass).OpenSOL(ctxT(t), redirect.SOLSettings{})
		check(t, err, kerberos.ReasonWrongRealm)
	})
	t.Run("unknown SPN", func(t *testing.T) {
		other := tg
		other.Address = sambatest.Name("nosuch") + ".oobkit.test"
		_, err := client(t, other, pass).OpenSOL(ctxT(t), redirect.SOLSettings{})
		check(t, err, kerberos.ReasonUnknownSPN)
	})
}
