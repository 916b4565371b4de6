// Package asftest is a simulated ASF 2.0 managed client (DMTF DSP0136): an
// alert-sending device that answers RMCP on a loopback UDP "compatibility"
// port (Presence Ping, Capabilities and System State requests) and on a
// "secure" port with the RMCP security extensions (RSP: Open Session,
// RAKP Messages 1-3, integrity-protected messages with HMAC-SHA1-96) where
// it performs Reset, Power-up, Unconditional Power-down and Power Cycle
// Reset on a simulated system state.
//
// It builds and reads its own bytes and does not import package asf, so
// the client and the simulator check each other; FreeIPMI's rmcpping is
// the independent peer for the presence ping (see the asf tests).
package asftest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net"
	"strconv"
	"sync"

	"github.com/oobkit/oobkit"
)

// DefaultKey is the RAKP key of both roles when Config.Key is empty.
const DefaultKey = "asf-sim-key"

// System State values of §3.2.4.5 the simulator moves between.
const (
	StateS0         byte = 0x0 // S0/G0 working
	StateS5         byte = 0x5 // S5/G2 soft-off
	StateLegacyOff  byte = 0xC // Legacy OFF
	StateUnknown    byte = 0xE // Unknown
	maxSessions          = 16
	statusResources byte = 0x01 // "Insufficient resources to create a session"
	statusSession   byte = 0x02 // "Invalid session ID"
	// statusRole and statusName are the RAKP Message 2 refusals. DSP0136
	// §3.2.3.5.1 lists RAKP's status codes; the values here are those IPMI
	// v2.0 Table 13-15 gives the same refusals in its RAKP, which derives
	// from ASF's. The client treats every non-zero status as a refusal.
	statusRole byte = 0x09
	statusName byte = 0x0D
)

// Config configures a simulated device. The zero value is usable.
type Config struct {
	// Addr is the loopback IP address to bind (default 127.0.0.1), so a
	// test can give each device of a simulated range its own address.
	Addr string
	// Port is the compatibility port (default a free port). Tests that
	// point FreeIPMI's rmcpping at the device use 623, the only port
	// rmcpping sends to.
	Port int
	// Username, when set, is the one RAKP user name accepted; empty accepts
	// sessions without a name (and any name).
	Username string
	// Key is the administrator key KA as a client gives it: 40 hex digits
	// or at most 20 bytes of text, zero-padded (default DefaultKey).
	Key string
	// OperatorKey is KO (default Key).
	OperatorKey string
	// GenerationKey is KG, the key the Session Integrity Key is made with
	// (default Key).
	GenerationKey string
	// GUID is the managed client's SMBIOS GUID (default random).
	GUID [16]byte
	// Power is the initial power state, a row of Table C-3 as every oobkit
	// simulator's Config takes it; the device reports it as the ASF System
	// State of the same row (DSP0136 §3.2.4.10: rows 1–13 are states 00h–0Ch,
	// unknown 0Eh). The zero value (unknown) leaves it to State.
	Power oobkit.PowerState
	// State is the exact initial System State byte (default S0, 0), used
	// when Power is unknown.
	State byte
	// IPMI makes the Presence Pong say IPMI is supported too.
	IPMI bool
	// NoSecurity makes a device without the RMCP security extensions: the
	// pong says so and no secure port is opened.
	NoSecurity bool
	// SystemCapabilities is the Capabilities Response's System
	// Capabilities Bit Mask (default F0h: Reset, Power-Up, Power-Down and
	// Power Cycle Reset on either port).
	SystemCapabilities byte
}

// Counters are what the device saw.
type Counters struct {
	Pings        int // Presence Pings answered (either port)
	Sessions     int // sessions established (RAKP Message 3 verified)
	AuthFailures int // RAKP Message 3 that did not verify
	Discarded    int // datagrams dropped: malformed, unknown session, bad integrity, replay
	Refused      int // remote control received on the compatibility port (acknowledged, not performed)
}

