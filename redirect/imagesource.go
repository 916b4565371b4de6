package redirect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

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

// DefaultImageReadTimeout is how long one read of an http(s) image may
// take (the request, the answer's headers and its body) unless
// [ImageSourceOptions].ReadTimeout says otherwise.
const DefaultImageReadTimeout = 60 * time.Second

// maxImageRedirects caps the redirects the default client follows.
const maxImageRedirects = 10

// ImageSourceOptions are [OpenImageSource]'s options. The zero value is a
// client of [OpenImageSource]'s own (see there), [DefaultMaxImageSize] and
// [DefaultImageReadTimeout].
type ImageSourceOptions struct {
	// HTTPClient fetches an http(s) image (default: the client described
	// at [OpenImageSource]). Its TLS settings verify an https server; give
	// one with RootCAs for a private certificate authority. Whatever the
	// client, a redirect from https to http is refused; the client's own
	// CheckRedirect decides the rest.
	HTTPClient *http.Client
	// MaxSize is the largest image accepted, in bytes (default
	// [DefaultMaxImageSize]).
	MaxSize int64
	// ReadTimeout bounds each read of an http(s) image from the server:
	// the request, the answer and its body (default
	// [DefaultImageReadTimeout]). A ReadAt makes one such read per 256 KiB
	// block it needs that is not the one kept, so an IDE-R command's read
	// (a few sectors) waits at most twice this long. A
	// server that stalls fails that read, and with it the IDE-R command,
	// with an error of class [oobkit.ErrUnreachable] wrapping
	// context.DeadlineExceeded instead of hanging the session. The ctx
	// given to [OpenImageSource] still ends every read.
	ReadTimeout time.Duration
}

// OpenImageSource opens an image to serve over IDE-R from source: a file
// path, or an http:// or https:// URL whose server honours range requests
// (any static file server does), read block by block under ctx while the
// session runs, so ctx must last as long as the session; each read is
// also bounded by the ReadTimeout option. The caller closes the returned
// closer when every session using the image has ended.
//
// Without the HTTPClient option the image is fetched by a client of its
// own: connecting is bounded (30 s), and so are the TLS handshake (10 s)
// and the wait for an answer's headers (30 s); it follows at most ten
// redirects, each to the same host name and never from https to http (a
// mirror elsewhere needs an HTTPClient that allows it). It verifies https
// servers against the system's certificate authorities.
//
// A URL that does not parse, has another scheme or no host, a redirect
// refused, a server that does not answer 206 Partial Content with the
// image's length, and an image larger than the MaxSize option are errors
// of class [oobkit.ErrInvalidArgument] that say why; a password in the URL
// is never part of an error.
func OpenImageSource(ctx context.Context, source string, o ImageSourceOptions) (*Image, io.Closer, error) {
	maxSize := o.MaxSize
	if maxSize <= 0 {
		maxSize = DefaultMaxImageSize
	}
	readTimeout := o.ReadTimeout
	if readTimeout <= 0 {
		readTimeout = DefaultImageReadTimeout
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
	var client *http.Client
	var closer io.Closer = io.NopCloser(nil)
	if o.HTTPClient == nil {
		tr := imageTransport()
		client = &http.Client{Transport: tr, CheckRedirect: refuseDowngrade(sameHostRedirect)}
		closer = closeFunc(func() error { tr.CloseIdleConnections(); return nil })
	} else {
		c := *o.HTTPClient
		c.CheckRedirect = refuseDowngrade(o.HTTPClient.CheckRedirect)
		client = &c
	}
	r := &httpImage{ctx: ctx, client: client, url: u, readTimeout: readTimeout}
	size, err := r.size()
	if err != nil {
		_ = closer.Close()
		return nil, nil, err
	}
	if size > maxSize {
		_ = closer.Close()
		return nil, nil, r.fail("%d bytes, more than the %d allowed", size, maxSize)
	}
	return &Image{R: r, Size: size}, closer, nil
}

// closeFunc is an io.Closer calling itself.
type closeFunc func() error

func (f closeFunc) Close() error { return f() }

// imageTransport is the default client's transport: every step that waits
// on the server is bounded (net/http's DefaultTransport bounds connecting
// and the TLS handshake, not the wait for an answer).
func imageTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   2,
		ForceAttemptHTTP2:     true,
	}
}

