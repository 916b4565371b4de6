// Package krbtest holds test helpers for Kerberos against the Samba AD DC:
// a counting TCP proxy in front of the KDC, so tests and benchmarks see how
// many requests reached it. Tests only.
package krbtest

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// KDC is a TCP proxy in front of a real KDC that counts the requests it
// forwards: a Kerberos client over TCP sends one message per connection
// (RFC 4120 §7.2.2), so connections are requests.
type KDC struct {
	ln net.Listener
	n  atomic.Int64
	wg sync.WaitGroup
}

// NewKDC starts a proxy to kdc ("host:port"); it stops when the test ends.
func NewKDC(t testing.TB, kdc string) *KDC {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &KDC{ln: ln}
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			k.n.Add(1)
			k.wg.Add(1)
			go func() {
				defer k.wg.Done()
				k.relay(c, kdc)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); k.wg.Wait() })
	return k
}

func (k *KDC) relay(c net.Conn, kdc string) {
	defer c.Close()
	up, err := net.DialTimeout("tcp", kdc, 10*time.Second)
	if err != nil {
		return
	}
	// Either side finishing ends the exchange: the KDC keeps a connection
	// open after its reply.
	done := make(chan struct{})
	go func() { _, _ = io.Copy(up, c); c.Close(); up.Close(); close(done) }()
	_, _ = io.Copy(c, up)
	c.Close()
	up.Close()
	<-done
}

// Addr is the proxy's address, to put in a credential's KDC list.
func (k *KDC) Addr() string { return k.ln.Addr().String() }

// Requests returns how many requests reached the KDC so far.
func (k *KDC) Requests() int64 { return k.n.Load() }
