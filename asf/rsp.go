package asf

import (
	"context"
	"crypto/hmac"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/oobkit/oobkit"
)

// session is an open RSP session (§3.2.3): both Session IDs, the Session
// Integrity Key, the outbound sequence number and the inbound sliding
// receive window.
type session struct {
	sidM, sidC uint32
	sik        []byte
	guid       [guidLen]byte
	out        uint32
	in         window
}

// window is the Sliding Receive Window of 32 messages (§3.2.3.1,
// §3.2.3.3.3): a sequence number is accepted once, and only if it is not
// older than the 32 newest seen.
type window struct {
	top  uint32
	seen uint32 // bit i: top-i was received
}

func (w *window) accept(seq uint32) bool {
	if seq == 0 {
		return false
	}
	if seq > w.top {
		if d := seq - w.top; d >= 32 {
			w.seen = 0
		} else {
			w.seen <<= d
		}
		w.seen |= 1
		w.top = seq
		return true
	}
	d := w.top - seq
	if d >= 32 || w.seen&(1<<d) != 0 {
		return false
	}
	w.seen |= 1 << d
	return true
}

// GUID returns the managed client's GUID as RAKP Message 2 reported it,
// opening the RSP session if needed. It needs a key.
func (c *Client) GUID(ctx context.Context) ([16]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.session(ctx)
	if err != nil {
		return [16]byte{}, err
	}
	return s.guid, nil
}

// session returns the open RSP session, creating it (Open Session
// Request/Response, RAKP Messages 1-3) when there is none.
func (c *Client) session(ctx context.Context) (*session, error) {
	if c.sess != nil {
		return c.sess, nil
	}
	if c.key == nil {
		return nil, &oobkit.Error{Protocol: oobkit.ASF, Op: "Open Session", Class: oobkit.ErrAuth,
			Message: "the credential has no RAKP key"}
	}
	s := &session{}
	for s.sidM == 0 {
		s.sidM = binary.BigEndian.Uint32(random(4))
	}
	if err := c.openSession(ctx, s); err != nil {
		return nil, err
	}
	if err := c.rakp(ctx, s); err != nil {
		return nil, err
	}
	c.sess = s
	return s, nil
}

// bypassExchange sends an RSSP/RAKP message under the Bypass Session ID to
// the secure port. "All messages that are sent to the RMCP security
// extensions UDP port prior to the establishment of a session ... must be
// encapsulated within an RSP Header that uses the 'Bypass' Session ID"
// (§3.2.3.4). want 0 waits for an RMCP ACK of rmcpSeq instead of a reply.
func (c *Client) bypassExchange(ctx context.Context, op string, typ byte, data []byte, want, rmcpSeq byte) (packet, error) {
	conn, err := c.conn(ctx, op, c.cfg.securePort)
	if err != nil {
		return packet{}, err
	}
	tag := c.nextTag()
	seq := byte(seqNoAck)
	if want == 0 {
		seq = rmcpSeq
	}
	msg := bypass(packet{Seq: seq, Class: classASF, IANA: IANA, Type: typ, Tag: tag, Data: data}.encode())
	var got packet
	err = c.roundTrip(ctx, op, conn, func() []byte { return msg }, func(b []byte) (bool, error) {
		p, err := openBypass(b)
		if err != nil {
			return false, err
		}
		if want == 0 {
			return p.ack() && p.Seq == seq, nil
		}
		if p.ack() || p.Tag != tag {
			return false, nil
		}
		if p.IANA != IANA || p.Type != want {
			return false, fmt.Errorf("answer type %02xh, want %02xh", p.Type, want)
		}
		got = p
		return true, nil
	})
	return got, err
}

