// Package wsmantest is a WS-Management test server shared by the amttest,
// dashtest and wmitest simulators: routing by action and resource URI,
// enumeration contexts with paging, digest/basic/custom authentication, TLS
// with an exposed certificate fingerprint, counters of requests, 401s and
// TCP connections, and fault injection (latency, a connection dropped
// mid-response, malformed XML, an oversize body, a wrong-auth storm, a busy
// fault).
//
// A [Server] is one device and an http.Handler. [Server.Start] gives it its
// own loopback listener; a [Host] serves many devices on one listener,
// chosen by the HTTP Host header, for fleets larger than the file-descriptor
// limit allows.
package wsmantest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/digest"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/wsmansim"
)

// Request is one decoded WS-Management request.
type Request struct {
	Envelope    *wsman.Envelope
	Action      string
	ResourceURI string
	Selectors   wsman.Selectors
	// Body is the first child of the SOAP Body (nil when empty).
	Body *etree.Element
	// User is the authenticated user name.
	User string
	HTTP *http.Request
}

// Instance parses the body as an instance (Put, Create, method input).
func (r *Request) Instance() *wsman.Instance { return wsman.ParseInstance(r.Body) }

// HandlerFunc answers a request with the Body content of the response, or an
// error: a *wsman.Fault becomes a SOAP fault, anything else an
// InternalError fault.
type HandlerFunc func(*Request) (*etree.Element, error)

// EnumerateFunc lists the instances an Enumerate returns; the server pages
// them through Pull.
type EnumerateFunc func(*Request) ([]*etree.Element, error)

// Fault returns a *wsman.Fault with a WS-Man subcode (e.g. "AccessDenied",
// "DestinationUnreachable", "InvalidSelectors").
func Fault(subcode, reason string) error {
	code := "Sender"
	if subcode == "InternalError" || subcode == "Concurrency" || subcode == "TimedOut" {
		code = "Receiver"
	}
	return &wsman.Fault{Code: code, Subcode: subcode, Reason: reason}
}

// Auth selects how the server authenticates.
type Auth int

// Authentication modes.
const (
	AuthDigest Auth = iota // HTTP digest, as AMT
	AuthBasic              // HTTP basic
	AuthNone               // none
	AuthCustom             // the Authenticator option decides
)

// Authenticator authenticates a request itself (NTLM in wmitest). It returns
// the user name and true, or writes the refusal (401 and its headers) and
// returns false.
type Authenticator func(w http.ResponseWriter, r *http.Request, body []byte) (user string, ok bool)

// Faults are injected into the next requests (the public wsmansim type).
type Faults = wsmansim.Faults

// Counters are what the server saw (the public wsmansim type).
type Counters = wsmansim.Counters

// Server is one simulated WS-Management device.
type Server struct {
	// Username and Password are the accepted credential.
	Username, Password string
	// Mode selects authentication (default digest).
	Mode Auth
	// Authenticator is used when Mode is AuthCustom.
	Authenticator Authenticator
	// Digest holds realm, qop and algorithm for digest mode.
	Digest *digest.Server
	// FaultStatus is the HTTP status of SOAP faults: 400 like AMT (default)
	// or 500 like WinRM.
	FaultStatus int
	// MaxRequestBytes bounds request bodies (default 1 MiB).
	MaxRequestBytes int64
	// ServerHeader, when set, is the HTTP Server header of every answer,
	// 401s included, as real firmware sends it (AMT: "Intel(R) Active
	// Management Technology 12.0.67").
	ServerHeader string
	// TLSOnly closes every plain-HTTP connection before answering anything,
	// as a device whose plain port does not listen (AMT 16.1 and later):
	// only a TLS listener (StartTLS, or a TLS listener in front of
	// ServeHTTP) answers.
	TLSOnly bool

	mu       sync.RWMutex
	handlers map[string]HandlerFunc
	enums    map[string]EnumerateFunc
	ctxs     map[string]*enumState
	faults   Faults
	// missing and missingStatus: see SetMissing (missing.go).
	missing       map[string]bool
	missingStatus int

	requests, unauthorized, connections atomic.Int64
	ignoreOptimize                      atomic.Bool

	ln   net.Listener
	srv  *http.Server
	cert *x509.Certificate
	url  string
}

