package kerberos

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
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
// expire.
//
// A signed-in client holds the user's key source (gokrb5 keeps a password
// as a string, which Go cannot wipe) and a renewal goroutine per TGT, so the
// cache does not keep them forever: a client unused for the idle TTL, or the
// least recently used one past the cache's bound, is destroyed (its
// goroutines stopped, its credentials dropped), as are those [Cache.Forget]
// names and all of them on [Cache.Close]. The zero value is not usable; use
// [NewCache] or [Default].
type Cache struct {
	mu      sync.Mutex
	clients map[string]*entry
	lru     *list.List // of *entry, most recently used first
	max     int
	idle    time.Duration
	now     func() time.Time
	timer   *time.Timer // sweeps idle clients; nil when none is armed
	as, tgs atomic.Int64
	perSPN  sync.Map // spn → *atomic.Int64
	kdcSem  chan struct{}
}

// DefaultMaxClients bounds the signed-in clients of a cache (one per user
// principal and key source) unless [WithMaxClients] says otherwise.
const DefaultMaxClients = 256

// DefaultIdleTTL is how long a signed-in client unused is kept unless
// [WithIdleTTL] says otherwise.
const DefaultIdleTTL = 15 * time.Minute

// CacheOption configures [NewCache].
type CacheOption func(*Cache)

// WithMaxClients bounds the signed-in clients the cache keeps; the least
// recently used goes first. n <= 0 keeps the default.
func WithMaxClients(n int) CacheOption {
	return func(c *Cache) {
		if n > 0 {
			c.max = n
		}
	}
}

