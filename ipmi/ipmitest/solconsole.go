package ipmitest

import (
	"bytes"
	"net"
	"sync"
)

// SOLBanner is what the simulated serial console prints when ipmi_sim
// connects to it; each line received afterwards is answered with
// "\r\nECHO: <LINE UPPER-CASED>\r\n$ ".
const SOLBanner = "\r\nSimOS 1.0 ttyS0\r\nlogin: "

// solConsole is the TCP "serial port" ipmi_sim connects SOL instance 1 to.
// It behaves like the reference solserver.py.
type solConsole struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	count int
}

func startSOLConsole() (*solConsole, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &solConsole{ln: ln, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

func (s *solConsole) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *solConsole) connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

func (s *solConsole) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.count++
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(c)
	}
}

func (s *solConsole) serve(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	if _, err := c.Write([]byte(SOLBanner)); err != nil {
		return
	}
	var buf []byte
	tmp := make([]byte, 1024)
	for {
		n, err := c.Read(tmp)
		if err != nil {
			return
		}
		buf = append(buf, tmp[:n]...)
		for {
			i := bytes.IndexAny(buf, "\r\n")
			if i < 0 {
				break
			}
			line := buf[:i]
			if len(line) > 0 {
				reply := append([]byte("\r\nECHO: "), bytes.ToUpper(line)...)
				reply = append(reply, "\r\n$ "...)
				if _, err := c.Write(reply); err != nil {
					return
				}
			}
			buf = buf[i+1:]
		}
		if len(buf) > 4096 { // a console line longer than this is noise
			buf = buf[:0]
		}
	}
}

func (s *solConsole) close() {
	_ = s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}