type enumState struct {
	items   []*etree.Element
	created time.Time
}

// New returns a device accepting user/password with digest authentication
// in realm "Digest:" + 32 hex digits, as AMT does.
func New(user, password string) *Server {
	return &Server{
		Username: user, Password: password,
		Digest:   &digest.Server{Realm: "Digest:" + strings.ToUpper(digest.NewNonce(16)), Qop: "auth"},
		handlers: map[string]HandlerFunc{}, enums: map[string]EnumerateFunc{}, ctxs: map[string]*enumState{},
	}
}

// Handle routes action on resourceURI to h. resourceURI "" matches any
// resource; a method action is resourceURI + "/" + Method.
func (s *Server) Handle(action, resourceURI string, h HandlerFunc) {
	s.mu.Lock()
	s.handlers[action+" "+resourceURI] = h
	s.mu.Unlock()
}

// HandleEnumerate serves Enumerate/Pull/Release of resourceURI from f.
func (s *Server) HandleEnumerate(resourceURI string, f EnumerateFunc) {
	s.mu.Lock()
	s.enums[resourceURI] = f
	s.mu.Unlock()
}

// SetIgnoreOptimize makes the server ignore wsman:OptimizeEnumeration (on)
// or honour it (off, the default), as firmware that does not implement
// optimized enumeration does: DSP0226 §8.2.3 lets a service decline it, and
// then the EnumerateResponse carries only an EnumerationContext and every
// item comes through Pull. Safe to call while serving.
func (s *Server) SetIgnoreOptimize(on bool) { s.ignoreOptimize.Store(on) }

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// Counters returns what the server saw so far.
func (s *Server) Counters() Counters {
	return Counters{Requests: s.requests.Load(), Unauthorized: s.unauthorized.Load(), Connections: s.connections.Load()}
}

// ConnState counts new connections; install it as http.Server.ConnState
// when serving the device from your own server.
func (s *Server) ConnState(_ net.Conn, st http.ConnState) {
	if st == http.StateNew {
		s.connections.Add(1)
	}
}

// takeFault returns the fault to inject into a request for action, if any.
func (s *Server) takeFault(action string) Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	if len(f.Actions) > 0 {
		match := false
		for _, a := range f.Actions {
			if strings.HasSuffix(action, a) {
				match = true
			}
		}
		if !match {
			return Faults{}
		}
	}
	if s.faults.Remaining > 0 {
		s.faults.Remaining--
		if s.faults.Remaining == 0 {
			s.faults = Faults{}
		}
	}
	return f
}

// ServeHTTP answers one WS-Management request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.TLSOnly && r.TLS == nil {
		closeUnanswered(w)
		return
	}
	s.requests.Add(1)
	if s.ServerHeader != "" {
		w.Header().Set("Server", s.ServerHeader)
	}
	if r.Method != http.MethodPost {
		http.Error(w, "WS-Management needs POST", http.StatusMethodNotAllowed)
		return
	}
	max := s.MaxRequestBytes
	if max == 0 {
		max = 1 << 20
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil || int64(len(body)) > max {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	env, perr := wsman.ParseEnvelope(bytes.NewReader(body))
	action := ""
	if env != nil {
		action = env.Action()
	}
	f := s.takeFault(action)
	if f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return
		}
	}
	if f.WrongAuth {
		s.unauthorized.Add(1)
		s.challenge(w, false)
		return
	}
	user, ok := s.authenticate(w, r, body)
	if !ok {
		return
	}
	switch {
	case f.DropMidResponse:
		dropMidResponse(w)
		return
	case f.MalformedXML:
		w.Header().Set("Content-Type", "application/soap+xml")
		_, _ = io.WriteString(w, "<s:Envelope><s:Body><unclosed></s:Body>")
		return
	case f.OversizeBytes > 0:
		w.Header().Set("Content-Type", "application/soap+xml")
		w.Header().Set("Content-Length", strconv.Itoa(f.OversizeBytes))
		chunk := bytes.Repeat([]byte(" "), 32<<10)
		for n := f.OversizeBytes; n > 0; n -= len(chunk) {
			if n < len(chunk) {
				chunk = chunk[:n]
			}
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		return
	case f.Busy:
		s.writeFault(w, env, Fault("Concurrency", "The device is busy; try again later"))
		return
	}
	if perr != nil {
		if wf, isFault := perr.(*wsman.Fault); isFault {
			s.writeFault(w, env, wf)
			return
		}
		s.writeFault(w, nil, Fault("InvalidMessageInformationHeader", "malformed request: "+perr.Error()))
		return
	}
	req := &Request{Envelope: env, Action: action, ResourceURI: env.ResourceURI(), Selectors: env.Selectors(),
		Body: env.Content(), User: user, HTTP: r}
	if s.lacks(w, req) {
		return
	}
	respAction, content, err := s.dispatch(req)
	if err != nil {
		s.writeFault(w, env, err)
		return
	}
	s.writeEnvelope(w, http.StatusOK, respAction, env.MessageID(), content)
}

