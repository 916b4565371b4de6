package kerberos

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"
	"golang.org/x/sync/singleflight"

	"github.com/oobkit/oobkit"
)

// Cache holds signed-in Kerberos clients and their service tickets, keyed
// by user principal (and key source) and SPN, so that a fleet run asks the
// KDC for a TGT once per user and for a service ticket once per service,
// however many calls and goroutines use them. Tickets are reused until they
// expire. The zero value is not usable; use [NewCache] or [Default].
type Cache struct {
	mu      sync.Mutex
	clients map[string]*entry
	as, tgs atomic.Int64
	perSPN  sync.Map // spn → *atomic.Int64
	kdcSem  chan struct{}
}

// MaxKDCConcurrency is how many requests one cache has at the KDCs at a
// time. A fleet run's first pass asks for one service ticket per device; a
// domain controller answering hundreds at once (on a small machine) lets
// some wait past the client's read timeout.
const MaxKDCConcurrency = 8

// Default is the process-wide cache the oobkit clients use unless given
// another.
var Default = NewCache()

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{clients: map[string]*entry{}, kdcSem: make(chan struct{}, MaxKDCConcurrency)}
}

// atKDC runs f holding one of the cache's KDC slots. A request that fails
// for the network (the KDC did not answer in time) is tried once more.
func (c *Cache) atKDC(f func() error) error {
	c.kdcSem <- struct{}{}
	defer func() { <-c.kdcSem }()
	err := f()
	if err != nil && Classify(err, "", "", "").Reason == ReasonKDCUnreachable {
		err = f()
	}
	return err
}

// entry is one user's signed-in client.
type entry struct {
	principal string
	login     sync.Mutex
	loggedIn  bool
	cl        *client.Client
	fromCC    bool
	tgtEnd    time.Time
	sf        singleflight.Group
}

// Stats counts what a cache asked of the KDCs: AS exchanges (sign-ins; one
// exchange may take two messages when the KDC asks for
// pre-authentication) and TGS exchanges (service tickets), in all and per
// service principal. Renewals gokrb5 makes on its own when a ticket nears
// its end are not counted; a counting proxy in front of the KDC sees them.
type Stats struct {
	AS, TGS   int64
	TGSPerSPN map[string]int64
}

