package asf

import (
	"bytes"
	"testing"
)

// pongBytes is a Presence Pong as the simulator and ipmi_sim send it.
func pongBytes() []byte {
	return packet{Seq: seqNoAck, Class: classASF, IANA: IANA, Type: TypePresencePong, Tag: 7,
		Data: []byte{0, 0, 0x11, 0xBE, 0, 0, 0, 0, 0x81, 0x80, 0, 0, 0, 0, 0, 0}}.encode()
}

// FuzzParsePacket: any datagram either parses into a packet whose data lies
// within the datagram, or fails; the decoders of each response never panic.
func FuzzParsePacket(f *testing.F) {
	f.Add(pongBytes())
	f.Add([]byte{0x06, 0, 0x05, 0x86})
	f.Add(packet{Seq: seqNoAck, Class: classASF, IANA: IANA, Type: TypeSystemState, Data: []byte{0x0E, 1}}.encode())
	f.Add([]byte{0x06, 0, 0xFF, 0x06, 0, 0, 0x11, 0xBE, 0x40, 0, 0, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, n, err := parsePacket(b)
		if err != nil {
			return
		}
		if n > len(b) || len(p.Data) > 255 {
			t.Fatalf("parsed %d bytes of %d", n, len(b))
		}
		_, _ = parsePong(p.Data)
		_, _ = parseCapabilities(p.Data)
		st, err := parseStatus(p.Data)
		if err == nil && (st.State.Row() < 1 || st.State.Row() > 14) {
			t.Fatalf("row %d", st.State.Row())
		}
		if !p.ack() && p.Class == classASF {
			if again := p.encode(); !bytes.Equal(again, b[:n]) && b[rmcpHeaderLen+6] == 0 && b[1] == 0 {
				t.Fatalf("re-encoding differs: %x vs %x", again, b[:n])
			}
		}
	})
}

// FuzzOpenSealed: a protected message either fails its checks or yields a
// packet; no input panics, and a sealed message always opens.
func FuzzOpenSealed(f *testing.F) {
	sik := bytes.Repeat([]byte{0x5A}, keyLen)
	f.Add(seal(1, 2, pongBytes(), sik))
	f.Add(seal(9, 1, []byte{0x06, 0, 3, 0x86}, sik))
	f.Add(bypass(pongBytes()))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = openSealed(b, sik)
		_, _ = openBypass(b)
		if len(b) <= 255 {
			msg := packet{Seq: 1, Class: classASF, IANA: IANA, Type: TypeSystemState, Tag: 1, Data: b}.encode()
			m, err := openSealed(seal(3, 4, msg, sik), sik)
			if err != nil || !bytes.Equal(m.RMCP.Data, b) || m.SessionID != 3 || m.Seq != 4 {
				t.Fatalf("sealed message does not open: %v", err)
			}
		}
	})
}

func TestWindow(t *testing.T) {
	var w window
	for _, c := range []struct {
		seq uint32
		ok  bool
	}{{0, false}, {1, true}, {1, false}, {3, true}, {2, true}, {2, false}, {40, true}, {8, false}, {9, true}, {9, false}, {41, true}} {
		if got := w.accept(c.seq); got != c.ok {
			t.Fatalf("accept(%d) = %v, want %v", c.seq, got, c.ok)
		}
	}
}

func TestSealAlignsIntegrityData(t *testing.T) {
	sik := make([]byte, keyLen)
	for n := 0; n < 8; n++ {
		msg := packet{Seq: 1, Class: classASF, IANA: IANA, Type: TypeSystemStateReq, Data: make([]byte, n)}.encode()
		b := seal(1, 1, msg, sik)
		// "Used to provide DWORD-alignment of the Integrity Data field" (§3.2.3.1).
		if (len(b)-integrityLen)%4 != 0 {
			t.Fatalf("data %d: integrity data at offset %d", n, len(b)-integrityLen)
		}
	}
}