// closeUnanswered closes the connection without a byte of answer.
func closeUnanswered(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	if conn, _, err := hj.Hijack(); err == nil {
		_ = conn.Close()
	}
}

func dropMidResponse(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nContent-Length: 4000\r\n\r\n<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"")
	_ = buf.Flush()
	_ = conn.Close()
}

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, body []byte) (string, bool) {
	switch s.Mode {
	case AuthNone:
		return "", true
	case AuthCustom:
		user, ok := s.Authenticator(w, r, body)
		if !ok {
			s.unauthorized.Add(1)
		}
		return user, ok
	case AuthBasic:
		u, p, ok := r.BasicAuth()
		if ok && u == s.Username && p == s.Password {
			return u, true
		}
		s.unauthorized.Add(1)
		w.Header().Set("WWW-Authenticate", `Basic realm="oobkit"`)
		w.WriteHeader(http.StatusUnauthorized)
		return "", false
	}
	resp, err := digest.ParseAuthorization(r.Header.Get("Authorization"))
	if err == nil {
		if resp.Username != s.Username {
			err = digest.ErrUnauthorized
		} else {
			err = s.Digest.Check(resp, digest.Request{Method: r.Method, URI: r.URL.RequestURI(), Body: body}, s.Password)
		}
	}
	if err == nil {
		return resp.Username, true
	}
	s.unauthorized.Add(1)
	s.challenge(w, err == digest.ErrStale)
	return "", false
}

func (s *Server) challenge(w http.ResponseWriter, stale bool) {
	if s.Mode == AuthBasic {
		w.Header().Set("WWW-Authenticate", `Basic realm="oobkit"`)
	} else {
		w.Header().Set("WWW-Authenticate", s.Digest.Challenge(stale))
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusUnauthorized)
}

func (s *Server) dispatch(req *Request) (string, *etree.Element, error) {
	s.mu.RLock()
	enum := s.enums[req.ResourceURI]
	h := s.handlers[req.Action+" "+req.ResourceURI]
	if h == nil {
		h = s.handlers[req.Action+" "]
	}
	s.mu.RUnlock()
	switch req.Action {
	case wsman.ActionEnumerate, wsman.ActionPull, wsman.ActionRelease:
		if enum != nil || req.Action != wsman.ActionEnumerate {
			return s.enumerate(req, enum)
		}
	case "":
		if req.Body != nil && req.Body.Tag == "Identify" && h == nil {
			return "", identifyResponse(), nil
		}
	}
	if h == nil {
		if req.ResourceURI != "" && !s.knows(req.ResourceURI) {
			return "", nil, Fault("DestinationUnreachable", "no such resource: "+req.ResourceURI)
		}
		return "", nil, Fault("ActionNotSupported", "action not supported: "+req.Action)
	}
	content, err := h(req)
	return responseAction(req.Action), content, err
}

// knows reports whether any handler serves resourceURI.
func (s *Server) knows(resourceURI string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, ok := s.enums[resourceURI]; ok {
		return true
	}
	for k := range s.handlers {
		if strings.HasSuffix(k, " "+resourceURI) {
			return true
		}
	}
	return false
}

func responseAction(action string) string {
	if action == "" {
		return ""
	}
	return action + "Response"
}

