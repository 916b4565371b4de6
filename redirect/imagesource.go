package redirect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/oobkit/oobkit"
)

// imageBlock is how much of an image served over HTTP is fetched at once:
// IDE-R reads a few sectors per command, mostly in order, so one request
// serves many of them.
const imageBlock = 256 << 10

// DefaultMaxImageSize is the largest image [OpenImageSource] serves unless
// told otherwise: 64 GiB, more than any CD, DVD or Blu-ray, so a server
// (or file) claiming more is refused rather than trusted.
const DefaultMaxImageSize = 64 << 30

// ImageSourceOptions are [OpenImageSource]'s options. The zero value is
// http.DefaultClient and [DefaultMaxImageSize].
type ImageSourceOptions struct {
	// HTTPClient fetches an http(s) image (default http.DefaultClient). Its
	// TLS settings verify an https server; give one with RootCAs for a
	// private certificate authority.
	HTTPClient *http.Client
	// MaxSize is the largest image accepted, in bytes (default
	// [DefaultMaxImageSize]).
	MaxSize int64
}

// OpenImageSource opens an image to serve over IDE-R from source: a file
// path, or an http:// or https:// URL whose server honours range requests
// (any static file server does), read block by block under ctx while the
// session runs, so ctx must last as long as the session. The caller closes
// the returned closer when every session using the image has ended.
//
// A URL that does not parse, has another scheme or no host, a server that
// does not answer 206 Partial Content with the image's length, and an image
// larger than the MaxSize option are errors of class
// [oobkit.ErrInvalidArgument] that say why; a password in the URL is never
// part of an error.
func OpenImageSource(ctx context.Context, source string, o ImageSourceOptions) (*Image, io.Closer, error) {
	maxSize := o.MaxSize
	if maxSize <= 0 {
		maxSize = DefaultMaxImageSize
	}
	scheme, _, isURL := strings.Cut(source, "://")
	if !isURL {
		img, f, err := OpenImage(source)
		if err != nil {
			return nil, nil, imageError(source, "%v", err)
		}
		if img.Size > maxSize {
			_ = f.Close()
			return nil, nil, imageError(source, "%d bytes, more than the %d allowed", img.Size, maxSize)
		}
		return img, f, nil
	}
	u, err := url.Parse(source)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // its text repeats the URL, which may hold a password
		}
		return nil, nil, imageError("URL", "%v", err)
	}
	switch {
	case scheme != "http" && scheme != "https":
		return nil, nil, imageError(u.Redacted(), "unsupported scheme %q (want http or https)", u.Scheme)
	case u.Host == "":
		return nil, nil, imageError(u.Redacted(), "the URL names no host")
	}
	client := o.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	r := &httpImage{ctx: ctx, client: client, url: u}
	size, err := r.size()
	if err != nil {
		return nil, nil, err
	}
	if size > maxSize {
		return nil, nil, r.fail("%d bytes, more than the %d allowed", size, maxSize)
	}
	return &Image{R: r, Size: size}, io.NopCloser(nil), nil
}

// imageError is an invalid image source.
func imageError(source, format string, a ...any) error {
	return &oobkit.Error{Protocol: oobkit.Redirection, Op: "image", Class: oobkit.ErrInvalidArgument,
		Message: source + ": " + fmt.Sprintf(format, a...)}
}

// httpImage is an io.ReaderAt over an image served by an HTTP server that
// honours Range requests (any static file server does). It keeps the last
// block fetched. Safe for concurrent use.
type httpImage struct {
	ctx    context.Context
	client *http.Client
	url    *url.URL

	mu    sync.Mutex
	off   int64
	block []byte
}

// size asks for the first byte and reads the image's length from the
// Content-Range of the answer, which also proves ranges are honoured.
func (r *httpImage) size() (int64, error) {
	resp, err := r.get(0, 0)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1))
	cr := resp.Header.Get("Content-Range") // bytes 0-0/SIZE
	size, ok := rangeLength(cr)
	if !ok {
		return 0, r.fail("no image length in Content-Range %q", cr)
	}
	return size, nil
}

// rangeLength reads the complete length of a Content-Range header ("bytes
// 0-0/1474560", RFC 9110 section 14.4); an unknown ("*") or malformed
// length is false.
func rangeLength(cr string) (int64, bool) {
	rest, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return 0, false
	}
	i := strings.LastIndexByte(rest, '/')
	if i < 0 {
		return 0, false
	}
	size, err := strconv.ParseInt(rest[i+1:], 10, 64)
	if err != nil || size <= 0 {
		return 0, false
	}
	return size, true
}

// get requests bytes [from, to] and checks the answer is that range.
func (r *httpImage) get(from, to int64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, r.url.String(), nil)
	if err != nil {
		return nil, r.fail("%v", err)
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", from, to))
	resp, err := r.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // its text repeats the URL, which may hold a password
		}
		return nil, fmt.Errorf("image %s: %w", r.url.Redacted(), err)
	}
	if resp.StatusCode != http.StatusPartialContent {
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil, r.fail("the server does not honour range requests")
		}
		return nil, r.fail("%s", resp.Status)
	}
	return resp, nil
}

func (r *httpImage) fail(format string, a ...any) error {
	return imageError(r.url.Redacted(), format, a...)
}

// ReadAt reads len(p) bytes at off, block by block.
func (r *httpImage) ReadAt(p []byte, off int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for n < len(p) {
		at := off + int64(n)
		if r.block == nil || at < r.off || at >= r.off+int64(len(r.block)) {
			if err := r.fetch(at - at%imageBlock); err != nil {
				return n, err
			}
		}
		c := copy(p[n:], r.block[at-r.off:])
		if c == 0 {
			return n, io.EOF
		}
		n += c
	}
	return n, nil
}

// fetch reads the block starting at off; it is shorter at the image's end.
func (r *httpImage) fetch(off int64) error {
	resp, err := r.get(off, off+imageBlock-1)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if cr := resp.Header.Get("Content-Range"); !strings.HasPrefix(cr, fmt.Sprintf("bytes %d-", off)) {
		return r.fail("asked for bytes from %d, got Content-Range %q", off, cr)
	}
	buf, err := io.ReadAll(io.LimitReader(resp.Body, imageBlock+1))
	if err != nil {
		return fmt.Errorf("image %s: %w", r.url.Redacted(), err)
	}
	if len(buf) > imageBlock {
		return r.fail("asked for %d bytes from %d, the server sent more", imageBlock, off)
	}
	if len(buf) == 0 {
		return io.EOF
	}
	r.off, r.block = off, buf
	return nil
}
