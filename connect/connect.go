// Package connect is oobkit's default wiring: a [tasks.Connector] with the
// dialer of every protocol the SDK has registered ([Default], [New]), the
// "protocols" target label that says which of them a computer has
// ([TargetProtocols]), and one user and password turned into a credential
// for every protocol that takes them ([UserCredentials]).
//
// A product that manages computers with oobkit's tasks starts here instead
// of registering each protocol package by hand:
//
//	conn := connect.Default(connect.UserCredentials("admin", oobkit.NewSecret(pw), connect.UserOptions{}))
//	runner := tasks.NewRunner(conn, tasks.WithTargetProtocols(connect.TargetProtocols(conn.Protocols())))
package connect

import (
	"context"
	"net"
	"slices"
	"strings"

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

// LabelProtocols is the target label that lists a computer's protocols,
// comma-separated ("amt,redirection"). A runner given [TargetProtocols]
// tries only those, so a computer is not kept waiting on ports it does not
// serve.
const LabelProtocols = "protocols"

// Options are the client options [New] hands to each protocol's client,
// for every target. The zero value is the clients' defaults.
type Options struct {
	AMT      []amt.Option
	DASH     []dash.Option
	IPMI     []ipmi.Option
	SNMP     []snmp.Option
	Redirect []redirect.Option
	WMI      []wmi.Option
	ASF      []asf.Option
}

// Default returns a Connector that takes credentials from creds and has
// the dialer of every protocol registered: AMT, DASH, IPMI, SNMP, AMT
// redirection, WMI and ASF, with the clients' default options.
func Default(creds tasks.Credentials) *tasks.Connector {
	return New(creds, Options{})
}

// New is [Default] with client options.
func New(creds tasks.Credentials, o Options) *tasks.Connector {
	conn := tasks.NewConnector(creds)
	conn.Register(oobkit.AMT, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return amt.New(t, c, o.AMT...)
	})
	conn.Register(oobkit.DASH, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return dash.New(t, c, o.DASH...)
	})
	conn.Register(oobkit.IPMI, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return ipmi.New(t, c, o.IPMI...)
	})
	conn.Register(oobkit.SNMP, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return snmp.New(t, c, o.SNMP...)
	})
	conn.Register(oobkit.Redirection, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return redirect.New(t, c, o.Redirect...)
	})
	conn.Register(oobkit.WMI, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return wmi.New(t, c, o.WMI...)
	})
	// ASF comes after IPMI in oobkit.Protocols: it answers on IPMI's port
	// 623 too, so a computer that speaks IPMI is managed through IPMI.
	conn.Register(oobkit.ASF, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return asf.New(t, c, o.ASF...)
	})
	return conn
}

// TargetProtocols returns, for [tasks.WithTargetProtocols], a computer's
// protocols: those of all that its [LabelProtocols] label lists, in the
// order of all; a computer without the label has all of them.
func TargetProtocols(all []oobkit.Protocol) func(oobkit.Target) []oobkit.Protocol {
	all = slices.Clone(all)
	return func(t oobkit.Target) []oobkit.Protocol {
		label, ok := t.Labels[LabelProtocols]
		if !ok {
			return all
		}
		listed := strings.Split(label, ",")
		for i := range listed {
			listed[i] = strings.TrimSpace(listed[i])
		}
		var out []oobkit.Protocol
		for _, p := range all {
			if slices.Contains(listed, string(p)) {
				out = append(out, p)
			}
		}
		return out
	}
}

// UserOptions say how [UserCredentials] presents the user.
type UserOptions struct {
	// Name is the credential's name in reports ("user" when empty).
	Name string
	// TLS applies to the protocols that run over TCP (all but IPMI).
	TLS oobkit.TLSSettings
	// WMIBasic logs on to WMI with basic authentication instead of NTLM:
	// WinRM offers NTLM by default and basic only over TLS or where the
	// computer allows unencrypted traffic (a lab). Set it with
	// wmi.WithAllowUnencrypted when TLS is off.
	WMIBasic bool
	// KDC, when set, signs the user in with Kerberos on AMT, WMI and AMT
	// redirection, asking this KDC ("host" or "host:port", port 88 when
	// absent); the user is then user@REALM. DASH and IPMI keep the password.
	KDC string
}

// UserCredentials offers one user and password to every protocol that
// takes them (AMT, DASH, WMI, AMT redirection and IPMI); SNMP (community or
// USM) and ASF (RMCP keys) are left unconfigured. WMI logs on with NTLM
// unless o.WMIBasic.
func UserCredentials(user string, password oobkit.Secret, o UserOptions) tasks.StaticCredentials {
	name := o.Name
	if name == "" {
		name = "user"
	}
	creds := tasks.StaticCredentials{}
	for _, p := range []oobkit.Protocol{oobkit.AMT, oobkit.DASH, oobkit.WMI, oobkit.Redirection, oobkit.IPMI} {
		c := oobkit.Credential{Username: user, Password: password}
		if p != oobkit.IPMI {
			c.TLS = o.TLS
		}
		if p == oobkit.WMI && !o.WMIBasic {
			c.Auth = oobkit.AuthNTLM
		}
		if o.KDC != "" && (p == oobkit.AMT || p == oobkit.WMI || p == oobkit.Redirection) {
			kdc := o.KDC
			if _, _, err := net.SplitHostPort(kdc); err != nil {
				kdc = net.JoinHostPort(kdc, "88")
			}
			c.Auth = oobkit.AuthKerberos
			c.Kerberos = &oobkit.KerberosSettings{KDC: []string{kdc}}
		}
		creds[p] = []tasks.NamedCredential{{Name: name, Source: "explicit", Credential: c}}
	}
	return creds
}