func identifyResponse() *etree.Element {
	e := etree.NewElement("wsmid:IdentifyResponse")
	e.CreateAttr("xmlns:wsmid", wsman.NSIdentity)
	e.CreateElement("wsmid:ProtocolVersion").SetText(wsman.NSWSMan)
	e.CreateElement("wsmid:ProductVendor").SetText("oobkit simulator")
	e.CreateElement("wsmid:ProductVersion").SetText("1.0")
	return e
}

// enumerate serves Enumerate, Pull and Release with paging.
func (s *Server) enumerate(req *Request, f EnumerateFunc) (string, *etree.Element, error) {
	switch req.Action {
	case wsman.ActionEnumerate:
		items, err := f(req)
		if err != nil {
			return "", nil, err
		}
		id := "uuid:" + digest.NewNonce(8)
		max := intChild(req.Body, "MaxElements", 0)
		optimized := !s.ignoreOptimize.Load() && req.Body != nil && req.Body.SelectElement("OptimizeEnumeration") != nil
		resp := etree.NewElement("n:EnumerateResponse")
		resp.CreateAttr("xmlns:n", wsman.NSEnumeration)
		resp.CreateAttr("xmlns:w", wsman.NSWSMan)
		if optimized {
			if max <= 0 {
				max = 1
			}
			page, rest := split(items, max)
			writeItems(resp, "w:Items", page)
			items = rest
			if len(items) == 0 {
				resp.CreateElement("w:EndOfSequence")
				return wsman.ActionEnumerateResp, resp, nil
			}
		}
		s.storeContext(id, items)
		resp.InsertChildAt(0, textElement("n:EnumerationContext", id))
		return wsman.ActionEnumerateResp, resp, nil
	case wsman.ActionPull:
		id := childText(req.Body, "EnumerationContext")
		max := intChild(req.Body, "MaxElements", 1)
		s.mu.Lock()
		st, ok := s.ctxs[id]
		var page []*etree.Element
		if ok {
			page, st.items = split(st.items, max)
			if len(st.items) == 0 {
				delete(s.ctxs, id)
			}
		}
		s.mu.Unlock()
		if !ok {
			return "", nil, Fault("InvalidEnumerationContext", "unknown or expired enumeration context")
		}
		resp := etree.NewElement("n:PullResponse")
		resp.CreateAttr("xmlns:n", wsman.NSEnumeration)
		writeItems(resp, "n:Items", page)
		if len(st.items) == 0 {
			resp.CreateElement("n:EndOfSequence")
		} else {
			resp.InsertChildAt(0, textElement("n:EnumerationContext", id))
		}
		return wsman.ActionPullResponse, resp, nil
	default: // Release
		id := childText(req.Body, "EnumerationContext")
		s.mu.Lock()
		delete(s.ctxs, id)
		s.mu.Unlock()
		return wsman.ActionRelease + "Response", nil, nil
	}
}

// maxContexts bounds open enumerations; the oldest is dropped beyond it.
const maxContexts = 256

func (s *Server) storeContext(id string, items []*etree.Element) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ctxs) >= maxContexts {
		var oldest string
		var t time.Time
		for k, v := range s.ctxs {
			if oldest == "" || v.created.Before(t) {
				oldest, t = k, v.created
			}
		}
		delete(s.ctxs, oldest)
	}
	s.ctxs[id] = &enumState{items: items, created: time.Now()}
}

// OpenEnumerations returns how many enumeration contexts are open.
func (s *Server) OpenEnumerations() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.ctxs)
}

func split(items []*etree.Element, n int) ([]*etree.Element, []*etree.Element) {
	if n <= 0 || n > len(items) {
		n = len(items)
	}
	return items[:n], items[n:]
}

func writeItems(parent *etree.Element, tag string, items []*etree.Element) {
	el := parent.CreateElement(tag)
	for _, it := range items {
		el.AddChild(it.Copy())
	}
}

func textElement(tag, text string) *etree.Element {
	e := etree.NewElement(tag)
	e.SetText(text)
	return e
}

func childText(e *etree.Element, name string) string {
	if e == nil {
		return ""
	}
	if c := e.SelectElement(name); c != nil {
		return strings.TrimSpace(c.Text())
	}
	return ""
}

