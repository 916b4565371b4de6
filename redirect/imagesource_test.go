package redirect_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/redirect"
)

// serveImage serves content at /boot.iso with range requests (as any
// static file server) over TLS.
func serveImage(t *testing.T, content []byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "boot.iso", time.Time{}, bytes.NewReader(content))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// An https image reads back byte for byte, across block boundaries, with
// the server's certificate verified by the client given.
func TestOpenImageSourceHTTPS(t *testing.T) {
	content := make([]byte, 600<<10+123) // more than two 256 KiB blocks, not a whole one
	_, _ = rand.Read(content)
	srv := serveImage(t, content)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	img, c, err := redirect.OpenImageSource(ctx, srv.URL+"/boot.iso", redirect.ImageSourceOptions{HTTPClient: srv.Client()})
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, int64(len(content)), img.Size)
	got, err := io.ReadAll(io.NewSectionReader(img.R, 0, img.Size))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(content, got), "the image reads back whole")
	p := make([]byte, 4096)
	_, err = img.R.ReadAt(p, 256<<10-100) // straddles a block
	require.NoError(t, err)
	assert.Equal(t, content[256<<10-100:256<<10-100+4096], p)

	// The default client does not trust the test server's certificate.
	_, _, err = redirect.OpenImageSource(ctx, srv.URL+"/boot.iso", redirect.ImageSourceOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "certificate")
}

func TestOpenImageSourceFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "boot.img")
	require.NoError(t, os.WriteFile(path, []byte("floppy"), 0o600))
	img, c, err := redirect.OpenImageSource(context.Background(), path, redirect.ImageSourceOptions{})
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, int64(6), img.Size)

	_, _, err = redirect.OpenImageSource(context.Background(), filepath.Join(t.TempDir(), "missing.iso"), redirect.ImageSourceOptions{})
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "missing.iso")
}

// Bad URLs, servers that cannot serve an image and oversize images are
// invalid arguments that say why, never with the URL's password.
func TestOpenImageSourceErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := serveImage(t, make([]byte, 10000))
	noRanges := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write(make([]byte, 4096)) // ignores Range: 200 with the whole body
	}))
	defer noRanges.Close()
	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	tooLong := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Range", "bytes 0-0/1000000")
		w.WriteHeader(http.StatusPartialContent)
		if r.Header.Get("Range") == "bytes=0-0" {
			_, _ = w.Write([]byte{0})
			return
		}
		_, _ = w.Write(make([]byte, 300<<10)) // more than any block asked
	}))
	defer tooLong.Close()
	file := filepath.Join(t.TempDir(), "big.iso")
	require.NoError(t, os.WriteFile(file, make([]byte, 2048), 0o600))

	for _, tc := range []struct {
		name, source string
		opts         redirect.ImageSourceOptions
		want         string
	}{
		{"ftp", "ftp://mirror.example/boot.iso", redirect.ImageSourceOptions{}, `unsupported scheme "ftp"`},
		{"no host", "https:///boot.iso", redirect.ImageSourceOptions{}, "no host"},
		{"unparsable", "http://operator:s3cret@[::1/boot.iso", redirect.ImageSourceOptions{}, "URL"},
		{"no ranges", noRanges.URL + "/boot.iso", redirect.ImageSourceOptions{}, "range requests"},
		{"404", missing.URL + "/boot.iso", redirect.ImageSourceOptions{}, "404"},
		{"oversize url", srv.URL + "/boot.iso", redirect.ImageSourceOptions{HTTPClient: srv.Client(), MaxSize: 9999}, "10000 bytes, more than the 9999 allowed"},
		{"oversize file", file, redirect.ImageSourceOptions{MaxSize: 2047}, "2048 bytes, more than the 2047 allowed"},
		{"password", "https://operator:s3cret@" + strings.TrimPrefix(srv.URL, "https://") + "/nothing", redirect.ImageSourceOptions{}, "operator:xxxxx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := redirect.OpenImageSource(ctx, tc.source, tc.opts)
			require.Error(t, err)
			if tc.name != "password" {
				assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
			}
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "s3cret")
		})
	}

	t.Run("server sends more than asked", func(t *testing.T) {
		img, c, err := redirect.OpenImageSource(ctx, tooLong.URL+"/x.iso", redirect.ImageSourceOptions{})
		require.NoError(t, err)
		defer c.Close()
		_, err = img.R.ReadAt(make([]byte, 512), 0)
		assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
		assert.Contains(t, err.Error(), "sent more")
	})
}

