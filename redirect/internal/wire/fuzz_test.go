package wire

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

// seedMessages returns one well-formed message of every type.
func seedMessages() [][]byte {
	var b [31]byte
	dth := make([]byte, DataToHostPrefixLen+5)
	PutDataToHost(dth, 3, DeviceCD, false, 5, true)
	dfh := make([]byte, DataFromHostPrefix+3)
	PutHeader(dfh, OpIDERDataFromHost, 0, 4)
	dfh[9] = 3
	getData := make([]byte, 31)
	PutHeader(getData, OpIDERGetData, 0, 5)
	return [][]byte{
		StartSession(TagSOL), StartSession(TagKVM), StartSessionReply(StartOK),
		{OpEndSession, 0, 0, 0},
		Auth(OpAuthenticate, 0, AuthQuery, nil),
		Auth(OpAuthenticate, 0, AuthPassword, LP(nil, "admin", "pw")),
		Auth(OpAuthenticateReply, AuthStatusFailure, AuthDigest, LP(nil, "Digest:AB", "nonce", "auth")),
		Auth(OpAuthenticate, 0, AuthDigest, DigestFields{User: "admin", URI: DigestURI}.Pack()),
		SOLStart(0, SOLSettings{MaxTxBuffer: 1000}), SOLStartReply(0),
		Header8(OpSOLEnd, 0, 0), Header8(OpSOLEndReply, 0, 0), Header8(OpSOLPing, 0, 0), Header8(OpSOLPong, 0, 0),
		{OpSOLSettingsDone, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0x1B, 0, 0, 0},
		SOLData(OpSOLDataToHost, 1, []byte("abc")), SOLData(OpSOLDataFromHost, 1, []byte("xyz")),
		SOLControl(1, 3, 4), Header8(OpSOLHeartbeat, 0, 0),
		IDERStart(30000, 0, 20000), IDERStartReply(0, 8192, 8192),
		Header8(OpIDEREnd, 0, 2), Header8(OpIDEREndReply, 0, 2), Header8(OpIDERPing, 0, 2), Header8(OpIDERPong, 0, 2),
		append(Header8(OpIDERReset, 0, 2), 1), Header8(OpIDERResetReply, 0, 2),
		IDERFeatures(1, FeatureGetSupported, 0), IDERFeatures(1, FeatureSetState, 0x19), IDERFeaturesReply(1, 3, 1),
		append(Header8(OpIDERError, 0, 2), 1, 0, 0), Header8(OpIDERHeartbeat, 0, 2),
		CommandWritten(2, DeviceCD, true, []byte{ScsiRead10, 0, 0, 0, 0, 1, 0, 0, 1}),
		CommandEnd(b[:], 3, DeviceFloppy, false, SenseIllegalRequest, ASCInvalidOpcode, 0),
		getData, dfh, dth,
	}
}

// TestFrameReaderSplitsEveryType feeds all message types back to back,
// delivered one byte per read, and checks each comes out whole.
func TestFrameReaderSplitsEveryType(t *testing.T) {
	msgs := seedMessages()
	stream := bytes.Join(msgs, nil)
	fr := NewFrameReader(io.LimitReader(&oneByteReader{bytes.NewReader(stream)}, int64(len(stream))))
	for i, want := range msgs {
		f, err := fr.Next()
		require.NoError(t, err, "message %d (0x%02x)", i, want[0])
		assert.Equal(t, want, f.Raw, "message %d", i)
	}
	_, err := fr.Next()
	assert.ErrorIs(t, err, io.EOF)
}

func TestFrameReaderErrors(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		class error
		cause error
	}{
		{name: "unknown opcode", in: []byte{0x99, 0, 0, 0}, class: oobkit.ErrProtocol},
		{name: "truncated", in: []byte{OpSOLStart, 0, 0}, cause: io.ErrUnexpectedEOF},
		{name: "truncated header", in: []byte{OpAuthenticate, 0, 0}, cause: io.ErrUnexpectedEOF},
		{name: "oversize auth", in: Auth(OpAuthenticate, 0, 4, make([]byte, maxAuthData+1))[:9], class: oobkit.ErrProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewFrameReader(bytes.NewReader(tt.in)).Next()
			require.Error(t, err)
			if tt.class != nil {
				assert.ErrorIs(t, err, tt.class)
			}
			if tt.cause != nil {
				assert.ErrorIs(t, err, tt.cause)
			}
		})
	}
}