// Server is one simulated ASF managed client serving on its own ports: the
// shape every oobkit simulator shares (NewServer, Target, Credential, Close).
type Server struct {
	cfg            Config
	compat, secure *net.UDPConn
	ka, ko, kg     []byte

	mu       sync.Mutex
	state    byte
	actions  []byte
	sessions map[uint32]*simSession
	counters Counters
	wg       sync.WaitGroup
}

type simSession struct {
	sidM, sidC uint32
	rm, rc     []byte
	role       byte
	name       []byte
	key, sik   []byte
	active     bool
	out        uint32
	top, seen  uint32
	ctlSeq     int // RMCP sequence number of the last remote control acted on
}

// NewServer binds the compatibility port (and, unless NoSecurity, the
// secure port) on cfg.Addr at free ports and serves until Close.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Power != oobkit.PowerUnknown {
		cfg.State = byte(cfg.Power.Code() - 1) // row r is System State r-1 (Table C-3)
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1"
	}
	if cfg.Key == "" {
		cfg.Key = DefaultKey
	}
	if cfg.OperatorKey == "" {
		cfg.OperatorKey = cfg.Key
	}
	if cfg.GenerationKey == "" {
		cfg.GenerationKey = cfg.Key
	}
	if cfg.SystemCapabilities == 0 {
		cfg.SystemCapabilities = 0xF0
	}
	if cfg.GUID == ([16]byte{}) {
		_, _ = rand.Read(cfg.GUID[:])
	}
	ip := net.ParseIP(cfg.Addr)
	if ip == nil || !ip.IsLoopback() {
		return nil, errors.New("asftest: Addr must be a loopback IP address")
	}
	d := &Server{cfg: cfg, state: cfg.State, sessions: map[uint32]*simSession{},
		ka: key(cfg.Key), ko: key(cfg.OperatorKey), kg: key(cfg.GenerationKey)}
	var err error
	if d.compat, err = net.ListenUDP("udp", &net.UDPAddr{IP: ip, Port: cfg.Port}); err != nil {
		return nil, err
	}
	if !cfg.NoSecurity {
		if d.secure, err = net.ListenUDP("udp", &net.UDPAddr{IP: ip}); err != nil {
			_ = d.compat.Close()
			return nil, err
		}
		d.wg.Add(1)
		go d.serve(d.secure, d.handleSecure)
	}
	d.wg.Add(1)
	go d.serve(d.compat, d.handleCompat)
	return d, nil
}

// key reads a key as the client does: 40 hex digits, or text zero-padded
// to 20 bytes.
func key(s string) []byte {
	if len(s) == 40 {
		if k, err := hex.DecodeString(s); err == nil {
			return k
		}
	}
	k := make([]byte, 20)
	copy(k, s)
	return k
}

// Addr returns the IP address the device listens on.
func (d *Server) Addr() string { return d.cfg.Addr }

// Port returns the compatibility port.
func (d *Server) Port() int { return d.compat.LocalAddr().(*net.UDPAddr).Port }

// SecurePort returns the secure (RSP) port, 0 with NoSecurity.
func (d *Server) SecurePort() int {
	if d.secure == nil {
		return 0
	}
	return d.secure.LocalAddr().(*net.UDPAddr).Port
}

// Target returns a target for the device with the ASF port overridden to
// the compatibility port (the secure port goes to the client's option).
func (d *Server) Target() oobkit.Target {
	return oobkit.Target{Name: "asf-" + d.cfg.Addr + "-" + strconv.Itoa(d.Port()), Address: d.cfg.Addr,
		Ports: map[oobkit.Protocol]int{oobkit.ASF: d.Port()}}
}

// Credential returns the administrator credential the device accepts.
func (d *Server) Credential() oobkit.Credential {
	return oobkit.Credential{Auth: oobkit.AuthDigest, Username: d.cfg.Username, Password: oobkit.NewSecret(d.cfg.Key)}
}

// GUID returns the device's GUID.
func (d *Server) GUID() [16]byte { return d.cfg.GUID }

// State returns the current System State value.
func (d *Server) State() byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.state
}

// SetState sets the System State value the device reports.
func (d *Server) SetState(s byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.state = s
}

// Actions returns the remote-control message types performed, in order.
func (d *Server) Actions() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]byte(nil), d.actions...)
}

// Counters returns what the device saw.
func (d *Server) Counters() Counters {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.counters
}

