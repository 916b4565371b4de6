package amt_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jcmturner/gokrb5/v8/keytab"
	"golang.org/x/sync/errgroup"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/internal/krbtest"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/internal/sambatest"
	"github.com/oobkit/oobkit/kerberos"
)

// BenchmarkKerberosPowerStateFleet reads the power state of 1,000
// simulated AMT devices, each with its own service principal
// HTTP/amt-<i>.<realm>:16992 registered in the Samba AD DC, signing in
// with one domain user's Kerberos credential. Each run starts with an
// empty ticket cache (a new process); a second pass over the fleet follows
// with the warm cache. It reports what reached the KDC (counted by a TCP
// proxy in front of it): requests per cold run, per service, and per warm
// run.
//
//	scripts/samba.sh start; go test -run XXX -bench KerberosPowerStateFleet -benchtime 1x ./amt/
func BenchmarkKerberosPowerStateFleet(b *testing.B) {
	const n = 1000
	dc := sambatest.Start(b)
	user, pass := sambatest.Name("bench"), "Bn-"+sambatest.Name("p")+"!5"
	dc.AddUser(b, user, pass)
	svc := sambatest.Name("fleet")
	spn := func(i int) string { return fmt.Sprintf("HTTP/amt-%d.oobkit.test:16992", i) }
	base := dc.AddServiceAccount(b, svc, spn(0))
	// The other 999 names go onto the same account in one LDAP modify
	// (samba-tool adds one a second); every device shares its key.
	var ldif strings.Builder
	fmt.Fprintf(&ldif, "dn: CN=%s,CN=Users,%s\nchangetype: modify\nadd: servicePrincipalName\n", svc, dc.BaseDN)
	for i := 1; i < n; i++ {
		fmt.Fprintf(&ldif, "servicePrincipalName: %s\n", spn(i))
	}
	ldapmodify := peer.Require(b, "ldapmodify", "ldap-utils")
	cmd := exec.Command(ldapmodify, "-x", "-H", "ldaps://"+dc.IP, "-D", dc.UPN(dc.AdminUser), "-w", dc.AdminPassword)
	cmd.Env = append(os.Environ(), "LDAPTLS_CACERT="+dc.CAFile)
	cmd.Stdin = strings.NewReader(ldif.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("ldapmodify: %v\n%s", err, out)
	}
	kt, err := keytab.Load(base)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	fleet, err := amttest.NewFleet(amttest.FleetConfig{Size: n})
	if err != nil {
		b.Fatal(err)
	}
	defer fleet.Close()
	for i := range n {
		for j := range kt.Entries {
			kt.Entries[j].Principal.Components = []string{"HTTP", strings.TrimPrefix(spn(i), "HTTP/")}
		}
		raw, err := kt.Marshal()
		if err != nil {
			b.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprintf("amt-%d.keytab", i))
		if err := os.WriteFile(p, raw, 0o600); err != nil {
			b.Fatal(err)
		}
		if _, err := fleet.Device(i).EnableKerberos(p); err != nil {
			b.Fatal(err)
		}
	}
	kdc := krbtest.NewKDC(b, dc.KDC)
	ctx := context.Background()
	pass1 := func(cache *kerberos.Cache) {
		var g errgroup.Group
		g.SetLimit(64)
		for i := range n {
			g.Go(func() error {
				cred := oobkit.Credential{Auth: oobkit.AuthKerberos, Username: dc.UPN(user), Password: oobkit.NewSecret(pass),
					Kerberos: &oobkit.KerberosSettings{KDC: []string{kdc.Addr()}, SPN: spn(i)}}
				c, err := amt.New(fleet.Target(i), cred, amt.WithTransport(fleet.Transport()), amt.WithKerberosCache(cache))
				if err != nil {
					return err
				}
				defer c.Close()
				_, err = c.PowerState(ctx)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
	}
	var cold, warm, tgs int64
	b.ResetTimer()
	for range b.N {
		cache := kerberos.NewCache()
		before := kdc.Requests()
		pass1(cache)
		mid := kdc.Requests()
		pass1(cache)
		cold += mid - before
		warm += kdc.Requests() - mid
		for _, v := range cache.Stats().TGSPerSPN {
			tgs += v
		}
		cache.Close()
	}
	b.StopTimer()
	b.ReportMetric(float64(cold)/float64(b.N), "kdc-req/cold-run")
	b.ReportMetric(float64(tgs)/float64(b.N*n), "tgs/service")
	b.ReportMetric(float64(warm)/float64(b.N), "kdc-req/warm-run")
}
