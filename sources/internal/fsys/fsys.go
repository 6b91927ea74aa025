// Package fsys is the file-system abstraction of Quiver's file providers
// (csv, jsonl, parquet, ipc): listing, sizes, streaming reads and ranged
// reads over
//
//   - local paths (absolute, or relative to a base directory);
//   - http:// and https:// URLs (one file per URL; sizes from HEAD, ranged
//     reads with Range GETs, streams with a plain GET);
//   - object stores through gocloud.dev/blob: s3://, gs://, azblob:// and
//     file:// (a local directory served by gocloud's fileblob driver), with
//     glob or prefix listing.
//
// A location is a string as written in configuration. Errors name it with
// any user:password and query string removed (Redact), so credentials never
// reach logs or clients. Listing (List) does I/O and belongs at factory
// time; Open and OpenRange belong in Partition.Open.
//
// Buckets are opened once per bucket URL and cached for the life of the
// process. All functions are safe for concurrent use.
package fsys

import (
	"context"
	"errors"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/quiverdb/quiver/errs"
)

// File is one listed file: its location (a local absolute path or a URL)
// and its size in bytes (-1 when the server did not say).
type File struct {
	URL  string
	Size int64
}

// ReaderAt is a random-access reader over one file of known size. It is
// safe for concurrent ReadAt calls; Read and Seek share one cursor and are
// for one goroutine. Close releases it.
type ReaderAt interface {
	io.ReaderAt
	io.ReadSeeker
	io.Closer
	// Size is the file's size in bytes.
	Size() int64
}

// IsRemote reports whether loc is a URL (any scheme) rather than a local
// path.
func IsRemote(loc string) bool {
	return schemeOf(loc) != ""
}

// IsHTTP reports whether loc is an http(s) URL.
func IsHTTP(loc string) bool {
	s := schemeOf(loc)
	return s == "http" || s == "https"
}

func schemeOf(loc string) string {
	i := strings.Index(loc, "://")
	if i <= 0 {
		return ""
	}
	s := strings.ToLower(loc[:i])
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return ""
		}
	}
	return s
}

// Redact returns loc without user info and query string (which can carry
// credentials or signatures), for messages.
func Redact(loc string) string {
	if !IsRemote(loc) {
		return loc
	}
	u, err := url.Parse(loc)
	if err != nil {
		return schemeOf(loc) + "://<unparsable URL>"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	u.Fragment = ""
	return u.String()
}

// Join resolves a location against baseDir: URLs and absolute paths are
// returned as they are; relative paths join baseDir.
func Join(baseDir, loc string) string {
	if IsRemote(loc) || filepath.IsAbs(loc) || baseDir == "" {
		return loc
	}
	return filepath.Join(baseDir, loc)
}

// Dir is the location of the directory containing loc (for Hive partition
// keys): filepath.Dir for local paths, the URL without its last path segment
// otherwise.
func Dir(loc string) string {
	if !IsRemote(loc) {
		return filepath.Dir(loc)
	}
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	u.Path = path.Dir(u.Path)
	u.RawQuery = ""
	return u.String()
}

// RelPath is loc's path relative to root (slash separated), or "" when loc
// is not under root. Both are as List returns them.
func RelPath(root, loc string) string {
	if !IsRemote(loc) {
		rel, err := filepath.Rel(root, loc)
		if err != nil || strings.HasPrefix(rel, "..") {
			return ""
		}
		return filepath.ToSlash(rel)
	}
	ru, err1 := url.Parse(root)
	lu, err2 := url.Parse(loc)
	if err1 != nil || err2 != nil || ru.Scheme != lu.Scheme || ru.Host != lu.Host {
		return ""
	}
	rp := strings.TrimSuffix(ru.Path, "/") + "/"
	if !strings.HasPrefix(lu.Path, rp) {
		return ""
	}
	return strings.TrimPrefix(lu.Path, rp)
}

// ListOptions tune List.
type ListOptions struct {
	// Exts are the file extensions (".csv") a directory or prefix listing
	// keeps; a glob keeps every match. Case-insensitive.
	Exts []string
	// Recursive descends into sub-directories of a directory or prefix;
	// when false only Hive-style ones (`key=value`) are entered.
	Recursive bool
}

// List expands pattern (already joined with the base directory) into its
// files, sorted by location: a file, a directory (its files with one of
// opts.Exts, and sub-directories as opts.Recursive says), a glob (`*`, `?`,
// `[...]` within one path segment, `**` across segments), or for object
// stores a prefix ending in "/". Names starting with "." or "_" are skipped
// in directory listings. An empty result is ErrNotFound; key (the option's
// config path) and the redacted pattern are named in every error.
func List(ctx context.Context, key, pattern string, opts ListOptions) ([]File, error) {
	if pattern == "" {
		return nil, errs.Invalidf("%s: a path is required (a file, a directory, a glob or a URL)", key)
	}
	var files []File
	var err error
	switch s := schemeOf(pattern); {
	case s == "":
		files, err = listLocal(key, pattern, opts)
	case s == "http" || s == "https":
		files, err = listHTTP(ctx, key, pattern)
	default:
		files, err = listBlob(ctx, key, pattern, opts)
	}
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errs.NotFoundf("%s: no %s file matches %s", key, strings.Join(opts.Exts, "/"), Redact(pattern))
	}
	sort.Slice(files, func(i, j int) bool { return files[i].URL < files[j].URL })
	return files, nil
}

// Open opens loc for streaming. The caller closes the reader. A missing
// file is ErrNotFound, other failures ErrUnavailable, each naming loc.
func Open(ctx context.Context, loc string) (io.ReadCloser, error) {
	switch s := schemeOf(loc); {
	case s == "":
		f, err := os.Open(loc)
		if err != nil {
			return nil, localErr(err, loc)
		}
		return f, nil
	case s == "http" || s == "https":
		return openHTTP(ctx, loc)
	default:
		return openBlob(ctx, loc)
	}
}