// refuseDowngrade is a CheckRedirect that refuses a redirect from https
// to http (the image, and any password, would then cross the network in
// clear text, and an attacker on the path could serve another image) and
// leaves the rest to next (nil: net/http's default, at most ten).
func refuseDowngrade(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		for _, v := range via {
			if v.URL.Scheme == "https" && req.URL.Scheme != "https" {
				return imageError(via[0].URL.Redacted(), "refused a redirect from https to %s (%s)", req.URL.Scheme, req.URL.Redacted())
			}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxImageRedirects {
			return imageError(via[0].URL.Redacted(), "stopped after %d redirects", maxImageRedirects)
		}
		return nil
	}
}

// sameHostRedirect is the default client's redirect policy: at most ten,
// each to the host name first asked.
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxImageRedirects {
		return imageError(via[0].URL.Redacted(), "stopped after %d redirects", maxImageRedirects)
	}
	if !strings.EqualFold(req.URL.Hostname(), via[0].URL.Hostname()) {
		return imageError(via[0].URL.Redacted(), "refused a redirect to another host (%s): give an HTTPClient that allows it", req.URL.Redacted())
	}
	return nil
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
	ctx         context.Context
	client      *http.Client
	url         *url.URL
	readTimeout time.Duration

	mu    sync.Mutex
	off   int64
	block []byte
}

// size asks for the first byte and reads the image's length from the
// Content-Range of the answer, which also proves ranges are honoured.
func (r *httpImage) size() (int64, error) {
	ctx, cancel := context.WithTimeout(r.ctx, r.readTimeout)
	defer cancel()
	resp, err := r.get(ctx, 0, 0)
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

// get requests bytes [from, to] under ctx (a read's: r.ctx bounded by
// the read timeout) and checks the answer is that range.
func (r *httpImage) get(ctx context.Context, from, to int64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url.String(), nil)
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
		var oerr *oobkit.Error
		if errors.As(err, &oerr) {
			return nil, err // a redirect refused: says why already
		}
		return nil, r.transferError(ctx, err)
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

// transferError is a request or body read that failed under ctx. A read
// that ran out of its time while r.ctx is still open is, as the WS-Man
// client says of a silent device, of class oobkit.ErrUnreachable wrapping
// context.DeadlineExceeded.
func (r *httpImage) transferError(ctx context.Context, err error) error {
	var nerr net.Error
	timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &nerr) && nerr.Timeout())
	if r.ctx.Err() == nil && timedOut {
		if !errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
		}
		return &oobkit.Error{Protocol: oobkit.Redirection, Op: "image", Class: oobkit.ErrUnreachable,
			Message: fmt.Sprintf("%s: no answer within %s", r.url.Redacted(), r.readTimeout), Err: err}
	}
	return fmt.Errorf("image %s: %w", r.url.Redacted(), err)
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
// The read timeout bounds the request and the body.
func (r *httpImage) fetch(off int64) error {
	ctx, cancel := context.WithTimeout(r.ctx, r.readTimeout)
	defer cancel()
	resp, err := r.get(ctx, off, off+imageBlock-1)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if cr := resp.Header.Get("Content-Range"); !strings.HasPrefix(cr, fmt.Sprintf("bytes %d-", off)) {
		return r.fail("asked for bytes from %d, got Content-Range %q", off, cr)
	}
	buf, err := io.ReadAll(io.LimitReader(resp.Body, imageBlock+1))
	if err != nil {
		return r.transferError(ctx, err)
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
