package adpassword

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/tlsconf"
)

// The LDAP ports (RFC 4511; LDAPS is LDAP over TLS from the first byte).
const (
	PortLDAP  = 389
	PortLDAPS = 636
)

// Config says which directory to reach and how to trust it.
type Config struct {
	// Server is the domain controller: "dc1.example.com",
	// "dc1.example.com:636", "ldaps://dc1.example.com" or, with StartTLS,
	// "ldap://dc1.example.com" (port 389). A bare host means LDAPS on 636.
	// An "ldap://" server without StartTLS is refused with
	// [ReasonPlaintext] before anything is dialed.
	Server string
	// StartTLS upgrades an "ldap://" connection with the StartTLS extended
	// operation (RFC 4511 §4.14) before anything else is sent. If the
	// server refuses, the operation fails; it never goes on in plain text.
	StartTLS bool
	// TLS says how the directory's certificate is verified: against the
	// system roots by default, or CAFile/CAPEM, or a SHA-256 pin of the
	// leaf; ServerName overrides the name checked. Enabled is ignored (TLS
	// is always on).
	TLS oobkit.TLSSettings
	// BaseDN is where accounts are searched; empty: the directory's
	// defaultNamingContext (read from the RootDSE).
	BaseDN string
	// DialContext dials the TCP connection; nil: a net.Dialer. Tests and
	// tunnels inject their own.
	DialContext func(ctx context.Context, network, address string) (net.Conn, error)
	// Logger receives debug records (never a password); nil discards.
	Logger *slog.Logger
}

// Validate checks the configuration without touching the network: the
// server's form (a plain ldap:// server without StartTLS is
// [ReasonPlaintext]) and the TLS settings (a CA file that reads, a pin of
// 64 hex digits).
func (c Config) Validate() error {
	ep, err := c.parseServer()
	if err != nil {
		return err
	}
	_, _, err = tlsConfig(c.TLS, ep.host)
	return err
}

// endpoint is a parsed Config.Server.
type endpoint struct {
	host, addr string
	ldaps      bool
}

// parseServer reads Config.Server, refusing a plain-text connection.
func (c Config) parseServer() (endpoint, error) {
	s := strings.TrimSpace(c.Server)
	if s == "" {
		return endpoint{}, fmt.Errorf("%w: no directory server", oobkit.ErrInvalidArgument)
	}
	scheme := "ldaps"
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return endpoint{}, fmt.Errorf("%w: directory server %q: want host, host:port, ldaps://host or ldap://host", oobkit.ErrInvalidArgument, c.Server)
		}
		scheme, s = strings.ToLower(u.Scheme), u.Host
	}
	e := endpoint{ldaps: scheme == "ldaps"}
	switch {
	case scheme != "ldap" && scheme != "ldaps":
		return endpoint{}, fmt.Errorf("%w: directory server %q: unknown scheme %q", oobkit.ErrInvalidArgument, c.Server, scheme)
	case scheme == "ldaps" && c.StartTLS:
		return endpoint{}, fmt.Errorf("%w: directory server %q: StartTLS needs an ldap:// server (ldaps:// is TLS already)", oobkit.ErrInvalidArgument, c.Server)
	case scheme == "ldap" && !c.StartTLS:
		return endpoint{}, wrap("connect", &Error{Reason: ReasonPlaintext, Message: "ldap:// without StartTLS would send passwords in plain text; use ldaps:// or set StartTLS"})
	}
	port := PortLDAPS
	if !e.ldaps {
		port = PortLDAP
	}
	host, p, err := net.SplitHostPort(s)
	if err != nil {
		host = strings.Trim(s, "[]")
	} else {
		n, perr := strconv.Atoi(p)
		if perr != nil || n <= 0 || n > 65535 {
			return endpoint{}, fmt.Errorf("%w: directory server %q: bad port", oobkit.ErrInvalidArgument, c.Server)
		}
		port = n
	}
	if host == "" {
		return endpoint{}, fmt.Errorf("%w: directory server %q: no host", oobkit.ErrInvalidArgument, c.Server)
	}
	e.host, e.addr = host, net.JoinHostPort(host, strconv.Itoa(port))
	return e, nil
}

