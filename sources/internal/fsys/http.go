package fsys

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/quiverdb/quiver/errs"
)

// HTTPClient is the client used for http(s) locations. Replace it before
// any table is built (for custom TLS or proxies); it must not be changed
// afterwards. Requests carry the caller's context, so there is no overall
// timeout here.
var HTTPClient = &http.Client{}

// maxRangeSkip is how many bytes ReadAt may discard from a server that
// ignores Range headers before giving up (64 MiB).
const maxRangeSkip = 64 << 20

func httpErr(err error, loc string) error {
	return errs.Wrap(errs.ErrUnavailable, err, "fetching %s", Redact(loc))
}

func statusErr(resp *http.Response, loc string) error {
	kind := errs.ErrUnavailable
	switch resp.StatusCode {
	case http.StatusNotFound, http.StatusGone:
		kind = errs.ErrNotFound
	case http.StatusUnauthorized, http.StatusForbidden:
		kind = errs.ErrPermission
	}
	return errs.New(kind, "fetching %s: HTTP %s", Redact(loc), resp.Status)
}

// listHTTP returns the one file an http(s) URL names, with its size from a
// HEAD request (-1 when the server does not say). HTTP has no listing, so a
// glob is an error.
func listHTTP(ctx context.Context, key, loc string) ([]File, error) {
	if hasMeta(strings.SplitN(loc, "?", 2)[0]) {
		return nil, errs.Invalidf("%s: %s: http(s) URLs cannot be globbed or listed; name each file", key, Redact(loc))
	}
	size, err := headSize(ctx, loc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return []File{{URL: loc, Size: size}}, nil
}

func headSize(ctx context.Context, loc string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, loc, nil)
	if err != nil {
		return 0, errs.Wrap(errs.ErrInvalid, err, "bad URL %s", Redact(loc))
	}
	resp, err := HTTPClient.Do(req)
	if err != nil {
		return 0, httpErr(err, loc)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, statusErr(resp, loc)
	}
	return resp.ContentLength, nil
}

func openHTTP(ctx context.Context, loc string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "bad URL %s", Redact(loc))
	}
	resp, err := HTTPClient.Do(req)
	if err != nil {
		return nil, httpErr(err, loc)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, statusErr(resp, loc)
	}
	return &httpBody{ReadCloser: resp.Body, loc: loc}, nil
}

// httpBody names the URL in read errors.
type httpBody struct {
	io.ReadCloser
	loc string
}

func (b *httpBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = httpErr(err, b.loc)
	}
	return n, err
}

func openHTTPRange(ctx context.Context, loc string, size int64) (ReaderAt, error) {
	if size < 0 {
		var err error
		if size, err = headSize(ctx, loc); err != nil {
			return nil, err
		}
		if size < 0 {
			return nil, errs.New(errs.ErrUnavailable, "fetching %s: the server does not report the file size (Content-Length), which random access needs", Redact(loc))
		}
	}
	return &rangeReader{ctx: ctx, loc: loc, size: size, fetch: httpRange}, nil
}

// httpRange reads len(p) bytes at off with one Range GET.
func httpRange(ctx context.Context, loc string, p []byte, off int64) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return 0, errs.Wrap(errs.ErrInvalid, err, "bad URL %s", Redact(loc))
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", off, off+int64(len(p))-1))
	resp, err := HTTPClient.Do(req)
	if err != nil {
		return 0, httpErr(err, loc)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
		if cr := resp.Header.Get("Content-Range"); cr != "" {
			if !strings.HasPrefix(cr, "bytes "+strconv.FormatInt(off, 10)+"-") {
				return 0, errs.New(errs.ErrUnavailable, "fetching %s: asked for bytes from %d, server answered %q", Redact(loc), off, cr)
			}
		}
	case http.StatusOK:
		// The server ignored Range: skip to off (bounded).
		if off > maxRangeSkip {
			return 0, errs.New(errs.ErrUnavailable, "fetching %s: the server ignores HTTP Range requests, which random access (Parquet, Arrow IPC) needs", Redact(loc))
		}
		if _, err := io.CopyN(io.Discard, resp.Body, off); err != nil {
			return 0, httpErr(err, loc)
		}
	default:
		return 0, statusErr(resp, loc)
	}
	n, err := io.ReadFull(resp.Body, p)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return n, io.EOF
	}
	if err != nil {
		return n, httpErr(err, loc)
	}
	return n, nil
}

// rangeReader is a ReaderAt whose every ReadAt is one ranged fetch.
type rangeReader struct {
	ctx   context.Context
	loc   string
	size  int64
	pos   int64
	fetch func(ctx context.Context, loc string, p []byte, off int64) (int, error)
	close func() error
	// Requests counts the fetches made (for tests).
	requests atomic.Int64
}

func (r *rangeReader) Size() int64 { return r.size }

func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errs.Invalidf("reading %s: negative offset %d", Redact(r.loc), off)
	}
	if off >= r.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	want := p
	short := false
	if rem := r.size - off; int64(len(p)) > rem {
		want = p[:rem]
		short = true
	}
	if len(want) == 0 {
		return 0, nil
	}
	if err := r.ctx.Err(); err != nil {
		return 0, errs.Wrap(errs.ErrUnavailable, err, "reading %s", Redact(r.loc))
	}
	r.requests.Add(1)
	n, err := r.fetch(r.ctx, r.loc, want, off)
	if err == nil && short {
		err = io.EOF
	}
	if err == io.EOF && n == len(want) && !short {
		err = nil
	}
	return n, err
}

func (r *rangeReader) Read(p []byte) (int, error) {
	n, err := r.ReadAt(p, r.pos)
	r.pos += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (r *rangeReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.pos + offset
	case io.SeekEnd:
		abs = r.size + offset
	default:
		return 0, errs.Invalidf("reading %s: bad whence %d", Redact(r.loc), whence)
	}
	if abs < 0 {
		return 0, errs.Invalidf("reading %s: seek to negative offset %d", Redact(r.loc), abs)
	}
	r.pos = abs
	return abs, nil
}

func (r *rangeReader) Close() error {
	if r.close != nil {
		return r.close()
	}
	return nil
}
