package redirect_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// nextBoot waits for the simulator's boot report.
func nextBoot(t *testing.T, sim *redirecttest.Server) redirecttest.BootReport {
	t.Helper()
	select {
	case r := <-sim.Boots():
		return r
	case <-time.After(time.Minute):
		t.Fatal("no boot report")
	}
	return redirecttest.BootReport{}
}

func TestIDERBootFullRead(t *testing.T) {
	tests := []struct {
		name      string
		dev       redirecttest.Device
		size      int
		blockSize int
		mode      redirect.StartMode
		tls       bool
		chunk     int
		readBuf   uint16
	}{
		{name: "floppy 1.44MB", dev: redirecttest.Floppy, size: 1474560, blockSize: 512},
		{name: "CD ISO", dev: redirecttest.CD, size: 3 << 20, blockSize: 2048},
		{name: "CD over TLS, graceful", dev: redirecttest.CD, size: 1 << 20, blockSize: 2048, mode: redirect.StartGraceful, tls: true},
		{name: "floppy small chunks", dev: redirecttest.Floppy, size: 64 << 10, blockSize: 512, chunk: 1000},
		{name: "CD odd device buffer", dev: redirecttest.CD, size: 1 << 20, blockSize: 2048, readBuf: 3000},
		{name: "CD partial last sector", dev: redirecttest.CD, size: 1<<20 + 100, blockSize: 2048},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, sum := image(tt.size, uint64(tt.size))
			padded := sum
			if tt.size%tt.blockSize != 0 {
				padded = "" // zero padding changes the hash; checked by size below
			}
			sim := newSim(t, redirecttest.Config{TLS: tt.tls, ReadBuffer: tt.readBuf,
				Firmware: redirecttest.Boot(redirecttest.BootOptions{Device: tt.dev, SHA256: padded})})
			opts := redirect.IDEROptions{Start: tt.mode, MaxChunk: tt.chunk}
			if tt.dev == redirecttest.CD {
				opts.CD = &redirect.Image{R: img, Size: int64(tt.size)}
			} else {
				opts.Floppy = &redirect.Image{R: img, Size: int64(tt.size)}
			}
			s, err := newClient(t, sim).OpenIDER(ctxT(t), opts)
			require.NoError(t, err)
			rep := nextBoot(t, sim)
			require.NoError(t, rep.Err)
			assert.Equal(t, tt.blockSize, rep.BlockSize)
			blocks := int64((tt.size + tt.blockSize - 1) / tt.blockSize)
			assert.Equal(t, blocks, rep.Blocks)
			assert.Equal(t, blocks*int64(tt.blockSize), rep.Bytes)
			if padded != "" {
				assert.Equal(t, sum, rep.SHA256)
			}
			assert.Equal(t, tt.mode.String(), rep.StartMode)
			st := s.Stats()
			assert.Equal(t, uint64(rep.Commands), st.Commands)
			assert.GreaterOrEqual(t, st.BytesSent, uint64(rep.Bytes))
			assert.GreaterOrEqual(t, st.CheckConditions, uint64(2)) // unit attention + past the end
			assert.Positive(t, st.Throughput)
			if tt.mode == redirect.StartGraceful {
				assert.Equal(t, uint64(1), st.Resets)
			}
			require.NoError(t, s.Close())
		})
	}
}

func TestIDERStartOnReboot(t *testing.T) {
	img, sum := image(64<<10, 7)
	sim := newSim(t, redirecttest.Config{EndAfterBoot: true,
		Firmware: redirecttest.Boot(redirecttest.BootOptions{Device: redirecttest.CD, SHA256: sum})})
	s, err := newClient(t, sim).OpenIDER(ctxT(t), redirect.IDEROptions{CD: &redirect.Image{R: img, Size: img.Size()}, Start: redirect.StartOnReboot})
	require.NoError(t, err)
	select {
	case <-sim.Boots():
		t.Fatal("booted before the reboot")
	case <-time.After(100 * time.Millisecond):
	}
	assert.Zero(t, s.Stats().Commands)
	sim.Reboot()
	rep := nextBoot(t, sim)
	require.NoError(t, rep.Err)
	assert.Equal(t, "on-reboot", rep.StartMode)
	require.NoError(t, s.Wait(ctxT(t)), "the device ended the session cleanly")
	require.NoError(t, s.Close())
}

