package redirect_test

import (
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/redirect/redirecttest"
	"github.com/oobkit/oobkit/redirect/rfb"
)

// announceRecorder keeps the first 12 bytes read: the server's RFB
// ProtocolVersion message.
type announceRecorder struct {
	net.Conn
	got []byte
}

func (a *announceRecorder) Read(p []byte) (int, error) {
	n, err := a.Conn.Read(p)
	if need := 12 - len(a.got); need > 0 {
		a.got = append(a.got, p[:min(n, need)]...)
	}
	return n, err
}

// TestKVMRFBVersionByFirmware: Intel, "KVM and Intel AMT": "The KVM server
// supports RFB versions 3.8 or before and version 4.0. … Note: The RFB 4.0
// protocol is deprecated. Starting Intel CSME 21 (Panther Lake platform) it
// will no longer be supported"
// (https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/WordDocuments/kvmandintelamt.htm).
// A CSME 21 device announces RFB 3.8 only, an AMT 16 device RFB 4.0; the
// rfb client gets a working RFB 3.8 session from both, through the minimal
// KVM server and through Screen.
func TestKVMRFBVersionByFirmware(t *testing.T) {
	for _, tc := range []struct{ fw, want string }{
		{"", "RFB 003.008\n"},
		{"16.0.15", "RFB 004.000\n"},
		{"20.5.1", "RFB 004.000\n"},
		{"21.0.0", "RFB 003.008\n"},
	} {
		for _, screen := range []bool{false, true} {
			cfg := redirecttest.Config{AMTVersion: tc.fw}
			if screen {
				cfg.KVM = redirecttest.NewScreen(redirecttest.ScreenConfig{AMTVersion: tc.fw, HostName: "pc"}).Serve
			}
			sim := newSim(t, cfg)
			nc, err := newClient(t, sim).OpenKVM(ctxT(t))
			require.NoError(t, err, tc.fw)
			rec := &announceRecorder{Conn: nc}
			c, err := rfb.NewClient(ctxT(t), rec, rfb.Options{})
			require.NoError(t, err, "%q screen=%v", tc.fw, screen)
			assert.Equal(t, tc.want, string(rec.got), "%q screen=%v", tc.fw, screen)
			w, h := c.Size()
			assert.Equal(t, [2]int{640, 480}, [2]int{w, h})
			require.NoError(t, c.Close())
		}
	}
}

// TestKVMRFB4AnswerRefused: a viewer answering 4.0 gets no session; RFB
// 4.0's own messages are not modelled (and CSME 21 has none).
func TestKVMRFB4AnswerRefused(t *testing.T) {
	for _, screen := range []bool{false, true} {
		cfg := redirecttest.Config{AMTVersion: "21.0.0"}
		if screen {
			cfg.KVM = redirecttest.NewScreen(redirecttest.ScreenConfig{AMTVersion: "21.0.0"}).Serve
		}
		sim := newSim(t, cfg)
		nc, err := newClient(t, sim).OpenKVM(ctxT(t))
		require.NoError(t, err)
		ver := make([]byte, 12)
		_, err = io.ReadFull(nc, ver)
		require.NoError(t, err)
		assert.Equal(t, "RFB 003.008\n", string(ver))
		_, err = nc.Write([]byte("RFB 004.000\n"))
		require.NoError(t, err)
		_, err = io.ReadFull(nc, make([]byte, 2))
		assert.Error(t, err, "no security types after a 4.0 answer (screen=%v)", screen)
		require.NoError(t, nc.Close())
	}
}
