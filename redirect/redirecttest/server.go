package redirecttest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"github.com/oobkit/oobkit/internal/krbservice"
	"log/slog"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/digest"
	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// Kind is a redirection session kind.
type Kind int

// Session kinds.
const (
	SOL Kind = iota
	IDER
	KVM
	numKinds
)

// String names the kind.
func (k Kind) String() string { return [...]string{"SOL", "IDE-R", "KVM"}[k] }

func kindOf(tag string) (Kind, bool) {
	switch tag {
	case wire.TagSOL:
		return SOL, true
	case wire.TagIDER:
		return IDER, true
	case wire.TagKVM:
		return KVM, true
	}
	return 0, false
}

// Config describes the simulated device. The zero value is an AMT 12
// device with SOL, IDE-R and KVM enabled, digest authentication only, user
// "admin" with password "P@ssw0rd", an echo console and the boot firmware
// on the CD drive.
type Config struct {
	// Users maps user names to passwords.
	Users map[string]string
	// Realm is the digest realm; empty means "Digest:" + 32 hex digits.
	Realm string
	// Legacy offers and accepts authentication type 1 (user and password in
	// clear), as firmware before AMT 12 and Debian's amtterm 1.4 do.
	Legacy bool
	// NoDigest withdraws digest (type 4), leaving only Legacy.
	NoDigest bool
	// TLS serves TLS with a fresh self-signed certificate (port 16995 role).
	TLS bool
	// DisableSOL, DisableIDER and DisableKVM start with that feature off.
	DisableSOL, DisableIDER, DisableKVM bool
	// AllowConcurrent lets several sessions of one kind run at once (load
	// tests); a real device allows one per kind.
	AllowConcurrent bool
	// Console runs the host side of SOL; nil echoes.
	Console Console
	// Firmware drives IDE-R; nil runs [BootFirmware] on the CD drive.
	Firmware Firmware
	// KVM serves the RFB stream of a KVM session; nil runs a minimal RFB 3.8
	// server (security None, one 640×480 desktop) announcing the RFB
	// version of AMTVersion.
	KVM func(conn net.Conn) error
	// AMTVersion is the AMT/CSME firmware version the device models
	// ("16.0.15"); it decides the RFB version the default KVM server
	// announces (see RFBVersion; ScreenConfig.AMTVersion for Screen).
	// Empty announces RFB 3.8, as before this field existed.
	AMTVersion string
	// ReadBuffer is the readbfr announced in START_IDER_REDIRECTION_REPLY;
	// 0 means 8192.
	ReadBuffer uint16
	// EndAfterBoot ends the IDE-R session from the device side once the
	// firmware has finished, whether the boot succeeded or failed (the
	// report on Boots says which), so the client's IDER.Wait returns.
	EndAfterBoot bool
	// Settle bounds the pause after the SOL start reply and after the
	// serial control message before the device sends anything unprompted:
	// amtterm drops bytes that arrive in the same read as those replies.
	// During the pause the device sends heartbeat probes and goes on as soon
	// as the console echoes one (amtterm does), so a console that echoes
	// never waits the full Settle and never loses output however slowly it
	// runs; others wait Settle. 0 means 20 ms.
	Settle time.Duration
	// GracefulDelay is how long a "graceful" IDE-R start waits (the host
	// shutting down) before the simulated reset; 0 means 10 ms.
	GracefulDelay time.Duration
	// Power is the host's initial power state, a row of Table C-3 as every
	// oobkit simulator's Config takes it (the zero value, unknown, means
	// S0). The redirection protocol tells only on or not: the SOL
	// control/status message (0x29) the device sends at the start of every
	// SOL session, and again when the state changes (SetPowerState,
	// Reboot), has SYSTEM_POWER_STATE (status bit 2) set for S0 and Legacy
	// ON and clear for every other row. An IDE-R session started "now"
	// on a host that is not on waits, as an "on reboot" one does, for
	// Reboot (the host powering on) before its firmware runs.
	Power oobkit.PowerState
	// Faults injects failures.
	Faults Faults
	// Logger receives simulator events; nil discards.
	Logger *slog.Logger
}

// Faults are injected failures.
type Faults struct {
	// DropAfterBytes closes the IDE-R connection abruptly once the client
	// has sent more than this many data bytes (0 = never).
	DropAfterBytes int64
	// Delay is added before every IDE-R command the firmware sends and
	// every SOL reply.
	Delay time.Duration
	// BadSequence sends IDE-R commands with wrong sequence numbers.
	BadSequence bool
}

