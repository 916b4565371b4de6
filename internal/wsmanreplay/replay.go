// Package wsmanreplay is a WS-Management device that answers with recorded
// responses of real firmware (issue 18, "recorded firmware over the wire").
// It serves each recording byte for byte over HTTP with digest
// authentication, changing only the RelatesTo header to the request's
// MessageID (WS-Addressing 1.0 §3.4: a reply's RelatesTo is the request's
// MessageID, https://www.w3.org/TR/ws-addr-core/#msgaddrpropsinfoset), so a
// client reads exactly what the firmware sent. It decodes nothing of the
// recorded bodies and imports no client package.
//
// A recording is keyed by the request it answers: the request action (the
// response action without "Response"; PullResponse answers Pull after an
// Enumerate of the same resource), the first ResourceURI of its header and,
// optionally, selectors the request must carry. Enumerate is answered by the
// device itself with a fresh EnumerationContext (DSP0226 §8.2); the recorded
// PullResponse then answers the Pull. A request no recording answers gets
// the fault AMT sends for a class it does not have: wsa:DestinationUnreachable
// (DSP0226 Table 38) with HTTP 400.
package wsmanreplay

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/oobkit/oobkit/internal/digest"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Recording is one recorded response and the request it answers.
type Recording struct {
	// Name says where it came from (a file name), for reports.
	Name string
	// Action is the request action it answers (Get, Pull, a method URI).
	Action string
	// ResourceURI is the resource it answers for.
	ResourceURI string
	// Selectors, when set, must all be in the request's selector set.
	Selectors map[string]string
	// Body is the whole recorded envelope.
	Body []byte
}

// Device serves recordings. Create it with New, add recordings, then Start.
type Device struct {
	user, password string
	auth           *digest.Server

	mu       sync.Mutex
	recs     []Recording
	contexts map[string]string // EnumerationContext -> ResourceURI
	next     int
	served   map[string]int // recording name -> times served
	missed   []string       // "action resourceURI" of unanswered requests
	srv      *httptest.Server
}

// New returns a device that accepts user/password with HTTP digest
// authentication (MD5, qop=auth, realm "Digest:" + 32 hex digits, as AMT).
func New(user, password string) *Device {
	return &Device{user: user, password: password,
		auth:     &digest.Server{Realm: "Digest:" + strings.ToUpper(digest.NewNonce(16)), Qop: "auth"},
		contexts: map[string]string{}, served: map[string]int{}}
}

// responseActionRE finds the Action header and resourceRE the first
// ResourceURI header of a recorded envelope, whatever the prefixes.
var (
	responseActionRE = regexp.MustCompile(`<(?:\w+:)?Action(?:\s[^>]*)?>([^<]+)</(?:\w+:)?Action>`)
	resourceRE       = regexp.MustCompile(`<(?:\w+:)?ResourceURI(?:\s[^>]*)?>([^<]+)</(?:\w+:)?ResourceURI>`)
	relatesRE        = regexp.MustCompile(`(<(?:\w+:)?RelatesTo(?:\s[^>]*)?>)[^<]*(</(?:\w+:)?RelatesTo>)`)
)

// Parse keys a recorded envelope by the request it answers, from its own
// Action and first ResourceURI headers.
func Parse(name string, body []byte) (Recording, error) {
	a := responseActionRE.FindSubmatch(body)
	r := resourceRE.FindSubmatch(body)
	if a == nil || r == nil {
		return Recording{}, fmt.Errorf("wsmanreplay: %s: no Action or ResourceURI header", name)
	}
	action := strings.TrimSpace(string(a[1]))
	req, ok := strings.CutSuffix(action, "Response")
	if !ok {
		return Recording{}, fmt.Errorf("wsmanreplay: %s: %s is not a response action", name, action)
	}
	return Recording{Name: name, Action: req, ResourceURI: strings.TrimSpace(string(r[1])), Body: body}, nil
}

// Add adds recordings; a later one with the same key answers first.
func (d *Device) Add(recs ...Recording) {
	d.mu.Lock()
	d.recs = append(recs, d.recs...)
	d.mu.Unlock()
}

// Load parses and adds the named files of fsys (Parse keys them).
func (d *Device) Load(fsys fs.FS, names ...string) error {
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return err
		}
		r, err := Parse(n, b)
		if err != nil {
			return err
		}
		d.Add(r)
	}
	return nil
}

// Start serves the device on a 127.0.0.1 listener; URL says where.
func (d *Device) Start() {
	d.srv = httptest.NewServer(d)
}

// URL is the device's base URL (http://127.0.0.1:port).
func (d *Device) URL() string { return d.srv.URL }

// Addr is the host:port the device listens on.
func (d *Device) Addr() string { return d.srv.Listener.Addr().String() }

// Host and Port split Addr.
func (d *Device) Host() string { h, _, _ := net.SplitHostPort(d.Addr()); return h }

// Port is the listening port.
func (d *Device) Port() int {
	_, p, _ := net.SplitHostPort(d.Addr())
	n, _ := strconv.Atoi(p)
	return n
}

