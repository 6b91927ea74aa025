package ipc_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	arrowipc "github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/fsys"
	"github.com/quiverdb/quiver/sources/ipc"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var schema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

// writeArrow writes rows [from, to) in batches of 3, as the file format
// (stream=false) or the stream format.
func writeArrow(t testing.TB, path string, from, to int, stream bool) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	mem := memory.NewGoAllocator()
	var w interface {
		Write(arrow.RecordBatch) error
		Close() error
	}
	if stream {
		w = arrowipc.NewWriter(&buf, arrowipc.WithSchema(schema), arrowipc.WithAllocator(mem))
	} else {
		fw, err := arrowipc.NewFileWriter(&buf, arrowipc.WithSchema(schema), arrowipc.WithAllocator(mem))
		if err != nil {
			t.Fatal(err)
		}
		w = fw
	}
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for r := from; r < to; r++ {
		b.Field(0).(*array.Int64Builder).Append(int64(r))
		if r%4 == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append("n" + string(rune('a'+r%26)))
		}
		b.Field(2).(*array.Float64Builder).Append(float64(r) / 4)
		if (r-from)%3 == 2 || r == to-1 {
			rec := b.NewRecordBatch()
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
			rec.Release()
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func factory(t testing.TB, base string, values map[string]any) (*ipc.Table, error) {
	tbl, err := ipc.Factory().Table(context.Background(), catalog.ProviderOptions{Path: "tables.t", BaseDir: base, Values: values})
	if err != nil {
		return nil, err
	}
	return tbl.(*ipc.Table), nil
}

func serve(t testing.TB, dir string) string {
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

func TestConformance(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, filepath.Join(dir, "data/a.arrow"), 0, 10, false)
	writeArrow(t, filepath.Join(dir, "data/b.arrows"), 10, 17, true)
	writeArrow(t, filepath.Join(dir, "hive/year=2023/a.feather"), 0, 5, false)
	writeArrow(t, filepath.Join(dir, "hive/year=2024/a.feather"), 5, 9, false)
	url := serve(t, dir)
	for name, path := range map[string]string{
		"local":    "data",
		"glob":     "data/*.arrow",
		"http":     url + "/data/a.arrow",
		"fileblob": "file://" + filepath.ToSlash(dir) + "/data/",
		"hive":     "hive",
	} {
		t.Run(name, func(t *testing.T) {
			var last *ipc.Table
			first, err := factory(t, dir, map[string]any{"path": path})
			if err != nil {
				t.Fatal(err)
			}
			s := first.Schema()
			filters := []expr.Expr{sourcetest.Cmp(s, "id", expr.OpGt, int64(3))}
			if name == "hive" {
				filters = append(filters, sourcetest.Cmp(s, "year", expr.OpEq, int64(2024)))
			}
			sourcetest.Run(t, sourcetest.Harness{
				New: func(t testing.TB) catalog.Table {
					tbl, err := factory(t, dir, map[string]any{"path": path})
					if err != nil {
						t.Fatal(err)
					}
					last = tbl
					return tbl
				},
				IOCount: func() int64 { return last.Opens() },
				Filters: filters,
			})
		})
	}
}

func TestValuesAndHivePruning(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	writeArrow(t, filepath.Join(dir, "hive/year=2023/a.arrow"), 0, 5, false)
	writeArrow(t, filepath.Join(dir, "hive/year=2024/a.arrow"), 5, 9, true)
	tbl, err := factory(t, dir, map[string]any{"path": "hive"})
	if err != nil {
		t.Fatal(err)
	}
	f := sourcetest.Cmp(tbl.Schema(), "year", expr.OpEq, int64(2024))
	req := catalog.ScanRequest{Limit: -1, Filters: []expr.Expr{f}, Projection: []int{3, 0}}
	s, err := tbl.Scan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if d := s.(interface{ Describe() string }).Describe(); d != "files=1/2" {
		t.Fatal(d)
	}
	rows := sourcetest.ReadRows(t, tbl, req, mem)
	if got := strings.Join(rows, ";"); got != "2024 | 5;2024 | 6;2024 | 7;2024 | 8" {
		t.Fatal(got)
	}
}

func TestMalformed(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.arrow")
	writeArrow(t, good, 0, 10, false)
	data, _ := os.ReadFile(good)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A schema message whose fields vector claims 2^31 entries.
	forged := bytes.Clone(data)
	i := bytes.Index(forged[8:], []byte{0xFF, 0xFF, 0xFF, 0xFF}) + 8
	meta := forged[i+8:]
	// find the fields vector: its length is 3 (uint32) followed by 3 offsets
	j := bytes.Index(meta, []byte{3, 0, 0, 0})
	for j >= 0 && j+16 <= len(meta) {
		binary.LittleEndian.PutUint32(meta[j:], 1<<31)
		break
	}
	url := serve(t, dir)
	for name, b := range map[string][]byte{
		"garbage.arrow":   []byte("this is not arrow at all"),
		"truncated.arrow": data[:len(data)/2],
		"forged.arrow":    forged,
		"empty.arrow":     nil,
	} {
		p := write(name, b)
		for _, loc := range []string{p, url + "/" + name} {
			tbl, err := factory(t, "", map[string]any{"path": loc})
			if err == nil {
				// the schema may be intact (truncated body): reading fails
				err = readAll(t, tbl)
			}
			if name == "forged.arrow" && !strings.Contains(fmtErr(err), "declares") {
				t.Errorf("forged: %v", err)
			}
			if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), loc) {
				t.Errorf("%s: got %v, want ErrInvalid naming %s", name, err, loc)
			}
		}
	}
	_, err := factory(t, "", map[string]any{"path": good, "max_batch_bytes": 8})
	if err == nil {
		tbl, _ := factory(t, "", map[string]any{"path": good, "max_batch_bytes": 8})
		err = readAll(t, tbl)
	}
	if !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("body limit: %v", err)
	}
}

func readAll(t testing.TB, tbl *ipc.Table) error {
	s, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	if err != nil {
		return err
	}
	for _, p := range s.Partitions() {
		rr, err := p.Open(context.Background(), memory.DefaultAllocator)
		if err != nil {
			return err
		}
		for rr.Next() {
		}
		err = rr.Err()
		rr.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
