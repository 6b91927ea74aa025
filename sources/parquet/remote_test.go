package parquet

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/fsys"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

type httpCounts struct{ requests, ranged, bytes atomic.Int64 }

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return c.ResponseWriter.Write(p)
}

// serve serves dir on 127.0.0.1, counting requests, Range headers and bytes.
func serve(t testing.TB, dir string) (string, *httpCounts) {
	c := &httpCounts{}
	fs := http.FileServer(http.Dir(dir))
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.requests.Add(1)
		if r.Header.Get("Range") != "" {
			c.ranged.Add(1)
		}
		fs.ServeHTTP(countingWriter{w, &c.bytes}, r)
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
	return ts.URL, c
}

func TestRemoteHTTPRangeReads(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "t.parquet", 0, 1000, 100)
	url, counts := serve(t, dir)
	tbl, err := newTableFromOptions(context.Background(), catalog.ProviderOptions{Path: "tables.t", Values: map[string]any{"path": url + "/t.parquet"}})
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	read := func(filters []expr.Expr) (rows int, bytes, ranged int64) {
		b0, r0 := counts.bytes.Load(), counts.ranged.Load()
		got := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Limit: -1, Filters: filters}, mem)
		return len(got), counts.bytes.Load() - b0, counts.ranged.Load() - r0
	}
	all, allBytes, allRanged := read(nil)
	if all != 1000 || allRanged == 0 {
		t.Fatalf("full scan: %d rows, %d ranged requests", all, allRanged)
	}
	one, oneBytes, oneRanged := read([]expr.Expr{cmp(expr.OpEq, col(0), i64(777))})
	if one != 100 { // the provider prunes row groups; the engine re-filters
		t.Fatalf("pruned scan: %d rows, want the 100 of one row group", one)
	}
	if oneBytes*5 > allBytes || oneRanged >= allRanged {
		t.Fatalf("pruning should fetch far fewer bytes: %d bytes/%d requests vs %d/%d", oneBytes, oneRanged, allBytes, allRanged)
	}
	t.Logf("full scan %d bytes in %d range requests; pruned %d bytes in %d", allBytes, allRanged, oneBytes, oneRanged)
}

func TestRemoteConformance(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.parquet", 0, 200, 64)
	writeFile(t, dir, "b.parquet", 200, 400, 64)
	url, _ := serve(t, dir)
	for name, loc := range map[string]string{
		"http":     url + "/a.parquet",
		"fileblob": "file://" + filepath.ToSlash(dir) + "/",
	} {
		t.Run(name, func(t *testing.T) {
			sourcetest.Run(t, sourcetest.Harness{
				New: func(t testing.TB) catalog.Table {
					tbl, err := newTableFromOptions(context.Background(), catalog.ProviderOptions{Path: "tables.t", Values: map[string]any{"path": loc}})
					if err != nil {
						t.Fatal(err)
					}
					return tbl
				},
				IOCount: func() int64 { return ioCount.Load() },
				Filters: []expr.Expr{cmp(expr.OpGtEq, col(0), i64(130)), &expr.IsNull{Input: col(5)}},
			})
		})
	}
}

func TestRemoteMalformed(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.parquet"), []byte("PAR1 this is not parquet at all PAR1"), 0o644); err != nil {
		t.Fatal(err)
	}
	url, _ := serve(t, dir)
	for _, loc := range []string{url + "/bad.parquet", "file://" + filepath.ToSlash(dir) + "/bad.parquet"} {
		_, err := newTableFromOptions(context.Background(), catalog.ProviderOptions{Path: "tables.t", Values: map[string]any{"path": loc}})
		if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), loc) {
			t.Errorf("%s: got %v, want ErrInvalid naming the URL", loc, err)
		}
	}
	_, err := newTableFromOptions(context.Background(), catalog.ProviderOptions{Path: "tables.t", Values: map[string]any{"path": url + "/missing.parquet"}})
	if !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "missing.parquet") {
		t.Errorf("missing: %v", err)
	}
}
