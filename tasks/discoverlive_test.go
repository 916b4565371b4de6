package tasks

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/snmp"
)

// snmpOnly is an SNMP client as package snmp's: it reads the system group
// and has no power state.
type snmpOnly struct{}

func (snmpOnly) Protocol() oobkit.Protocol { return oobkit.SNMP }
func (snmpOnly) Close() error              { return nil }
func (snmpOnly) Detect(context.Context) (*snmp.SystemInfo, error) {
	return &snmp.SystemInfo{Descr: "Linux pc 6.1", Name: "pc"}, nil
}

// TestDiscoverLiveSNMPAndRedirection: a live SNMP agent and a live
// redirection port are reported as answering, not as unsupported (they
// read no power state); a closed redirection port is unreachable.
func TestDiscoverLiveSNMPAndRedirection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	defer func() { _ = ln.Close(); <-done }()

	run := func(redirPort int) *DiscoverOutput {
		conn := NewConnector(goodCreds(oobkit.SNMP, oobkit.Redirection))
		conn.Register(oobkit.SNMP, func(context.Context, oobkit.Target, oobkit.Credential) (oobkit.Client, error) {
			return snmpOnly{}, nil
		})
		conn.Register(oobkit.Redirection, func(_ context.Context, tg oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
			tg.Ports = map[oobkit.Protocol]int{oobkit.Redirection: redirPort}
			return redirect.New(tg, c)
		})
		r := NewRunner(conn, WithProbe(nil), WithRetry(fastRetry))
		res := r.RunTarget(context.Background(), &Job{Name: "d", Steps: []Step{{ID: "d", Task: &DiscoverTask{}}}},
			oobkit.Target{Name: "pc", Address: "127.0.0.1"})
		return res.Output("d").(*DiscoverOutput)
	}
	out := run(port)
	assert.Equal(t, []oobkit.Protocol{oobkit.SNMP, oobkit.Redirection}, out.Answering())
	for _, p := range out.Protocols {
		switch p.Protocol {
		case oobkit.SNMP:
			assert.Equal(t, "Linux pc 6.1", p.Details["sysDescr"])
		case oobkit.Redirection:
			assert.Equal(t, "open", p.Details["port"])
		}
	}

	require.NoError(t, ln.Close())
	<-done
	done = make(chan struct{})
	close(done)
	out = run(port)
	assert.Equal(t, []oobkit.Protocol{oobkit.SNMP}, out.Answering())
	assert.Equal(t, "unreachable", out.Protocols[1].Class)
}
