package snmp

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// newTrapSender returns a gosnmp v2c or v1 sender aimed at addr.
func newTrapSender(t testing.TB, addr *net.UDPAddr, version gosnmp.SnmpVersion, community string) *gosnmp.GoSNMP {
	t.Helper()
	g := &gosnmp.GoSNMP{
		Target: addr.IP.String(), Port: uint16(addr.Port), Transport: "udp", Community: community,
		Version: version, Timeout: time.Second, Retries: 0, Logger: gosnmp.NewLogger(nil),
	}
	require.NoError(t, g.Connect())
	t.Cleanup(func() { _ = g.Conn.Close() })
	return g
}

// petTrap is a v1 PET carrying data with the given specific trap.
func petTrap(specific int, data []byte) gosnmp.SnmpTrap {
	return gosnmp.SnmpTrap{
		Enterprise: PETEnterprise, AgentAddress: "10.9.8.7", GenericTrap: 6, SpecificTrap: specific,
		Variables: []gosnmp.SnmpPDU{{Name: PETVarbindOID, Type: gosnmp.OctetString, Value: data}},
	}
}

func TestListenerDropsWhenQueueFull(t *testing.T) {
	l, err := Listen(context.Background(), "127.0.0.1:0", WithQueueSize(2))
	require.NoError(t, err)
	defer l.Close()
	g := newTrapSender(t, l.Addr(), gosnmp.Version1, "any")
	const n = 20
	for i := 0; i < n; i++ {
		_, err := g.SendTrap(petTrap(65801, buildPET(uint16(i), 0, 0xFFFF, 0x10, 1, 7, nil, nil)))
		require.NoError(t, err)
		time.Sleep(time.Millisecond) // loopback: keep the kernel socket buffer out of the picture
	}
	s := waitStats(t, l, func(s ListenerStats) bool { return s.Received == n })
	assert.Equal(t, uint64(n), s.Accepted)
	assert.Equal(t, uint64(2), s.Delivered, "only the queue's capacity went through")
	assert.Equal(t, uint64(n-2), s.Dropped)
	ev := <-l.Events()
	assert.Equal(t, "0", ev.ID, "the first events are kept, later ones dropped")
	assert.Equal(t, "10.9.8.7", ev.Target)
}

func TestListenerHandlerAndClose(t *testing.T) {
	var mu sync.Mutex
	var got []oobkit.Event
	ctx, cancel := context.WithCancel(context.Background())
	l, err := Listen(ctx, "127.0.0.1:0", WithCommunities(oobkit.NewSecret("public")), WithHandler(func(ev oobkit.Event) {
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
	}))
	require.NoError(t, err)
	g := newTrapSender(t, l.Addr(), gosnmp.Version2c, "public")
	for i := 0; i < 5; i++ {
		_, err := g.SendTrap(gosnmp.SnmpTrap{Variables: []gosnmp.SnmpPDU{
			{Name: oidSnmpTrapOID, Type: gosnmp.ObjectIdentifier, Value: ".1.3.6.1.6.3.1.1.5.4"},
			{Name: ".1.3.6.1.2.1.2.2.1.1.1", Type: gosnmp.Integer, Value: i},
		}})
		require.NoError(t, err)
	}
	waitStats(t, l, func(s ListenerStats) bool { return s.Delivered == 5 })
	cancel() // ending the context closes the listener
	// After the context ended the socket is closed: a new listener can take the port.
	require.Eventually(t, func() bool {
		c, err := net.ListenUDP("udp", l.Addr())
		if err == nil {
			_ = c.Close()
		}
		return err == nil
	}, waitLimit, 10*time.Millisecond)
	require.NoError(t, l.Close())
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 5)
	for i, ev := range got {
		assert.Equal(t, oobkit.SeverityInfo, ev.Severity, "linkUp is info")
		assert.Equal(t, string(rune('0'+i)), ev.Data[".1.3.6.1.2.1.2.2.1.1.1"], "arrival order")
	}
}

func TestListenerCountsMalformedAndIgnored(t *testing.T) {
	l, err := Listen(context.Background(), "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	c, err := net.DialUDP("udp", nil, l.Addr())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("not snmp at all"))
	require.NoError(t, err)
	g := newTrapSender(t, l.Addr(), gosnmp.Version2c, "public")
	g.Timeout, g.Retries = 50*time.Millisecond, 0
	_, _ = g.Get([]string{OIDSysName}) // a Get sent to a trap port is ignored (and times out)
	s := waitStats(t, l, func(s ListenerStats) bool { return s.Received == 2 })
	assert.Equal(t, uint64(1), s.Malformed)
	assert.Equal(t, uint64(1), s.Ignored)
	assert.Zero(t, s.Accepted)
}
