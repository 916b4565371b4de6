package amt_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/internal/krbtest"
	"github.com/oobkit/oobkit/internal/sambatest"
	"github.com/oobkit/oobkit/kerberos"
)

// krbAMT is a simulated AMT device joined to the Samba domain: its service
// principal HTTP/<fqdn>:<port> is registered and its keytab exported.
type krbAMT struct {
	dc     *sambatest.DC
	srv    *amttest.Server
	v      amttest.KerberosService
	fqdn   string
	target oobkit.Target
	dial   func(ctx context.Context, network, addr string) (net.Conn, error)
	kdc    *krbtest.KDC
	cache  *kerberos.Cache
	user   string
	pass   string
}

func newKrbAMT(t *testing.T, register bool) *krbAMT { return newKrbAMTSPN(t, register, false) }

// newKrbAMTSPN registers the port-less form HTTP/<fqdn> only when portless.
func newKrbAMTSPN(t *testing.T, register, portless bool) *krbAMT {
	dc := sambatest.Start(t)
	srv, err := amttest.NewServer(amttest.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	k := &krbAMT{dc: dc, srv: srv, fqdn: sambatest.Name("amt") + ".oobkit.test", kdc: krbtest.NewKDC(t, dc.KDC),
		cache: kerberos.NewCache(), user: sambatest.Name("op"), pass: "Op-" + sambatest.Name("p") + "!9"}
	t.Cleanup(k.cache.Close)
	dc.AddUser(t, k.user, k.pass)
	tg := srv.Target()
	addr := net.JoinHostPort(tg.Address, fmt.Sprint(tg.Ports[oobkit.AMT]))
	spn := fmt.Sprintf("HTTP/%s:%d", k.fqdn, tg.Ports[oobkit.AMT])
	other := fmt.Sprintf("HTTP/%s:%d", sambatest.Name("oth")+".oobkit.test", tg.Ports[oobkit.AMT])
	if portless {
		spn = "HTTP/" + k.fqdn
	}
	if !register {
		spn = other // the device's keytab holds another name; its own is unknown to the KDC
	}
	keytab := dc.AddServiceAccount(t, sambatest.Name("amt"), spn)
	k.v, err = srv.EnableKerberos(keytab)
	require.NoError(t, err)
	tg.Address = k.fqdn
	k.target = tg
	var d net.Dialer
	k.dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	return k
}

func (k *krbAMT) cred() oobkit.Credential {
	return oobkit.Credential{Auth: oobkit.AuthKerberos, Username: k.dc.UPN(k.user), Password: oobkit.NewSecret(k.pass),
		Kerberos: &oobkit.KerberosSettings{KDC: []string{k.kdc.Addr()}}}
}

func (k *krbAMT) client(t *testing.T, cred oobkit.Credential) *amt.Client {
	c, err := amt.New(k.target, cred, amt.WithDialContext(k.dial), amt.WithKerberosCache(k.cache))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func krbCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestKerberosSignIn: a domain user signs in to the AMT device with a
// ticket for HTTP/<fqdn>:<port> from the real KDC; five calls ask the KDC
// for one service ticket.
func TestKerberosSignIn(t *testing.T) {
	k := newKrbAMT(t, true)
	c := k.client(t, k.cred())
	for range 5 {
		_, err := c.PowerState(krbCtx(t))
		require.NoError(t, err)
	}
	assert.Equal(t, 5, k.v.Accepted()[k.dc.UPN(k.user)])
	s := k.cache.Stats()
	assert.Equal(t, int64(1), s.AS)
	assert.Equal(t, map[string]int64{fmt.Sprintf("HTTP/%s:%d", k.fqdn, k.target.Ports[oobkit.AMT]): 1}, s.TGSPerSPN)

	// The digest admin still signs in beside the domain users.
	d, err := amt.New(k.target, k.srv.Credential(), amt.WithDialContext(k.dial))
	require.NoError(t, err)
	defer d.Close()
	_, err = d.PowerState(krbCtx(t))
	require.NoError(t, err)
}

// TestKerberosPortlessSPN: a device registered as HTTP/<fqdn> only (no
// port) is reached after the KDC says it knows no HTTP/<fqdn>:<port>; the
// client then keeps to the form that worked.
func TestKerberosPortlessSPN(t *testing.T) {
	k := newKrbAMTSPN(t, true, true)
	c := k.client(t, k.cred())
	for range 3 {
		_, err := c.PowerState(krbCtx(t))
		require.NoError(t, err)
	}
	assert.Equal(t, 3, k.v.Accepted()[k.dc.UPN(k.user)])
	s := k.cache.Stats()
	assert.Equal(t, map[string]int64{fmt.Sprintf("HTTP/%s:%d", k.fqdn, k.target.Ports[oobkit.AMT]): 1, "HTTP/" + k.fqdn: 1}, s.TGSPerSPN,
		"one refused try of the port form, then the port-less one once")
}

func wantReason(t *testing.T, err error, r kerberos.Reason) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, oobkit.ErrAuth)
	assert.Equal(t, r, kerberos.ReasonOf(err), "%v", err)
}

func TestKerberosFailures(t *testing.T) {
	k := newKrbAMT(t, true)
	t.Run("wrong password", func(t *testing.T) {
		cred := k.cred()
		cred.Password = oobkit.NewSecret("wrong")
		_, err := k.client(t, cred).PowerState(krbCtx(t))
		wantReason(t, err, kerberos.ReasonWrongPassword)
	})
	t.Run("wrong realm", func(t *testing.T) {
		cred := k.cred()
		cred.Username = k.user + "@ELSEWHERE.TEST"
		_, err := k.client(t, cred).PowerState(krbCtx(t))
		wantReason(t, err, kerberos.ReasonWrongRealm)
	})
	t.Run("clock skew", func(t *testing.T) {
		k.v.SetClockOffset(time.Hour)
		defer k.v.SetClockOffset(0)
		_, err := k.client(t, k.cred()).PowerState(krbCtx(t))
		wantReason(t, err, kerberos.ReasonClockSkew)
	})
	t.Run("expired ticket", func(t *testing.T) {
		// The device's clock is past the ticket's end (AD's default
		// lifetime is 10 hours).
		k.v.SetClockOffset(30 * 24 * time.Hour)
		defer k.v.SetClockOffset(0)
		_, err := k.client(t, k.cred()).PowerState(krbCtx(t))
		wantReason(t, err, kerberos.ReasonExpired)
	})
}

func TestKerberosUnknownSPN(t *testing.T) {
	k := newKrbAMT(t, false)
	_, err := k.client(t, k.cred()).PowerState(krbCtx(t))
	wantReason(t, err, kerberos.ReasonUnknownSPN)
	assert.Contains(t, err.Error(), "HTTP/"+k.fqdn)
}