// EncodePassword returns the value Active Directory takes for unicodePwd:
// the password in double quotes, in UTF-16 little-endian ([MS-ADTS]
// 3.1.1.3.1.5.1 "unicodePwd",
// https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-adts/).
// It refuses an empty password and one that is not valid UTF-8 (which
// would otherwise be changed silently).
func EncodePassword(s oobkit.Secret) ([]byte, error) {
	if s.IsZero() {
		return nil, fmt.Errorf("%w: empty password", oobkit.ErrInvalidArgument)
	}
	pw := s.Reveal()
	if !utf8.ValidString(pw) {
		return nil, fmt.Errorf("%w: the password is not valid UTF-8", oobkit.ErrInvalidArgument)
	}
	u := utf16.Encode([]rune(`"` + pw + `"`))
	b := make([]byte, 2*len(u))
	for i, v := range u {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	return b, nil
}

// MaxResponse caps the bytes read from the directory for one operation
// (the handshake and RootDSE read, a bind, a search, a modify): answers
// here are a few hundred bytes, and a directory that sends more than this
// fails the operation with [oobkit.ErrProtocol] instead of filling memory.
const MaxResponse = 1 << 20

// capConn counts the bytes read for the operation under way; past
// MaxResponse reads fail, which ends the connection.
type capConn struct {
	net.Conn
	left     atomic.Int64
	exceeded atomic.Bool
}

var errResponseTooLarge = errors.New("the directory's answer exceeds the size limit")

func newCapConn(c net.Conn) *capConn {
	cc := &capConn{Conn: c}
	cc.left.Store(MaxResponse)
	return cc
}

func (c *capConn) Read(p []byte) (int, error) {
	left := c.left.Load()
	if left <= 0 {
		c.exceeded.Store(true)
		return 0, errResponseTooLarge
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := c.Conn.Read(p)
	c.left.Add(-int64(n))
	return n, err
}

// next starts the budget of a new operation.
func (c *capConn) next() { c.left.Store(MaxResponse) }

// tooLarge is the error of an operation whose answer was cut.
func tooLarge(op string) error {
	return &oobkit.Error{Protocol: Protocol, Op: op, Class: oobkit.ErrProtocol,
		Message: fmt.Sprintf("the directory sent more than %d bytes", MaxResponse), Err: errResponseTooLarge}
}

// Conn is one bound connection to a directory. It is not safe for
// concurrent use: run one operation at a time (a [tasks] step for many
// accounts does). A context that ends during an operation closes the
// connection.
//
// [tasks]: https://pkg.go.dev/github.com/oobkit/oobkit/tasks
type Conn struct {
	l      *ldap.Conn
	raw    *capConn
	cfg    Config
	log    *slog.Logger
	base   string // where accounts are searched
	domain string // the DNS name of the domain (from the base DN)
	bound  string // the bind name
}

// dial connects with TLS and reads the RootDSE; nothing is bound yet.
func dial(ctx context.Context, cfg Config) (*Conn, error) {
	ep, err := cfg.parseServer()
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tc, verr, err := tlsConfig(cfg.TLS, ep.host)
	if err != nil {
		return nil, err
	}
	dialer := cfg.DialContext
	if dialer == nil {
		dialer = (&net.Dialer{}).DialContext
	}
	nc, err := dialer(ctx, "tcp", ep.addr)
	if err != nil {
		return nil, unreachable(ctx, "connect "+ep.addr, err)
	}
	raw := newCapConn(nc)
	if d, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = raw.Close() })
	defer stop()
	var l *ldap.Conn
	if ep.ldaps {
		t := tls.Client(raw, tc)
		if err := t.HandshakeContext(ctx); err != nil {
			_ = raw.Close()
			return nil, handshakeError(ctx, raw, ep.addr, err, *verr)
		}
		l = ldap.NewConn(t, true)
		l.Start()
	} else {
		l = ldap.NewConn(raw, false)
		l.Start()
		if err := l.StartTLS(tc); err != nil {
			_ = l.Close()
			if *verr != nil || ctx.Err() != nil {
				return nil, handshakeError(ctx, raw, ep.addr, err, *verr)
			}
			var le *ldap.Error
			if errors.As(err, &le) && le.ResultCode < ldap.ErrorNetwork {
				return nil, fromLDAP("StartTLS on "+ep.addr, err)
			}
			return nil, handshakeError(ctx, raw, ep.addr, err, nil)
		}
	}
	_ = raw.SetDeadline(time.Time{})
	if st, ok := l.TLSConnectionState(); !ok || !st.HandshakeComplete {
		_ = l.Close()
		return nil, wrap("connect "+ep.addr, &Error{Reason: ReasonPlaintext, Message: "the connection is not encrypted"})
	}
	c := &Conn{l: l, raw: raw, cfg: cfg, log: log, base: cfg.BaseDN}
	if err := c.readRootDSE(ctx); err != nil {
		_ = l.Close()
		return nil, err
	}
	log.Debug("directory connected", "server", ep.addr, "base", c.base)
	return c, nil
}