// Stats returns the counts so far.
func (c *Cache) Stats() Stats {
	s := Stats{AS: c.as.Load(), TGS: c.tgs.Load(), TGSPerSPN: map[string]int64{}}
	c.perSPN.Range(func(k, v any) bool {
		s.TGSPerSPN[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return s
}

// Close forgets every client and ticket and stops gokrb5's renewal
// goroutines.
func (c *Cache) Close() {
	c.mu.Lock()
	old := c.clients
	c.clients = map[string]*entry{}
	c.mu.Unlock()
	for _, e := range old {
		e.login.Lock()
		if e.cl != nil {
			e.cl.Destroy()
		}
		e.login.Unlock()
	}
}

// Principal returns the user principal of cred ("user@REALM").
func Principal(cred oobkit.Credential) (user, realm string, err error) {
	u := cred.Username
	if i := strings.LastIndexByte(u, '@'); i >= 0 {
		user, realm = u[:i], u[i+1:]
	} else {
		user = u
		if i := strings.IndexByte(u, '\\'); i >= 0 {
			user = u[i+1:]
		}
		if cred.Kerberos != nil {
			realm = cred.Kerberos.Realm
		}
	}
	if user == "" || realm == "" {
		return "", "", &Error{Reason: ReasonNoCredential, Stage: "config", Principal: cred.Username,
			Err: fmt.Errorf("a Kerberos user principal is user@REALM (or a realm in the credential's Kerberos settings)")}
	}
	return user, strings.ToUpper(realm), nil
}

// cacheKey identifies a credential without holding its secret in clear.
func cacheKey(cred oobkit.Credential) (string, error) {
	user, realm, err := Principal(cred)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s@%s\x00%s\x00", user, realm, cred.Password.Reveal())
	if k := cred.Kerberos; k != nil {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s", k.Keytab, k.KeytabData.Reveal(), k.CCache, k.Krb5Conf, strings.Join(k.KDC, ","))
	}
	return user + "@" + realm + "#" + hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// Config builds the gokrb5 configuration of cred: its KDC list, else its
// krb5.conf. KDCs are always spoken to over TCP (udp_preference_limit 1,
// as Windows has done since Vista): an Active Directory reply carries a
// PAC and seldom fits a datagram, and a UDP try first would double the
// KDC's requests.
func Config(cred oobkit.Credential) (*config.Config, error) {
	_, realm, err := Principal(cred)
	if err != nil {
		return nil, err
	}
	k := cred.Kerberos
	var cfg *config.Config
	switch {
	case k != nil && len(k.KDC) > 0:
		cfg = config.New()
		cfg.LibDefaults.DefaultRealm = realm
		cfg.Realms = []config.Realm{{Realm: realm, KDC: k.KDC, DefaultDomain: strings.ToLower(realm)}}
	case k != nil && k.Krb5Conf != "":
		cfg, err = config.Load(k.Krb5Conf)
		if err != nil {
			return nil, &Error{Reason: ReasonNoCredential, Stage: "config", Principal: cred.Username, Err: fmt.Errorf("reading krb5.conf: %w", err)}
		}
	default:
		// The system's krb5.conf, as MIT's tools read it.
		path := os.Getenv("KRB5_CONFIG")
		if path == "" {
			path = "/etc/krb5.conf"
		}
		cfg, err = config.Load(path)
		if err != nil {
			return nil, &Error{Reason: ReasonNoCredential, Stage: "config", Principal: cred.Username,
				Err: fmt.Errorf("no KDC: set the credential's Kerberos KDC list or krb5.conf path (the system's %s: %w)", path, err)}
		}
	}
	cfg.LibDefaults.UDPPreferenceLimit = 1
	if len(cfg.LibDefaults.DefaultRealm) == 0 {
		cfg.LibDefaults.DefaultRealm = realm
	}
	return cfg, nil
}

// newClient builds the gokrb5 client of cred from its key source.
func newClient(cred oobkit.Credential) (*client.Client, time.Time, error) {
	user, realm, err := Principal(cred)
	if err != nil {
		return nil, time.Time{}, err
	}
	cfg, err := Config(cred)
	if err != nil {
		return nil, time.Time{}, err
	}
	noCred := func(err error) error {
		return &Error{Reason: ReasonNoCredential, Stage: "config", Principal: user + "@" + realm, Err: err}
	}
	opts := []func(*client.Settings){client.DisablePAFXFAST(true)}
	k := cred.Kerberos
	switch {
	case k != nil && (k.Keytab != "" || !k.KeytabData.IsZero()):
		kt := keytab.New()
		var b []byte
		if k.Keytab != "" {
			b, err = os.ReadFile(k.Keytab)
		} else {
			b, err = base64.StdEncoding.DecodeString(k.KeytabData.Reveal())
		}
		if err == nil {
			err = kt.Unmarshal(b)
		}
		if err != nil {
			return nil, time.Time{}, noCred(fmt.Errorf("reading the keytab: %w", err))
		}
		return client.NewWithKeytab(user, realm, kt, cfg, opts...), time.Time{}, nil
	case k != nil && k.CCache != "":
		cc, err := credentials.LoadCCache(k.CCache)
		if err != nil {
			return nil, time.Time{}, noCred(fmt.Errorf("reading the credential cache: %w", err))
		}
		cl, err := client.NewFromCCache(cc, cfg, opts...)
		if err != nil {
			return nil, time.Time{}, Classify(err, "as", user+"@"+realm, "")
		}
		tgt := types.PrincipalName{NameType: nametype.KRB_NT_SRV_INST, NameString: []string{"krbtgt", cc.DefaultPrincipal.Realm}}
		ent, _ := cc.GetEntry(tgt) // NewFromCCache has checked it is there
		return cl, ent.EndTime, nil
	case !cred.Password.IsZero():
		return client.NewWithPassword(user, realm, cred.Password.Reveal(), cfg, opts...), time.Time{}, nil
	}
	// The default credential cache, as kinit left it.
	if p := defaultCCache(); p != "" {
		c := cred
		k := settingsOf(cred)
		k.CCache = p
		c.Kerberos = &k
		return newClient(c)
	}
	return nil, time.Time{}, noCred(fmt.Errorf("no password, keytab or credential cache"))
}

// settingsOf returns a copy of cred's Kerberos settings (zero if
// none).
func settingsOf(cred oobkit.Credential) oobkit.KerberosSettings {
	if cred.Kerberos == nil {
		return oobkit.KerberosSettings{}
	}
	return *cred.Kerberos
}

// defaultCCache is the FILE credential cache of $KRB5CCNAME, else MIT's
// default /tmp/krb5cc_<uid>, when the file exists.
func defaultCCache() string {
	p := os.Getenv("KRB5CCNAME")
	if p != "" {
		var ok bool
		if p, ok = strings.CutPrefix(p, "FILE:"); !ok && strings.Contains(p, ":") {
			return "" // KEYRING:, KCM:, DIR: are not files gokrb5 reads
		}
	} else {
		p = fmt.Sprintf("/tmp/krb5cc_%d", os.Getuid())
	}
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// signedIn returns cred's client, signing in (one AS exchange) the first
// time.
func (c *Cache) signedIn(cred oobkit.Credential) (*entry, error) {
	key, err := cacheKey(cred)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	e := c.clients[key]
	if e == nil {
		e = &entry{principal: key[:strings.IndexByte(key, '#')]}
		c.clients[key] = e
	}
	c.mu.Unlock()
	e.login.Lock()
	defer e.login.Unlock()
	if e.loggedIn && (e.tgtEnd.IsZero() || time.Now().Before(e.tgtEnd)) {
		return e, nil
	}
	if e.cl == nil {
		cl, end, err := newClient(cred)
		if err != nil {
			return nil, err
		}
		e.cl, e.fromCC, e.tgtEnd = cl, !end.IsZero(), end
	}
	if e.fromCC {
		// A credential cache has no key to sign in again with: its TGT is
		// all there is.
		end := e.tgtEnd
		if !time.Now().Before(end) {
			return nil, &Error{Reason: ReasonExpired, Stage: "as", Principal: e.principal,
				Err: fmt.Errorf("the credential cache's TGT expired at %s and there is no key to get another", end.UTC().Format(time.RFC3339))}
		}
		e.tgtEnd, e.loggedIn = end, true
		return e, nil
	}
	c.as.Add(1)
	if err := c.atKDC(e.cl.Login); err != nil {
		cfg := e.cl.Config
		e.cl.Destroy()
		e.cl = nil
		ke := Classify(err, "as", e.principal, "")
		if ke.Reason == ReasonUnknownPrincipal && !realmServed(cfg, e.cl0Realm(cred)) {
			ke.Reason = ReasonWrongRealm
		}
		return nil, ke
	}
	e.loggedIn, e.tgtEnd = true, time.Time{}
	return e, nil
}

func (e *entry) cl0Realm(cred oobkit.Credential) string {
	_, realm, _ := Principal(cred)
	return realm
}

// realmServed asks the KDC whether it serves realm at all, after it said
// it knows no such client: an Active Directory KDC (Samba's too) answers a
// user of a realm it does not serve with KDC_ERR_C_PRINCIPAL_UNKNOWN, the
// same as an unknown user of its own realm. Every realm has the principal
// krbtgt/REALM (RFC 4120 §7.3); an AS request naming it as the client is
// answered with something other than "client unknown" (pre-authentication
// required, or a policy refusal) exactly when the realm is the KDC's. This
// costs one more KDC request, on failures only.
func realmServed(cfg *config.Config, realm string) bool {
	probe := client.NewWithPassword("krbtgt", realm, "-", cfg, client.DisablePAFXFAST(true))
	defer probe.Destroy()
	err := probe.Login()
	if err == nil {
		return true
	}
	ke := Classify(err, "as", "", "")
	return ke.Code != 0 && ke.Reason != ReasonUnknownPrincipal && ke.Reason != ReasonWrongRealm
}

// Token returns a SPNEGO initial context token (RFC 4178 NegTokenInit
// holding a Kerberos AP-REQ, RFC 4121 §4.1) for spn, signing in and getting
// the service ticket only when the cache has none that is still valid.
func (c *Cache) Token(ctx context.Context, cred oobkit.Credential, spn string) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		b, err := c.token(cred, spn)
		ch <- result{b, err}
	}()
	select {
	case r := <-ch:
		return r.b, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *Cache) token(cred oobkit.Credential, spn string) ([]byte, error) {
	e, err := c.signedIn(cred)
	if err != nil {
		return nil, err
	}
	e.login.Lock()
	cl := e.cl
	e.login.Unlock()
	if cl == nil {
		return nil, &Error{Reason: ReasonOther, Stage: "tgs", Principal: e.principal, SPN: spn, Err: fmt.Errorf("the client was forgotten meanwhile")}
	}
	tkt, key, ok := cl.GetCachedTicket(spn)
	if !ok {
		_, err, _ := e.sf.Do(spn, func() (any, error) {
			if _, _, ok := cl.GetCachedTicket(spn); ok {
				return nil, nil
			}
			c.tgs.Add(1)
			n, _ := c.perSPN.LoadOrStore(spn, new(atomic.Int64))
			n.(*atomic.Int64).Add(1)
			return nil, c.atKDC(func() error {
				_, _, err := cl.GetServiceTicket(spn)
				return err
			})
		})
		if err != nil {
			return nil, Classify(err, "tgs", e.principal, spn)
		}
		if tkt, key, ok = cl.GetCachedTicket(spn); !ok {
			return nil, &Error{Reason: ReasonOther, Stage: "tgs", Principal: e.principal, SPN: spn, Err: fmt.Errorf("the KDC's ticket is not valid now")}
		}
	}
	init, err := spnego.NewNegTokenInitKRB5(cl, tkt, key)
	if err != nil {
		return nil, Classify(err, "ap", e.principal, spn)
	}
	tok := spnego.SPNEGOToken{Init: true, NegTokenInit: init}
	b, err := tok.Marshal()
	if err != nil {
		return nil, Classify(err, "ap", e.principal, spn)
	}
	return b, nil
}

// Negotiate returns the value of an HTTP Authorization header ("Negotiate
// <base64 token>", RFC 4559 §4.2) for spn.
func (c *Cache) Negotiate(ctx context.Context, cred oobkit.Credential, spn string) (string, error) {
	b, err := c.Token(ctx, cred, spn)
	if err != nil {
		return "", err
	}
	return "Negotiate " + base64.StdEncoding.EncodeToString(b), nil
}
