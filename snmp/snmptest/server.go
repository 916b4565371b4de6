package snmptest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
)

// ErrNotInstalled is wrapped by NewServer's and NewTrapd's error when snmpd
// (Debian package snmpd), snmpget (Debian package snmp) or snmptrapd
// (Debian package snmptrapd) is not installed; the error's text names the
// package. A test skips or fails on it as it sees fit (oobkit's own tests
// fail under OOBKIT_REQUIRE_PEERS=1).
var ErrNotInstalled = peer.ErrMissing

// Config describes a simulated SNMP agent (a real net-snmp snmpd). The zero
// value is the agent on 127.0.0.1 whose Credential is the read-only v2c
// community Community.
//
// There is no initial power state: an SNMP agent runs inside the managed
// computer's operating system and reports no power state, so it answers
// only while the computer is on (S0).
type Config struct {
	// IP is the loopback address (127.0.0.0/8) the agent listens on
	// (default 127.0.0.1), so that a test can give each simulated
	// computer of a range its own address. Its communities accept
	// requests from any loopback source.
	IP string
	// Name is the agent's sysName and the Target's name (default
	// "simhost").
	Name string
	// Community is the v1/v2c community Credential returns (default
	// Community). Every agent serves Community, RWCommunity,
	// CommunityNoInetCidr and CommunityRFC1213Routes; another value (of
	// letters, digits, '.', '_' and '-') is served as one more read-only
	// community with a full view.
	Community string
	// User makes Credential an SNMPv3 USM user instead: UserSHA,
	// UserSHA256, UserSHA512 or UserMD5Auth, with its protocols and the
	// passphrases AuthPassphrase and PrivPassphrase. Every agent serves
	// all four.
	User string
}

// usmUsers are the agent's v3 users (testdata/snmpd.conf.tmpl) as a client
// names their protocols.
var usmUsers = map[string][2]string{
	UserSHA:     {"SHA", "AES"},
	UserSHA256:  {"SHA256", "AES"},
	UserSHA512:  {"SHA512", "AES256"},
	UserMD5Auth: {"MD5", ""},
}

var communityName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// Server is a running snmpd: the shape every oobkit simulator shares
// (NewServer, Target, Credential, Close). It is safe for concurrent use.
type Server struct {
	cfg  Config
	addr string
	port int
	dir  string
	d    *daemon

	closeOnce sync.Once
	closeErr  error
}