// Close stops the device.
func (d *Device) Close() {
	if d.srv != nil {
		d.srv.Close()
	}
}

// Served returns how often each recording was served, by name.
func (d *Device) Served() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]int, len(d.served))
	for k, v := range d.served {
		out[k] = v
	}
	return out
}

// Missed returns the requests no recording answered ("action resourceURI").
func (d *Device) Missed() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.missed...)
}

func (d *Device) find(action, uri string, sel wsman.Selectors) *Recording {
	for i := range d.recs {
		r := &d.recs[i]
		if r.Action != action || r.ResourceURI != uri {
			continue
		}
		ok := true
		for k, v := range r.Selectors {
			if sel.Get(k) != v {
				ok = false
			}
		}
		if ok {
			return r
		}
	}
	return nil
}

// ServeHTTP answers one request.
func (d *Device) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "WS-Management needs POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	resp, perr := digest.ParseAuthorization(r.Header.Get("Authorization"))
	if perr == nil {
		if resp.Username != d.user {
			perr = digest.ErrUnauthorized
		} else {
			perr = d.auth.Check(resp, digest.Request{Method: r.Method, URI: r.URL.RequestURI(), Body: body}, d.password)
		}
	}
	if perr != nil {
		w.Header().Set("WWW-Authenticate", d.auth.Challenge(perr == digest.ErrStale))
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	d.answer(w, body)
}

// answer serves one authenticated request.
func (d *Device) answer(w http.ResponseWriter, body []byte) {
	env, err := wsman.ParseEnvelope(bytes.NewReader(body))
	if err != nil {
		write(w, http.StatusBadRequest, fault("", "InvalidMessageInformationHeader", "malformed request"))
		return
	}
	action, uri, msgID := env.Action(), env.ResourceURI(), env.MessageID()
	d.mu.Lock()
	defer d.mu.Unlock()
	switch action {
	case wsman.ActionEnumerate:
		if d.find(wsman.ActionPull, uri, env.Selectors()) == nil {
			d.missed = append(d.missed, action+" "+uri)
			write(w, http.StatusBadRequest, fault(msgID, "DestinationUnreachable", "no recording of "+uri))
			return
		}
		d.next++
		ctx := "replay-" + strconv.Itoa(d.next)
		d.contexts[ctx] = uri
		write(w, http.StatusOK, enumerateResponse(msgID, uri, ctx))
		return
	case wsman.ActionPull:
		if c := env.Content(); c != nil {
			if e := c.SelectElement("EnumerationContext"); e != nil {
				if u, ok := d.contexts[strings.TrimSpace(e.Text())]; ok {
					uri = u
					delete(d.contexts, strings.TrimSpace(e.Text()))
				}
			}
		}
	case wsman.ActionRelease:
		write(w, http.StatusOK, envelopeWith(msgID, wsman.ActionRelease+"Response", ""))
		return
	}
	rec := d.find(action, uri, env.Selectors())
	if rec == nil {
		d.missed = append(d.missed, action+" "+uri)
		write(w, http.StatusBadRequest, fault(msgID, "DestinationUnreachable", "no recording of "+action+" on "+uri))
		return
	}
	d.served[rec.Name]++
	write(w, http.StatusOK, relatesRE.ReplaceAll(rec.Body, []byte("${1}"+xmlEscape(msgID)+"${2}")))
}

func write(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xmlEscapeTo(&b, s)
	return strings.ReplaceAll(b.String(), "$", "$$")
}

func envelopeWith(relatesTo, action, body string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>` +
		`<a:Envelope xmlns:a="` + wsman.NSSOAP + `" xmlns:b="` + wsman.NSAddressing + `" xmlns:c="` + wsman.NSWSMan +
		`" xmlns:g="` + wsman.NSEnumeration + `"><a:Header><b:To>` + wsman.AnonymousAddress + `</b:To><b:RelatesTo>` +
		escape(relatesTo) + `</b:RelatesTo><b:Action a:mustUnderstand="true">` + action +
		`</b:Action><b:MessageID>` + wsman.NewMessageID() + `</b:MessageID></a:Header><a:Body>` + body + `</a:Body></a:Envelope>`)
}

func enumerateResponse(relatesTo, uri, ctx string) []byte {
	return envelopeWith(relatesTo, wsman.ActionEnumerate+"Response",
		`<g:EnumerateResponse><g:EnumerationContext>`+escape(ctx)+`</g:EnumerationContext></g:EnumerateResponse>`)
}

func fault(relatesTo, subcode, reason string) []byte {
	return envelopeWith(relatesTo, wsman.ActionFault,
		`<a:Fault><a:Code><a:Value>a:Sender</a:Value><a:Subcode><a:Value>b:`+subcode+`</a:Value></a:Subcode></a:Code>`+
			`<a:Reason><a:Text xml:lang="en-US">`+escape(reason)+`</a:Text></a:Reason></a:Fault>`)
}

func escape(s string) string {
	var b strings.Builder
	_ = xmlEscapeTo(&b, s)
	return b.String()
}
