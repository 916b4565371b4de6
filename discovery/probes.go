package discovery

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/asf"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/snmp"
	"github.com/oobkit/oobkit/wmi"
)

// identifyEnvelope is a WS-Management Identify request (DMTF DSP0226 §11).
// It is a constant: no caller text is spliced into it.
const identifyEnvelope = `<?xml version="1.0" encoding="UTF-8"?>` +
	`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ` +
	`xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">` +
	`<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>`

// maxBody caps what an unauthenticated probe reads of an HTTP answer.
const maxBody = 64 << 10

// amtServerPrefix starts the HTTP Server header AMT firmware sends.
const amtServerPrefix = "Intel(R) Active Management Technology"

// httpAnswer is what an unauthenticated Identify got back.
type httpAnswer struct {
	status   int
	server   string
	auth     string // WWW-Authenticate
	vendor   string // IdentifyResponse ProductVendor
	version  string // IdentifyResponse ProductVersion
	identify bool   // the body was an IdentifyResponse
}

// identify posts an unauthenticated Identify to http(s)://addr:port/wsman.
// TLS certificates are not verified: nothing secret is sent, and the
// probe only learns whether TLS is offered. extra headers are added (WinRM
// answers "WSMANIDENTIFY: unauthenticated" without a logon).
func identify(ctx context.Context, addr string, port int, useTLS bool, extra map[string]string) (*httpAnswer, error) {
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	url := scheme + "://" + net.JoinHostPort(addr, strconv.Itoa(port)) + "/wsman"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(identifyEnvelope))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	for k, v := range extra {
		req.Header.Set(k, v)
	}
	tr := &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // presence probe, no secret sent
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, err
	}
	a := &httpAnswer{status: resp.StatusCode, server: resp.Header.Get("Server"), auth: resp.Header.Get("WWW-Authenticate")}
	if resp.StatusCode == http.StatusOK && bytes.Contains(body, []byte("IdentifyResponse")) {
		doc := etree.NewDocument()
		if doc.ReadFromBytes(body) == nil {
			if e := doc.FindElement("//IdentifyResponse"); e != nil {
				a.identify = true
				if v := e.FindElement("ProductVendor"); v != nil {
					a.vendor = strings.TrimSpace(v.Text())
				}
				if v := e.FindElement("ProductVersion"); v != nil {
					a.version = strings.TrimSpace(v.Text())
				}
			}
		}
	}
	return a, nil
}

// classOf names the class of a transport failure: a refused connection
// or silence is unreachable.
func classOf(err error) string {
	var oe *oobkit.Error
	if errors.As(err, &oe) {
		return oobkit.ClassName(err)
	}
	var ne net.Error
	if errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
		return oobkit.ClassName(oobkit.ErrUnreachable)
	}
	return oobkit.ClassName(oobkit.ErrProtocol)
}

// wsmanFinding runs the unauthenticated Identify on the plain and TLS
// ports of p. ok decides whether an answer is the protocol.
func wsmanFinding(ctx context.Context, addr string, p oobkit.Protocol, cfg Config, extra map[string]string,
	ok func(*httpAnswer) bool) (Finding, *httpAnswer) {
	f := Finding{}
	var best *httpAnswer
	for _, useTLS := range []bool{false, true} {
		port := cfg.port(p, useTLS)
		if port == 0 {
			continue
		}
		a, err := identify(ctx, addr, port, useTLS, extra)
		if err != nil {
			if f.Class == "" {
				f.Class = classOf(err)
			}
			continue
		}
		if !ok(a) {
			f.Class = oobkit.ClassName(oobkit.ErrNotDetected)
			continue
		}
		f.Present, f.Class = true, ""
		f.Ports = append(f.Ports, port)
		f.TLS = f.TLS || useTLS
		if best == nil || (a.identify && !best.identify) {
			best = a
		}
	}
	if f.Present {
		f.Class = ""
	}
	return f, best
}