// NewServer writes an snmpd configuration for cfg into a new temporary
// directory, starts snmpd on a free UDP port of cfg.IP and waits until it
// answers snmpget. Close stops it and removes the directory. When snmpd or
// snmpget is missing the error wraps ErrNotInstalled and names the Debian
// package to install.
func NewServer(cfg Config) (*Server, error) {
	if cfg.IP == "" {
		cfg.IP = "127.0.0.1"
	}
	if a := net.ParseIP(cfg.IP); a == nil || a.To4() == nil || !a.IsLoopback() {
		return nil, fmt.Errorf("snmptest: %q is not an IPv4 loopback address", cfg.IP)
	}
	if cfg.Name == "" {
		cfg.Name = "simhost"
	}
	if !communityName.MatchString(cfg.Name) {
		return nil, fmt.Errorf("snmptest: name %q: want 1 to 32 letters, digits, '.', '_' or '-'", cfg.Name)
	}
	if cfg.Community == "" {
		cfg.Community = Community
	}
	if !communityName.MatchString(cfg.Community) {
		return nil, fmt.Errorf("snmptest: community %q: want 1 to 32 letters, digits, '.', '_' or '-'", cfg.Community)
	}
	if _, ok := usmUsers[cfg.User]; cfg.User != "" && !ok {
		return nil, fmt.Errorf("snmptest: user %q: the agent serves %s, %s, %s and %s", cfg.User,
			UserSHA, UserSHA256, UserSHA512, UserMD5Auth)
	}
	snmpd, err := peer.Find("snmpd", "snmpd")
	if err != nil {
		return nil, fmt.Errorf("snmptest: %w", err)
	}
	snmpget, err := peer.Find("snmpget", "snmp")
	if err != nil {
		return nil, fmt.Errorf("snmptest: %w", err)
	}
	dir, err := os.MkdirTemp("", "snmptest-")
	if err != nil {
		return nil, fmt.Errorf("snmptest: %w", err)
	}
	s, err := startAgent(cfg, dir, snmpd, snmpget)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// config returns the snmpd configuration for cfg on port.
func config(cfg Config, port int) string {
	text := strings.ReplaceAll(snmpdConf, "@PORT@", strconv.Itoa(port))
	text = strings.Replace(text, "sysName       simhost", "sysName       "+cfg.Name, 1)
	if cfg.IP != "127.0.0.1" {
		text = strings.NewReplacer("udp:127.0.0.1:", "udp:"+cfg.IP+":", "public  127.0.0.1", "public  127.0.0.0/8",
			"private 127.0.0.1", "private 127.0.0.0/8").Replace(text)
	}
	switch cfg.Community {
	case Community, RWCommunity, CommunityNoInetCidr, CommunityRFC1213Routes:
	default:
		text += "rocommunity   " + cfg.Community + " 127.0.0.0/8\n"
	}
	return text
}

func startAgent(cfg Config, dir, snmpd, snmpget string) (*Server, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // the free port may be taken in between
		port, err := freePort(cfg.IP)
		if err != nil {
			return nil, fmt.Errorf("snmptest: %w", err)
		}
		conf := filepath.Join(dir, "snmpd.conf")
		if err := os.WriteFile(conf, []byte(config(cfg, port)), 0o600); err != nil {
			return nil, fmt.Errorf("snmptest: %w", err)
		}
		cmd := exec.Command(snmpd, "-f", "-C", "-c", conf, "-Lf", filepath.Join(dir, "snmpd.log"))
		cmd.Env = Env(dir)
		d, err := start(cmd)
		if err != nil {
			return nil, fmt.Errorf("snmptest: %w", err)
		}
		addr := net.JoinHostPort(cfg.IP, strconv.Itoa(port))
		if lastErr = d.waitFor(func() error {
			out, err := exec.Command(snmpget, "-v2c", "-c", Community, "-m", "", "-r", "0", "-t", "0.2", addr, "1.3.6.1.2.1.1.5.0").CombinedOutput()
			if err != nil {
				return fmt.Errorf("%v: %s", err, out)
			}
			return nil
		}); lastErr == nil {
			return &Server{cfg: cfg, addr: addr, port: port, dir: dir, d: d}, nil
		}
		d.stop()
	}
	log, _ := os.ReadFile(filepath.Join(dir, "snmpd.log"))
	return nil, fmt.Errorf("snmptest: snmpd did not answer: %w\n%s", lastErr, log)
}

// Addr is "ip:port".
func (s *Server) Addr() string { return s.addr }

// Port is the agent's UDP port.
func (s *Server) Port() int { return s.port }

// Dir is the temporary directory with the configuration and snmpd.log; it
// is removed by Close.
func (s *Server) Dir() string { return s.dir }

// Target returns a target for the agent: its address, with the SNMP port
// overridden to the agent's, named Config.Name.
func (s *Server) Target() oobkit.Target {
	return oobkit.Target{Name: s.cfg.Name, Address: s.cfg.IP, Ports: map[oobkit.Protocol]int{oobkit.SNMP: s.port}}
}

// Credential returns what Config chose: the community, or the USM user
// with its protocols and passphrases.
func (s *Server) Credential() oobkit.Credential {
	if s.cfg.User == "" {
		return oobkit.Credential{Auth: oobkit.AuthCommunity, Community: oobkit.NewSecret(s.cfg.Community)}
	}
	p := usmUsers[s.cfg.User]
	u := &oobkit.USM{AuthProtocol: p[0], AuthPassphrase: oobkit.NewSecret(AuthPassphrase)}
	if p[1] != "" {
		u.PrivProtocol, u.PrivPassphrase = p[1], oobkit.NewSecret(PrivPassphrase)
	}
	return oobkit.Credential{Auth: oobkit.AuthUSM, Username: s.cfg.User, USM: u}
}

// Close stops snmpd and removes the temporary directory. It may be called
// more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.d.stop()
		if err := os.RemoveAll(s.dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.closeErr = fmt.Errorf("snmptest: %w", err)
		}
	})
	return s.closeErr
}