type oneByteReader struct{ r io.Reader }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

// FuzzFrameReader checks that any byte stream splits into messages whose
// lengths obey the per-opcode rules, or fails with a clean error, never a
// panic or an oversize allocation.
func FuzzFrameReader(f *testing.F) {
	for _, m := range seedMessages() {
		f.Add(m, false)
	}
	f.Add(bytes.Join(seedMessages(), nil), false)
	f.Add([]byte{OpIDERStart, 0, 0, 0, 0, 0, 0, 0}, true)
	f.Fuzz(func(t *testing.T, data []byte, kvm bool) {
		fr := NewFrameReader(bytes.NewReader(data))
		fr.KVM = kvm
		total := 0
		for {
			fm, err := fr.Next()
			if err != nil {
				var oe *oobkit.Error
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.As(err, &oe) {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
				return
			}
			if len(fm.Raw) == 0 || len(fm.Raw) > MaxFrame || fm.Raw[0] != fm.Op {
				t.Fatalf("bad frame: op 0x%02x len %d", fm.Op, len(fm.Raw))
			}
			total += len(fm.Raw)
			if total > len(data) {
				t.Fatalf("read %d bytes from %d", total, len(data))
			}
			// The field accessors must not panic on any accepted frame.
			switch fm.Op {
			case OpAuthenticate, OpAuthenticateReply:
				_, _, d := AuthFields(fm.Raw)
				_, _ = SplitLP(d)
				_, _ = ParseDigestFields(d)
			case OpSOLStart:
				_ = ParseSOLStart(fm.Raw)
			case OpIDERCommand:
				c, err := ParseCommand(fm.Raw)
				if err != nil {
					t.Fatal(err)
				}
				_ = DecodeCDB(c.CDB)
			case OpIDERDataToHost:
				_, _ = DataToHostPayload(fm.Raw)
			case OpIDERFeatures, OpIDERFeaturesReply:
				_, _ = FeaturesFields(fm.Raw)
			case OpIDERStartReply:
				if !kvm {
					_, _, _ = IDERStartReplyFields(fm.Raw)
				}
			case OpIDERCommandEnd:
				_, _, _ = Sense(fm.Raw)
			}
		}
	})
}

// FuzzATAPICommand checks the command decoder on arbitrary 0x50 messages.
func FuzzATAPICommand(f *testing.F) {
	for _, cdb := range [][]byte{
		{ScsiRead10, 0, 0, 0, 0, 1, 0, 0, 1}, {ScsiRead6, 0x1F, 0xFF, 0xFF, 0}, {ScsiModeSense10, 0, 0x3F, 0, 0, 0, 0, 1, 0},
		{ScsiReadTOC, 2, 0, 0, 0, 0, 0, 0, 0xFF, 0x40}, {ScsiGetConfiguration, 2, 0, 0x10, 0, 0, 0, 0, 8},
		{ScsiGetEventStatus, 1, 0, 0, 0x10, 0, 0, 0, 8}, {ScsiServiceActionIn16, 0x10}, {ScsiRead12, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
	} {
		f.Add(CommandWritten(7, DeviceCD, true, cdb))
	}
	f.Add([]byte{OpIDERCommand})
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := ParseCommand(raw)
		if err != nil {
			if len(raw) >= 28 && raw[0] == OpIDERCommand {
				t.Fatalf("valid-length command refused: %v", err)
			}
			return
		}
		d := DecodeCDB(c.CDB)
		if d.Op != c.CDB[0] {
			t.Fatalf("opcode %x decoded as %x", c.CDB[0], d.Op)
		}
		if (d.Op == ScsiRead6 || d.Op == ScsiWrite6) && (d.Blocks == 0 || d.Blocks > 256 || d.LBA > 0x1FFFFF) {
			t.Fatalf("READ(6) decoded to lba %d blocks %d", d.LBA, d.Blocks)
		}
		if dev := c.Device(); dev != DeviceCD && dev != DeviceFloppy {
			t.Fatalf("device %x", dev)
		}
	})
}