func intChild(e *etree.Element, name string, def int) int {
	if v, err := strconv.Atoi(childText(e, name)); err == nil {
		return v
	}
	return def
}

func (s *Server) writeFault(w http.ResponseWriter, env *wsman.Envelope, err error) {
	f, ok := err.(*wsman.Fault)
	if !ok {
		f = &wsman.Fault{Code: "Receiver", Subcode: "InternalError", Reason: err.Error()}
	}
	body := etree.NewElement("s:Fault")
	code := body.CreateElement("s:Code")
	code.CreateElement("s:Value").SetText("s:" + f.Code)
	if f.Subcode != "" {
		sub := code.CreateElement("s:Subcode").CreateElement("s:Value")
		prefix := "w:"
		if f.Subcode == "DestinationUnreachable" || f.Subcode == "ActionNotSupported" || f.Subcode == "InvalidMessageInformationHeader" {
			prefix = "a:"
		}
		sub.SetText(prefix + f.Subcode)
	}
	reason := body.CreateElement("s:Reason").CreateElement("s:Text")
	reason.CreateAttr("xml:lang", "en-US")
	reason.SetText(f.Reason)
	if f.Detail != "" {
		body.CreateElement("s:Detail").CreateElement("w:FaultDetail").SetText(f.Detail)
	}
	status := s.FaultStatus
	if status == 0 {
		status = http.StatusBadRequest
	}
	relates := ""
	if env != nil {
		relates = env.MessageID()
	}
	s.writeEnvelope(w, status, wsman.ActionFault, relates, body)
}

func (s *Server) writeEnvelope(w http.ResponseWriter, status int, action, relatesTo string, content *etree.Element) {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	env := doc.CreateElement("s:Envelope")
	env.CreateAttr("xmlns:s", wsman.NSSOAP)
	env.CreateAttr("xmlns:a", wsman.NSAddressing)
	env.CreateAttr("xmlns:w", wsman.NSWSMan)
	hdr := env.CreateElement("s:Header")
	hdr.CreateElement("a:To").SetText(wsman.AnonymousAddress)
	if action != "" {
		hdr.CreateElement("a:Action").SetText(action)
	}
	hdr.CreateElement("a:MessageID").SetText(wsman.NewMessageID())
	if relatesTo != "" {
		hdr.CreateElement("a:RelatesTo").SetText(relatesTo)
	}
	body := env.CreateElement("s:Body")
	if content != nil {
		body.AddChild(content)
	}
	var buf bytes.Buffer
	_, _ = doc.WriteTo(&buf)
	w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// Start serves the device on a new 127.0.0.1 listener over plain HTTP.
func (s *Server) Start() error { return s.start(false) }

// StartTLS serves the device over TLS with a fresh self-signed certificate
// (see Certificate and Fingerprint).
func (s *Server) StartTLS() error { return s.start(true) }

func (s *Server) start(useTLS bool) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.srv = &http.Server{Handler: s, ConnState: s.ConnState, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: log.New(io.Discard, "", 0)} // clients refusing the certificate are expected in tests
	scheme := "http"
	if useTLS {
		cert, leaf, err := SelfSigned("127.0.0.1")
		if err != nil {
			ln.Close()
			return err
		}
		s.cert = leaf
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	s.ln = ln
	s.url = scheme + "://" + ln.Addr().String() + "/wsman"
	go func() { _ = s.srv.Serve(ln) }()
	return nil
}

// URL is the device's endpoint ("http://127.0.0.1:port/wsman").
func (s *Server) URL() string { return s.url }

// Addr is the listener's host:port.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Certificate returns the TLS certificate (nil over plain HTTP).
func (s *Server) Certificate() *x509.Certificate { return s.cert }

// Fingerprint returns the hex SHA-256 of the TLS certificate, for pinning.
func (s *Server) Fingerprint() string {
	if s.cert == nil {
		return ""
	}
	sum := sha256.Sum256(s.cert.Raw)
	return hex.EncodeToString(sum[:])
}

// Close stops the listener and closes connections.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Close()
}

// SelfSigned makes an ECDSA P-256 certificate for host, valid for a day.
func SelfSigned(host string) (tls.Certificate, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "oobkit simulated device"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("wsmantest: certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf, nil
}