// tlsConfig is tlsconf's configuration, with chain verification done in
// VerifyConnection so that its error survives the LDAP library's StartTLS
// (which keeps only the text of a handshake failure): *verr holds it.
func tlsConfig(s oobkit.TLSSettings, host string) (*tls.Config, *error, error) {
	tc, err := tlsconf.Config(s, host)
	if err != nil {
		return nil, nil, err
	}
	verr := new(error)
	switch {
	case tc.VerifyConnection != nil: // a pin: it alone decides
		pin := tc.VerifyConnection
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			err := pin(cs)
			*verr = err
			return err
		}
	case !tc.InsecureSkipVerify:
		roots, name := tc.RootCAs, tc.ServerName
		tc.InsecureSkipVerify = true // verified below, as crypto/tls would
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				*verr = errors.New("the server sent no certificate")
				return *verr
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, DNSName: name, Intermediates: inter})
			*verr = err
			return err
		}
	}
	return tc, verr, nil
}

// handshakeError classes a failed TLS handshake; verr is the certificate
// verification's own error, if it failed.
func handshakeError(ctx context.Context, raw *capConn, addr string, err, verr error) error {
	op := "TLS to " + addr
	if raw.exceeded.Load() {
		return tooLarge(op)
	}
	if verr != nil {
		return wrap(op, &Error{Reason: ReasonCertificate, Message: verr.Error()})
	}
	if ctx.Err() != nil {
		return unreachable(ctx, op, err)
	}
	if class, why := tlsconf.HandshakeClass(err); class != nil {
		if class == oobkit.ErrAuth {
			return wrap(op, &Error{Reason: ReasonCertificate, Message: err.Error()})
		}
		return &oobkit.Error{Protocol: Protocol, Op: op, Class: class, Message: why, Err: err}
	}
	return unreachable(ctx, op, err)
}

// do runs fn, one LDAP operation, under ctx: its deadline bounds the
// operation and its end closes the connection.
func (c *Conn) do(ctx context.Context, op string, fn func() error) error {
	if ctx.Err() != nil {
		return unreachable(ctx, op, nil)
	}
	if d, ok := ctx.Deadline(); ok {
		c.l.SetTimeout(time.Until(d))
	}
	c.raw.next()
	stop := context.AfterFunc(ctx, func() { _ = c.l.Close() })
	err := fn()
	if !stop() || (err != nil && ctx.Err() != nil) { // ctx ended (and closed the connection under fn)
		return unreachable(ctx, op, nil)
	}
	if err != nil && c.raw.exceeded.Load() {
		return tooLarge(op)
	}
	if err != nil {
		return fromLDAP(op, err)
	}
	return nil
}

