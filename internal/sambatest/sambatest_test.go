package sambatest

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/oobkit/oobkit/internal/peer"
)

// The harness's DC is real: its LDAPS certificate verifies against the CA
// in dc.json for the DC's name and address, and its KDC issues a service
// ticket for a principal AddServiceAccount made (MIT kvno, a peer).
func TestDCAnswers(t *testing.T) {
	dc := Start(t)
	pem, err := os.ReadFile(dc.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in CA file")
	}
	for _, name := range []string{dc.Host, dc.IP} {
		c, err := tls.Dial("tcp", dc.LDAPS, &tls.Config{RootCAs: pool, ServerName: name})
		if err != nil {
			t.Fatalf("LDAPS as %s: %v", name, err)
		}
		c.Close()
	}

	name := Name("svc")
	spn := "HTTP/" + name + ".oobkit.test"
	keytab := dc.AddServiceAccount(t, name, spn)
	if out, err := exec.Command("klist", "-k", keytab).CombinedOutput(); err != nil || !strings.Contains(string(out), spn+"@"+dc.Realm) {
		t.Fatalf("keytab lacks %s: %v\n%s", spn, err, out)
	}
	peer.Require(t, "kinit", "krb5-user")
	peer.Require(t, "kvno", "krb5-user")
	env := append(os.Environ(), "KRB5_CONFIG="+dc.Krb5Conf, "KRB5CCNAME=FILE:"+t.TempDir()+"/cc")
	kinit := exec.Command("kinit", dc.UPN(dc.AdminUser))
	kinit.Env, kinit.Stdin = env, strings.NewReader(dc.AdminPassword+"\n")
	if out, err := kinit.CombinedOutput(); err != nil {
		t.Fatalf("kinit: %v\n%s", err, out)
	}
	kvno := exec.Command("kvno", spn)
	kvno.Env = env
	if out, err := kvno.CombinedOutput(); err != nil || !strings.Contains(string(out), "kvno =") {
		t.Fatalf("kvno %s: %v\n%s", spn, err, out)
	}
}

func TestNameIsUniqueAndShort(t *testing.T) {
	a, b := Name("averylongprefixname"), Name("averylongprefixname")
	if a == b || len(a) > 20 {
		t.Fatalf("Name: %q %q", a, b)
	}
}
