package rfbserve

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A full update asked for while the server answers an incremental request
// is answered too. It used to be cleared together with the request being
// answered, so a screenshot taken right after a frame stream hung (the
// TestKVMBIOSNavigation flake). The hooks hold the server between taking a
// request and answering it until the second request has been recorded: the
// interleaving a loaded machine produced by chance.
func TestRequestDuringAnswerIsNotLost(t *testing.T) {
	fb := NewFramebuffer(64, 48)
	server, client := net.Pipe()
	defer client.Close()

	taken, recorded := make(chan struct{}), make(chan struct{}, 4)
	release := make(chan struct{})
	var once sync.Once
	testHookTaken = func() {
		once.Do(func() { close(taken); <-release })
	}
	testHookRequested = func() { recorded <- struct{}{} }
	defer func() { testHookTaken, testHookRequested = nil, nil }()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, server, fb, Options{Name: "t"}) }()

	br := bufio.NewReader(client)
	var ver [12]byte
	_, err := io.ReadFull(br, ver[:])
	require.NoError(t, err)
	_, err = client.Write([]byte("RFB 003.003\n"))
	require.NoError(t, err)
	var sec [4]byte
	_, err = io.ReadFull(br, sec[:])
	require.NoError(t, err)
	_, err = client.Write([]byte{1}) // shared
	require.NoError(t, err)
	init := make([]byte, 24+1)
	_, err = io.ReadFull(br, init)
	require.NoError(t, err)

	request := func(incremental bool) {
		b := []byte{3, 0, 0, 0, 0, 0, 0, 64, 0, 48}
		if incremental {
			b[1] = 1
		}
		_, err := client.Write(b)
		require.NoError(t, err)
		<-recorded
	}
	request(true) // the whole screen is new to this viewer: answered at once
	<-taken       // the server holds between taking it and answering
	request(false)
	close(release)

	_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i := range 2 {
		var hdr [4]byte
		_, err := io.ReadFull(br, hdr[:])
		require.NoError(t, err, "update %d never came", i+1)
		require.Equal(t, byte(0), hdr[0])
		area := 0
		for range binary.BigEndian.Uint16(hdr[2:]) {
			var r [12]byte
			_, err := io.ReadFull(br, r[:])
			require.NoError(t, err)
			w, h := int(binary.BigEndian.Uint16(r[4:])), int(binary.BigEndian.Uint16(r[6:]))
			_, err = br.Discard(w * h * 4)
			require.NoError(t, err)
			area += w * h
		}
		require.Equal(t, 64*48, area, "update %d covers the whole screen", i+1)
	}
	cancel()
	_ = client.Close()
	<-done
}
