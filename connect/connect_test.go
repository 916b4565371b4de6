package connect

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/asf"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/snmp"
	"github.com/oobkit/oobkit/tasks"
	"github.com/oobkit/oobkit/wmi"
)

// Default registers every protocol, ASF after IPMI (both answer on port
// 623), and each dialer makes its protocol's client.
func TestDefaultRegistersEveryProtocol(t *testing.T) {
	conn := Default(nil)
	assert.ElementsMatch(t, oobkit.Protocols, conn.Protocols(), "every protocol the SDK has")
	ps := conn.Protocols()
	assert.Less(t, indexOf(ps, oobkit.IPMI), indexOf(ps, oobkit.ASF), "IPMI preferred over ASF")

	want := map[oobkit.Protocol]any{
		oobkit.AMT: &amt.Client{}, oobkit.DASH: &dash.Client{}, oobkit.IPMI: &ipmi.Client{},
		oobkit.SNMP: &snmp.Client{}, oobkit.Redirection: &redirect.Client{}, oobkit.WMI: &wmi.Client{},
		oobkit.ASF: &asf.Client{},
	}
	creds := tasks.StaticCredentials{}
	for p := range want {
		c := oobkit.UserPassword("admin", "pw")
		if p == oobkit.SNMP {
			c = oobkit.Credential{Community: oobkit.NewSecret("public")}
		}
		if p == oobkit.WMI {
			c.Auth = oobkit.AuthNTLM
		}
		creds[p] = []tasks.NamedCredential{{Name: "t", Credential: c}}
	}
	conn = Default(creds)
	// 192.0.2.1 (TEST-NET-1, RFC 5737): the clients connect lazily, so
	// nothing is sent before the client is closed unused.
	target := oobkit.Target{Address: "192.0.2.1"}
	for p, typ := range want {
		var got oobkit.Client
		sess := conn.Session(target, p)
		err := sess.Use(context.Background(), p, func(c oobkit.Client) error { got = c; return nil })
		require.NoError(t, err, "%s", p)
		assert.IsType(t, typ, got, "%s client", p)
		_ = sess.Close()
	}
}

func indexOf(ps []oobkit.Protocol, p oobkit.Protocol) int {
	for i, q := range ps {
		if q == p {
			return i
		}
	}
	return -1
}

// The protocols label narrows a computer's protocols, in the connector's
// order; a computer without it has them all.
func TestTargetProtocols(t *testing.T) {
	all := []oobkit.Protocol{oobkit.AMT, oobkit.IPMI, oobkit.Redirection}
	f := TargetProtocols(all)
	assert.Equal(t, all, f(oobkit.Target{Address: "a"}))
	assert.Equal(t, []oobkit.Protocol{oobkit.AMT, oobkit.Redirection},
		f(oobkit.Target{Address: "a", Labels: map[string]string{LabelProtocols: "redirection, amt"}}))
	assert.Empty(t, f(oobkit.Target{Address: "a", Labels: map[string]string{LabelProtocols: "snmp"}}))
}

// One user reaches AMT, DASH, WMI, redirection and IPMI; TLS is not IPMI's;
// WMI logs on with NTLM unless WMIBasic.
func TestUserCredentials(t *testing.T) {
	tls := oobkit.TLSSettings{Enabled: true}
	creds := UserCredentials("admin", oobkit.NewSecret("pw"), UserOptions{TLS: tls})
	assert.Len(t, creds, 5)
	assert.NotContains(t, creds, oobkit.SNMP)
	assert.NotContains(t, creds, oobkit.ASF)
	for p, list := range creds {
		require.Len(t, list, 1, "%s", p)
		nc := list[0]
		assert.Equal(t, "user", nc.Name)
		assert.Equal(t, "explicit", nc.Source)
		assert.Equal(t, "admin", nc.Credential.Username)
		assert.Equal(t, "pw", nc.Credential.Password.Reveal())
		if p == oobkit.IPMI {
			assert.False(t, nc.Credential.TLS.Enabled, "no TLS for IPMI")
		} else {
			assert.Equal(t, tls, nc.Credential.TLS, "%s", p)
		}
	}
	assert.Equal(t, oobkit.AuthNTLM, creds[oobkit.WMI][0].Credential.Auth)
	basic := UserCredentials("admin", oobkit.NewSecret("pw"), UserOptions{Name: "--user", WMIBasic: true})
	assert.Empty(t, basic[oobkit.WMI][0].Credential.Auth)
	assert.Equal(t, "--user", basic[oobkit.AMT][0].Name)
}
