package fsys_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/internal/fsys"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

// Server serves dir over HTTP on 127.0.0.1, counting requests, ranged
// requests and body bytes sent.
type Server struct {
	URL                     string
	Requests, Ranged, Bytes atomic.Int64
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return c.ResponseWriter.Write(p)
}

// Serve starts a counting file server (closed at the end of the test).
func Serve(t testing.TB, dir string) *Server {
	s := &Server{}
	fs := http.FileServer(http.Dir(dir))
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Requests.Add(1)
		if r.Header.Get("Range") != "" {
			s.Ranged.Add(1)
		}
		fs.ServeHTTP(countingWriter{w, &s.Bytes}, r)
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.Listener = l
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		fsys.HTTPClient.CloseIdleConnections()
	})
	s.URL = ts.URL
	return s
}

func writeFile(t testing.TB, p, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func tree(t testing.TB) string {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "data/a.csv"), "x\n1\n")
	writeFile(t, filepath.Join(dir, "data/b.csv"), "x\n22\n")
	writeFile(t, filepath.Join(dir, "data/notes.txt"), "no")
	writeFile(t, filepath.Join(dir, "data/_SUCCESS"), "")
	writeFile(t, filepath.Join(dir, "data/year=2024/c.csv"), "x\n333\n")
	writeFile(t, filepath.Join(dir, "data/other/d.csv"), "x\n4\n")
	return dir
}

func urls(files []fsys.File) string {
	var s []string
	for _, f := range files {
		s = append(s, f.URL)
	}
	return strings.Join(s, " ")
}

func TestListLocalAndBlob(t *testing.T) {
	dir := tree(t)
	ctx := context.Background()
	csv := fsys.ListOptions{Exts: []string{".csv"}}
	for _, tc := range []struct {
		pattern string
		opts    fsys.ListOptions
		want    string
	}{
		{"data", csv, "data/a.csv data/b.csv data/year=2024/c.csv"},
		{"data", fsys.ListOptions{Exts: []string{".csv"}, Recursive: true}, "data/a.csv data/b.csv data/other/d.csv data/year=2024/c.csv"},
		{"data/*.csv", csv, "data/a.csv data/b.csv"},
		{"data/**/*.csv", csv, "data/a.csv data/b.csv data/other/d.csv data/year=2024/c.csv"},
		{"data/a.csv", csv, "data/a.csv"},
	} {
		local, err := fsys.List(ctx, "k", filepath.Join(dir, tc.pattern), tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.ReplaceAll(urls(local), dir+"/", ""); got != tc.want {
			t.Errorf("local %s: got %s, want %s", tc.pattern, got, tc.want)
		}
		blob, err := fsys.List(ctx, "k", "file://"+filepath.ToSlash(filepath.Join(dir, tc.pattern)), tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.ReplaceAll(urls(blob), "file://"+dir+"/", ""); got != tc.want {
			t.Errorf("blob %s: got %s, want %s", tc.pattern, got, tc.want)
		}
		if len(blob) > 0 && blob[0].Size <= 0 {
			t.Errorf("blob %s: no size", tc.pattern)
		}
	}
	_, err := fsys.List(ctx, "cfg.path", "file://"+dir+"/nothing/*.csv", csv)
	if !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "cfg.path") {
		t.Fatalf("empty glob: %v", err)
	}
}

func TestBlobReads(t *testing.T) {
	dir := tree(t)
	ctx := context.Background()
	loc := "file://" + dir + "/data/b.csv"
	rc, err := fsys.Open(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(b) != "x\n22\n" {
		t.Fatalf("read %q, %v", b, err)
	}
	ra, err := fsys.OpenRange(ctx, loc, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	p := make([]byte, 3)
	if n, err := ra.ReadAt(p, 2); n != 3 || err != nil || string(p) != "22\n" {
		t.Fatalf("ReadAt: %d %v %q", n, err, p)
	}
	if n, err := ra.ReadAt(p, 4); n != 1 || err != io.EOF {
		t.Fatalf("ReadAt past the end: %d %v", n, err)
	}
	if _, err := fsys.OpenRange(ctx, loc, 99); !errors.Is(err, errs.ErrUnavailable) || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("size change: %v", err)
	}
	if _, err := fsys.Open(ctx, "file://"+dir+"/data/missing.csv"); !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "missing.csv") {
		t.Fatalf("missing object: %v", err)
	}
}

func TestHTTP(t *testing.T) {
	dir := tree(t)
	srv := Serve(t, dir)
	ctx := context.Background()
	loc := srv.URL + "/data/b.csv"
	files, err := fsys.List(ctx, "k", loc, fsys.ListOptions{})
	if err != nil || len(files) != 1 || files[0].Size != 5 {
		t.Fatalf("list: %v %v", files, err)
	}
	ra, err := fsys.OpenRange(ctx, loc, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	before := srv.Ranged.Load()
	p := make([]byte, 2)
	if n, err := ra.ReadAt(p, 2); n != 2 || err != nil || string(p) != "22" {
		t.Fatalf("ReadAt: %d %v %q", n, err, p)
	}
	if srv.Ranged.Load() != before+1 {
		t.Fatalf("want one Range request, got %d", srv.Ranged.Load()-before)
	}
	rc, err := fsys.Open(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "x\n22\n" {
		t.Fatalf("GET: %q", b)
	}
	_, err = fsys.Open(ctx, srv.URL+"/data/nope.csv?token=secret")
	if !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "/data/nope.csv") || strings.Contains(err.Error(), "secret") {
		t.Fatalf("404: %v", err)
	}
	if _, err := fsys.List(ctx, "k", srv.URL+"/data/*.csv", fsys.ListOptions{}); !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("http glob: %v", err)
	}
}

func TestRedact(t *testing.T) {
	got := fsys.Redact("https://user:pw@example.com/a/b.parquet?X-Amz-Signature=abc")
	if strings.Contains(got, "pw") || strings.Contains(got, "abc") || !strings.Contains(got, "example.com/a/b.parquet") {
		t.Fatal(got)
	}
	if fsys.RelPath("s3://b/root", "s3://b/root/year=1/x.csv") != "year=1/x.csv" || fsys.RelPath("/a", "/a/k=v/f") != "k=v/f" {
		t.Fatal("RelPath")
	}
}
