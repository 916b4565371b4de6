package redirect_test

import (
	"encoding/binary"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// TestKVMRawRFB opens a KVM session and performs the RFB 3.8 handshake over
// the returned connection, as a VNC library would.
func TestKVMRawRFB(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		sim := newSim(t, redirecttest.Config{TLS: useTLS})
		conn, err := newClient(t, sim).OpenKVM(ctxT(t))
		require.NoError(t, err)
		ver := make([]byte, 12)
		_, err = io.ReadFull(conn, ver)
		require.NoError(t, err)
		assert.Equal(t, "RFB 003.008\n", string(ver))
		_, err = conn.Write([]byte("RFB 003.008\n"))
		require.NoError(t, err)
		sec := make([]byte, 2)
		_, err = io.ReadFull(conn, sec)
		require.NoError(t, err)
		assert.Equal(t, []byte{1, 1}, sec, "security type None offered")
		_, err = conn.Write([]byte{1})
		require.NoError(t, err)
		res := make([]byte, 4)
		_, err = io.ReadFull(conn, res)
		require.NoError(t, err)
		assert.Equal(t, []byte{0, 0, 0, 0}, res)
		_, err = conn.Write([]byte{1})
		require.NoError(t, err)
		init := make([]byte, 24)
		_, err = io.ReadFull(conn, init)
		require.NoError(t, err)
		assert.Equal(t, uint16(640), binary.BigEndian.Uint16(init))
		name := make([]byte, binary.BigEndian.Uint32(init[20:]))
		_, err = io.ReadFull(conn, name)
		require.NoError(t, err)
		assert.Equal(t, "oobkit KVM", string(name))
		require.NoError(t, conn.Close())
	}
}

func TestKVMDisabled(t *testing.T) {
	sim := newSim(t, redirecttest.Config{DisableKVM: true})
	_, err := newClient(t, sim).OpenKVM(ctxT(t))
	assert.ErrorIs(t, err, oobkit.ErrUnsupported)
	sim.SetEnabled(redirecttest.KVM, true)
	conn, err := newClient(t, sim).OpenKVM(ctxT(t))
	require.NoError(t, err)
	require.NoError(t, conn.Close())
}
