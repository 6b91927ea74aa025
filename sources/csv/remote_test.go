package csv_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/csv"
	"github.com/quiverdb/quiver/sources/internal/fsys"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

func serveDir(t testing.TB, dir string) string {
	ts := httptest.NewUnstartedServer(http.FileServer(http.Dir(dir)))
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
	return ts.URL
}

func TestRemoteConformance(t *testing.T) {
	dir := salesDir(t)
	url := serveDir(t, dir)
	var last *csv.Table
	for name, path := range map[string]string{
		"http":          url + "/sales/a.csv",
		"fileblob_dir":  "file://" + filepath.ToSlash(dir) + "/sales",
		"fileblob_glob": "file://" + filepath.ToSlash(dir) + "/sales/*.csv",
	} {
		t.Run(name, func(t *testing.T) {
			sourcetest.Run(t, sourcetest.Harness{
				New: func(t testing.TB) catalog.Table {
					last = factoryTable(t, "", map[string]any{"path": path, "batch_rows": 2}).(*csv.Table)
					return last
				},
				IOCount: func() int64 { return last.Opens() },
			})
		})
	}
}

func TestRemoteMalformed(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "bad.csv", "id\n1\n2\nnot-a-number\n")
	url := serveDir(t, dir)
	tbl, err := csv.Factory().Table(context.Background(), catalog.ProviderOptions{Path: "t", Values: map[string]any{"path": url + "/bad.csv", "columns": []any{"id BIGINT"}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	rr, err := s.Partitions()[0].Open(context.Background(), memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	for rr.Next() {
	}
	if err := rr.Err(); !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), url+"/bad.csv") {
		t.Fatalf("got %v, want ErrInvalid naming the URL", err)
	}
}
