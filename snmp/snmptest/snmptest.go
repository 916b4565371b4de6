// Package snmptest runs net-snmp's snmpd and snmptrapd on loopback for tests
// and benchmarks, as net/http/httptest runs a server: each call writes a
// config into a temporary directory, picks a free high UDP port on
// 127.0.0.1, starts the daemon in the foreground (SNMP_PERSISTENT_DIR in the
// temporary directory, MIBS="") and stops it in t.Cleanup.
//
// Missing binaries are handled by internal/peer: the test fails under the
// project test command and skips in a plain local run.
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

// Agent is a running snmpd.
type Agent struct {
	// Addr is "ip:port" (127.0.0.1 unless started with StartAgentAt).
	Addr string
	// Port is the UDP port.
	Port int
	// Dir is the temporary directory with the config and log.
	Dir string
}

// FreeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	return freeUDPPortAt(t, "127.0.0.1")
}

func freeUDPPortAt(t testing.TB, ip string) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("snmptest: no free UDP port: %v", err)
	}
	port := c.LocalAddr().(*net.UDPAddr).Port
	_ = c.Close()
	return port
}

// Env returns the environment for net-snmp commands: private persistent
// directory and no MIB loading.
func Env(dir string) []string {
	return append(os.Environ(), "SNMP_PERSISTENT_DIR="+filepath.Join(dir, "persist"), "MIBS=")
}

// StartAgent starts snmpd on a free loopback port and waits until it
// answers snmpget. It is stopped in t.Cleanup.
func StartAgent(t testing.TB) *Agent {
	t.Helper()
	return StartAgentAt(t, "127.0.0.1")
}

// StartAgentAt is StartAgent on another loopback address (127.0.0.0/8), so
// a test can give each simulated computer of a range its own address. The
// communities accept requests from any loopback source.
func StartAgentAt(t testing.TB, ip string) *Agent {
	t.Helper()
	if a := net.ParseIP(ip); a == nil || !a.IsLoopback() {
		t.Fatalf("snmptest: %q is not a loopback address", ip)
	}
	snmpd := peer.Require(t, "snmpd", "snmpd")
	snmpget := peer.Require(t, "snmpget", "snmp")
	dir := t.TempDir()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // the free port may be taken in between
		port := freeUDPPortAt(t, ip)
		conf := filepath.Join(dir, "snmpd.conf")
		text := strings.ReplaceAll(snmpdConf, "@PORT@", strconv.Itoa(port))
		if ip != "127.0.0.1" {
			text = strings.NewReplacer("udp:127.0.0.1:", "udp:"+ip+":", "public  127.0.0.1", "public  127.0.0.0/8",
				"private 127.0.0.1", "private 127.0.0.0/8").Replace(text)
		}
		writeFile(t, conf, text, 0o600)
		cmd := exec.Command(snmpd, "-f", "-C", "-c", conf, "-Lf", filepath.Join(dir, "snmpd.log"))
		cmd.Env = Env(dir)
		d := start(t, cmd)
		a := &Agent{Addr: net.JoinHostPort(ip, strconv.Itoa(port)), Port: port, Dir: dir}
		if lastErr = d.waitFor(func() error {
			out, err := exec.Command(snmpget, "-v2c", "-c", Community, "-m", "", "-r", "0", "-t", "0.2", a.Addr, "1.3.6.1.2.1.1.5.0").CombinedOutput()
			if err != nil {
				return fmt.Errorf("%v: %s", err, out)
			}
			return nil
		}); lastErr == nil {
			return a
		}
		d.stop()
	}
	log, _ := os.ReadFile(filepath.Join(dir, "snmpd.log"))
	t.Fatalf("snmptest: snmpd did not answer: %v\n%s", lastErr, log)
	return nil
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
}

// StartTrapd starts snmptrapd on a free loopback port. It is stopped in
// t.Cleanup.
func StartTrapd(t testing.TB) *Trapd {
	t.Helper()
	bin := peer.Require(t, "snmptrapd", "snmptrapd")
	dir := t.TempDir()
	port := FreeUDPPort(t)
	repl := strings.NewReplacer("@PORT@", strconv.Itoa(port), "@DIR@", dir)
	writeFile(t, filepath.Join(dir, "handler.sh"), repl.Replace(handlerScript), 0o700)
	conf := filepath.Join(dir, "snmptrapd.conf")
	writeFile(t, conf, repl.Replace(snmptrapdConf), 0o600)
	logFile := filepath.Join(dir, "snmptrapd.log")
	cmd := exec.Command(bin, "-f", "-C", "-c", conf, "-On", "-Lf", logFile)
	cmd.Env = Env(dir)
	d := start(t, cmd)
	td := &Trapd{Addr: "127.0.0.1:" + strconv.Itoa(port), Port: port, Dir: dir, TrapsFile: filepath.Join(dir, "traps.txt")}
	if err := d.waitFor(func() error {
		b, _ := os.ReadFile(logFile)
		if !bytes.Contains(b, []byte("NET-SNMP version")) {
			return fmt.Errorf("not started: %s", b)
		}
		return nil
	}); err != nil {
		t.Fatalf("snmptest: snmptrapd did not start: %v", err)
	}
	return td
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

func writeFile(t testing.TB, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatalf("snmptest: %v", err)
	}
}

// daemon is a started net-snmp process; done is closed when it exited.
type daemon struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// start starts cmd and stops it in t.Cleanup.
func start(t testing.TB, cmd *exec.Cmd) *daemon {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("snmptest: start %s: %v", cmd.Path, err)
	}
	d := &daemon{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(d.stop)
	return d
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