// readRootDSE learns the naming context (RFC 4512 §5.1; Active Directory's
// defaultNamingContext) when no BaseDN was given.
func (c *Conn) readRootDSE(ctx context.Context) error {
	if c.base == "" {
		var res *ldap.SearchResult
		err := c.do(ctx, "read RootDSE", func() (err error) {
			res, err = c.l.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
				"(objectClass=*)", []string{"defaultNamingContext"}, nil))
			return err
		})
		if err != nil {
			return err
		}
		if len(res.Entries) == 1 {
			c.base = res.Entries[0].GetAttributeValue("defaultNamingContext")
		}
		if c.base == "" {
			return &oobkit.Error{Protocol: Protocol, Op: "read RootDSE", Class: oobkit.ErrInvalidArgument,
				Message: "the directory names no defaultNamingContext: set Config.BaseDN"}
		}
	}
	dn, err := ldap.ParseDN(c.base)
	if err != nil {
		return &oobkit.Error{Protocol: Protocol, Op: "base DN", Class: oobkit.ErrInvalidArgument, Message: fmt.Sprintf("base DN %q", c.base), Err: err}
	}
	var labels []string
	for _, rdn := range dn.RDNs {
		for _, a := range rdn.Attributes {
			if strings.EqualFold(a.Type, "DC") {
				labels = append(labels, a.Value)
			}
		}
	}
	c.domain = strings.ToLower(strings.Join(labels, "."))
	return nil
}

// bindName is the name a simple bind presents for account: a DN, a
// userPrincipalName or DOMAIN\user as given; a bare account name becomes
// name@domain, which Active Directory accepts.
func (c *Conn) bindName(account string) string {
	if strings.ContainsAny(account, `@\=`) || c.domain == "" {
		return account
	}
	return account + "@" + c.domain
}

// bind authenticates with a simple bind, over the TLS connection only.
func (c *Conn) bind(ctx context.Context, name string, pw oobkit.Secret) error {
	if pw.IsZero() {
		return fmt.Errorf("%w: bind as %s: empty password", oobkit.ErrInvalidArgument, name)
	}
	if st, ok := c.l.TLSConnectionState(); !ok || !st.HandshakeComplete { // dial guarantees it; never bind in clear
		return wrap("bind", &Error{Reason: ReasonPlaintext})
	}
	err := c.do(ctx, "bind as "+name, func() error { return c.l.Bind(name, pw.Reveal()) })
	if err == nil {
		c.bound = name
		c.log.Debug("directory bind", "name", name)
	}
	return err
}

// Dial connects to the directory with TLS and binds as an administrator
// (cred.Username: DN, user@domain, DOMAIN\user or a bare account name of
// the domain; cred.Password). The result resets passwords with
// [Conn.Reset]. Close it when done.
func Dial(ctx context.Context, cfg Config, cred oobkit.Credential) (*Conn, error) {
	if cred.Username == "" {
		return nil, fmt.Errorf("%w: no administrator user name", oobkit.ErrInvalidArgument)
	}
	c, err := dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := c.bind(ctx, c.bindName(cred.Username), cred.Password); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// Close ends the connection.
func (c *Conn) Close() error { return c.l.Close() }

// Bound returns the name the connection is bound as.
func (c *Conn) Bound() string { return c.bound }

// BaseDN returns where accounts are searched.
func (c *Conn) BaseDN() string { return c.base }

// FindUser returns the DN of the user account named account: a
// sAMAccountName ("alice"), DOMAIN\alice, a userPrincipalName
// ("alice@example.com") or a DN (returned as it is, once it parses). It
// fails with [ReasonNoSuchUser] or [ReasonAmbiguousUser].
func (c *Conn) FindUser(ctx context.Context, account string) (string, error) {
	op := "find " + account
	account = strings.TrimSpace(account)
	if account == "" {
		return "", fmt.Errorf("%w: no account name", oobkit.ErrInvalidArgument)
	}
	if strings.Contains(account, "=") {
		if _, err := ldap.ParseDN(account); err != nil {
			return "", &oobkit.Error{Protocol: Protocol, Op: op, Class: oobkit.ErrInvalidArgument, Err: err}
		}
		return account, nil
	}
	var filters []string
	if i := strings.LastIndexByte(account, '\\'); i >= 0 {
		filters = append(filters, "(sAMAccountName="+ldap.EscapeFilter(account[i+1:])+")")
	} else if i := strings.LastIndexByte(account, '@'); i >= 0 {
		filters = append(filters, "(userPrincipalName="+ldap.EscapeFilter(account)+")")
		if strings.EqualFold(account[i+1:], c.domain) { // the implicit UPN of an account of this domain
			filters = append(filters, "(sAMAccountName="+ldap.EscapeFilter(account[:i])+")")
		}
	} else {
		filters = append(filters, "(sAMAccountName="+ldap.EscapeFilter(account)+")")
	}
	for _, f := range filters {
		var res *ldap.SearchResult
		ambiguous := false
		err := c.do(ctx, op, func() (err error) {
			res, err = c.l.Search(ldap.NewSearchRequest(c.base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 2, 0, false,
				"(&(objectCategory=person)(objectClass=user)"+f+")", []string{"1.1"}, nil))
			if ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
				ambiguous = true
				return nil
			}
			return err
		})
		switch {
		case err != nil:
			return "", err
		case ambiguous || (res != nil && len(res.Entries) > 1):
			return "", wrap(op, &Error{Reason: ReasonAmbiguousUser, Message: fmt.Sprintf("more than one account is %q", account)})
		case res == nil || len(res.Entries) == 0:
			continue
		}
		return res.Entries[0].DN, nil
	}
	return "", wrap(op, &Error{Reason: ReasonNoSuchUser, Message: fmt.Sprintf("no user account %q under %s", account, c.base)})
}

