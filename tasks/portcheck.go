package tasks

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/oobkit/oobkit"
)

// DefaultPorts are the TCP ports a [PortCheckTask] checks when given none:
// AMT (16992-16995), DASH (623, 664), WinRM (5985, 5986).
var DefaultPorts = []int{16992, 16993, 16994, 16995, 623, 664, 5985, 5986}

// PortCheckTask reports which of a list of TCP ports of a computer accept a
// connection. It opens a TCP connection to each (concurrently) and closes it
// at once; nothing is sent.
type PortCheckTask struct {
	// Ports to check; empty means [DefaultPorts].
	Ports []int `json:"ports,omitempty"`
	// Timeout bounds each connection attempt ("500ms"); 0 means 2 s.
	Timeout Duration `json:"timeout,omitempty"`
}

// PortCheckOutput is what a [PortCheckTask] returns. Every port checked is
// in exactly one list.
type PortCheckOutput struct {
	Open []int `json:"open"`
	// Closed ports refused the connection: the host is up.
	Closed []int `json:"closed"`
	// Filtered ports did not answer within the timeout.
	Filtered []int `json:"filtered"`
}

// Kind returns "portcheck".
func (t *PortCheckTask) Kind() string { return "portcheck" }

// Validate checks the ports.
func (t *PortCheckTask) Validate() error {
	for _, p := range t.Ports {
		if p < 1 || p > 65535 {
			return &oobkit.Error{Op: "portcheck", Class: oobkit.ErrInvalidArgument, Message: "port " + strconv.Itoa(p) + " out of range"}
		}
	}
	return nil
}

// Run checks the ports.
func (t *PortCheckTask) Run(ctx context.Context, env *Env) (any, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	ports := t.Ports
	if len(ports) == 0 {
		ports = DefaultPorts
	}
	timeout := time.Duration(t.Timeout)
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	states := make([]portState, len(ports))
	var wg sync.WaitGroup
	for i, p := range ports {
		wg.Go(func() {
			states[i] = dialPort(ctx, net.JoinHostPort(env.Target.Address, strconv.Itoa(p)), timeout)
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := &PortCheckOutput{Open: []int{}, Closed: []int{}, Filtered: []int{}}
	for i, p := range ports {
		switch states[i] {
		case portOpen:
			out.Open = append(out.Open, p)
		case portClosed:
			out.Closed = append(out.Closed, p)
		default:
			out.Filtered = append(out.Filtered, p)
		}
	}
	return out, nil
}

type portState int

const (
	portFiltered portState = iota
	portOpen
	portClosed
)

func dialPort(ctx context.Context, addr string, timeout time.Duration) portState {
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err == nil {
		_ = c.Close()
		return portOpen
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return portClosed
	}
	return portFiltered
}
