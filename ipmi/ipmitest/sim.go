package ipmitest

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
)

//go:embed testdata/lan.conf.tmpl testdata/sim.emu.tmpl testdata/chassis.sh testdata/sdrs.emu testdata/fru0.bin
var simFiles embed.FS

// Default credentials of the simulated administrator account.
const (
	SimUser     = "admin"
	SimPassword = "password"
)

// ErrNotInstalled is wrapped by NewSim's error when ipmi_sim (Debian
// package openipmi) or ipmitool (Debian package ipmitool) is not installed,
// and by NewPyghmi's when pyghmi (Debian package python3-pyghmi) is not;
// the error's text names the package. A test skips or fails on it as it
// sees fit (oobkit's own tests fail under OOBKIT_REQUIRE_PEERS=1).
var ErrNotInstalled = peer.ErrMissing

// SimConfig configures [NewSim]. The zero value is usable.
type SimConfig struct {
	// Username and Password of the administrator account (user 2). Empty means
	// [SimUser] / [SimPassword].
	Username, Password string
	// Power is the host's initial power state, a row of Table C-3 as every
	// oobkit simulator's Config takes it: S0 and Legacy ON are on, every
	// other row off. The zero value (unknown) starts the host off.
	Power oobkit.PowerState
}

// Sim is a running Debian OpenIPMI ipmi_sim BMC on a free loopback UDP port,
// with a chassis-control script whose state lives in files, a FRU, SDRs, one
// pre-seeded SEL record, a SOL serial console served by this package (a
// banner, then each line echoed upper-cased) and the emulator console.
type Sim struct {
	// Port is the UDP port the BMC listens on at 127.0.0.1.
	Port int
	// Dir holds the generated configuration and the chassis state.
	Dir string
	// Username and Password of the administrator account.
	Username, Password string

	cmd         *exec.Cmd
	done        chan struct{}
	closeOnce   sync.Once
	consolePort int
	sol         *solConsole
	logBuf      *lockedBuffer
}

// NewSim generates an ipmi_sim configuration in a new temporary directory,
// starts ipmi_sim on a free loopback port and waits until it answers an
// RMCP+ session. Close stops it and removes the directory. It needs ipmi_sim
// (Debian openipmi) and ipmitool: when one is missing the error wraps
// ErrNotInstalled and names the Debian package to install.
func NewSim(cfg SimConfig) (*Sim, error) {
	bin, err := peer.Find("ipmi_sim", "openipmi")
	if err != nil {
		return nil, err
	}
	if _, err := peer.Find("ipmitool", "ipmitool"); err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a free port can be taken between probe and bind
		s, err := startSim(bin, cfg)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("ipmitest: ipmi_sim did not start: %w", lastErr)
}

func startSim(bin string, cfg SimConfig) (s *Sim, err error) {
	if cfg.Username == "" {
		cfg.Username = SimUser
	}
	if cfg.Password == "" {
		cfg.Password = SimPassword
	}
	dir, err := os.MkdirTemp("", "ipmitest-sim-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dir)
		}
	}()
	port, err := freeUDPPort()
	if err != nil {
		return nil, err
	}
	consolePort, err := freeTCPPort()
	if err != nil {
		return nil, err
	}
	sol, err := startSOLConsole()
	if err != nil {
		return nil, err
	}
	s = &Sim{Port: port, Dir: dir, Username: cfg.Username, Password: cfg.Password,
		consolePort: consolePort, sol: sol, done: make(chan struct{}), logBuf: &lockedBuffer{}}
	repl := strings.NewReplacer("@DIR@", dir, "@PORT@", strconv.Itoa(port),
		"@SOLPORT@", strconv.Itoa(sol.port()), "@CONSOLEPORT@", strconv.Itoa(consolePort),
		"@USER@", cfg.Username, "@PASSWORD@", cfg.Password)
	if err := s.writeFiles(repl, cfg); err != nil {
		sol.close()
		return nil, err
	}
	cmd := exec.Command(bin, "-c", filepath.Join(dir, "lan.conf"), "-f", filepath.Join(dir, "sim.emu"),
		"-s", filepath.Join(dir, "state"), "-n")
	cmd.Env = append(os.Environ(), "IPMISIM_STATE="+s.chassisDir())
	cmd.Stdout, cmd.Stderr = s.logBuf, s.logBuf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err = cmd.Start(); err != nil {
		sol.close()
		return nil, fmt.Errorf("start ipmi_sim: %w", err)
	}
	s.cmd = cmd
	go func() { _ = cmd.Wait(); close(s.done) }()
	if err = s.waitReady(); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w\nipmi_sim output:\n%s", err, s.logBuf.String())
	}
	return s, nil
}

// Close stops ipmi_sim and the SOL console and removes the generated
// configuration. It is safe to call more than once.
func (s *Sim) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.stop()
		err = os.RemoveAll(s.Dir)
	})
	return err
}

