package csv_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/csv"
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

const sales1 = "\xEF\xBB\xBFid,region,amount,day,paid\n1,north,10.5,2024-01-01,true\n2,south,,2024-01-02,false\n3,\"we,st\",7,2024-01-03,\n"
const sales2 = "id,region,amount,day,paid\n4,north,1e3,2024-02-01,true\n5,,2.25,2024-02-02,false\n"
const sales3 = "id,region,amount,day,paid\n"

func salesDir(t testing.TB) string {
	dir := t.TempDir()
	write(t, dir, "sales/a.csv", sales1)
	write(t, dir, "sales/b.csv", sales2)
	write(t, dir, "sales/c.csv", sales3)
	write(t, dir, "sales/notes.txt", "not a csv")
	return dir
}

func factoryTable(t testing.TB, dir string, values map[string]any) catalog.Table {
	t.Helper()
	tbl, err := csv.Factory().Table(context.Background(), catalog.ProviderOptions{Path: "catalogs.demo.schemas.public.tables.sales", BaseDir: dir, Values: values})
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func TestConformance(t *testing.T) {
	dir := salesDir(t)
	var last *csv.Table
	for _, path := range []string{"sales", "sales/*.csv"} {
		t.Run(strings.ReplaceAll(path, "/", "_"), func(t *testing.T) {
			sourcetest.Run(t, sourcetest.Harness{
				New: func(t testing.TB) catalog.Table {
					last = factoryTable(t, dir, map[string]any{"path": path, "batch_rows": 2}).(*csv.Table)
					return last
				},
				IOCount: func() int64 { return last.Opens() },
			})
		})
	}
}

func TestInferenceAndValues(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := salesDir(t)
	tbl := factoryTable(t, dir, map[string]any{"path": "sales"})
	want := "schema:\n  fields: 5\n    - id: type=int64, nullable\n    - region: type=utf8, nullable\n    - amount: type=float64, nullable\n    - day: type=date32, nullable\n    - paid: type=bool, nullable"
	if got := tbl.Schema().String(); got != want {
		t.Fatalf("inferred schema:\n%s\nwant:\n%s", got, want)
	}
	rows := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Limit: -1, Projection: []int{0, 1, 2, 4}}, mem)
	got := strings.Join(sortStrings(rows), "\n")
	wantRows := strings.Join([]string{
		`1 | "north" | 10.5 | true`,
		`2 | "south" | NULL | false`,
		`3 | "we,st" | 7 | NULL`,
		`4 | "north" | 1000 | true`,
		`5 | NULL | 2.25 | false`,
	}, "\n")
	if got != wantRows {
		t.Fatalf("rows:\n%s\nwant:\n%s", got, wantRows)
	}
}

func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestMalformedFileNamesFileAndLine(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	write(t, dir, "a.csv", "id,v\n1,2\n2,3\n")
	bad := write(t, dir, "b.csv", "id,v\n1,2\nx,3\n")
	short := write(t, dir, "c.csv", "id,v\n1,2\n3\n")
	tbl := factoryTable(t, dir, map[string]any{"path": "*.csv"})
	sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range sc.Partitions() {
		rr, err := p.Open(context.Background(), mem)
		if err != nil {
			t.Fatal(err)
		}
		for rr.Next() {
		}
		err = rr.Err()
		rr.Release()
		switch i {
		case 0:
			if err != nil {
				t.Errorf("a.csv: %v", err)
			}
		case 1:
			if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "line 3") {
				t.Errorf("b.csv: %v; want ErrInvalid naming %s line 3", err, bad)
			}
		case 2:
			if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), short) || !strings.Contains(err.Error(), "line 3") {
				t.Errorf("c.csv: %v; want ErrInvalid naming %s line 3", err, short)
			}
		}
	}
}

func TestHeaderMismatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	write(t, dir, "a.csv", "id,v\n1,2\n")
	write(t, dir, "b.csv", "id,w\n1,2\n")
	tbl := factoryTable(t, dir, map[string]any{"path": "."})
	sc, _ := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	rr, err := sc.Partitions()[1].Open(context.Background(), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	if rr.Next() || !errors.Is(rr.Err(), errs.ErrInvalid) {
		t.Fatalf("header mismatch: %v, want ErrInvalid", rr.Err())
	}
}

func TestFactoryErrors(t *testing.T) {
	dir := salesDir(t)
	for _, c := range []struct {
		values map[string]any
		kind   error
		want   string
	}{
		{map[string]any{}, errs.ErrInvalid, ".sales.path"},
		{map[string]any{"path": "missing.csv"}, errs.ErrNotFound, "tables.sales.path"},
		{map[string]any{"path": "nothing/*.csv"}, errs.ErrNotFound, "tables.sales.path"},
		{map[string]any{"path": "sales", "delimiter": ";;"}, errs.ErrInvalid, ".sales.delimiter"},
		{map[string]any{"path": "sales", "header": "maybe"}, errs.ErrInvalid, ".sales.header"},
		{map[string]any{"path": "sales", "colums": []any{"id BIGINT"}}, errs.ErrInvalid, ".sales.colums"},
		{map[string]any{"path": "sales", "columns": []any{"id WIDGET"}}, errs.ErrInvalid, ".sales.columns[0]"},
		{map[string]any{"path": "sales", "batch_rows": -3}, errs.ErrInvalid, ".sales.batch_rows"},
	} {
		_, err := csv.Factory().Table(context.Background(), catalog.ProviderOptions{Path: "catalogs.demo.schemas.public.tables.sales", BaseDir: dir, Values: c.values})
		if !errors.Is(err, c.kind) || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("options %v: %v; want %v naming %s", c.values, err, c.kind, c.want)
		}
	}
}

func TestExplicitColumnsAndTSV(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	write(t, dir, "t.tsv", "1\t12.50\t2024-03-04 05:06:07\n2\t\\N\t2024-03-05 00:00:00\n")
	tbl := factoryTable(t, dir, map[string]any{
		"path": "t.tsv", "header": false, "delimiter": `\t`,
		"columns": []any{"id INT", "amount DECIMAL(10,2)", "at TIMESTAMP"},
	})
	if tp := tbl.Schema().Field(1).Type; !arrow.TypeEqual(tp, &arrow.Decimal128Type{Precision: 10, Scale: 2}) {
		t.Fatalf("amount type = %s", tp)
	}
	rows := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Limit: -1}, mem)
	got := strings.Join(sortStrings(rows), "\n")
	want := "1 | 12.5 | 2024-03-04T05:06:07\n2 | NULL | 2024-03-05T00:00:00"
	if got != want {
		t.Fatalf("rows:\n%s\nwant:\n%s", got, want)
	}
	ot, err := csv.OpenFile(context.Background(), filepath.Join(dir, "t.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ot.Schema().Fields()); n != 3 {
		t.Fatalf("OpenFile(tsv) schema has %d columns, want 3 (tab-separated)", n)
	}
}

// FuzzCSV feeds arbitrary bytes through inference and reading: every
// outcome must be rows or an ErrInvalid error, never a panic (recovered
// panics surface as ErrInternal, which fails the fuzz target) or a leak.
func FuzzCSV(f *testing.F) {
	for _, s := range []string{sales1, sales2, "a,b\n1,\"x\n", "\"\n", "a\n\xff\xfe\n", "x,y\n1,2,3\n", ",,\n,,\n", "a;b\n1;2\n"} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, header bool) {
		dir := t.TempDir()
		p := filepath.Join(dir, "f.csv")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tbl, err := csv.NewTable(context.Background(), "fuzz", csv.Config{Files: []string{p}, Header: header, BatchRows: 3})
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
