package ipmi

import (
	"bytes"
	"context"
	"net"
	"sync"
	"time"
)

// wire owns the UDP socket of one go-ipmi session so that a caller's context
// can interrupt a pending read.
//
// go-ipmi v0.9.1 stops waiting when the context ends, but its reader
// goroutine keeps the socket (and the session's lock) until its own read
// deadline, one exchange timeout later, and a context without a deadline
// never shortens that deadline. The wire is handed to go-ipmi as its UDP
// "proxy" dialer; while interrupted, every read deadline go-ipmi sets is
// moved into the past, so the pending read returns at once.
//
// The wire also counts retransmissions (a datagram identical to the one
// before it): go-ipmi re-sends the same bytes when an answer is late or
// lost, and during session set-up that matters for classifying a failure
// (see [Client.dial]).
type wire struct {
	// dial opens the socket (nil: net.Dial).
	dial        func(ctx context.Context, network, addr string) (net.Conn, error)
	mu          sync.Mutex
	conn        net.Conn
	interrupted bool
	last        []byte // the datagram written last
	resent      int    // how many writes repeated the one before
	// offer holds the algorithms of the last RMCP+ Open Session Response
	// read from the socket (see [parseOpenSessionResponse]).
	offer    openSession
	hasOffer bool
}

// past is a read deadline that has expired.
var past = time.Unix(1, 0)

// Dial implements go-ipmi's proxy.Dialer: it opens the session's socket.
func (w *wire) Dial(network, addr string) (net.Conn, error) {
	var c net.Conn
	var err error
	if w.dial != nil {
		// go-ipmi's proxy.Dialer takes no context; the exchange timeout
		// and the caller's context bound the reads that follow.
		c, err = w.dial(context.Background(), network, addr)
	} else {
		c, err = net.Dial(network, addr)
	}
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.conn = c
	if w.interrupted {
		_ = c.SetReadDeadline(past)
	}
	return &wireConn{Conn: c, w: w}, nil
}

// setInterrupted turns the interruption on or off.
func (w *wire) setInterrupted(on bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.interrupted = on
	if on && w.conn != nil {
		_ = w.conn.SetReadDeadline(past)
	}
}

// watch interrupts the socket's reads when ctx ends, until the returned
// release is called. With keep (the call succeeded and the session lives
// on) release lifts an interruption; otherwise, once ctx has ended, the
// socket stays interrupted so that closing it never waits for go-ipmi's
// reader. (go-ipmi may return on ctx.Done before the AfterFunc ran, and
// stop then keeps it from running: release interrupts itself.)
func (w *wire) watch(ctx context.Context) (release func(keep bool)) {
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		w.setInterrupted(true)
		close(fired)
	})
	return func(keep bool) {
		if !stop() {
			<-fired
		}
		switch {
		case keep:
			w.setInterrupted(false)
		case ctx.Err() != nil:
			w.setInterrupted(true)
		}
	}
}

// resends reports how many datagrams were sent again unchanged.
func (w *wire) resends() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.resent
}

// sent records a datagram written to the socket.
func (w *wire) sent(p []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if bytes.Equal(p, w.last) {
		w.resent++
		return
	}
	w.last = append(w.last[:0], p...)
}

// received looks at a datagram read from the socket and keeps the
// algorithms of an RMCP+ Open Session Response.
func (w *wire) received(p []byte) {
	a, ok := parseOpenSessionResponse(p)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.offer, w.hasOffer = a, true
}

// offered returns the algorithms of the last Open Session Response read,
// and whether there was one.
func (w *wire) offered() (openSession, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.offer, w.hasOffer
}

// wireConn is the socket go-ipmi uses; it keeps reads interrupted, counts
// retransmissions and notes the algorithms the BMC answers an Open Session
// Request with.
type wireConn struct {
	net.Conn
	w *wire
}

// Write sends one datagram.
func (c *wireConn) Write(p []byte) (int, error) {
	c.w.sent(p)
	return c.Conn.Write(p)
}

// Read reads one datagram.
func (c *wireConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.w.received(p[:n])
	}
	return n, err
}

// SetReadDeadline sets t, or an expired deadline while interrupted.
func (c *wireConn) SetReadDeadline(t time.Time) error {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	if c.w.interrupted {
		t = past
	}
	return c.Conn.SetReadDeadline(t)
}

// SetDeadline sets t for writes, and for reads unless interrupted.
func (c *wireConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
}
