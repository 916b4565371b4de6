package tasks

import (
	"context"
	"errors"
	"net"
	"slices"
	"syscall"

	"github.com/oobkit/oobkit"
)

// Prober decides quickly whether a target is worth trying at all. It returns
// nil when something answers and an error wrapping [oobkit.ErrUnreachable]
// when nothing does; the runner then skips the target without waiting for
// each protocol's own timeout (xCAT's lesson: probe first).
type Prober func(ctx context.Context, t oobkit.Target, protocols []oobkit.Protocol) error

// tcpProtocols are the protocols whose ports a TCP probe can test.
var tcpProtocols = []oobkit.Protocol{oobkit.AMT, oobkit.DASH, oobkit.WMI, oobkit.Redirection}

// TCPProbe is the default [Prober]: it opens TCP connections, concurrently,
// to the plain and TLS ports of the target's TCP protocols (AMT, DASH, WMI,
// redirection) and calls the host up as soon as one connects or refuses (a
// refusal proves the host is there). When none of the protocols is TCP
// (IPMI and SNMP are UDP, where silence proves nothing) it returns nil.
func TCPProbe(ctx context.Context, t oobkit.Target, protocols []oobkit.Protocol) error {
	var addrs []string
	for _, p := range protocols {
		if !slices.Contains(tcpProtocols, p) {
			continue
		}
		for _, tls := range []bool{false, true} {
			if a := t.HostPort(p, tls); !slices.Contains(addrs, a) {
				addrs = append(addrs, a)
			}
		}
	}
	if len(addrs) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	answers := make(chan error, len(addrs))
	for _, a := range addrs {
		go func() {
			var d net.Dialer
			c, err := d.DialContext(ctx, "tcp", a)
			if err == nil {
				_ = c.Close()
			}
			answers <- err
		}()
	}
	var last error
	up := false
	for range addrs { // wait for every dial, so no goroutine outlives the call
		err := <-answers
		if err == nil || errors.Is(err, syscall.ECONNREFUSED) {
			up = true
			cancel()
		} else if !up {
			last = err
		}
	}
	if up {
		return nil
	}
	return &oobkit.Error{Op: "probe", Class: oobkit.ErrUnreachable, Message: "no TCP management port answered", Err: last}
}