// Close stops the device and waits for its goroutines.
func (d *Server) Close() error {
	err := d.compat.Close()
	if d.secure != nil {
		err = errors.Join(err, d.secure.Close())
	}
	d.wg.Wait()
	return err
}

func (d *Server) serve(conn *net.UDPConn, handle func([]byte) [][]byte) {
	defer d.wg.Done()
	buf := make([]byte, 1024)
	for {
		n, from, err := conn.ReadFromUDP(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		for _, out := range handle(append([]byte(nil), buf[:n]...)) {
			_, _ = conn.WriteToUDP(out, from)
		}
	}
}

// rmcp is a decoded RMCP message.
type rmcp struct {
	seq, class, typ, tag byte
	iana                 uint32
	data                 []byte
	size                 int
}

// readRMCP decodes RMCP header and ASF data block (§3.2.2.1, §3.2.2.3).
func readRMCP(b []byte) (rmcp, bool) {
	if len(b) < 4 || b[0] != 0x06 {
		return rmcp{}, false
	}
	m := rmcp{seq: b[2], class: b[3], size: 4}
	if m.class&0x80 != 0 {
		return m, true
	}
	if m.class != 0x06 || len(b) < 12 {
		return rmcp{}, false
	}
	m.iana = binary.BigEndian.Uint32(b[4:])
	m.typ, m.tag = b[8], b[9]
	n := int(b[11])
	if len(b) < 12+n || m.iana != 4542 {
		return rmcp{}, false
	}
	m.data, m.size = b[12:12+n], 12+n
	return m, true
}

// writeRMCP encodes an ASF message with RMCP sequence number 255.
func writeRMCP(typ, tag byte, data []byte) []byte {
	b := []byte{0x06, 0, 0xFF, 0x06, 0, 0, 0x11, 0xBE, typ, tag, 0, byte(len(data))}
	return append(b, data...)
}

// ackOf is the RMCP ACK of a message: its sequence number, class with bit 7.
func ackOf(m rmcp) []byte { return []byte{0x06, 0, m.seq, 0x80 | m.class&0x1F} }

func (d *Server) discard() [][]byte {
	d.mu.Lock()
	d.counters.Discarded++
	d.mu.Unlock()
	return nil
}

// handleCompat answers the compatibility port.
func (d *Server) handleCompat(b []byte) [][]byte {
	m, ok := readRMCP(b)
	if !ok {
		return d.discard()
	}
	if m.class&0x80 != 0 {
		return nil
	}
	var out [][]byte
	if m.seq != 0xFF {
		out = append(out, ackOf(m))
	}
	d.mu.Lock()
	r := d.answerLocked(m)
	d.mu.Unlock()
	if r != nil {
		return append(out, r)
	}
	if m.typ >= 0x10 && m.typ <= 0x13 {
		// Remote control only over RSP: acknowledged and disregarded, as
		// §3.2.4.1 says of a message the device does not support.
		d.mu.Lock()
		d.counters.Refused++
		d.mu.Unlock()
	}
	return out
}

// answerLocked builds the reply to a ping, capabilities or system state
// request (d.mu held).
func (d *Server) answerLocked(m rmcp) []byte {
	switch m.typ {
	case 0x80: // Presence Ping → Presence Pong (§3.2.4.3)
		d.counters.Pings++
		p := make([]byte, 16)
		binary.BigEndian.PutUint32(p, 4542)
		p[8] = 0x01 // ASF, Version 1.0
		if d.cfg.IPMI {
			p[8] |= 0x80
		}
		if !d.cfg.NoSecurity {
			p[9] = 0x80
		}
		return writeRMCP(0x40, m.tag, p)
	case 0x81: // Capabilities Request → Capabilities Response (§3.2.4.4)
		p := make([]byte, 16)
		binary.BigEndian.PutUint32(p, 4542)
		p[10] = d.cfg.SystemCapabilities
		return writeRMCP(0x41, m.tag, p)
	case 0x82: // System State Request → System State Response (§3.2.4.5)
		return writeRMCP(0x42, m.tag, []byte{d.state, 0})
	}
	return nil
}

// handleSecure answers the secure port: RSSP and RAKP under the Bypass
// Session ID, everything else integrity-protected in a session.
func (d *Server) handleSecure(b []byte) [][]byte {
	if len(b) < 8 {
		return d.discard()
	}
	sid := binary.BigEndian.Uint32(b)
	if sid == 0 {
		m, ok := readRMCP(b[8:])
		if !ok || m.class&0x80 != 0 {
			return d.discard()
		}
		var out [][]byte
		if m.seq != 0xFF {
			out = append(out, bypassOf(ackOf(m)))
		}
		var r []byte
		switch m.typ {
		case 0x80:
			d.mu.Lock()
			r = d.answerLocked(m)
			d.mu.Unlock()
		case 0x83:
			r = d.openSession(m)
		case 0xC0:
			r = d.rakp1(m)
		case 0xC2:
			d.rakp3(m)
		}
		if r != nil {
			out = append(out, bypassOf(r))
		}
		return out
	}
	return d.sealed(sid, b)
}

func bypassOf(r []byte) []byte { return append(make([]byte, 8), r...) }

// openSession answers an Open Session Request (§3.2.4.11, §3.2.4.6).
func (d *Server) openSession(m rmcp) []byte {
	if len(m.data) < 4 {
		return nil
	}
	sidM := binary.BigEndian.Uint32(m.data)
	resp := []byte{0, 0, 0, 0}
	resp = binary.BigEndian.AppendUint32(resp, sidM)
	d.mu.Lock()
	defer d.mu.Unlock()
	if sidM == 0 {
		resp[0] = statusSession
		return writeRMCP(0x43, m.tag, resp)
	}
	if len(d.sessions) >= maxSessions {
		resp[0] = statusResources
		return writeRMCP(0x43, m.tag, resp)
	}
	var sidC uint32
	for sidC == 0 || d.sessions[sidC] != nil {
		var r [4]byte
		_, _ = rand.Read(r[:])
		sidC = binary.BigEndian.Uint32(r[:])
	}
	d.sessions[sidC] = &simSession{sidM: sidM, sidC: sidC, ctlSeq: -1}
	resp = binary.BigEndian.AppendUint32(resp, sidC)
	resp = append(resp, 0x01, 0, 0, 8, 0x01, 0, 0, 0) // RAKP-HMAC-SHA1
	resp = append(resp, 0x02, 0, 0, 8, 0x01, 0, 0, 0) // HMAC-SHA1-96
	return writeRMCP(0x43, m.tag, resp)
}

func mac(k []byte, parts ...[]byte) []byte {
	h := hmac.New(sha1.New, k)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// rakp1 answers RAKP Message 1 with Message 2 (§3.2.4.13, §3.2.4.14).
func (d *Server) rakp1(m rmcp) []byte {
	if len(m.data) < 24 {
		return nil
	}
	sidC := binary.BigEndian.Uint32(m.data)
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.sessions[sidC]
	if s == nil || s.active {
		d.counters.Discarded++
		return nil
	}
	ulen := int(m.data[23])
	if ulen > 16 || len(m.data) < 24+ulen {
		d.counters.Discarded++
		return nil
	}
	s.rm = append([]byte(nil), m.data[4:20]...)
	s.role = m.data[20] & 0x0F
	s.name = append([]byte(nil), m.data[24:24+ulen]...)
	refuse := func(code byte) []byte {
		delete(d.sessions, sidC)
		return writeRMCP(0xC1, m.tag, append([]byte{code, 0, 0, 0}, be32(s.sidM)...))
	}
	switch s.role {
	case 0x1:
		s.key = d.ka
	case 0x0:
		s.key = d.ko
	default:
		return refuse(statusRole)
	}
	if d.cfg.Username != "" && string(s.name) != d.cfg.Username {
		return refuse(statusName)
	}
	s.rc = make([]byte, 16)
	_, _ = rand.Read(s.rc)
	g := d.cfg.GUID[:]
	icv := mac(s.key, be32(s.sidM), be32(s.sidC), s.rm, s.rc, g, []byte{s.role}, []byte{byte(ulen)}, s.name)
	resp := append([]byte{0, 0, 0, 0}, be32(s.sidM)...)
	resp = append(append(append(resp, s.rc...), g...), icv...)
	return writeRMCP(0xC1, m.tag, resp)
}

// rakp3 checks RAKP Message 3 (§3.2.4.15) and activates the session.
func (d *Server) rakp3(m rmcp) {
	if len(m.data) < 20 {
		return
	}
	sidC := binary.BigEndian.Uint32(m.data[4:])
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.sessions[sidC]
	if s == nil || s.active || s.rc == nil {
		d.counters.Discarded++
		return
	}
	ul := []byte{byte(len(s.name))}
	want := mac(s.key, s.rc, be32(s.sidM), []byte{s.role}, ul, s.name)[:12]
	if m.data[0] != 0 || !hmac.Equal(want, m.data[8:20]) {
		d.counters.AuthFailures++
		delete(d.sessions, sidC)
		return
	}
	s.sik = mac(d.kg, s.rm, s.rc, []byte{s.role}, ul, s.name)
	s.active = true
	d.counters.Sessions++
}

// sealed handles an integrity-protected message of session sid
// (§3.2.3.3): unknown session, bad integrity or a replayed sequence
// number are silently discarded.
func (d *Server) sealed(sid uint32, b []byte) [][]byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.sessions[sid]
	if s == nil || !s.active || len(b) < 8+4+2+12 {
		d.counters.Discarded++
		return nil
	}
	covered := b[:len(b)-12]
	if !hmac.Equal(mac(s.sik, covered)[:12], b[len(b)-12:]) {
		d.counters.Discarded++
		return nil
	}
	pad := int(covered[len(covered)-2])
	if pad > 3 || covered[len(covered)-1] != 0x06 || len(covered) < 8+2+pad {
		d.counters.Discarded++
		return nil
	}
	m, ok := readRMCP(covered[8 : len(covered)-2-pad])
	if !ok || m.class&0x80 != 0 || !s.accept(binary.BigEndian.Uint32(b[4:])) {
		d.counters.Discarded++
		return nil
	}
	var out [][]byte
	if m.seq != 0xFF {
		out = append(out, d.seal(s, ackOf(m)))
	}
	switch {
	case m.typ == 0x81 || m.typ == 0x82:
		out = append(out, d.seal(s, d.answerLocked(m)))
	case m.typ >= 0x10 && m.typ <= 0x13:
		if int(m.seq) != s.ctlSeq { // a retransmission is acknowledged, not repeated
			s.ctlSeq = int(m.seq)
			d.perform(m.typ)
		}
	case m.typ == 0x84: // Close Session Request → Close Session Response
		out = append(out, d.seal(s, writeRMCP(0x44, m.tag, append([]byte{0, 0, 0, 0}, be32(s.sidM)...))))
		delete(d.sessions, sid)
	}
	return out
}

// accept applies the 32-message sliding receive window.
func (s *simSession) accept(seq uint32) bool {
	if seq == 0 {
		return false
	}
	if seq > s.top {
		if seq-s.top >= 32 {
			s.seen = 0
		} else {
			s.seen <<= seq - s.top
		}
		s.seen |= 1
		s.top = seq
		return true
	}
	diff := s.top - seq
	if diff >= 32 || s.seen&(1<<diff) != 0 {
		return false
	}
	s.seen |= 1 << diff
	return true
}

// seal protects r for the console's session (d.mu held).
func (d *Server) seal(s *simSession, r []byte) []byte {
	s.out++
	b := append(be32(s.sidM), be32(s.out)...)
	b = append(b, r...)
	pad := (4 - (len(b)+2)%4) % 4
	b = append(b, make([]byte, pad)...)
	b = append(b, byte(pad), 0x06)
	return append(b, mac(s.sik, b)[:12]...)
}

// perform acts on a remote-control message (d.mu held).
func (d *Server) perform(typ byte) {
	d.actions = append(d.actions, typ)
	switch typ {
	case 0x10, 0x11, 0x13: // Reset, Power-up, Power Cycle Reset: the system runs
		d.state = StateS0
	case 0x12: // Unconditional Power-down
		d.state = StateS5
	}
}
