package redirecttest_test

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/redirect/internal/wire"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// rawSession dials sim and returns the connection and a frame reader.
func rawSession(t *testing.T, sim *redirecttest.Server) (net.Conn, *wire.FrameReader) {
	t.Helper()
	nc, err := net.Dial("tcp", sim.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	require.NoError(t, nc.SetDeadline(time.Now().Add(30*time.Second)))
	return nc, wire.NewFrameReader(nc)
}

func next(t *testing.T, fr *wire.FrameReader, op byte) []byte {
	t.Helper()
	f, err := fr.Next()
	require.NoError(t, err)
	require.Equal(t, op, f.Op, "message 0x%02x", f.Op)
	return append([]byte(nil), f.Raw...)
}

// TestAmtiderStyleClient speaks like amtider 1.8: legacy login without a
// query, the "layout B" OPEN_SESSION without a sequence field and a
// register toggle with sequence 4 (reference §4.2, §4.9). The simulator
// must accept all of it and start the firmware, whose first command is
// TEST UNIT READY.
func TestAmtiderStyleClient(t *testing.T) {
	sim, err := redirecttest.NewServer(redirecttest.Config{Legacy: true})
	require.NoError(t, err)
	defer sim.Close()
	nc, fr := rawSession(t, sim)
	w := func(b []byte) { _, err := nc.Write(b); require.NoError(t, err) }
	w(wire.StartSession(wire.TagIDER))
	reply := next(t, fr, wire.OpStartSessionReply)
	assert.Equal(t, []byte{0x11, 0, 0, 0, 1, 0, 12, 0, 0x57, 1, 0, 0, 0}, reply)
	w(wire.Auth(wire.OpAuthenticate, 0, wire.AuthPassword, wire.LP(nil, "admin", "P@ssw0rd")))
	assert.Equal(t, []byte{0x14, 0, 0, 0, 1, 0, 0, 0, 0}, next(t, fr, wire.OpAuthenticateReply))
	w([]byte{0x40, 0x64, 0x00, 0x10, 0x27, 0x88, 0x13, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	st, readBuf, _ := wire.IDERStartReplyFields(next(t, fr, wire.OpIDERStartReply))
	assert.Zero(t, st)
	assert.Equal(t, uint16(8192), readBuf)
	w(wire.IDERFeatures(4, wire.FeatureSetState, 0x19))
	sub, v := wire.FeaturesFields(next(t, fr, wire.OpIDERFeaturesReply))
	assert.Equal(t, []uint32{3, 1}, []uint32{uint32(sub), v})
	cmd, err := wire.ParseCommand(next(t, fr, wire.OpIDERCommand))
	require.NoError(t, err)
	assert.Equal(t, byte(wire.ScsiTestUnitReady), cmd.CDB[0])
	assert.Equal(t, byte(wire.DeviceCD), cmd.Device())
	assert.Equal(t, uint32(2), cmd.Seq)
}

func TestRawRefusals(t *testing.T) {
	tests := []struct {
		name   string
		cfg    redirecttest.Config
		tag    string
		status byte
	}{
		{name: "unknown tag", tag: "ABCD", status: wire.StartTypeUnknown},
		{name: "IDE-R disabled", cfg: redirecttest.Config{DisableIDER: true}, tag: wire.TagIDER, status: wire.StartUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, err := redirecttest.NewServer(tt.cfg)
			require.NoError(t, err)
			defer sim.Close()
			nc, fr := rawSession(t, sim)
			msg := wire.StartSession(wire.TagSOL)
			copy(msg[4:], tt.tag)
			_, err = nc.Write(msg)
			require.NoError(t, err)
			assert.Equal(t, tt.status, next(t, fr, wire.OpStartSessionReply)[1])
			assert.Equal(t, uint64(1), sim.Stats().Refused)
		})
	}
}

// TestDigestQueryOffers checks the type-0 query answer and that an
// unsupported type is refused with status 2 while the session stays open.
func TestDigestQueryOffers(t *testing.T) {
	sim, err := redirecttest.NewServer(redirecttest.Config{})
	require.NoError(t, err)
	defer sim.Close()
	nc, fr := rawSession(t, sim)
	w := func(b []byte) { _, err := nc.Write(b); require.NoError(t, err) }
	w(wire.StartSession(wire.TagSOL))
	next(t, fr, wire.OpStartSessionReply)
	w(wire.Auth(wire.OpAuthenticate, 0, wire.AuthQuery, nil))
	assert.Equal(t, []byte{0x14, 0, 0, 0, 0, 1, 0, 0, 0, 4}, next(t, fr, wire.OpAuthenticateReply))
	w(wire.Auth(wire.OpAuthenticate, 0, wire.AuthPassword, wire.LP(nil, "admin", "P@ssw0rd")))
	status, _, _ := wire.AuthFields(next(t, fr, wire.OpAuthenticateReply))
	assert.Equal(t, byte(wire.AuthStatusUnsupported), status)
	w(wire.Auth(wire.OpAuthenticate, 0, wire.AuthDigest, wire.DigestFields{User: "admin", URI: wire.DigestURI}.Pack()))
	status, typ, data := wire.AuthFields(next(t, fr, wire.OpAuthenticateReply))
	assert.Equal(t, []byte{1, 4}, []byte{status, typ})
	fields, err := wire.SplitLP(data)
	require.NoError(t, err)
	require.Len(t, fields, 3)
	assert.Equal(t, sim.Realm(), fields[0])
	assert.Len(t, fields[0], 39, `"Digest:" + 32 hex digits like real firmware`)
	assert.Len(t, fields[1], 32)
	assert.Equal(t, "auth", fields[2])
}

// TestSlowAmttermStyleConsole plays a console that handles reads the way
// amtterm 1.4 does (after 0x21 or 0x29 the rest of the read buffer is
// discarded; heartbeats are echoed) and that is slow to read: everything
// the device sent so far arrives in one read. The device must still not
// lose the control message or the first output, because it waits for the
// echo of a heartbeat probe instead of a fixed pause. The console's delay
// only makes coalescing likely; the outcome never depends on timing.
func TestSlowAmttermStyleConsole(t *testing.T) {
	// Settle is longer than the connection's deadline: a device that paused
	// for it instead of probing would fail the test.
	sim, err := redirecttest.NewServer(redirecttest.Config{Legacy: true, Settle: time.Minute,
		Console: redirecttest.ScriptConsole(redirecttest.Step{Send: "banner"})})
	require.NoError(t, err)
	defer sim.Close()
	nc, fr := rawSession(t, sim)
	w := func(b []byte) { _, err := nc.Write(b); require.NoError(t, err) }
	w(wire.StartSession(wire.TagSOL))
	next(t, fr, wire.OpStartSessionReply)
	w(wire.Auth(wire.OpAuthenticate, 0, wire.AuthPassword, wire.LP(nil, "admin", "P@ssw0rd")))
	next(t, fr, wire.OpAuthenticateReply)
	w(wire.SOLStart(0, wire.SOLSettings{MaxTxBuffer: 1000, HeartbeatInterval: 5000}))
	require.Zero(t, fr.Buffered().Buffered(), "nothing read ahead through the frame reader")

	var sawControl bool
	var out []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(out, []byte("banner")) {
		time.Sleep(50 * time.Millisecond) // a slow console: replies pile up
		n, err := nc.Read(buf)
		require.NoError(t, err, "control seen %v, output %q", sawControl, out)
		for b := buf[:n]; len(b) >= 8; {
			switch b[0] {
			case wire.OpSOLStartReply, wire.OpSOLControl:
				sawControl = sawControl || b[0] == wire.OpSOLControl
				b = nil // amtterm: bshift = r->blen, the rest of the read is gone
			case wire.OpSOLHeartbeat:
				w(b[:8]) // amtterm echoes heartbeats verbatim
				b = b[8:]
			case wire.OpSOLDataFromHost:
				l := 10 + int(binary.LittleEndian.Uint16(b[8:]))
				require.GreaterOrEqual(t, len(b), l, "a data message split across reads")
				out = append(out, b[10:l]...)
				b = b[l:]
			default:
				t.Fatalf("unexpected message 0x%02x", b[0])
			}
		}
	}
	assert.True(t, sawControl, "the serial control message reached the console")
	assert.Equal(t, "banner", string(out))
}
