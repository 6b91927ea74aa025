package jsonl_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/jsonl"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func write(t testing.TB, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const events1 = `{"id": 1, "user": "ann", "score": 1.5, "ok": true, "day": "2024-01-01", "tags": ["a", "b"]}
{"id": 2, "user": "bob", "score": 2, "ok": false}

{"user": null, "id": 3, "score": null, "extra": {"x": 1}, "tags": {"k": "v"}}
`
const events2 = `{"id": 4, "user": "cy", "score": -0.25, "ok": true, "day": "2024-02-02"}
{"id": 5}
`

func eventsDir(t testing.TB) string {
	dir := t.TempDir()
	write(t, dir, "ev/1.jsonl", events1)
	write(t, dir, "ev/2.ndjson", events2)
	return dir
}

func factoryTable(t testing.TB, dir string, values map[string]any) catalog.Table {
	t.Helper()
	tbl, err := jsonl.Factory().Table(context.Background(), catalog.ProviderOptions{Path: "tables.events", BaseDir: dir, Values: values})
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func TestConformance(t *testing.T) {
	dir := eventsDir(t)
	var last *jsonl.Table
	sourcetest.Run(t, sourcetest.Harness{
		New: func(t testing.TB) catalog.Table {
			last = factoryTable(t, dir, map[string]any{"path": "ev", "batch_rows": 2}).(*jsonl.Table)
			return last
		},
		IOCount: func() int64 { return last.Opens() },
	})
}

func TestInferenceAndValues(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl := factoryTable(t, eventsDir(t), map[string]any{"path": "ev"})
	var got []string
	for _, f := range tbl.Schema().Fields() {
		got = append(got, f.Name+" "+f.Type.String())
	}
	want := "id int64, user utf8, score float64, ok bool, day utf8, tags utf8, extra utf8"
	if strings.Join(got, ", ") != want {
		t.Fatalf("schema = %s\nwant     %s", strings.Join(got, ", "), want)
	}
	rows := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Limit: -1, Projection: []int{0, 1, 2, 5}}, mem)
	sort.Strings(rows)
	wantRows := strings.Join([]string{
		`1 | "ann" | 1.5 | "[\"a\",\"b\"]"`,
		`2 | "bob" | 2 | NULL`,
		`3 | NULL | NULL | "{\"k\":\"v\"}"`,
		`4 | "cy" | -0.25 | NULL`,
		`5 | NULL | NULL | NULL`,
	}, "\n")
	if strings.Join(rows, "\n") != wantRows {
		t.Fatalf("rows:\n%s\nwant:\n%s", strings.Join(rows, "\n"), wantRows)
	}
}

func TestMalformed(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, c := range []struct{ body, want string }{
		{`{"id": 1}` + "\n" + `{"id": 1.5}` + "\n", "line 2"},
		{`{"id": 1}` + "\n\n" + `[1,2]` + "\n", "line 3"},
		{`{"id": 1}` + "\n" + `{"id": 2` + "\n", "line 2"},
		{`{"id": 1}` + "\n" + `{"id": 2, "id": 3}` + "\n", "line 2"},
		{`{"id": 1}` + "\n" + `{"id": 2} {"id": 3}` + "\n", "line 2"},
		{`{"id": 1}` + "\n" + `{"id": {"n": 1}}` + "\n", "line 2"},
	} {
		dir := t.TempDir()
		p := write(t, dir, "bad.jsonl", c.body)
		tbl, err := jsonl.NewTable(context.Background(), "bad", jsonl.Config{Files: []string{p}, SampleRows: 1})
		if err != nil {
			t.Fatal(err)
		}
		sc, _ := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
		rr, err := sc.Partitions()[0].Open(context.Background(), mem)
		if err != nil {
			t.Fatal(err)
		}
		for rr.Next() {
		}
		err = rr.Err()
		rr.Release()
		if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v; want ErrInvalid naming %s %s", c.body, err, p, c.want)
		}
	}
}

func TestFactoryAndOpenFile(t *testing.T) {
	dir := eventsDir(t)
	_, err := jsonl.Factory().Table(context.Background(), catalog.ProviderOptions{Path: "tables.events", BaseDir: dir, Values: map[string]any{"path": "nope.jsonl"}})
	if !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "tables.events.path") {
		t.Fatalf("missing file: %v", err)
	}
	_, err = jsonl.Factory().Table(context.Background(), catalog.ProviderOptions{Path: "tables.events", BaseDir: dir, Values: map[string]any{"path": "ev", "header": true}})
	if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "tables.events.header") {
		t.Fatalf("unknown option: %v", err)
	}
	tbl := factoryTable(t, dir, map[string]any{"path": "ev/*.jsonl", "columns": []any{"id BIGINT", "day DATE"}})
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rows := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Limit: -1}, mem)
	sort.Strings(rows)
	if got := strings.Join(rows, ";"); got != "1 | 2024-01-01;2 | NULL;3 | NULL" {
		t.Fatalf("declared columns: %s", got)
	}
	ot, err := jsonl.OpenFile(context.Background(), filepath.Join(dir, "ev", "2.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ot.Schema().Fields()); n != 5 {
		t.Fatalf("OpenFile schema: %s", ot.Schema())
	}
}

// FuzzJSONL feeds arbitrary bytes through inference and reading: every
// outcome must be rows or an ErrInvalid error, never a panic (recovered
// panics surface as ErrInternal, which fails the fuzz target) or a leak.
func FuzzJSONL(f *testing.F) {
	for _, s := range []string{events1, events2, `{"a":`, `{"a":1e999}`, `{"a":[[[[1]]]]}`, "{\"a\":\"\xff\"}", `{"a":1}{"a":2}`, `null`, `{"a":9223372036854775808}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "f.jsonl")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tbl, err := jsonl.NewTable(context.Background(), "fuzz", jsonl.Config{Files: []string{p}, BatchRows: 3})
		if err != nil {
			if !errors.Is(err, errs.ErrInvalid) {
				t.Fatalf("NewTable: %v (want ErrInvalid)", err)
			}
			return
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range sc.Partitions() {
			rr, err := part.Open(context.Background(), mem)
			if err != nil {
				t.Fatal(err)
			}
			for rr.Next() {
			}
			err = rr.Err()
			rr.Release()
			if err != nil && !errors.Is(err, errs.ErrInvalid) {
				t.Fatalf("read: %v (want ErrInvalid)", err)
			}
		}
	})
}