// An image served over HTTPS, as a job's ider step or `oobctl ider
// --image https://…` reads it.
func ExampleOpenImageSource() {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "boot.iso", time.Time{}, bytes.NewReader(make([]byte, 4096)))
	}))
	defer srv.Close()

	ctx := context.Background() // lasts as long as the IDE-R session
	img, closer, err := redirect.OpenImageSource(ctx, srv.URL+"/boot.iso",
		redirect.ImageSourceOptions{HTTPClient: srv.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer closer.Close()
	fmt.Println(img.Size, "bytes") // then: client.OpenIDER(ctx, redirect.IDEROptions{CD: img})

	_, _, err = redirect.OpenImageSource(ctx, "ftp://mirror.example/boot.iso", redirect.ImageSourceOptions{})
	fmt.Println(err)
	// Output:
	// 4096 bytes
	// redirection: image: invalid argument: ftp://mirror.example/boot.iso: unsupported scheme "ftp" (want http or https)
}

// stallingImage serves the image's first byte (the length probe of
// OpenImageSource) and then answers nothing until the client gives up: a
// server that stalls mid-session. asked receives each stalled request.
func stallingImage(t *testing.T, size int) (url string, asked <-chan struct{}) {
	t.Helper()
	ch := make(chan struct{}, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") == "bytes=0-0" {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-0/%d", size))
			w.WriteHeader(http.StatusPartialContent)
			_, _ = w.Write([]byte{0})
			return
		}
		ch <- struct{}{}
		<-r.Context().Done() // the client went away
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/boot.iso", ch
}

// A server that stalls mid-session fails the read once ReadTimeout has
// passed, while the context the image was opened with (the session's) is
// still open: before, every read ran under that context alone and a
// stalled server hung IDE-R for as long as the session lasted.
func TestImageSourceReadTimeout(t *testing.T) {
	src, _ := stallingImage(t, 1<<20)
	// The session's context is far away: only ReadTimeout can end the read.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	img, c, err := redirect.OpenImageSource(ctx, src, redirect.ImageSourceOptions{ReadTimeout: 50 * time.Millisecond})
	require.NoError(t, err)
	defer c.Close()
	_, err = img.R.ReadAt(make([]byte, 512), 4096)
	require.Error(t, err)
	assert.ErrorIs(t, err, oobkit.ErrUnreachable)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "no answer within 50ms")
	assert.NoError(t, ctx.Err(), "the read timeout, not the session's context, ended the read")
}

// The context given at open still ends a read that waits, whatever the
// read timeout.
func TestImageSourceCancel(t *testing.T) {
	src, asked := stallingImage(t, 1<<20)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	img, c, err := redirect.OpenImageSource(ctx, src, redirect.ImageSourceOptions{ReadTimeout: time.Hour})
	require.NoError(t, err)
	defer c.Close()
	done := make(chan error, 1)
	go func() {
		_, err := img.R.ReadAt(make([]byte, 512), 0)
		done <- err
	}()
	<-asked // the read is waiting on the server
	cancel()
	err = <-done
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, oobkit.ErrUnreachable, "the caller cancelled: not a timeout")
}

// Redirects: from https to http is refused whatever the client (the image
// would cross the network in clear text, open to substitution); the
// default client also refuses another host, and follows one on the same.
func TestImageSourceRedirects(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	content := make([]byte, 5000)
	var plainHits int
	var mu sync.Mutex
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		plainHits++
		mu.Unlock()
		http.ServeContent(w, r, "boot.iso", time.Time{}, bytes.NewReader(content))
	}))
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.RedirectHandler(plain.URL+"/boot.iso", http.StatusFound))
	defer tlsSrv.Close()

	_, _, err := redirect.OpenImageSource(ctx, tlsSrv.URL+"/boot.iso", redirect.ImageSourceOptions{HTTPClient: tlsSrv.Client()})
	require.Error(t, err)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "refused a redirect from https to http")
	mu.Lock()
	assert.Zero(t, plainHits, "nothing was asked of the http server")
	mu.Unlock()

	// Same host (127.0.0.1), another path: followed.
	same := httptest.NewServer(http.RedirectHandler(plain.URL+"/boot.iso", http.StatusFound))
	defer same.Close()
	img, c, err := redirect.OpenImageSource(ctx, same.URL+"/old.iso", redirect.ImageSourceOptions{})
	require.NoError(t, err)
	assert.Equal(t, int64(len(content)), img.Size)
	require.NoError(t, c.Close())

	// Another host name: refused by the default client.
	other := httptest.NewServer(http.RedirectHandler(strings.Replace(plain.URL, "127.0.0.1", "localhost", 1)+"/boot.iso", http.StatusFound))
	defer other.Close()
	_, _, err = redirect.OpenImageSource(ctx, other.URL+"/boot.iso", redirect.ImageSourceOptions{})
	require.Error(t, err)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "another host")
}