// probeAMT: AMT names itself and its firmware in the Server header of
// every answer, 401 included; an AMT credential adds amt's "Out of Band
// Discovery" (Detect): provisioning state and mode, and the version as
// CIM_SoftwareIdentity reports it.
func probeAMT(ctx context.Context, addr string, cfg Config) Finding {
	f, a := wsmanFinding(ctx, addr, oobkit.AMT, cfg, nil, func(a *httpAnswer) bool {
		return strings.HasPrefix(a.server, amtServerPrefix)
	})
	if !f.Present {
		return f
	}
	f.Version = strings.TrimSpace(strings.TrimPrefix(a.server, amtServerPrefix))
	f.State = "detected"
	cred, ok := cfg.Credentials[oobkit.AMT]
	if !ok {
		markTLSOnly(&f)
		return f
	}
	// Use the plain port unless the credential asks for TLS or only TLS
	// answered; the credential's own verification settings apply.
	onlyTLS := f.TLS && len(f.Ports) == 1
	port := f.Ports[0]
	if f.TLS && (cred.TLS.Enabled || onlyTLS) {
		port = f.Ports[len(f.Ports)-1]
		cred.TLS.Enabled = true
	} else {
		cred.TLS.Enabled = false
	}
	c, err := amt.New(oobkit.Target{Address: addr, Ports: map[oobkit.Protocol]int{oobkit.AMT: port}}, cred, amt.WithTimeout(cfg.Timeout))
	if err != nil {
		f.Class = oobkit.ClassName(err)
		return f
	}
	defer c.Close()
	d, err := c.Detect(ctx)
	if d != nil {
		if d.AMTVersion != "" {
			f.Version = d.AMTVersion
		}
		f.State = provisioning(d.ProvisioningState)
		f.Details = map[string]string{"mode": d.ModeName(), "sol": strconv.FormatBool(d.Redirection.SOL),
			"ider": strconv.FormatBool(d.Redirection.IDER), "kvm": strconv.FormatBool(d.Redirection.KVM)}
	}
	if err != nil && !errors.Is(err, oobkit.ErrNotProvisioned) {
		f.Class = oobkit.ClassName(err)
	}
	markTLSOnly(&f)
	return f
}

// markTLSOnly sets Details["tlsOnly"] = "true" for firmware that answers
// over TLS only (AMT 16.1 and later, amt.TLSOnly): its plain port is
// closed by design, not by a fault.
func markTLSOnly(f *Finding) {
	if !amt.TLSOnly(f.Version) {
		return
	}
	if f.Details == nil {
		f.Details = map[string]string{}
	}
	f.Details["tlsOnly"] = "true"
}

func provisioning(s int) string {
	switch s {
	case amt.StatePre:
		return "pre-provisioning"
	case amt.StateIn:
		return "in-provisioning"
	case amt.StatePost:
		return "post-provisioning"
	}
	return "unknown"
}

// wsmanPresent accepts an IdentifyResponse, or a refusal that asks for
// credentials (401 with WWW-Authenticate) from the /wsman path.
func wsmanPresent(a *httpAnswer) bool {
	return a.identify || (a.status == http.StatusUnauthorized && a.auth != "")
}

// identified fills vendor and version from an Identify answer.
func identified(f *Finding, a *httpAnswer) {
	if a.identify {
		f.State = "identified"
		f.Version = a.version
		if a.vendor != "" {
			f.Details = map[string]string{"vendor": a.vendor}
		}
		return
	}
	f.State = "authentication required"
}

// probeDASH: WS-Management Identify on 623/664 TCP (DSP0232), then with a
// DASH credential dash's authenticated Identify.
func probeDASH(ctx context.Context, addr string, cfg Config) Finding {
	return probeIdentify(ctx, addr, cfg, oobkit.DASH, nil, func(t oobkit.Target, cred oobkit.Credential) (string, string, error) {
		c, err := dash.New(t, cred, dash.WithTimeout(cfg.Timeout))
		if err != nil {
			return "", "", err
		}
		defer c.Close()
		id, err := c.Identify(ctx)
		if err != nil {
			return "", "", err
		}
		return id.ProductVendor, id.ProductVersion, nil
	})
}

// probeWMI: WinRM Identify on 5985/5986 with Microsoft's
// "WSMANIDENTIFY: unauthenticated" header, then with a WMI credential
// wmi's Identify.
func probeWMI(ctx context.Context, addr string, cfg Config) Finding {
	return probeIdentify(ctx, addr, cfg, oobkit.WMI, map[string]string{"WSMANIDENTIFY": "unauthenticated"},
		func(t oobkit.Target, cred oobkit.Credential) (string, string, error) {
			c, err := wmi.New(t, cred, wmi.WithTimeout(cfg.Timeout))
			if err != nil {
				return "", "", err
			}
			defer c.Close()
			id, err := c.Identify(ctx)
			if err != nil {
				return "", "", err
			}
			return id.ProductVendor, id.ProductVersion, nil
		})
}