// openSession proposes RAKP-HMAC-SHA1 and HMAC-SHA1-96 (§3.2.4.11) and
// reads the Open Session Response (§3.2.4.6).
func (c *Client) openSession(ctx context.Context, s *session) error {
	const op = "Open Session"
	data := binary.BigEndian.AppendUint32(nil, s.sidM)
	data = append(data, payloadAuthentication, 0, 0, 8, algRAKPHMACSHA1, 0, 0, 0)
	data = append(data, payloadIntegrity, 0, 0, 8, algHMACSHA196, 0, 0, 0)
	p, err := c.bypassExchange(ctx, op, TypeOpenSessionReq, data, TypeOpenSessionResp, 0)
	if err != nil {
		return err
	}
	d := p.Data
	if len(d) < 8 {
		return c.protocolErr(op, errShort)
	}
	if d[0] != 0 {
		return rsspStatusErr(op, d[0])
	}
	if len(d) < 28 {
		return c.protocolErr(op, errShort)
	}
	if binary.BigEndian.Uint32(d[4:]) != s.sidM {
		return c.protocolErr(op, errors.New("the response names another Mgt Console Session ID"))
	}
	s.sidC = binary.BigEndian.Uint32(d[8:])
	if s.sidC == 0 {
		return c.protocolErr(op, errors.New("the managed client chose the Bypass Session ID"))
	}
	if d[12] != payloadAuthentication || d[16] != algRAKPHMACSHA1 || d[20] != payloadIntegrity || d[24] != algHMACSHA196 {
		return c.protocolErr(op, errors.New("the managed client selected algorithms that were not proposed"))
	}
	return nil
}

// rsspStatusErr classifies an RSSP status code (§3.2.3.5.1): 01h
// "Insufficient resources to create a session" is busy, 04h-07h (no
// acceptable algorithm) unsupported, others a protocol error.
func rsspStatusErr(op string, code byte) error {
	class := oobkit.ErrProtocol
	switch {
	case code == 0x01:
		class = oobkit.ErrBusy
	case code >= 0x04 && code <= 0x07:
		class = oobkit.ErrUnsupported
	}
	return &oobkit.Error{Protocol: oobkit.ASF, Op: op, Class: class, DeviceCode: fmt.Sprintf("0x%02x", code),
		Message: "the managed client refused the session"}
}

// rakp runs RAKP (§3.2.3.5): Message 1 with the console's random number,
// role and name; Message 2 from the client with its random number, GUID
// and an HMAC-SHA1 (RFC 2104) keyed by the role key over SIDM, SIDC, RM,
// RC, GUIDC, RoleM, ULengthM and UNameM; the console checks it (a wrong
// key fails here), derives "SIK = HMAC_KG(RM | RC | RoleM | ULengthM |
// <UNameM>)" and sends Message 3, "the HMAC per [RFC2404] of the values
// (RC, SIDM, RoleM, ULengthM, <UNameM>)" keyed by the role key.
//
// DSP0136's page 30 (the Message 2 value list) was not available to us;
// the list above is the one IPMI v2.0 §13.31 gives for its RAKP, which it
// derives from ASF's, and it matches the Message 3 and SIK lists that
// DSP0136 page 31 states. ASF defines no RAKP Message 4; Message 3 is sent
// asking for an RMCP ACK so a lost datagram is retransmitted.
func (c *Client) rakp(ctx context.Context, s *session) error {
	role := byte(c.cfg.role)
	name := []byte(c.user)
	rm := random(randomLen)
	d1 := binary.BigEndian.AppendUint32(nil, s.sidC)
	d1 = append(d1, rm...)
	d1 = append(d1, role, 0, 0, byte(len(name)))
	d1 = append(d1, name...)
	p, err := c.bypassExchange(ctx, "RAKP Message 1", TypeRAKP1, d1, TypeRAKP2, 0)
	if err != nil {
		return err
	}
	d := p.Data
	if len(d) < 8 {
		return c.protocolErr("RAKP Message 2", errShort)
	}
	if binary.BigEndian.Uint32(d[4:]) != s.sidM {
		return c.protocolErr("RAKP Message 2", errors.New("the message names another Mgt Console Session ID"))
	}
	if d[0] != 0 {
		return &oobkit.Error{Protocol: oobkit.ASF, Op: "RAKP Message 2", Class: oobkit.ErrAuth,
			DeviceCode: fmt.Sprintf("0x%02x", d[0]), Message: "the managed client refused the role or user name"}
	}
	if len(d) < 40+keyLen {
		return c.protocolErr("RAKP Message 2", errShort)
	}
	rc := d[8:24]
	copy(s.guid[:], d[24:40])
	sidM, sidC := binary.BigEndian.AppendUint32(nil, s.sidM), binary.BigEndian.AppendUint32(nil, s.sidC)
	ulen := []byte{byte(len(name))}
	want := hmacSHA1(c.key, sidM, sidC, rm, rc, s.guid[:], []byte{role}, ulen, name)
	if !hmac.Equal(want, d[40:40+keyLen]) {
		return &oobkit.Error{Protocol: oobkit.ASF, Op: "RAKP Message 2", Class: oobkit.ErrAuth,
			Message: "the managed client's integrity check value does not verify: wrong key for this role"}
	}
	s.sik = hmacSHA1(c.kg, rm, rc, []byte{role}, ulen, name)
	d3 := append([]byte{0, 0, 0, 0}, sidC...)
	d3 = append(d3, hmacSHA196(c.key, rc, sidM, []byte{role}, ulen, name)...)
	c.rmcpSeq = (c.rmcpSeq + 1) % seqNoAck
	_, err = c.bypassExchange(ctx, "RAKP Message 3", TypeRAKP3, d3, 0, c.rmcpSeq)
	return err
}