// WithIdleTTL sets how long an unused signed-in client is kept. d <= 0
// keeps the default.
func WithIdleTTL(d time.Duration) CacheOption {
	return func(c *Cache) {
		if d > 0 {
			c.idle = d
		}
	}
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
func NewCache(opts ...CacheOption) *Cache {
	c := &Cache{clients: map[string]*entry{}, lru: list.New(), max: DefaultMaxClients, idle: DefaultIdleTTL,
		now: time.Now, kdcSem: make(chan struct{}, MaxKDCConcurrency)}
	for _, o := range opts {
		o(c)
	}
	return c
}

// atKDC runs f holding one of the cache's KDC slots; a caller whose ctx
// ends while it waits for a slot gives up without taking one. A request
// that fails for the network (the KDC did not answer in time) is tried once
// more if ctx still allows. gokrb5 itself bounds each KDC exchange: 5 s to
// dial, 5 s for the reply, per KDC (client/network.go).
func (c *Cache) atKDC(ctx context.Context, f func() error) error {
	select {
	case c.kdcSem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.kdcSem }()
	if err := ctx.Err(); err != nil {
		return err
	}
	err := f()
	if err != nil && ctx.Err() == nil && Classify(err, "", "", "").Reason == ReasonKDCUnreachable {
		err = f()
	}
	return err
}

// entry is one user's signed-in client.
type entry struct {
	key       string
	principal string
	elem      *list.Element // in Cache.lru; nil once evicted
	used      time.Time     // under Cache.mu
	login     sync.Mutex
	loggedIn  bool
	gone      bool // destroyed: a caller that finds it so looks again
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
// goroutines. The cache stays usable: a later call signs in again.
func (c *Cache) Close() {
	c.mu.Lock()
	old := c.clients
	c.clients = map[string]*entry{}
	c.lru.Init()
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	c.mu.Unlock()
	for _, e := range old {
		e.destroy()
	}
}

// Forget destroys the signed-in client of cred, if the cache has one: its
// tickets, its copy of the key source and its renewal goroutines. Call it
// when a credential is changed or no longer needed.
func (c *Cache) Forget(cred oobkit.Credential) {
	key, err := cacheKey(cred)
	if err != nil {
		return
	}
	c.mu.Lock()
	e := c.clients[key]
	if e != nil {
		c.unlink(e)
	}
	c.mu.Unlock()
	if e != nil {
		e.destroy()
	}
}

// Len returns how many signed-in clients the cache holds.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.clients)
}

// unlink removes e from the cache's map and list; c.mu is held.
func (c *Cache) unlink(e *entry) {
	if c.clients[e.key] == e {
		delete(c.clients, e.key)
	}
	if e.elem != nil {
		c.lru.Remove(e.elem)
		e.elem = nil
	}
}

// destroy stops e's client: gokrb5's Destroy ends its renewal goroutines
// and replaces its credentials (password or keytab) with empty ones.
func (e *entry) destroy() {
	e.login.Lock()
	defer e.login.Unlock()
	if e.cl != nil {
		e.cl.Destroy()
		e.cl = nil
	}
	e.loggedIn, e.gone = false, true
}

// evictLocked unlinks the clients idle past the TTL and those past the
// bound, least recently used first, and returns them for destroying
// outside c.mu; c.mu is held.
func (c *Cache) evictLocked(now time.Time) []*entry {
	var out []*entry
	for b := c.lru.Back(); b != nil; b = c.lru.Back() {
		e := b.Value.(*entry)
		if c.lru.Len() <= c.max && now.Sub(e.used) < c.idle {
			break
		}
		c.unlink(e)
		out = append(out, e)
	}
	return out
}

// armLocked makes sure a sweep runs when the oldest client would go idle;
// c.mu is held. The timer holds no goroutine while it waits.
func (c *Cache) armLocked(now time.Time) {
	if c.timer != nil {
		return
	}
	b := c.lru.Back()
	if b == nil {
		return
	}
	d := b.Value.(*entry).used.Add(c.idle).Sub(now)
	if d < 0 {
		d = 0
	}
	c.timer = time.AfterFunc(d, c.sweep)
}

// sweep destroys the clients idle past the TTL.
func (c *Cache) sweep() {
	c.mu.Lock()
	c.timer = nil
	now := c.now()
	gone := c.evictLocked(now)
	c.armLocked(now)
	c.mu.Unlock()
	for _, e := range gone {
		e.destroy()
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
func (c *Cache) signedIn(ctx context.Context, cred oobkit.Credential) (*entry, error) {
	key, err := cacheKey(cred)
	if err != nil {
		return nil, err
	}
	for {
		e, err, again := c.signIn(ctx, cred, key)
		if !again {
			return e, err
		}
	}
}

// signIn is one try of signedIn; again is true when the entry found was
// destroyed (evicted or forgotten) before this caller got to it.
func (c *Cache) signIn(ctx context.Context, cred oobkit.Credential, key string) (_ *entry, _ error, again bool) {
	c.mu.Lock()
	now := c.now()
	e := c.clients[key]
	if e == nil {
		e = &entry{key: key, principal: key[:strings.IndexByte(key, '#')]}
		c.clients[key] = e
		e.elem = c.lru.PushFront(e)
	} else {
		c.lru.MoveToFront(e.elem)
	}
	e.used = now
	gone := c.evictLocked(now)
	c.armLocked(now)
	c.mu.Unlock()
	for _, g := range gone {
		g.destroy()
	}
	e.login.Lock()
	defer e.login.Unlock()
	if e.gone {
		return nil, nil, true
	}
	if e.loggedIn && (e.tgtEnd.IsZero() || time.Now().Before(e.tgtEnd)) {
		return e, nil, false
	}
	if e.cl == nil {
		cl, end, err := newClient(cred)
		if err != nil {
			return nil, err, false
		}
		e.cl, e.fromCC, e.tgtEnd = cl, !end.IsZero(), end
	}
	if e.fromCC {
		// A credential cache has no key to sign in again with: its TGT is
		// all there is.
		end := e.tgtEnd
		if !time.Now().Before(end) {
			return nil, &Error{Reason: ReasonExpired, Stage: "as", Principal: e.principal,
				Err: fmt.Errorf("the credential cache's TGT expired at %s and there is no key to get another", end.UTC().Format(time.RFC3339))}, false
		}
		e.tgtEnd, e.loggedIn = end, true
		return e, nil, false
	}
	cl := e.cl
	if err := c.atKDC(ctx, func() error { c.as.Add(1); return cl.Login() }); err != nil {
		cfg := e.cl.Config
		e.cl.Destroy()
		e.cl = nil
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return nil, err, false
		}
		ke := Classify(err, "as", e.principal, "")
		if ke.Reason == ReasonUnknownPrincipal && !c.realmServed(ctx, cfg, e.cl0Realm(cred)) {
			ke.Reason = ReasonWrongRealm
		}
		return nil, ke, false
	}
	e.loggedIn, e.tgtEnd = true, time.Time{}
	return e, nil, false
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
// costs one more AS exchange, on failures only; it takes a KDC slot and
// counts in [Stats] like any other.
func (c *Cache) realmServed(ctx context.Context, cfg *config.Config, realm string) bool {
	probe := client.NewWithPassword("krbtgt", realm, "-", cfg, client.DisablePAFXFAST(true))
	defer probe.Destroy()
	err := c.atKDC(ctx, func() error { c.as.Add(1); return probe.Login() })
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
		b, err := c.token(ctx, cred, spn)
		ch <- result{b, err}
	}()
	select {
	case r := <-ch:
		return r.b, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// token does Token's work; it gives up waiting for a KDC slot when ctx
// ends, so a caller that went away leaves no goroutine queued behind the
// others.
func (c *Cache) token(ctx context.Context, cred oobkit.Credential, spn string) ([]byte, error) {
	e, err := c.signedIn(ctx, cred)
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
	for !ok {
		_, err, _ := e.sf.Do(spn, func() (any, error) {
			if _, _, ok := cl.GetCachedTicket(spn); ok {
				return nil, nil
			}
			return nil, c.atKDC(ctx, func() error {
				c.tgs.Add(1)
				n, _ := c.perSPN.LoadOrStore(spn, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
				_, _, err := cl.GetServiceTicket(spn)
				return err
			})
		})
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue // the leader of the exchange went away; this caller has not
		}
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
