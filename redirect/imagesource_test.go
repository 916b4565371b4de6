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
