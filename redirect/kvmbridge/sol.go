package kvmbridge

import (
	"context"
	"io"
	"net/http"
	"sync"

	"golang.org/x/net/websocket"
)

// SOL bridges a serial-over-LAN session to a browser terminal (xterm.js or
// similar): the serial stream both ways in binary WebSocket frames, behind
// the same one-time token, origin check and single-viewer rule as the KVM
// bridge. The session is opened when the browser connects and closed when
// it leaves.
type SOL struct {
	open func(ctx context.Context) (io.ReadWriteCloser, error)
	gate *gate
}

// NewSOL returns a SOL bridge that opens sessions with open (for example
// a closure over redirect.Client.OpenSOL). origins are as Config.Origins.
func NewSOL(open func(ctx context.Context) (io.ReadWriteCloser, error), origins []string) *SOL {
	return &SOL{open: open, gate: newGate(origins)}
}

// Token returns a one-time token for one browser connection.
func (s *SOL) Token() string { return s.gate.token() }

// ServeHTTP is the WebSocket endpoint for the terminal.
func (s *SOL) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.gate.admit(w, r) {
		return
	}
	defer s.gate.release()
	sess, err := s.open(r.Context())
	if err != nil {
		http.Error(w, "opening the serial-over-LAN session: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer sess.Close()
	srv := wsServer(func(ws *websocket.Conn) {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = io.Copy(ws, sess)
			ws.Close()
		}()
		_, _ = io.Copy(sess, ws)
		sess.Close()
		ws.Close()
		wg.Wait()
	})
	srv.ServeHTTP(w, r)
}
