package ipmi_test

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// udpRelay forwards datagrams between clients on 127.0.0.1 and one BMC
// port, giving each client source address its own upstream socket (so each
// RMCP+ session keeps its own path), and counts RMCP+ packets by payload
// type, per client and direction. Its counts are what a BMC and the console
// see on the wire, independent of the SDK's own bookkeeping.
type udpRelay struct {
	t    testing.TB
	ln   *net.UDPConn
	bmc  *net.UDPAddr
	wg   sync.WaitGroup
	mu   sync.Mutex
	ups  map[string]*relayPeer
	done chan struct{}
	// delay, when set, holds back the nth (from 1, over all paths) packet of
	// a direction and payload type for the returned time, as a loaded
	// network or BMC would.
	delay func(k relayKey, nth int) time.Duration
	seen  map[relayKey]int
}

// relayPeer is one client's path through the relay.
type relayPeer struct {
	client *net.UDPAddr
	up     *net.UDPConn
	counts map[relayKey]int
}

// relayKey selects a packet count: direction (true: client to BMC) and RMCP+
// payload type (IPMI v2.0 §13.27.3: 0 IPMI message, 1 SOL).
type relayKey struct {
	toBMC   bool
	payload byte
}

func startRelay(t testing.TB, bmcPort int) *udpRelay {
	t.Helper()
	return startDelayRelay(t, bmcPort, nil)
}

func startDelayRelay(t testing.TB, bmcPort int, delay func(k relayKey, nth int) time.Duration) *udpRelay {
	t.Helper()
	ln, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	r := &udpRelay{t: t, ln: ln, bmc: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: bmcPort},
		ups: map[string]*relayPeer{}, done: make(chan struct{}), delay: delay, seen: map[relayKey]int{}}
	r.wg.Add(1)
	go r.serve()
	t.Cleanup(r.close)
	return r
}

func (r *udpRelay) port() int { return r.ln.LocalAddr().(*net.UDPAddr).Port }

// rmcpPayload returns the RMCP+ payload type of an RMCP+ datagram (RMCP
// header, then auth type 06h and the payload type byte, §13.6), or false.
func rmcpPayload(b []byte) (byte, bool) {
	if len(b) < 6 || b[0] != 0x06 || b[4] != 0x06 {
		return 0, false
	}
	return b[5] & 0x3f, true
}

func (r *udpRelay) serve() {
	defer r.wg.Done()
	buf := make([]byte, 2048)
	for {
		n, from, err := r.ln.ReadFromUDP(buf)
		if err != nil {
			return
		}
		p := r.peer(from)
		if p == nil {
			return
		}
		r.forward(r.count(p, true, buf[:n]), buf[:n], func(b []byte) { _, _ = p.up.Write(b) })
	}
}

// peer returns from's path, opening it (and its reader) on first use.
func (r *udpRelay) peer(from *net.UDPAddr) *relayPeer {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.ups[from.String()]; ok {
		return p
	}
	select {
	case <-r.done:
		return nil
	default:
	}
	up, err := net.DialUDP("udp", nil, r.bmc)
	if err != nil {
		r.t.Errorf("relay: %v", err)
		return nil
	}
	p := &relayPeer{client: from, up: up, counts: map[relayKey]int{}}
	r.ups[from.String()] = p
	r.wg.Add(1)
	go r.back(p)
	return p
}

// back forwards the BMC's answers to p's client.
func (r *udpRelay) back(p *relayPeer) {
	defer r.wg.Done()
	buf := make([]byte, 2048)
	for {
		n, err := p.up.Read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // ICMP port unreachable and the like
		}
		r.forward(r.count(p, false, buf[:n]), buf[:n], func(b []byte) { _, _ = r.ln.WriteToUDP(b, p.client) })
	}
}

// count counts b and returns how long to hold it back.
func (r *udpRelay) count(p *relayPeer, toBMC bool, b []byte) time.Duration {
	pt, ok := rmcpPayload(b)
	if !ok {
		return 0
	}
	k := relayKey{toBMC, pt}
	r.mu.Lock()
	defer r.mu.Unlock()
	p.counts[k]++
	r.seen[k]++
	if r.delay == nil {
		return 0
	}
	return r.delay(k, r.seen[k])
}

// forward sends b now, or a copy of it after d.
func (r *udpRelay) forward(d time.Duration, b []byte, send func([]byte)) {
	if d <= 0 {
		send(b)
		return
	}
	b = append([]byte(nil), b...)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		select {
		case <-time.After(d):
			send(b)
		case <-r.done:
		}
	}()
}

// total returns how many packets of k passed, over all paths.
func (r *udpRelay) total(k relayKey) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[k]
}

// sessionCounts returns, for every client path that carried SOL packets,
// its counts.
func (r *udpRelay) solPaths() []map[relayKey]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[relayKey]int
	for _, p := range r.ups {
		if p.counts[relayKey{true, 1}] == 0 {
			continue
		}
		c := map[relayKey]int{}
		for k, v := range p.counts {
			c[k] = v
		}
		out = append(out, c)
	}
	return out
}

func (r *udpRelay) close() {
	r.mu.Lock()
	close(r.done)
	for _, p := range r.ups {
		_ = p.up.Close()
	}
	r.mu.Unlock()
	_ = r.ln.Close()
	r.wg.Wait()
}

// waitFor polls cond every 20 ms until it holds or d elapsed.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cond()
}
