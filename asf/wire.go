package asf

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
)

// Wire constants of DMTF DSP0136 (ASF 2.0, 23 April 2003),
// https://www.dmtf.org/sites/default/files/standards/documents/DSP0136.pdf.
const (
	// IANA is the ASF IANA Enterprise Number, 4542 (11BEh): "set to 4542
	// for ASF-RMCP messages defined by this specification" (§3.2.2.3).
	IANA = 4542

	rmcpVersion = 0x06 // RMCP header Version: 06h (ASF) (§3.2.2.1)
	classASF    = 0x06 // Class of Message: ASF
	classIPMI   = 0x07 // Class of Message: IPMI (not ours; recognised to say so)
	classAck    = 0x80 // bit 7 of Class of Message: this is an RMCP ACK
	seqNoAck    = 0xFF // RMCP sequence number 255: no RMCP ACK wanted

	rmcpHeaderLen = 4
	asfHeaderLen  = 8 // IANA(4) type tag reserved length (§3.2.2.3)
	rspHeaderLen  = 8 // Session ID(4) Sequence Number(4) (§3.2.3.1)
	integrityLen  = 12
	keyLen        = 20 // RAKP keys are 160-bit (§3.2.3.5)
	randomLen     = 16
	guidLen       = 16

	// MaxMessageBytes caps what the client reads of one datagram. The
	// largest ASF message is an RSP-protected one: 8 (RSP) + 4 (RMCP) + 8
	// (ASF) + 255 (data) + 3 (pad) + 2 + 12 (integrity) = 292 bytes; a
	// datagram longer than the cap is refused as a protocol error.
	MaxMessageBytes = 512
)

// Message types (§3.2.2.3 and §3.2.4).
const (
	TypeReset             = 0x10 // Reset (§3.2.4.1)
	TypePowerUp           = 0x11 // Power-up (§3.2.4.1)
	TypePowerDown         = 0x12 // Unconditional Power-down (§3.2.4.2)
	TypePowerCycle        = 0x13 // Power Cycle Reset (§3.2.4.1)
	TypePresencePong      = 0x40 // Presence Pong (§3.2.4.3)
	TypeCapabilities      = 0x41 // Capabilities Response (§3.2.4.4)
	TypeSystemState       = 0x42 // System State Response (§3.2.4.5)
	TypeOpenSessionResp   = 0x43 // Open Session Response (§3.2.4.6)
	TypeCloseSessionResp  = 0x44 // Close Session Response (§3.2.4.7)
	TypePresencePing      = 0x80 // Presence Ping (§3.2.4.8)
	TypeCapabilitiesReq   = 0x81 // Capabilities Request (§3.2.4.9)
	TypeSystemStateReq    = 0x82 // System State Request (§3.2.4.10)
	TypeOpenSessionReq    = 0x83 // Open Session Request (§3.2.4.11)
	TypeCloseSessionReq   = 0x84 // Close Session Request (§3.2.4.12)
	TypeRAKP1             = 0xC0 // RAKP Message 1 (§3.2.4.13)
	TypeRAKP2             = 0xC1 // RAKP Message 2 (§3.2.4.14)
	TypeRAKP3             = 0xC2 // RAKP Message 3 (§3.2.4.15)
	payloadAuthentication = 0x01 // Open Session payload type (§3.2.4.11)
	payloadIntegrity      = 0x02
	algRAKPHMACSHA1       = 0x01 // Authentication Algorithm: RAKP-HMAC-SHA1
	algHMACSHA196         = 0x01 // Integrity Algorithm: HMAC-SHA1-96
)

// errShort and friends are the parser's plain-text problems; callers wrap
// them in an oobkit.Error of class ErrProtocol.
var (
	errShort     = errors.New("message too short")
	errVersion   = errors.New("not an RMCP version 06h message")
	errLength    = errors.New("data length disagrees with the datagram")
	errIntegrity = errors.New("integrity check value does not match")
	errTrailer   = errors.New("malformed RSP trailer")
)

// packet is one RMCP message: the RMCP header and, unless it is an RMCP
// ACK, the ASF-class data block.
type packet struct {
	Seq   byte // RMCP sequence number
	Class byte // Class of Message, ACK bit included
	IANA  uint32
	Type  byte
	Tag   byte
	Data  []byte
}

// ack reports whether p is an RMCP ACK.
func (p packet) ack() bool { return p.Class&classAck != 0 }

// encode writes the RMCP header and the ASF data block (§3.2.2.1, §3.2.2.3).
func (p packet) encode() []byte {
	b := make([]byte, 0, rmcpHeaderLen+asfHeaderLen+len(p.Data))
	b = append(b, rmcpVersion, 0, p.Seq, p.Class)
	if p.ack() {
		return b
	}
	b = binary.BigEndian.AppendUint32(b, p.IANA)
	return append(append(b, p.Type, p.Tag, 0, byte(len(p.Data))), p.Data...)
}