func TestIDERRefusalsAndFaults(t *testing.T) {
	img, _ := image(1<<20, 3)
	cd := &redirect.Image{R: img, Size: img.Size()}
	tests := []struct {
		name    string
		cfg     redirecttest.Config
		setup   func(*redirecttest.Server)
		openErr error // class of the OpenIDER error
		runErr  error // class of the session error
	}{
		{name: "disabled", cfg: redirecttest.Config{DisableIDER: true}, openErr: oobkit.ErrUnsupported},
		{name: "busy", setup: func(s *redirecttest.Server) { s.Occupy(redirecttest.IDER) }, openErr: oobkit.ErrBusy},
		{name: "dropped mid-transfer", cfg: redirecttest.Config{Faults: redirecttest.Faults{DropAfterBytes: 200 << 10}}, runErr: oobkit.ErrUnreachable},
		{name: "bad sequence numbers", cfg: redirecttest.Config{Faults: redirecttest.Faults{BadSequence: true}}, runErr: oobkit.ErrProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := newSim(t, tt.cfg)
			if tt.setup != nil {
				tt.setup(sim)
			}
			s, err := newClient(t, sim).OpenIDER(ctxT(t), redirect.IDEROptions{CD: cd})
			if tt.openErr != nil {
				require.ErrorIs(t, err, tt.openErr)
				return
			}
			require.NoError(t, err)
			err = s.Wait(ctxT(t))
			require.ErrorIs(t, err, tt.runErr)
			assert.ErrorIs(t, s.Close(), tt.runErr)
			rep := nextBoot(t, sim)
			assert.Error(t, rep.Err)
		})
	}
}

func TestIDERSlowDevice(t *testing.T) {
	img, sum := image(32<<10, 11)
	sim := newSim(t, redirecttest.Config{Faults: redirecttest.Faults{Delay: 5 * time.Millisecond},
		Firmware: redirecttest.Boot(redirecttest.BootOptions{Device: redirecttest.Floppy, SHA256: sum, ReadBytes: 4096})})
	s, err := newClient(t, sim).OpenIDER(ctxT(t), redirect.IDEROptions{Floppy: &redirect.Image{R: img, Size: img.Size()},
		Heartbeat: 10 * time.Millisecond, RxTimeout: time.Minute})
	require.NoError(t, err)
	rep := nextBoot(t, sim)
	require.NoError(t, rep.Err)
	require.NoError(t, s.Close())
}

func TestIDERContextCancelledDuringSetup(t *testing.T) {
	sim := newSim(t, redirecttest.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	img, _ := image(4096, 1)
	_, err := newClient(t, sim).OpenIDER(ctx, redirect.IDEROptions{CD: &redirect.Image{R: img, Size: img.Size()}})
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestIDERInvalidOptions(t *testing.T) {
	sim := newSim(t, redirecttest.Config{})
	c := newClient(t, sim)
	_, err := c.OpenIDER(ctxT(t), redirect.IDEROptions{})
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	_, err = c.OpenIDER(ctxT(t), redirect.IDEROptions{CD: &redirect.Image{}})
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}

func TestIDERFromFile(t *testing.T) {
	img, sum := image(256<<10, 21)
	path := t.TempDir() + "/boot.iso"
	data := make([]byte, img.Size())
	_, _ = img.ReadAt(data, 0)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	iso, f, err := redirect.OpenImage(path)
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, int64(256<<10), iso.Size)
	sim := newSim(t, redirecttest.Config{Firmware: redirecttest.Boot(redirecttest.BootOptions{Device: redirecttest.CD, SHA256: sum})})
	s, err := newClient(t, sim).OpenIDER(ctxT(t), redirect.IDEROptions{CD: iso})
	require.NoError(t, err)
	require.NoError(t, nextBoot(t, sim).Err)
	require.NoError(t, s.Close())
	_, _, err = redirect.OpenImage(path + ".missing")
	assert.Error(t, err)
}

// TestIDEREndAfterFailedBoot: with EndAfterBoot the device ends the session
// when the firmware gives up as well as when it boots, so IDER.Wait returns
// (nil: the device ended the session) and the failure is in the boot
// report. Before, a failed boot left Wait blocked until its context ended.
func TestIDEREndAfterFailedBoot(t *testing.T) {
	img, sum := image(64<<10+100, 9) // not a whole number of CD sectors: the padded image hashes differently
	cd := &redirect.Image{R: img, Size: img.Size()}
	tests := []struct {
		name    string
		fw      redirecttest.Firmware
		opts    redirect.IDEROptions
		fails   bool
		errText string
	}{
		{name: "hash mismatch", fw: redirecttest.Boot(redirecttest.BootOptions{Device: redirecttest.CD, SHA256: sum}),
			opts: redirect.IDEROptions{CD: cd}, fails: true, errText: "image hash"},
		{name: "no such drive", fw: redirecttest.Boot(redirecttest.BootOptions{Device: redirecttest.Floppy}),
			opts: redirect.IDEROptions{CD: cd}, fails: true},
		{name: "success", fw: redirecttest.Boot(redirecttest.BootOptions{Device: redirecttest.CD}),
			opts: redirect.IDEROptions{CD: cd}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := newSim(t, redirecttest.Config{EndAfterBoot: true, Firmware: tt.fw})
			s, err := newClient(t, sim).OpenIDER(ctxT(t), tt.opts)
			require.NoError(t, err)
			require.NoError(t, s.Wait(ctxT(t)), "the device ended the session")
			rep := nextBoot(t, sim)
			if !tt.fails {
				require.NoError(t, rep.Err)
			} else {
				require.Error(t, rep.Err)
				assert.Contains(t, rep.Err.Error(), tt.errText)
			}
			require.NoError(t, s.Close())
			require.Eventually(t, func() bool { return sim.Stats().Active == 0 }, time.Minute, 10*time.Millisecond)
		})
	}
}