// secureExchange sends a request through the RSP session. With ack it
// asks for an RMCP ACK of rmcpSeq (remote control, which has no ASF
// response); otherwise it waits for message type want with the same tag.
func (c *Client) secureExchange(ctx context.Context, op string, typ byte, data []byte, want byte, ack bool, rmcpSeq byte) (packet, error) {
	if c.closed {
		return packet{}, c.closedErr(op)
	}
	fresh := c.sess == nil
	s, err := c.session(ctx)
	if err != nil {
		return packet{}, err
	}
	conn, err := c.conn(ctx, op, c.cfg.securePort)
	if err != nil {
		return packet{}, err
	}
	tag := c.nextTag()
	seq := byte(seqNoAck)
	if ack {
		seq = rmcpSeq
	}
	rmcp := packet{Seq: seq, Class: classASF, IANA: IANA, Type: typ, Tag: tag, Data: data}.encode()
	var got packet
	err = c.roundTrip(ctx, op, conn, func() []byte {
		s.out++ // "incremented by one at the start of outbound processing" (§3.2.3.1)
		return seal(s.sidC, s.out, rmcp, s.sik)
	}, func(b []byte) (bool, error) {
		m, err := openSealed(b, s.sik)
		if err != nil {
			return false, err
		}
		if m.SessionID != s.sidM || !s.in.accept(m.Seq) {
			return false, nil // another session's, or a replay: discarded (§3.2.3.3)
		}
		p := m.RMCP
		if ack {
			return p.ack() && p.Seq == seq, nil
		}
		if p.ack() || p.Tag != tag {
			return false, nil
		}
		if p.IANA != IANA || p.Type != want {
			return false, fmt.Errorf("answer type %02xh, want %02xh", p.Type, want)
		}
		got = p
		return true, nil
	})
	if err != nil && errors.Is(err, oobkit.ErrUnreachable) {
		c.sess = nil // the device may have dropped the session; open a new one next time
		if fresh && ctx.Err() == nil {
			// The device answered RAKP a moment ago and verified our
			// Message 2 key, yet discards every message of the session:
			// its integrity check fails, so the Session Integrity Key
			// differs, which only the generation key KG can cause.
			return got, &oobkit.Error{Protocol: oobkit.ASF, Op: op, Class: oobkit.ErrAuth, Err: err,
				Message: "the managed client accepted the role key but discards the session's messages: the generation key (KG) is wrong"}
		}
	}
	return got, err
}