// parsePacket reads one RMCP message. An RMCP ACK carries no data block; an
// ASF message's Data Length must fit the datagram (bytes after it are
// ignored, as the RSP trailer follows there).
func parsePacket(b []byte) (packet, int, error) {
	if len(b) < rmcpHeaderLen {
		return packet{}, 0, errShort
	}
	if b[0] != rmcpVersion {
		return packet{}, 0, errVersion
	}
	p := packet{Seq: b[2], Class: b[3]}
	if p.ack() {
		return p, rmcpHeaderLen, nil
	}
	if p.Class&0x1F != classASF {
		return packet{}, 0, fmt.Errorf("RMCP class %02xh is not ASF", p.Class&0x1F)
	}
	if len(b) < rmcpHeaderLen+asfHeaderLen {
		return packet{}, 0, errShort
	}
	a := b[rmcpHeaderLen:]
	p.IANA = binary.BigEndian.Uint32(a)
	p.Type, p.Tag = a[4], a[5]
	n := int(a[7])
	if len(a) < asfHeaderLen+n {
		return packet{}, 0, errLength
	}
	p.Data = a[asfHeaderLen : asfHeaderLen+n]
	return p, rmcpHeaderLen + asfHeaderLen + n, nil
}

// bypass wraps an RMCP message in an RSP header with the "Bypass" Session
// ID 00000000h: "an unprotected RMCP, RSSP, or RAKP message follows the RSP
// header and no RSP trailer" (§3.2.3.1).
func bypass(rmcp []byte) []byte {
	return append(make([]byte, rspHeaderLen), rmcp...)
}

// seal protects an RMCP message for session sid (the destination's Session
// ID) with sequence number seq (§3.2.3.2.2): RSP header, the message, Pad
// bytes so that the Integrity Data starts on a DWORD boundary, Pad Length,
// Next Header (the RMCP Version, 06h) and the HMAC-SHA1-96 (RFC 2404) of
// everything "from Session ID to Next Header fields, inclusive" keyed with
// the Session Integrity Key.
func seal(sid, seq uint32, rmcp, sik []byte) []byte {
	b := make([]byte, 0, rspHeaderLen+len(rmcp)+5+integrityLen)
	b = binary.BigEndian.AppendUint32(b, sid)
	b = binary.BigEndian.AppendUint32(b, seq)
	b = append(b, rmcp...)
	pad := (4 - (len(b)+2)%4) % 4
	b = append(b, make([]byte, pad)...)
	b = append(b, byte(pad), rmcpVersion)
	return append(b, hmacSHA196(sik, b)...)
}

// rspMessage is a received RSP-framed message.
type rspMessage struct {
	SessionID uint32
	Seq       uint32
	RMCP      packet
}

// openBypass reads an RSP message that must carry the Bypass Session ID.
func openBypass(b []byte) (packet, error) {
	if len(b) < rspHeaderLen {
		return packet{}, errShort
	}
	if binary.BigEndian.Uint32(b) != 0 {
		return packet{}, errors.New("expected the Bypass Session ID")
	}
	p, _, err := parsePacket(b[rspHeaderLen:])
	return p, err
}

// openSealed checks and strips the RSP header and trailer of a protected
// message (§3.2.3.3): the trailer must agree with the message length, Next
// Header must be 06h, and the integrity check value must match sik.
func openSealed(b, sik []byte) (rspMessage, error) {
	if len(b) < rspHeaderLen+rmcpHeaderLen+2+integrityLen {
		return rspMessage{}, errShort
	}
	m := rspMessage{SessionID: binary.BigEndian.Uint32(b), Seq: binary.BigEndian.Uint32(b[4:])}
	covered := b[:len(b)-integrityLen]
	if !hmac.Equal(hmacSHA196(sik, covered), b[len(b)-integrityLen:]) {
		return rspMessage{}, errIntegrity
	}
	padLen, next := int(covered[len(covered)-2]), covered[len(covered)-1]
	if next != rmcpVersion || padLen > 3 {
		return rspMessage{}, errTrailer
	}
	body := covered[rspHeaderLen : len(covered)-2-padLen]
	p, n, err := parsePacket(body)
	if err != nil {
		return rspMessage{}, err
	}
	if n != len(body) {
		return rspMessage{}, errTrailer
	}
	m.RMCP = p
	return m, nil
}

// hmacSHA1 is HMAC-SHA1 per RFC 2104.
func hmacSHA1(key []byte, parts ...[]byte) []byte {
	h := hmac.New(sha1.New, key)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// hmacSHA196 is HMAC-SHA1-96 per RFC 2404: the first 96 bits.
func hmacSHA196(key []byte, parts ...[]byte) []byte {
	return hmacSHA1(key, parts...)[:integrityLen]
}
