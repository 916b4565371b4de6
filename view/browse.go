package view

import (
	"context"
	"fmt"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/tasks"
	"github.com/oobkit/oobkit/wsbrowse"
)

// BrowserOptions say how [Browser] opens a WS-Management service.
type BrowserOptions struct {
	// Endpoint, when set, is the service URL ("https://host:5986/wsman"),
	// replacing the one built from the target and the flavor.
	Endpoint string
	// AllowUnencrypted is the caller's explicit choice to let basic
	// authentication go over plain HTTP (the password then crosses the
	// network base64-encoded, readable by anyone on the path: a lab
	// service only). Without it a basic credential over plain HTTP is
	// refused, and NTLM is never turned into basic over plain HTTP.
	AllowUnencrypted bool
	// Options are passed on to [wsbrowse.New] (a transport, a timeout).
	Options []wsbrowse.Option
}

// FlavorProtocol returns the protocol whose credentials a WS-Management
// service of flavor f takes: AMT's for AMT, DASH's for DASH, WMI's for
// WinRM and OpenWSMan (both on ports 5985/5986).
func FlavorProtocol(f wsbrowse.Flavor) oobkit.Protocol {
	switch f {
	case wsbrowse.AMT:
		return oobkit.AMT
	case wsbrowse.DASH:
		return oobkit.DASH
	}
	return oobkit.WMI
}

// Browser opens a [wsbrowse.Client] of flavor f on t with the first
// credential creds offers for f's protocol ([FlavorProtocol]); Identify
// does not check credentials, so the first is taken; none is an error of
// class [oobkit.ErrInvalidArgument]. Use it for the custom
// views of a computer ([WithBrowser]) or to browse a service directly.
//
// OpenWSMan authenticates with basic or digest, not NTLM: a credential
// that asks for NTLM (what WinRM is offered by default) logs on with basic
// over TLS, or over plain HTTP when o.AllowUnencrypted. A basic credential
// over plain HTTP without o.AllowUnencrypted is refused, with an error of
// class [oobkit.ErrInvalidArgument], before anything is sent.
func Browser(ctx context.Context, t oobkit.Target, creds tasks.Credentials, f wsbrowse.Flavor, o BrowserOptions) (*wsbrowse.Client, error) {
	f, err := wsbrowse.ParseFlavor(string(f))
	if err != nil {
		return nil, err
	}
	p := FlavorProtocol(f)
	cands, err := creds.Candidates(ctx, t, p)
	if err != nil {
		return nil, err
	}
	if len(cands) == 0 {
		return nil, &oobkit.Error{Protocol: wsbrowse.Protocol, Op: "connect", Class: oobkit.ErrInvalidArgument,
			Message: fmt.Sprintf("no %s credential for %s (a %s service takes %s's)", upper(p), t, f, upper(p))}
	}
	cred := cands[0].Credential
	tls := cred.TLS.Enabled
	if o.Endpoint != "" {
		tls = strings.HasPrefix(strings.ToLower(o.Endpoint), "https://")
	}
	if f == wsbrowse.OpenWSMan && cred.Auth == oobkit.AuthNTLM {
		if !tls && !o.AllowUnencrypted {
			return nil, &oobkit.Error{Protocol: wsbrowse.Protocol, Op: "connect", Class: oobkit.ErrInvalidArgument,
				Message: "OpenWSMan takes basic or digest authentication, not NTLM, and basic over plain HTTP would send the password in clear text: enable TLS (5986), or allow unencrypted traffic explicitly"}
		}
		cred.Auth = oobkit.AuthBasic
	}
	// wsbrowse itself refuses basic over plain HTTP unless allowed.
	opts := append([]wsbrowse.Option(nil), o.Options...)
	if o.AllowUnencrypted {
		opts = append(opts, wsbrowse.WithAllowUnencrypted())
	}
	if o.Endpoint != "" {
		opts = append(opts, wsbrowse.WithEndpoint(o.Endpoint))
	}
	return wsbrowse.New(t, cred, f, opts...)
}

// WithBrowser returns [Connections] that serve custom views' nodes
// ([wsbrowse.Protocol]) with b and every other protocol with c (a
// computer's session, wrapped with [Shared]). A nil b leaves the custom
// nodes unserved: their error wraps [oobkit.ErrNotDetected].
func WithBrowser(c Connections, b *wsbrowse.Client) Connections {
	return &withBrowser{c: c, b: b}
}

type withBrowser struct {
	c Connections
	b *wsbrowse.Client
}

func (w *withBrowser) Use(ctx context.Context, p oobkit.Protocol, fn func(oobkit.Client) error) error {
	if p != wsbrowse.Protocol {
		return w.c.Use(ctx, p, fn)
	}
	if w.b == nil {
		return &oobkit.Error{Protocol: p, Op: "connect", Class: oobkit.ErrNotDetected, Message: "no custom view service"}
	}
	return fn(w.b)
}

// CustomFlavor returns the flavor of the WS-Management service the view
// files read: a computer's custom views share one service, so files of
// different flavors are refused (an error of class
// [oobkit.ErrInvalidArgument]). It returns "" for no file.
func CustomFlavor(files ...*ViewFile) (wsbrowse.Flavor, error) {
	var f wsbrowse.Flavor
	for i, vf := range files {
		fl, err := wsbrowse.ParseFlavor(vf.Flavor)
		if err != nil {
			return "", err
		}
		if i > 0 && fl != f {
			return "", &oobkit.Error{Op: "view file", Class: oobkit.ErrInvalidArgument,
				Message: fmt.Sprintf("%s is a %s view and %s a %s one: a computer's custom views share one WS-Management service", files[0].Name, f, vf.Name, fl)}
		}
		f = fl
	}
	return f, nil
}

// FindIn returns the row of rows whose name ([Row.Name]) or Available
// Data is name, case-insensitively (a group's name for a row without
// data): [Find] over any rows, custom views' included.
func FindIn(rows []Row, name string) (Row, bool) {
	for _, r := range rows {
		if strings.EqualFold(r.Name(), name) || strings.EqualFold(r.Data, name) || (r.Data == "" && strings.EqualFold(r.Group, name)) {
			return r, true
		}
	}
	return Row{}, false
}