// probeIdentify is the WS-Management probe of DASH and WinRM: an
// unauthenticated Identify (with headers), then, when the service asks for
// authentication and a credential of protocol p is given, identify
// (the protocol client's authenticated Identify) for vendor and version.
func probeIdentify(ctx context.Context, addr string, cfg Config, p oobkit.Protocol, headers map[string]string,
	identify func(oobkit.Target, oobkit.Credential) (vendor, version string, err error)) Finding {
	f, a := wsmanFinding(ctx, addr, p, cfg, headers, wsmanPresent)
	if !f.Present {
		return f
	}
	identified(&f, a)
	cred, ok := cfg.Credentials[p]
	if !ok || a.identify {
		return f
	}
	vendor, version, err := identify(oobkit.Target{Address: addr, Ports: map[oobkit.Protocol]int{p: f.Ports[0]}}, cred)
	if err != nil {
		f.Class = oobkit.ClassName(err)
		return f
	}
	f.State, f.Version = "identified", version
	f.Details = map[string]string{"vendor": vendor}
	return f
}

// asfClient returns an ASF client for the port of protocol p (IPMI and ASF
// share RMCP's 623).
func asfClient(addr string, p oobkit.Protocol, cfg Config, cred oobkit.Credential) (*asf.Client, error) {
	target := oobkit.Target{Address: addr, Ports: map[oobkit.Protocol]int{oobkit.ASF: cfg.port(p, false)}}
	opts := []asf.Option{asf.WithTimeout(cfg.Timeout / 3), asf.WithRetries(2)}
	if n := cfg.port(oobkit.ASF, true); n != 0 {
		opts = append(opts, asf.WithSecurePort(n))
	}
	return asf.New(target, cred, opts...)
}

// probeASF: an RMCP Presence Ping (DSP0136 §3.2.4.8); a pong naming ASF
// 1.0 is ASF. Then the system state (§3.2.4.5), through an RSP session
// when an ASF credential is given.
func probeASF(ctx context.Context, addr string, cfg Config) Finding {
	cred := cfg.Credentials[oobkit.ASF]
	c, err := asfClient(addr, oobkit.ASF, cfg, cred)
	if err != nil {
		return Finding{Class: oobkit.ClassName(err)}
	}
	defer c.Close()
	pong, err := c.Ping(ctx)
	if err != nil {
		return Finding{Class: oobkit.ClassName(err)}
	}
	if !pong.ASF() {
		return Finding{Class: oobkit.ClassName(oobkit.ErrNotDetected), Details: map[string]string{"ipmi": strconv.FormatBool(pong.IPMI)}}
	}
	f := Finding{Present: true, Ports: []int{cfg.port(oobkit.ASF, false)}, Version: "1.0",
		Details: map[string]string{"ipmi": strconv.FormatBool(pong.IPMI), "security": strconv.FormatBool(pong.Security)}}
	if pong.IANA != asf.IANA {
		f.Details["oem"] = fmt.Sprint(pong.IANA)
	}
	st, err := c.Status(ctx)
	if err != nil {
		f.Class = oobkit.ClassName(err)
		return f
	}
	f.State = st.State.String()
	f.Details["tableC3Row"] = strconv.Itoa(st.State.Row())
	return f
}

// probeSNMP reads the system group with the configured v2c community. No
// answer is "not-detected", not "unreachable": an agent stays silent on a
// wrong community, so silence cannot tell a missing agent from a wrong
// community (package snmp's Detect).
func probeSNMP(ctx context.Context, addr string, cfg Config) Finding {
	if cfg.Community.IsZero() {
		return Finding{Class: oobkit.ClassName(oobkit.ErrInvalidArgument)}
	}
	port := cfg.port(oobkit.SNMP, false)
	c, err := snmp.New(oobkit.Target{Address: addr, Ports: map[oobkit.Protocol]int{oobkit.SNMP: port}},
		oobkit.Credential{Auth: oobkit.AuthCommunity, Community: cfg.Community},
		snmp.WithTimeout(cfg.Timeout/3), snmp.WithRetries(1))
	if err != nil {
		return Finding{Class: oobkit.ClassName(err)}
	}
	defer c.Close()
	sys, err := c.Detect(ctx)
	if err != nil {
		return Finding{Class: oobkit.ClassName(err)}
	}
	f := Finding{Present: true, Ports: []int{port}, Version: "v2c", State: "answering",
		Details: map[string]string{"sysDescr": sys.Descr}}
	if sys.Name != "" {
		f.Details["sysName"] = sys.Name
	}
	return f
}
