// Package snmptest runs net-snmp's snmpd and snmptrapd on loopback for tests
// and benchmarks, as net/http/httptest runs a server: each start writes a
// config into a temporary directory, picks a free high UDP port on a
// loopback address, starts the daemon in the foreground
// (SNMP_PERSISTENT_DIR in the temporary directory, MIBS="").
//
// NewServer starts an agent with the shape every oobkit simulator shares
// (NewServer, Target, Credential, Close). It needs Debian's snmpd and snmp
// packages; when a binary is missing it returns an error naming the
// package (errors.Is(err, ErrNotInstalled)), and the test decides whether
// that skips or fails. NewTrapd starts snmptrapd the same way (Close stops
// it).
package snmptest

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oobkit/oobkit/internal/peer"
)

// Credentials configured in the agent and the trap receiver.
const (
	Community      = "public"  // read-only v1/v2c community
	RWCommunity    = "private" // read-write community
	AuthPassphrase = "authpass123"
	PrivPassphrase = "privpass123"
	UserSHA        = "ciuser"    // SHA + AES
	UserSHA256     = "ciuser256" // SHA-256 + AES
	UserSHA512     = "ciuser512" // SHA-512 + AES256 (Blumenthal)
	UserMD5Auth    = "ciauth"    // MD5, no privacy
	// SysLocation is the agent's sysLocation (the other system values are in
	// the config too, but tests should read them with snmpget).
	SysLocation = "rack 7, lab"

	// TrapUser is the v3 user snmptrapd accepts (SHA + AES), with the
	// sender engine ID TrapEngineID (hex, as snmptrap -e takes it).
	TrapUser     = "trapuser"
	TrapEngineID = "0x80001f880474657374"
)

//go:embed testdata/snmpd.conf.tmpl
var snmpdConf string

//go:embed testdata/snmptrapd.conf.tmpl
var snmptrapdConf string

//go:embed testdata/handler.sh.tmpl
var handlerScript string

// FreeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	return freeUDPPortAt(t, "127.0.0.1")
}

func freeUDPPortAt(t testing.TB, ip string) int {
	t.Helper()
	port, err := freePort(ip)
	if err != nil {
		t.Fatalf("snmptest: %v", err)
	}
	return port
}

func freePort(ip string) (int, error) {
	c, err := net.ListenPacket("udp4", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("no free UDP port on %s: %w", ip, err)
	}
	port := c.LocalAddr().(*net.UDPAddr).Port
	_ = c.Close()
	return port, nil
}

// Env returns the environment for net-snmp commands: private persistent
// directory and no MIB loading.
func Env(dir string) []string {
	return append(os.Environ(), "SNMP_PERSISTENT_DIR="+filepath.Join(dir, "persist"), "MIBS=")
}

// Trapd is a running snmptrapd whose every trap runs one handler process
// that appends the trap text to TrapsFile.
type Trapd struct {
	// Addr is "127.0.0.1:port".
	Addr string
	// Port is the UDP port.
	Port int
	// Dir is the temporary directory.
	Dir string
	// TrapsFile is where the handler appends each trap, after a "----" line.
	TrapsFile string

	d *daemon
}

// NewTrapd writes an snmptrapd configuration into a new temporary
// directory and starts snmptrapd on a free loopback port. Close stops it and
// removes the directory. When snmptrapd is missing the error wraps
// ErrNotInstalled and names the Debian package to install.
func NewTrapd() (td *Trapd, err error) {
	bin, err := peer.Find("snmptrapd", "snmptrapd")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "snmptest-trapd-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dir)
		}
	}()
	port, err := freePort("127.0.0.1")
	if err != nil {
		return nil, err
	}
	repl := strings.NewReplacer("@PORT@", strconv.Itoa(port), "@DIR@", dir)
	if err = os.WriteFile(filepath.Join(dir, "handler.sh"), []byte(repl.Replace(handlerScript)), 0o700); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "snmptrapd.conf")
	if err = os.WriteFile(conf, []byte(repl.Replace(snmptrapdConf)), 0o600); err != nil {
		return nil, err
	}
	logFile := filepath.Join(dir, "snmptrapd.log")
	cmd := exec.Command(bin, "-f", "-C", "-c", conf, "-On", "-Lf", logFile)
	cmd.Env = Env(dir)
	d, err := start(cmd)
	if err != nil {
		return nil, fmt.Errorf("snmptest: %w", err)
	}
	if err = d.waitFor(func() error {
		b, _ := os.ReadFile(logFile)
		if !bytes.Contains(b, []byte("NET-SNMP version")) {
			return fmt.Errorf("not started: %s", b)
		}
		return nil
	}); err != nil {
		d.stop()
		return nil, fmt.Errorf("snmptest: snmptrapd did not start: %w", err)
	}
	return &Trapd{Addr: "127.0.0.1:" + strconv.Itoa(port), Port: port, Dir: dir, TrapsFile: filepath.Join(dir, "traps.txt"), d: d}, nil
}

// Close stops snmptrapd and removes its directory. It may be called more
// than once.
func (td *Trapd) Close() error {
	td.d.stop()
	return os.RemoveAll(td.Dir)
}

// Handled returns how many traps the handler has written so far.
func (td *Trapd) Handled() int {
	b, _ := os.ReadFile(td.TrapsFile)
	return bytes.Count(b, []byte("----\n"))
}

// WaitHandled waits until n traps were handled or ctx ends, and returns the
// count reached.
func (td *Trapd) WaitHandled(ctx context.Context, n int) int {
	for {
		got := td.Handled()
		if got >= n || ctx.Err() != nil {
			return got
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// daemon is a started net-snmp process; done is closed when it exited.
type daemon struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// start starts cmd; the caller stops it.
func start(cmd *exec.Cmd) (*daemon, error) {
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	d := &daemon{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(d.done)
	}()
	return d, nil
}

// stop kills the process and waits for it; it may be called more than once.
func (d *daemon) stop() {
	_ = d.cmd.Process.Kill()
	<-d.done
}

// waitFor polls check every 50 ms until it succeeds, the daemon exits (e.g.
// its port was taken meanwhile) or 30 s passed. A daemon normally answers
// within milliseconds; the bound is generous because CI starts it on two
// cores busy with every package's tests under -race.
func (d *daemon) waitFor(check func() error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-d.done:
			return fmt.Errorf("%s exited (%v): %w", filepath.Base(d.cmd.Path), d.cmd.ProcessState, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
