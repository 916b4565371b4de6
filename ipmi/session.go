package ipmi

import (
	"encoding/binary"
	"fmt"

	"github.com/bougou/go-ipmi/pkg/types"

	"github.com/oobkit/oobkit"
)

// algorithms are the authentication, integrity and confidentiality
// algorithms of an RMCP+ session (IPMI v2.0 §13.28.3–13.28.5, Tables 13-17,
// 13-18 and 13-19).
type algorithms struct {
	auth, integrity, conf uint8
}

// openSession is what a successful Open Session Response says: the
// algorithms and the session ID the BMC gave the session.
type openSession struct {
	algorithms
	bmcSessionID uint32
}

// suiteAlgorithms returns the algorithms of a cipher suite (IPMI v2.0
// §22.15.2 Table 22-20).
func suiteAlgorithms(id uint8) (algorithms, bool) {
	a, i, c, ok := types.GetCipherSuiteAlgorithms(types.CipherSuiteID(id))
	return algorithms{uint8(a), uint8(i), uint8(c)}, ok
}

// suiteOf finds the standard cipher suite (0–19) made of a; ok is false
// when no suite is.
func suiteOf(a algorithms) (uint8, bool) {
	for id := uint8(0); id <= 19; id++ {
		if s, ok := suiteAlgorithms(id); ok && s == a {
			return id, true
		}
	}
	return 0, false
}

// String names the algorithms as the specification does.
func (a algorithms) String() string {
	name := func(names []string, v uint8) string {
		if int(v) < len(names) {
			return names[v]
		}
		return fmt.Sprintf("%#02x", v)
	}
	s := name([]string{"RAKP-none", "RAKP-HMAC-SHA1", "RAKP-HMAC-MD5", "RAKP-HMAC-SHA256"}, a.auth) + ", " +
		name([]string{"integrity none", "HMAC-SHA1-96", "HMAC-MD5-128", "MD5-128", "HMAC-SHA256-128"}, a.integrity) + ", " +
		name([]string{"confidentiality none", "AES-CBC-128", "xRC4-128", "xRC4-40"}, a.conf)
	if id, ok := suiteOf(a); ok {
		s += fmt.Sprintf(" (cipher suite %d)", id)
	}
	return s
}

// parseOpenSessionResponse reads the algorithms out of one RMCP datagram
// when it carries a successful RMCP+ Open Session Response; ok is false for
// any other datagram.
//
// Layout (IPMI v2.0 §13.6 Table 13-8 and §13.20 Table 13-10): RMCP header
// (4 bytes, class 07h = IPMI), authentication type 06h (RMCP+), payload
// type 11h (Open Session Response, neither encrypted nor authenticated),
// session ID (4), session sequence number (4), payload length (2, little
// endian), then the payload: message tag, status code (00h = no errors),
// maximum privilege, reserved, remote console session ID (4), managed system
// session ID (4), and the authentication, integrity and confidentiality
// payloads of 8 bytes each (type, 2 reserved, length 08h, algorithm in bits
// 5:0, 3 reserved).
func parseOpenSessionResponse(p []byte) (openSession, bool) {
	const hdr = 16
	if len(p) < hdr || p[0] != 0x06 || p[3]&0x1F != 0x07 || p[4] != 0x06 || p[5] != 0x11 {
		return openSession{}, false
	}
	n := int(binary.LittleEndian.Uint16(p[14:16]))
	body := p[hdr:]
	if n < 36 || len(body) < 36 || body[1] != 0 {
		return openSession{}, false
	}
	alg := func(off int, typ uint8) (uint8, bool) {
		return body[off+4] & 0x3F, body[off] == typ && body[off+3] == 8
	}
	a, ok1 := alg(12, 0)
	i, ok2 := alg(20, 1)
	c, ok3 := alg(28, 2)
	if !ok1 || !ok2 || !ok3 {
		return openSession{}, false
	}
	return openSession{algorithms{a, i, c}, binary.LittleEndian.Uint32(body[8:12])}, true
}

// checkOffer compares what the BMC answered the Open Session Request with
// against the requested suite. The console proposes one algorithm of each
// kind; the BMC either takes them or refuses the request with a status code
// such as "invalid authentication algorithm" (IPMI v2.0 §13.17, §13.24
// Table 13-15): answering with other algorithms is a protocol error, and a
// silent downgrade. ipmitool refuses such a session too ("Authentication algorithm 0x01 is not what we requested
// 0x03"); go-ipmi v0.9.1 adopts what the BMC says, which would give a
// cipher suite 3 (SHA-1) session to a caller who asked for suite 17.
func checkOffer(w *wire, suite uint8) error {
	open, ok := w.offered()
	if !ok {
		return nil
	}
	got := open.algorithms
	want, _ := suiteAlgorithms(suite)
	if got == want {
		return nil
	}
	return &oobkit.Error{Protocol: oobkit.IPMI, Op: opOpenSession, Class: oobkit.ErrProtocol,
		Message: fmt.Sprintf("the BMC answered a request for cipher suite %d (%s) with %s", suite, want, got)}
}
