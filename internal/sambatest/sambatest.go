// Package sambatest hands tests the real Active Directory domain controller
// that scripts/samba.sh runs: Debian's Samba AD DC on 127.0.0.88, a KDC and
// an LDAP/LDAPS server no one here wrote (issue 22). Tests use it to sign in
// with Kerberos and to reset domain passwords against the real thing.
//
// The DC is shared by every test package that runs at the same time and by
// every run of a flakehunt, so a test creates its own accounts (Name gives a
// unique one), removes them when it ends, and never changes domain-wide
// settings: a test that needs a password policy sets a password settings
// object on its own group.
//
// Under plain `go test` without a running DC the tests that need it skip,
// naming the script to run; under scripts/test.sh (OOBKIT_REQUIRE_PEERS=1)
// they fail.
package sambatest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oobkit/oobkit/internal/peer"
)

// DirEnv names the environment variable that overrides the DC's folder
// (scripts/samba.sh's OOBKIT_SAMBA_DIR); DefaultDir is used without it.
const (
	DirEnv     = "OOBKIT_SAMBA_DIR"
	DefaultDir = "/tmp/oobkit-samba"
)

// DC is the running domain controller, as scripts/samba.sh describes it in
// its folder's dc.json.
type DC struct {
	Realm  string `json:"realm"`  // Kerberos realm, "OOBKIT.TEST"
	Domain string `json:"domain"` // NetBIOS domain, "OOBKIT"
	Host   string `json:"host"`   // the DC's DNS name, "dc1.oobkit.test" (not in /etc/hosts: dial IP, verify Host)
	IP     string `json:"ip"`     // "127.0.0.88"
	KDC    string `json:"kdc"`    // "127.0.0.88:88"
	LDAP   string `json:"ldap"`   // "127.0.0.88:389"
	LDAPS  string `json:"ldaps"`  // "127.0.0.88:636"
	BaseDN string `json:"baseDN"` // "DC=oobkit,DC=test"

	AdminUser     string `json:"adminUser"`     // "Administrator"
	AdminPassword string `json:"adminPassword"` // made up at provision time

	CAFile   string `json:"caFile"`   // PEM of the CA that signed the LDAPS certificate (names Host and IP)
	Krb5Conf string `json:"krb5Conf"` // a krb5.conf for Realm with kdc = IP
	SMBConf  string `json:"smbConf"`  // the DC's smb.conf, for samba-tool

	// Dir is the DC's folder.
	Dir string `json:"-"`
}

// Start returns the running DC. Without one it skips the test (fails it
// when real peers are required).
func Start(t testing.TB) *DC {
	t.Helper()
	peer.Require(t, "samba-tool", "samba-ad-dc")
	dir := os.Getenv(DirEnv)
	if dir == "" {
		dir = DefaultDir
	}
	missing := func(why string) *DC {
		if peer.Required() {
			t.Fatalf("no Samba AD DC: %s (scripts/test.sh starts it with scripts/samba.sh start)", why)
		}
		t.Skipf("no Samba AD DC: %s; run scripts/samba.sh start (Debian package samba-ad-dc)", why)
		return nil
	}
	raw, err := os.ReadFile(filepath.Join(dir, "dc.json"))
	if err != nil {
		return missing(err.Error())
	}
	dc := &DC{Dir: dir}
	if err := json.Unmarshal(raw, dc); err != nil {
		t.Fatalf("sambatest: %s: %v", filepath.Join(dir, "dc.json"), err)
	}
	for _, addr := range []string{dc.KDC, dc.LDAPS} {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			return missing(err.Error())
		}
		c.Close()
	}
	return dc
}

// Tool runs samba-tool with args against the DC's database and returns its
// output; a failure fails the test.
func (d *DC) Tool(t testing.TB, args ...string) string {
	t.Helper()
	out, err := d.TryTool(args...)
	if err != nil {
		t.Fatalf("samba-tool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TryTool runs samba-tool with args against the DC's database and returns
// its output and error, for tests that expect a refusal.
func (d *DC) TryTool(args ...string) (string, error) {
	cmd := exec.Command("samba-tool", append(args, "-s", d.SMBConf)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Name returns an account name unique to this call, prefix followed by
// random hex, at most 20 characters (sAMAccountName's limit).
func Name(prefix string) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	n := prefix + hex.EncodeToString(b[:])
	if len(n) > 20 {
		n = n[len(n)-20:]
	}
	return n
}

// AddUser creates a domain user with password and deletes it when the test
// ends.
func (d *DC) AddUser(t testing.TB, name, password string) {
	t.Helper()
	d.Tool(t, "user", "create", name, password)
	t.Cleanup(func() { _, _ = d.TryTool("user", "delete", name) })
}

// AddServiceAccount creates an account for a service (the simulated AMT
// device, WMI computer or redirection endpoint), gives it the service
// principal names spns (for example "HTTP/amt1.oobkit.test:16992"), and
// exports their keys to a keytab in the test's temporary folder, whose path
// it returns. The account is deleted when the test ends.
func (d *DC) AddServiceAccount(t testing.TB, name string, spns ...string) (keytab string) {
	t.Helper()
	d.Tool(t, "user", "create", name, "--random-password")
	t.Cleanup(func() { _, _ = d.TryTool("user", "delete", name) })
	keytab = filepath.Join(t.TempDir(), name+".keytab")
	for _, spn := range spns {
		d.Tool(t, "spn", "add", spn, name)
		d.Tool(t, "domain", "exportkeytab", keytab, "--principal="+spn)
	}
	return keytab
}

// UPN returns name@Realm.
func (d *DC) UPN(name string) string { return name + "@" + d.Realm }
