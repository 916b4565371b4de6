package wmitest

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// ntlmState remembers, per TCP connection, the challenge sent and the user
// authenticated: NTLM authenticates a connection, not a request.
type ntlmState struct {
	conns map[string]*ntlmConn
}

type ntlmConn struct {
	challenge [8]byte
	pending   bool
	user      string
}

const maxNTLMConns = 8192

func (c *Computer) conn(addr string) *ntlmConn {
	if c.ntlm.conns == nil || len(c.ntlm.conns) > maxNTLMConns {
		c.ntlm.conns = map[string]*ntlmConn{}
	}
	nc := c.ntlm.conns[addr]
	if nc == nil {
		nc = &ntlmConn{}
		c.ntlm.conns[addr] = nc
	}
	return nc
}

func (c *Computer) forgetConn(addr string) {
	c.mu.Lock()
	delete(c.ntlm.conns, addr)
	c.mu.Unlock()
}

// checkUser finds a local account by "user", ".\user" or "COMPUTER\user"
// (domain part of NTLM given separately) and checks its password.
func (c *Computer) lookupUser(domain, name string) *User {
	if i := strings.IndexByte(name, '\\'); i >= 0 {
		domain, name = name[:i], name[i+1:]
	}
	if domain != "" && domain != "." && !strings.EqualFold(domain, c.Name) {
		return nil // domain accounts are not simulated
	}
	u := c.users[strings.ToLower(name)]
	if u == nil || u.Disabled {
		return nil
	}
	return u
}

// authenticate is the wsmantest Authenticator: Basic and NTLM (offered as
// Negotiate, as WinRM does), per the computer's settings.
func (c *Computer) authenticate(w http.ResponseWriter, r *http.Request, _ []byte) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(h, " ")
	if c.krb != nil {
		if user, ok, handled := c.krb.v.ServeNegotiate(w, r); handled {
			return user, ok
		}
	}
	switch {
	case h == "":
		if nc := c.ntlm.conns[r.RemoteAddr]; nc != nil && nc.user != "" {
			return nc.user, true
		}
	case strings.EqualFold(scheme, "Basic") && c.AllowBasic:
		if user, pass, ok := r.BasicAuth(); ok {
			if u := c.lookupUser("", user); u != nil && u.Password == pass {
				return u.Name, true
			}
		}
	case (strings.EqualFold(scheme, "Negotiate") || strings.EqualFold(scheme, "NTLM")) && c.AllowNTLM:
		msg, err := base64.StdEncoding.DecodeString(strings.TrimSpace(token))
		if err != nil {
			break
		}
		t, err := ntlmMessageType(msg)
		if err != nil {
			break
		}
		nc := c.conn(r.RemoteAddr)
		switch t {
		case 1:
			challenge, sc := newChallenge(c.Name)
			nc.challenge, nc.pending, nc.user = sc, true, ""
			w.Header().Set("WWW-Authenticate", scheme+" "+base64.StdEncoding.EncodeToString(challenge))
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusUnauthorized)
			return "", false
		case 3:
			am, err := parseAuthenticate(msg)
			if err != nil || !nc.pending {
				break
			}
			nc.pending = false
			u := c.lookupUser(am.domain, am.user)
			if u != nil && verifyNTLMv2(am, u.Password, nc.challenge) {
				nc.user = u.Name
				return u.Name, true
			}
			c.logEvent("Security", 5, 4625, "Microsoft-Windows-Security-Auditing",
				"An account failed to log on. Account Name: "+am.user+" Authentication Package: NTLM", "")
		}
	}
	c.refuse(w)
	return "", false
}

func (c *Computer) refuse(w http.ResponseWriter) {
	if c.AllowNTLM {
		w.Header().Add("WWW-Authenticate", "Negotiate")
	}
	if c.AllowBasic {
		w.Header().Add("WWW-Authenticate", `Basic realm="WSMAN"`)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusUnauthorized)
}

// ServeHTTP answers like Windows: not at all while it is shut down or
// rebooting (the connection is dropped), WinRM otherwise.
func (c *Computer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.tick()
	off := c.off
	c.mu.Unlock()
	if off {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	c.srv.ServeHTTP(w, r)
}

type listener struct {
	ln   net.Listener
	srv  *http.Server
	cert *x509.Certificate
	url  string
}

// Start serves the computer over plain HTTP on a new 127.0.0.1 listener.
func (c *Computer) Start() error { return c.start(false) }

// StartTLS serves the computer over HTTPS with a fresh self-signed
// certificate (pin it with [Computer.Fingerprint]).
func (c *Computer) StartTLS() error { return c.start(true) }

func (c *Computer) start(useTLS bool) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	l := &listener{ln: ln}
	l.srv = &http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second,
		// Clients that reject the certificate (pinning tests) would
		// otherwise print a handshake error on stderr for each attempt.
		ErrorLog: log.New(io.Discard, "", 0),
		ConnState: func(conn net.Conn, st http.ConnState) {
			c.srv.ConnState(conn, st)
			if st == http.StateClosed || st == http.StateHijacked {
				c.forgetConn(conn.RemoteAddr().String())
			}
		}}
	scheme := "http"
	if useTLS {
		cert, leaf, err := wsmantest.SelfSigned("127.0.0.1")
		if err != nil {
			ln.Close()
			return err
		}
		l.cert = leaf
		l.ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	l.url = scheme + "://" + ln.Addr().String() + "/wsman"
	c.mu.Lock()
	c.listener = l
	c.mu.Unlock()
	go func() { _ = l.srv.Serve(l.ln) }()
	return nil
}

// URL is the WinRM endpoint ("http://127.0.0.1:port/wsman").
func (c *Computer) URL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.listener == nil {
		return ""
	}
	return c.listener.url
}

// Target returns an oobkit.Target whose WMI port is the listener's.
func (c *Computer) Target() oobkit.Target {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := oobkit.Target{Name: c.Name, Address: "127.0.0.1"}
	if c.listener != nil {
		_, port, _ := net.SplitHostPort(c.listener.ln.Addr().String())
		n, _ := strconv.Atoi(port)
		t.Ports = map[oobkit.Protocol]int{oobkit.WMI: n}
	}
	return t
}

// Fingerprint returns the hex SHA-256 of the TLS certificate ("" over HTTP).
func (c *Computer) Fingerprint() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.listener == nil || c.listener.cert == nil {
		return ""
	}
	sum := sha256.Sum256(c.listener.cert.Raw)
	return hex.EncodeToString(sum[:])
}

// Close stops the listener and closes its connections.
func (c *Computer) Close() error {
	c.mu.Lock()
	l := c.listener
	c.mu.Unlock()
	if l == nil {
		return nil
	}
	return l.srv.Close()
}