// OpenRange opens loc for random access. size is the size seen at listing
// time (-1: unknown, then it is asked); a file whose size changed since is
// ErrUnavailable ("changed since its table was loaded"). For HTTP and
// object stores every ReadAt is one ranged request, so readers should read
// in large pieces.
func OpenRange(ctx context.Context, loc string, size int64) (ReaderAt, error) {
	var r ReaderAt
	var err error
	switch s := schemeOf(loc); {
	case s == "":
		var f *os.File
		f, err = os.Open(loc)
		if err != nil {
			return nil, localErr(err, loc)
		}
		st, serr := f.Stat()
		if serr != nil {
			f.Close()
			return nil, errs.Wrap(errs.ErrUnavailable, serr, "file %s", loc)
		}
		r = &localReader{File: f, size: st.Size()}
	case s == "http" || s == "https":
		r, err = openHTTPRange(ctx, loc, size)
	default:
		r, err = openBlobRange(ctx, loc)
	}
	if err != nil {
		return nil, err
	}
	if size >= 0 && r.Size() != size {
		got := r.Size()
		r.Close()
		return nil, errs.New(errs.ErrUnavailable, "file %s changed since its table was loaded (size %d, was %d): reload the catalog", Redact(loc), got, size)
	}
	return r, nil
}

type localReader struct {
	*os.File
	size int64
}

func (l *localReader) Size() int64 { return l.size }

func localErr(err error, loc string) error {
	if errors.Is(err, os.ErrNotExist) {
		return errs.Wrap(errs.ErrNotFound, err, "file %s does not exist", loc)
	}
	return errs.Wrap(errs.ErrUnavailable, err, "file %s", loc)
}

func hasExt(name string, exts []string) bool {
	if len(exts) == 0 {
		return true
	}
	for _, e := range exts {
		if strings.EqualFold(path.Ext(name), e) {
			return true
		}
	}
	return false
}

func hidden(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// isHiveDir reports whether a directory name looks like `key=value`.
func isHiveDir(name string) bool {
	i := strings.IndexByte(name, '=')
	return i > 0 && !hidden(name)
}

func hasMeta(s string) bool { return strings.ContainsAny(s, "*?[") }

// matchGlob matches a slash-separated name against a pattern where `**`
// matches any number of whole segments and other metacharacters work as in
// path.Match within one segment.
func matchGlob(pattern, name string) (bool, error) {
	ps := strings.Split(pattern, "/")
	ns := strings.Split(name, "/")
	return matchSegs(ps, ns)
}

func matchSegs(ps, ns []string) (bool, error) {
	for len(ps) > 0 {
		if ps[0] == "**" {
			for i := 0; i <= len(ns); i++ {
				if ok, err := matchSegs(ps[1:], ns[i:]); ok || err != nil {
					return ok, err
				}
			}
			return false, nil
		}
		if len(ns) == 0 {
			return false, nil
		}
		ok, err := path.Match(ps[0], ns[0])
		if err != nil || !ok {
			return false, err
		}
		ps, ns = ps[1:], ns[1:]
	}
	return len(ns) == 0, nil
}

func listLocal(key, pattern string, opts ListOptions) ([]File, error) {
	p := filepath.Clean(pattern)
	if hasMeta(p) {
		// Walk from the longest literal prefix directory.
		slash := filepath.ToSlash(p)
		segs := strings.Split(slash, "/")
		i := 0
		for i < len(segs) && !hasMeta(segs[i]) {
			i++
		}
		root := strings.Join(segs[:i], "/")
		if root == "" {
			root = "/"
		}
		if _, err := path.Match(strings.ReplaceAll(slash, "**", "*"), ""); err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "%s: bad glob %q", key, pattern)
		}
		var out []File
		err := filepath.WalkDir(filepath.FromSlash(root), func(fp string, d os.DirEntry, err error) error {
			if err != nil {
				return nil // unreadable entries are skipped, as filepath.Glob does
			}
			if !d.Type().IsRegular() {
				return nil
			}
			ok, merr := matchGlob(slash, filepath.ToSlash(fp))
			if merr != nil {
				return merr
			}
			if ok {
				if st, err := d.Info(); err == nil {
					out = append(out, File{URL: fp, Size: st.Size()})
				}
			}
			return nil
		})
		if err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "%s: bad glob %q", key, pattern)
		}
		return out, nil
	}
	st, err := os.Stat(p)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, errs.NotFoundf("%s: %q does not exist", key, pattern)
		}
		return nil, errs.Wrap(errs.ErrInvalid, err, "%s: cannot read %q", key, pattern)
	}
	if !st.IsDir() {
		return []File{{URL: p, Size: st.Size()}}, nil
	}
	var out []File
	err = filepath.WalkDir(p, func(fp string, d os.DirEntry, err error) error {
		if err != nil {
			return errs.Wrap(errs.ErrInvalid, err, "%s: cannot list directory %q", key, pattern)
		}
		if fp == p {
			return nil
		}
		if d.IsDir() {
			if opts.Recursive && !hidden(d.Name()) || isHiveDir(d.Name()) {
				return nil
			}
			return filepath.SkipDir
		}
		if d.Type().IsRegular() && !hidden(d.Name()) && hasExt(d.Name(), opts.Exts) {
			info, err := d.Info()
			if err != nil {
				return errs.Wrap(errs.ErrInvalid, err, "%s: cannot stat %q", key, fp)
			}
			out = append(out, File{URL: fp, Size: info.Size()})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
