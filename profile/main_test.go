package profile

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/oobkit/oobkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// amtProfile returns a valid profile enabling AMT with user admin and the
// given password.
func amtProfile(name, password string) Profile {
	p := Profile{Name: name}
	if err := p.Enable(oobkit.AMT, oobkit.UserPassword("admin", password)); err != nil {
		panic(err)
	}
	return p
}

// fullProfile enables AMT, IPMI, SNMP (v3) and WMI with secrets derived
// from canary, and sets ports, timeouts and TLS.
func fullProfile(name, canary string) Profile {
	p := Profile{Name: name, Description: "lab machines"}
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	amt := oobkit.UserPassword("admin", canary+"-amt")
	amt.TLS = oobkit.TLSSettings{Enabled: true, PinnedSHA256: "AB:" + repeatHex(31)}
	must(p.Set(oobkit.AMT, Settings{Enabled: true, Credential: amt, Port: 16993, Timeout: 20 * time.Second, Retries: 2}))
	must(p.Set(oobkit.IPMI, Settings{Enabled: true, Credential: oobkit.Credential{Password: oobkit.NewSecret(canary + "-ipmi")}}))
	must(p.Set(oobkit.SNMP, Settings{Enabled: true, Credential: oobkit.Credential{
		Auth: oobkit.AuthUSM, Username: "monitor",
		USM: &oobkit.USM{AuthProtocol: "SHA256", AuthPassphrase: oobkit.NewSecret(canary + "-auth"),
			PrivProtocol: "AES", PrivPassphrase: oobkit.NewSecret(canary + "-priv")},
	}}))
	must(p.Set(oobkit.WMI, Settings{Enabled: false, Credential: oobkit.Credential{Auth: oobkit.AuthNTLM, Username: `LAB\ops`,
		Password: oobkit.NewSecret(canary + "-wmi")}}))
	must(p.Set(oobkit.DASH, Settings{Enabled: true, Credential: oobkit.Credential{Auth: oobkit.AuthBasic, Username: "dash",
		Password: oobkit.NewSecret(canary + "-dash")}}))
	must(p.Set(oobkit.Redirection, Settings{Enabled: true, Credential: oobkit.Credential{Auth: oobkit.AuthKerberos, Username: "ops@LAB"}}))
	return p
}

func repeatHex(n int) string {
	s := ""
	for range n {
		s += "cd"
	}
	return s
}

// secretsOf lists every secret value of p, for comparisons.
func secretsOf(p Profile) map[oobkit.Protocol][4]string {
	out := make(map[oobkit.Protocol][4]string)
	for proto, s := range p.Protocols {
		c := s.Credential
		v := [4]string{c.Password.Reveal(), c.Community.Reveal()}
		if c.USM != nil {
			v[2], v[3] = c.USM.AuthPassphrase.Reveal(), c.USM.PrivPassphrase.Reveal()
		}
		out[proto] = v
	}
	return out
}