// Stats counts what the device saw.
type Stats struct {
	Sessions     uint64 // sessions accepted
	AuthFailures uint64 // credentials refused
	Refused      uint64 // sessions refused: disabled, busy or unknown kind
	Ended        uint64 // sessions the device ended because their feature was disabled
	Active       int    // sessions running now
}

// Server is a simulated AMT redirection endpoint on 127.0.0.1.
type Server struct {
	cfg     Config
	ln      net.Listener
	log     *slog.Logger
	digest  *digest.Server
	cert    *x509.Certificate
	enabled [numKinds]atomic.Bool

	mu      sync.Mutex
	active  [numKinds]int
	held    [numKinds]int
	heldGen [numKinds]uint64   // bumped when held sessions are ended: their release is then a no-op
	live    map[*slot]struct{} // running sessions, for ending them (takeover.go)
	conns   map[net.Conn]struct{}
	closed  bool

	krb atomic.Pointer[krbservice.Verifier] // EnableKerberos

	sessions, authFailures, refused, ended atomic.Uint64
	boots                                  chan BootReport
	reboot                                 chan struct{}
	power                                  oobkit.PowerState // guarded by mu
	powerChanged                           chan struct{}     // closed and replaced when power changes; guarded by mu
	wg                                     sync.WaitGroup
}

// NewServer starts a simulated device listening on a free loopback port.
// Close it when done.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Users == nil {
		cfg.Users = map[string]string{"admin": "P@ssw0rd"}
	}
	if cfg.Realm == "" {
		cfg.Realm = "Digest:" + stringsToUpper(digest.NewNonce(16))
	}
	if cfg.ReadBuffer == 0 {
		cfg.ReadBuffer = 8192
	}
	if cfg.Settle == 0 {
		cfg.Settle = 20 * time.Millisecond
	}
	if cfg.GracefulDelay == 0 {
		cfg.GracefulDelay = 10 * time.Millisecond
	}
	if cfg.Console == nil {
		cfg.Console = EchoConsole
	}
	if cfg.Firmware == nil {
		cfg.Firmware = BootFirmware(CD)
	}
	if cfg.Power == oobkit.PowerUnknown {
		cfg.Power = oobkit.PowerS0
	}
	s := &Server{power: cfg.Power, powerChanged: make(chan struct{}),
		cfg: cfg, log: cfg.Logger, conns: map[net.Conn]struct{}{}, live: map[*slot]struct{}{},
		digest: &digest.Server{Realm: cfg.Realm, Qop: digest.QopAuth},
		boots:  make(chan BootReport, 256), reboot: make(chan struct{}, 1),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.enabled[SOL].Store(!cfg.DisableSOL)
	s.enabled[IDER].Store(!cfg.DisableIDER)
	s.enabled[KVM].Store(!cfg.DisableKVM)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if cfg.TLS {
		tc, cert, err := selfSigned()
		if err != nil {
			ln.Close()
			return nil, err
		}
		s.cert = cert
		ln = tls.NewListener(ln, tc)
	}
	s.ln = ln
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

func stringsToUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// Addr returns the listening address, host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Port returns the listening port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Target returns a target pointing at the simulator.
func (s *Server) Target() oobkit.Target {
	return oobkit.Target{Name: "redirecttest", Address: "127.0.0.1",
		Ports: map[oobkit.Protocol]int{oobkit.Redirection: s.Port()}}
}

// Credential returns a credential for the simulator's first user in name
// order, with the certificate pinned when the simulator serves TLS.
func (s *Server) Credential() oobkit.Credential {
	user := ""
	for u := range s.cfg.Users {
		if user == "" || u < user {
			user = u
		}
	}
	c := oobkit.UserPassword(user, s.cfg.Users[user])
	if s.cert != nil {
		c.TLS = oobkit.TLSSettings{Enabled: true, PinnedSHA256: s.Fingerprint()}
	}
	return c
}

// Fingerprint returns the hex SHA-256 of the TLS certificate, or "".
func (s *Server) Fingerprint() string {
	if s.cert == nil {
		return ""
	}
	sum := sha256.Sum256(s.cert.Raw)
	return hex.EncodeToString(sum[:])
}

// Realm returns the digest realm.
func (s *Server) Realm() string { return s.cfg.Realm }

// SetEnabled turns a redirection feature on or off, as the AMT
// redirection service's listener and the per-feature switches do. Turning
// it off ends its active sessions, as a device does ([Server.EndSessions]).
func (s *Server) SetEnabled(k Kind, on bool) {
	s.mu.Lock()
	s.enabled[k].Store(on)
	s.mu.Unlock()
	if !on {
		s.EndSessions(k)
	}
}

// Occupy simulates another console holding a session of kind k, so new
// sessions of that kind get BUSY until release is called or the device
// ends the session ([Server.EndSessions]).
func (s *Server) Occupy(k Kind) (release func()) {
	s.mu.Lock()
	s.held[k]++
	gen := s.heldGen[k]
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.heldGen[k] == gen {
				s.held[k]--
			}
			s.mu.Unlock()
		})
	}
}

