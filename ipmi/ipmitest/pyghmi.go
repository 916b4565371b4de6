package ipmitest

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"io"
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

//go:embed testdata/pyghmi_bmc.py
var pyghmiScript []byte

// PyghmiPython is the interpreter that runs the pyghmi BMC: Debian's
// python3, which sees the python3-pyghmi package in dist-packages (a python3
// earlier on PATH, such as a pyenv shim, may not).
const PyghmiPython = "/usr/bin/python3"

// Pyghmi is pyghmi's BMC server (Debian python3-pyghmi, the
// pyghmi.ipmi.bmc.Bmc class) running on a free loopback UDP port: a second
// RMCP+ BMC written independently of both ipmi_sim and go-ipmi. It keeps
// power and boot device in memory; [Pyghmi.Actions] lists what it was asked
// to do. Known traits, as pyghmi 1.5 implements them: it answers every Open
// Session Request with the algorithms of cipher suite 3 (RAKP-HMAC-SHA1,
// HMAC-SHA1-96, AES-CBC-128), whatever was requested; its Get Device ID
// answer has 14 data bytes; its boot flags read back "next boot only,
// legacy" whatever was set.
type Pyghmi struct {
	// Port is the UDP port the BMC listens on at 127.0.0.1.
	Port int
	// Username and Password of its only user.
	Username, Password string

	dir       string
	closeOnce sync.Once
	cmd       *exec.Cmd
	done      chan struct{}
	mu        sync.Mutex
	out       []string      // stdout lines after READY
	logged    chan struct{} // closed and replaced at each new line
}

// PyghmiConfig configures [NewPyghmi]. The zero value is usable.
type PyghmiConfig struct {
	// Username and Password of the BMC's only user. Empty means [SimUser] /
	// [SimPassword].
	Username, Password string
}

// NewPyghmi starts the pyghmi BMC for cfg on a free loopback port. Close
// stops it. Without /usr/bin/python3 and the pyghmi module the error wraps
// ErrNotInstalled and names the Debian package (python3-pyghmi).
func NewPyghmi(cfg PyghmiConfig) (*Pyghmi, error) {
	if cfg.Username == "" {
		cfg.Username = SimUser
	}
	if cfg.Password == "" {
		cfg.Password = SimPassword
	}
	if err := findPyghmi(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "ipmitest-pyghmi-")
	if err != nil {
		return nil, err
	}
	script := filepath.Join(dir, "pyghmi_bmc.py")
	if err := os.WriteFile(script, pyghmiScript, 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a free port can be taken between probe and bind
		p, err := startPyghmi(script, cfg.Username, cfg.Password)
		if err == nil {
			p.dir = dir
			return p, nil
		}
		lastErr = err
	}
	_ = os.RemoveAll(dir)
	return nil, fmt.Errorf("ipmitest: pyghmi BMC did not start: %w", lastErr)
}

// findPyghmi reports a *peer.MissingError when Debian's python3 cannot
// import pyghmi.
func findPyghmi() error {
	if _, err := os.Stat(PyghmiPython); err == nil {
		if exec.Command(PyghmiPython, "-c", "import pyghmi.ipmi.bmc").Run() == nil {
			return nil
		}
	}
	return &peer.MissingError{Binary: "pyghmi", Package: "python3-pyghmi"}
}

func startPyghmi(script, user, password string) (*Pyghmi, error) {
	port, err := freeUDPPort()
	if err != nil {
		return nil, err
	}
	p := &Pyghmi{Port: port, Username: user, Password: password, done: make(chan struct{}), logged: make(chan struct{})}
	cmd := exec.Command(PyghmiPython, "-u", script, strconv.Itoa(port), user, password)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", PyghmiPython, err)
	}
	p.cmd = cmd
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		seen := false
		for sc.Scan() {
			line := sc.Text()
			if !seen {
				if strings.HasPrefix(line, "READY ") {
					seen = true
					close(ready)
				}
				continue
			}
			p.mu.Lock()
			p.out = append(p.out, line)
			close(p.logged)
			p.logged = make(chan struct{})
			p.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		close(p.done)
	}()
	select {
	case <-ready:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("pyghmi BMC exited: %s", stderr.String())
	case <-time.After(30 * time.Second): // generous for two busy cores; it binds within a second
		p.stop()
		return nil, fmt.Errorf("pyghmi BMC did not bind within 30 s: %s", stderr.String())
	}
}

// Close stops the BMC and removes its script's directory. It is safe to
// call more than once.
func (p *Pyghmi) Close() error {
	var err error
	p.closeOnce.Do(func() {
		p.stop()
		err = os.RemoveAll(p.dir)
	})
	return err
}

func (p *Pyghmi) stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// Target returns the BMC as an oobkit target (127.0.0.1 with the IPMI port
// override).
func (p *Pyghmi) Target() oobkit.Target {
	return oobkit.Target{Name: "pyghmi", Address: "127.0.0.1", Ports: map[oobkit.Protocol]int{oobkit.IPMI: p.Port}}
}

// Credential returns the BMC's user and password.
func (p *Pyghmi) Credential() oobkit.Credential { return oobkit.UserPassword(p.Username, p.Password) }

// Actions returns the lines the BMC logged since it started, oldest first:
// "power on", "power off", "power cycle", "power reset", "power shutdown",
// "boot <device>" (pyghmi's device names: network, hd, optical, setup,
// default…).
func (p *Pyghmi) Actions() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.out...)
}

// WaitActions waits until the BMC has logged at least n lines and returns
// them all. The BMC logs an action before it answers the command, but its
// output reaches this process through a pipe read by another goroutine, so
// a test reads the log after a command through WaitActions, not Actions.
func (p *Pyghmi) WaitActions(ctx context.Context, n int) ([]string, error) {
	for {
		p.mu.Lock()
		if len(p.out) >= n {
			out := append([]string(nil), p.out...)
			p.mu.Unlock()
			return out, nil
		}
		logged := p.logged
		p.mu.Unlock()
		select {
		case <-logged:
		case <-p.done:
			return p.Actions(), fmt.Errorf("pyghmi BMC exited with %d of %d lines logged", len(p.Actions()), n)
		case <-ctx.Done():
			return p.Actions(), fmt.Errorf("pyghmi BMC logged %d of %d lines: %w", len(p.Actions()), n, ctx.Err())
		}
	}
}

// Ipmitool runs `ipmitool -I lanplus -C <suite>` with args against the BMC
// and returns its combined output.
func (p *Pyghmi) Ipmitool(ctx context.Context, suite int, args ...string) (string, error) {
	base := []string{"-I", "lanplus", "-C", strconv.Itoa(suite), "-N", "1", "-R", "2", "-H", "127.0.0.1",
		"-p", strconv.Itoa(p.Port), "-U", p.Username, "-P", p.Password}
	out, err := exec.CommandContext(ctx, "ipmitool", append(base, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ipmitool %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}