func (s *Sim) writeFiles(repl *strings.Replacer, cfg SimConfig) error {
	files := []struct {
		src, dst string
		mode     os.FileMode
	}{
		{"lan.conf.tmpl", "lan.conf", 0o600},
		{"sim.emu.tmpl", "sim.emu", 0o600},
		{"chassis.sh", "chassis.sh", 0o700},
		{"sdrs.emu", "sdrs.emu", 0o600},
		{"fru0.bin", "fru0.bin", 0o600},
	}
	for _, f := range files {
		b, err := simFiles.ReadFile("testdata/" + f.src)
		if err != nil {
			return err
		}
		if f.src != "fru0.bin" {
			b = []byte(repl.Replace(string(b)))
		}
		if err := os.WriteFile(filepath.Join(s.Dir, f.dst), b, f.mode); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(s.chassisDir(), 0o700); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, "state"), 0o700); err != nil {
		return err
	}
	power := "0"
	if cfg.Power.IsOn() {
		power = "1"
	}
	return os.WriteFile(filepath.Join(s.chassisDir(), "power"), []byte(power+"\n"), 0o600)
}

func (s *Sim) chassisDir() string { return filepath.Join(s.Dir, "chassis") }

// waitReady polls with ipmitool until the BMC opens a session (bounded:
// 30 s, generous for CI's two cores busy with every package under -race; a
// healthy ipmi_sim answers within a second).
func (s *Sim) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var lastErr error
	for ctx.Err() == nil {
		select {
		case <-s.done:
			return errors.New("ipmi_sim exited")
		default:
		}
		if _, err := s.Ipmitool(ctx, "mc", "info"); err == nil {
			return nil
		} else {
			lastErr = err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("ipmi_sim on port %d did not answer: %v", s.Port, lastErr)
}

func (s *Sim) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(3 * time.Second):
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.done
		}
	}
	s.sol.close()
}

// Target returns the simulator as an oobkit target (127.0.0.1 with the IPMI
// port override).
func (s *Sim) Target() oobkit.Target {
	return oobkit.Target{Name: "ipmi-sim", Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.IPMI: s.Port}}
}

// Credential returns the administrator credential.
func (s *Sim) Credential() oobkit.Credential { return oobkit.UserPassword(s.Username, s.Password) }

// Ipmitool runs `ipmitool -I lanplus -C 3` with args against the simulator
// and returns its combined output. It is the independent client tests
// cross-check the SDK with.
func (s *Sim) Ipmitool(ctx context.Context, args ...string) (string, error) {
	base := []string{"-I", "lanplus", "-C", "3", "-N", "1", "-R", "1", "-H", "127.0.0.1",
		"-p", strconv.Itoa(s.Port), "-U", s.Username, "-P", s.Password}
	out, err := exec.CommandContext(ctx, "ipmitool", append(base, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ipmitool %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// ChassisLog returns the lines the chassis-control script logged, each
// "<unix time> <what> <value>" (for example "1700000000 power 1",
// "… reset 1", "… boot pxe", "… identify 5 0"), without the time.
func (s *Sim) ChassisLog() []string {
	b, _ := os.ReadFile(filepath.Join(s.chassisDir(), "log"))
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if _, rest, ok := strings.Cut(l, " "); ok {
			out = append(out, rest)
		}
	}
	return out
}

// Command sends one line to the ipmi_sim emulator console (commands of
// ipmi_sim_cmd(5), e.g. "sensor_set_value 0x20 0 1 0x58 1") and returns what
// the console printed before its next prompt.
func (s *Sim) Command(ctx context.Context, line string) (string, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.consolePort)))
	if err != nil {
		return "", err
	}
	defer conn.Close()
	deadline := time.Now().Add(3 * time.Second)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	r := bufio.NewReader(conn)
	if _, err := readPrompt(r); err != nil {
		return "", fmt.Errorf("emulator console: %w", err)
	}
	if _, err := fmt.Fprintf(conn, "%s\n", line); err != nil {
		return "", err
	}
	out, err := readPrompt(r)
	return strings.TrimSpace(out), err
}

// readPrompt reads until the emulator console's "> " prompt.
func readPrompt(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		c, err := r.ReadByte()
		if err != nil {
			return b.String(), err
		}
		b.WriteByte(c)
		if strings.HasSuffix(b.String(), "> ") {
			return strings.TrimSuffix(b.String(), "> "), nil
		}
	}
}

// SOLConnections reports how many times ipmi_sim connected to the SOL console.
func (s *Sim) SOLConnections() int { return s.sol.connections() }

// Log returns what ipmi_sim printed so far (for failure messages).
func (s *Sim) Log() string { return s.logBuf.String() }

func freeUDPPort() (int, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

func freeTCPPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 1<<20 { // keep at most 1 MiB of simulator chatter
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