// Held returns how many sessions of kind k other consoles hold
// ([Server.Occupy]) and have not released, nor had ended.
func (s *Server) Held(k Kind) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held[k]
}

// Boots delivers one report per IDE-R firmware run.
func (s *Server) Boots() <-chan BootReport { return s.boots }

// Reboot simulates the host rebooting, or powering on when it was not on:
// the host is in S0 afterwards, and IDE-R sessions started in "on reboot"
// mode (or "now" while the host was not on) begin booting.
func (s *Server) Reboot() {
	s.SetPowerState(oobkit.PowerS0)
	select {
	case s.reboot <- struct{}{}:
	default:
	}
}

// PowerState returns the host's power state (Config.Power, then what
// SetPowerState and Reboot made it).
func (s *Server) PowerState() oobkit.PowerState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.power
}

// SetPowerState changes the host's power state, as a power action through
// another interface (WS-Management) would; running SOL sessions get a
// control/status message (0x29) with the new SYSTEM_POWER_STATE bit. The
// unknown row means S0, as in Config.Power.
func (s *Server) SetPowerState(p oobkit.PowerState) {
	if p == oobkit.PowerUnknown {
		p = oobkit.PowerS0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p == s.power {
		return
	}
	s.power = p
	close(s.powerChanged)
	s.powerChanged = make(chan struct{})
}

// powerStatus returns the host's power state as the status byte of a SOL
// control/status message gives it (SYSTEM_POWER_STATE, bit 2) and the
// channel closed at the next change.
func (s *Server) powerStatus() (byte, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.power.IsOn() {
		return 0x04, s.powerChanged
	}
	return 0, s.powerChanged
}

// Stats returns the device's counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	active := 0
	for _, n := range s.active {
		active += n
	}
	s.mu.Unlock()
	return Stats{Sessions: s.sessions.Load(), AuthFailures: s.authFailures.Load(),
		Refused: s.refused.Load(), Ended: s.ended.Load(), Active: active}
}

// Close stops listening, drops every connection and waits for the
// simulator's goroutines to finish.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		raw := c
		if tc, ok := c.(*tls.Conn); ok {
			raw = tc.NetConn()
		}
		s.conns[raw] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, raw)
				s.mu.Unlock()
				raw.Close()
			}()
			if err := s.serve(c, raw); err != nil && !errors.Is(err, net.ErrClosed) {
				s.log.Debug("redirecttest: session ended", "err", err)
			}
		}()
	}
}

// claim reserves a session slot of kind k for c, returning it and the
// reply status.
func (s *Server) claim(k Kind, c *devConn) (*slot, byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.enabled[k].Load() {
		return nil, wire.StartUnsupported
	}
	if !s.cfg.AllowConcurrent && s.active[k]+s.held[k] > 0 {
		return nil, wire.StartBusy
	}
	s.active[k]++
	sl := &slot{kind: k, c: c}
	s.live[sl] = struct{}{}
	return sl, wire.StartOK
}

// release frees sl unless the device ended its session already.
func (s *Server) release(sl *slot) {
	s.mu.Lock()
	if _, ok := s.live[sl]; ok {
		delete(s.live, sl)
		s.active[sl.kind]--
	}
	s.mu.Unlock()
}

// selfSigned makes a throw-away ECDSA certificate for 127.0.0.1.
func selfSigned() (*tls.Config, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "redirecttest"},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, cert, nil
}
