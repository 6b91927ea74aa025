package fsys

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strings"
	"sync"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	_ "gocloud.dev/blob/fileblob"  // file://
	_ "gocloud.dev/blob/gcsblob"   // gs://
	_ "gocloud.dev/blob/s3blob"    // s3://
	"gocloud.dev/gcerrors"

	"github.com/quiverdb/quiver/errs"
)

var buckets struct {
	sync.Mutex
	m map[string]*blob.Bucket
}

// splitBlob splits an object-store location into its bucket URL (scheme,
// bucket and query: the driver's options) and the object key or pattern.
// For file:// the bucket is the file system root and the key the path
// without its leading slash.
func splitBlob(loc string) (bucketURL, key string, err error) {
	u, err := url.Parse(loc)
	if err != nil {
		return "", "", errs.Wrap(errs.ErrInvalid, err, "bad URL %s", Redact(loc))
	}
	key = strings.TrimPrefix(u.Path, "/")
	b := url.URL{Scheme: u.Scheme, Host: u.Host, RawQuery: u.RawQuery}
	if strings.EqualFold(u.Scheme, "file") {
		if u.Host != "" && u.Host != "localhost" {
			return "", "", errs.Invalidf("%s: file:// URLs name a local path (file:///dir/file), not host %q", Redact(loc), u.Host)
		}
		b.Host = ""
		b.Path = "/"
	}
	return b.String(), key, nil
}

func bucketFor(ctx context.Context, bucketURL, loc string) (*blob.Bucket, error) {
	buckets.Lock()
	defer buckets.Unlock()
	if b, ok := buckets.m[bucketURL]; ok {
		return b, nil
	}
	b, err := blob.OpenBucket(ctx, bucketURL)
	if err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, scrub(err, bucketURL), "opening the bucket of %s", Redact(loc))
	}
	if buckets.m == nil {
		buckets.m = map[string]*blob.Bucket{}
	}
	buckets.m[bucketURL] = b
	return b, nil
}

// scrub removes the bucket URL's query (driver options, possibly secrets)
// from an error's text.
func scrub(err error, bucketURL string) error {
	u, perr := url.Parse(bucketURL)
	if perr != nil || u.RawQuery == "" {
		return err
	}
	msg := strings.ReplaceAll(err.Error(), u.RawQuery, "…")
	return errors.New(msg)
}

func blobErr(err error, loc string) error {
	kind := errs.ErrUnavailable
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		kind = errs.ErrNotFound
	case gcerrors.PermissionDenied:
		kind = errs.ErrPermission
	case gcerrors.InvalidArgument:
		kind = errs.ErrInvalid
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		kind = errs.ErrUnavailable
	}
	return errs.Wrap(kind, err, "object %s", Redact(loc))
}

// bucketOf splits the object-store location loc (splitBlob) and returns
// its bucket (opened once per bucket URL and cached, bucketFor) and the
// object key or pattern within it. Errors are those of splitBlob and
// bucketFor, already naming the redacted location.
func bucketOf(ctx context.Context, loc string) (*blob.Bucket, string, error) {
	bu, key, err := splitBlob(loc)
	if err != nil {
		return nil, "", err
	}
	b, err := bucketFor(ctx, bu, loc)
	if err != nil {
		return nil, "", err
	}
	return b, key, nil
}

// objectURL rebuilds the location of key in the bucket of loc.
func objectURL(loc, key string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	u.Path = "/" + key
	u.RawPath = ""
	return u.String()
}

func listBlob(ctx context.Context, cfgKey, loc string, opts ListOptions) ([]File, error) {
	b, pattern, err := bucketOf(ctx, loc)
	if err != nil {
		return nil, err
	}
	glob := hasMeta(pattern)
	prefix := pattern
	if glob {
		if _, err := matchGlob(pattern, ""); err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "%s: bad glob %s", cfgKey, Redact(loc))
		}
		prefix = pattern[:strings.IndexAny(pattern, "*?[")]
		prefix = prefix[:strings.LastIndexByte(prefix, '/')+1]
	} else if pattern != "" && !strings.HasSuffix(pattern, "/") {
		// A single object, or a "directory" without its trailing slash.
		attrs, err := b.Attributes(ctx, pattern)
		if err == nil {
			return []File{{URL: loc, Size: attrs.Size}}, nil
		}
		if gcerrors.Code(err) != gcerrors.NotFound {
			return nil, blobErr(err, loc)
		}
		prefix = pattern + "/"
	}
	var out []File
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, blobErr(err, loc)
		}
		if obj.IsDir {
			continue
		}
		name := obj.Key
		if glob {
			if ok, _ := matchGlob(pattern, name); !ok {
				continue
			}
		} else {
			rel := strings.TrimPrefix(name, prefix)
			segs := strings.Split(rel, "/")
			skip := hidden(segs[len(segs)-1]) || !hasExt(rel, opts.Exts)
			for _, d := range segs[:len(segs)-1] {
				if hidden(d) || !opts.Recursive && !isHiveDir(d) {
					skip = true
				}
			}
			if skip {
				continue
			}
		}
		out = append(out, File{URL: objectURL(loc, name), Size: obj.Size})
	}
	return out, nil
}

func openBlob(ctx context.Context, loc string) (io.ReadCloser, error) {
	b, key, err := bucketOf(ctx, loc)
	if err != nil {
		return nil, err
	}
	r, err := b.NewReader(ctx, key, nil)
	if err != nil {
		return nil, blobErr(err, loc)
	}
	return &blobStream{r: r, loc: loc}, nil
}

type blobStream struct {
	r   *blob.Reader
	loc string
}

func (s *blobStream) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = blobErr(err, s.loc)
	}
	return n, err
}

func (s *blobStream) Close() error { return s.r.Close() }

func openBlobRange(ctx context.Context, loc string) (ReaderAt, error) {
	b, key, err := bucketOf(ctx, loc)
	if err != nil {
		return nil, err
	}
	attrs, err := b.Attributes(ctx, key)
	if err != nil {
		return nil, blobErr(err, loc)
	}
	fetch := func(ctx context.Context, loc string, p []byte, off int64) (int, error) {
		r, err := b.NewRangeReader(ctx, key, off, int64(len(p)), nil)
		if err != nil {
			return 0, blobErr(err, loc)
		}
		defer r.Close()
		n, err := io.ReadFull(r, p)
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return n, io.EOF
		}
		if err != nil {
			return n, blobErr(err, loc)
		}
		return n, nil
	}
	return &rangeReader{ctx: ctx, loc: loc, size: attrs.Size, fetch: fetch}, nil
}