// Reset sets account's password to newPassword with the rights of the
// bound administrator (a replace of unicodePwd, as Active Directory takes
// an administrative reset), and returns the account's DN. The password
// policy's refusals come back with their [Reason] and the directory's own
// message.
func (c *Conn) Reset(ctx context.Context, account string, newPassword oobkit.Secret) (string, error) {
	enc, err := EncodePassword(newPassword)
	if err != nil {
		return "", err
	}
	dn, err := c.FindUser(ctx, account)
	if err != nil {
		return "", err
	}
	req := ldap.NewModifyRequest(dn, nil)
	req.Replace("unicodePwd", []string{string(enc)})
	if err := c.do(ctx, "reset password of "+account, func() error { return c.l.Modify(req) }); err != nil {
		return dn, err
	}
	c.log.Info("domain password reset", "account", account, "dn", dn, "by", c.bound)
	return dn, nil
}

// Reset connects, binds as the administrator admin and resets account's
// password: the one-to-one form of [Conn.Reset].
func Reset(ctx context.Context, cfg Config, admin oobkit.Credential, account string, newPassword oobkit.Secret) error {
	if _, err := EncodePassword(newPassword); err != nil {
		return err
	}
	c, err := Dial(ctx, cfg, admin)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Reset(ctx, account, newPassword)
	return err
}

// Change changes account's own password: it binds as the account with
// oldPassword and, in one modify, deletes the old unicodePwd value and adds
// the new one (the user change of [MS-ADTS] 3.1.1.3.1.5.1), so the
// directory applies the policy a user faces (minimum age and history
// included). A refused old password is [ReasonWrongOldPassword].
func Change(ctx context.Context, cfg Config, account string, oldPassword, newPassword oobkit.Secret) error {
	oldEnc, err := EncodePassword(oldPassword)
	if err != nil {
		return fmt.Errorf("old password: %w", err)
	}
	newEnc, err := EncodePassword(newPassword)
	if err != nil {
		return fmt.Errorf("new password: %w", err)
	}
	if strings.TrimSpace(account) == "" {
		return fmt.Errorf("%w: no account name", oobkit.ErrInvalidArgument)
	}
	c, err := dial(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.bind(ctx, c.bindName(account), oldPassword); err != nil {
		if ReasonOf(err) == ReasonBadCredentials { // the account's own bind: its old password is wrong
			var d *Error
			if errors.As(err, &d) {
				w := *d
				w.Reason = ReasonWrongOldPassword
				return wrap("change password of "+account, &w)
			}
		}
		return err
	}
	dn, err := c.FindUser(ctx, account)
	if err != nil {
		return err
	}
	req := ldap.NewModifyRequest(dn, nil)
	req.Delete("unicodePwd", []string{string(oldEnc)})
	req.Add("unicodePwd", []string{string(newEnc)})
	if err := c.do(ctx, "change password of "+account, func() error { return c.l.Modify(req) }); err != nil {
		return err
	}
	c.log.Info("domain password changed", "account", account, "dn", dn)
	return nil
}
