package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/sources/sourcetest"
	"github.com/quiverdb/quiver/sources/sqlite"
)

// runSQL runs sql and returns its rows in order as canonical strings.
func runSQL(t *testing.T, e *exec.Engine, sql string, mem memory.Allocator) []string {
	t.Helper()
	ctx := context.Background()
	st, err := e.Prepare(ctx, catalog.Options{Catalog: "lite", Schema: "main"}, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	rr, err := st.Execute(ctx, mem, nil)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rr.Release()
	var bs []arrow.RecordBatch
	for rr.Next() {
		b := rr.RecordBatch()
		b.Retain()
		bs = append(bs, b)
	}
	if err := rr.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	rows := sourcetest.RowStrings(bs)
	for _, b := range bs {
		b.Release()
	}
	return rows
}

// TestPushdownMatchesEngine runs ORDER BY + LIMIT and GROUP BY queries over
// the test file (NULLs and values of the wrong storage class, which the
// provider reads as NULL) with pushdown and without, requires identical
// answers, and checks EXPLAIN for the SQL sent.
func TestPushdownMatchesEngine(t *testing.T) {
	tbl := open(t, makeFile(t, 300), sqlite.Config{PartitionRows: 40})
	c := catalog.NewCatalog("lite")
	if err := c.AddSchema("main", catalog.NewStatic(map[string]catalog.Table{"t": tbl})); err != nil {
		t.Fatal(err)
	}
	root := catalog.NewRoot()
	if err := root.Add(c); err != nil {
		t.Fatal(err)
	}
	on, off := exec.New(exec.Config{Root: root}), exec.New(exec.Config{Root: root, DisableOptimizer: true})
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	cases := []struct {
		sql     string
		ordered bool
		explain string // "" = no ORDER BY / GROUP BY may reach SQLite
	}{
		{"SELECT id, n FROM t ORDER BY n, id LIMIT 20", true, `NULLS FIRST, (CASE WHEN typeof(\"id\")='integer' THEN \"id\" END) NULLS FIRST LIMIT 20`},
		{"SELECT id, n FROM t ORDER BY n DESC, id DESC LIMIT 7 OFFSET 3", true, "DESC NULLS LAST LIMIT 10"},
		{"SELECT id, amount, day FROM t WHERE id > 30 ORDER BY amount DESC, day, id LIMIT 15", true, "ORDER BY"},
		{"SELECT id, at, ok FROM t ORDER BY ok DESC, at, id LIMIT 33", true, "ORDER BY"},
		{"SELECT id, name FROM t ORDER BY name, id LIMIT 10", true, ""},   // string: collation
		{"SELECT id, price FROM t ORDER BY price, id LIMIT 10", true, ""}, // decimal stored as REAL
		{"SELECT n, count(*), count(day), sum(id), min(at), max(amount), avg(amount), sum(amount) FROM t GROUP BY n", false, "GROUP BY"},
		{"SELECT ok, day, count(DISTINCT n), max(day) FROM t WHERE id < 250 GROUP BY ok, day", false, "GROUP BY"},
		{"SELECT ok, min(ok) FROM t GROUP BY ok", false, ""}, // MIN(bool) is BIGINT 1/0 in the engine
		{"SELECT count(*), sum(n), max(id), min(day) FROM t WHERE id > 10", false, "count(*)"},
		{"SELECT DISTINCT n FROM t", false, "GROUP BY"},
		{"SELECT day, count(*) AS c, sum(id) AS s FROM t GROUP BY day ORDER BY c DESC, s LIMIT 6", true, "ORDER BY count(*) DESC NULLS LAST, (sum("},
		{"SELECT n, avg(id) FROM t GROUP BY n", false, ""},    // AVG of integers is a DECIMAL: engine
		{"SELECT count(*) FROM t GROUP BY name", false, ""},   // string key (the engine's collation groups n3 with N3)
		{"SELECT n, sum(price) FROM t GROUP BY n", false, ""}, // decimal
	}
	for _, c := range cases {
		got := runSQL(t, on, c.sql, mem)
		want := runSQL(t, off, c.sql, mem)
		if !c.ordered {
			sort.Strings(got)
			sort.Strings(want)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") || len(want) == 0 {
			t.Errorf("%s: pushed and engine answers differ\n pushed: %v\n engine: %v", c.sql, got, want)
		}
		lines := runSQL(t, on, "EXPLAIN "+c.sql, mem)
		for i, l := range lines {
			if u, err := strconv.Unquote(l); err == nil {
				lines[i] = u
			}
		}
		plan := strings.Join(lines, "\n")
		pushed := strings.Contains(plan, "ORDER BY") || strings.Contains(plan, "GROUP BY")
		switch {
		case c.explain == "" && pushed:
			t.Errorf("%s: nothing should be pushed, but EXPLAIN says\n%s", c.sql, plan)
		case c.explain != "" && !strings.Contains(plan, c.explain):
			t.Errorf("%s: EXPLAIN lacks %s\n%s", c.sql, c.explain, plan)
		}
		if strings.Contains(plan, "GROUP BY") && strings.Contains(plan, "HashAggregate") {
			t.Errorf("%s: aggregate pushed but the engine aggregates too\n%s", c.sql, plan)
		}
	}
}

// TestPushedPartitionsAreNotEncoded: the partition codec describes plain
// scans only; a pushed TopN or aggregate refuses to be shipped rather than
// being re-planned as something else.
func TestPushedPartitionsAreNotEncoded(t *testing.T) {
	tbl := open(t, makeFile(t, 20), sqlite.Config{})
	top, ok, err := tbl.PushTopN(catalog.TopNRequest{Keys: []catalog.SortKey{{Column: 0, NullsFirst: true}}, Limit: 3})
	if err != nil || !ok {
		t.Fatalf("PushTopN: ok=%v err=%v", ok, err)
	}
	sc, err := top.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tbl.EncodePartition(sc.Partitions()[0]); err == nil {
		t.Fatal("encoding a pushed TopN partition must fail")
	}
	if d := sc.(interface{ Describe() string }).Describe(); !strings.Contains(d, "ORDER BY") || !strings.Contains(d, "LIMIT 3") {
		t.Fatalf("Describe: %s", d)
	}
}

// TestIntegerSumBeyond64Bits: SQLite's sum() stops at 64 bits; the pushed
// SUM (two partial sums) is exact like the engine's, and orders exactly.
func TestIntegerSumBeyond64Bits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE big (g INTEGER, v INTEGER)",
		"INSERT INTO big VALUES (1, 9223372036854775807), (1, 9223372036854775807), (1, 9223372036854775807), (1, -5)",
		"INSERT INTO big VALUES (2, -9223372036854775808), (2, -9223372036854775808), (2, NULL), (3, NULL)",
		"INSERT INTO big VALUES (4, 4294967295), (4, 4294967296), (5, -1), (5, -4294967296), (6, 1)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	tbl, err := sqlite.OpenTable(context.Background(), sqlite.Config{Path: path}, "big")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	c := catalog.NewCatalog("lite")
	if err := c.AddSchema("main", catalog.NewStatic(map[string]catalog.Table{"big": tbl})); err != nil {
		t.Fatal(err)
	}
	root := catalog.NewRoot()
	if err := root.Add(c); err != nil {
		t.Fatal(err)
	}
	on, off := exec.New(exec.Config{Root: root}), exec.New(exec.Config{Root: root, DisableOptimizer: true})
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, q := range []string{
		"SELECT g, sum(v) FROM big GROUP BY g ORDER BY g",
		"SELECT g, sum(v) AS s FROM big GROUP BY g ORDER BY s DESC, g LIMIT 4",
		"SELECT g, sum(v) AS s FROM big GROUP BY g ORDER BY s, g LIMIT 4",
		"SELECT sum(v) FROM big",
	} {
		got, want := runSQL(t, on, q, mem), runSQL(t, off, q, mem)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\n pushed %v\n engine %v", q, got, want)
		}
	}
	if got := runSQL(t, on, "SELECT sum(v) FROM big WHERE g = 1", mem); len(got) != 1 || got[0] != "27670116110564327416" {
		t.Errorf("sum beyond 64 bits: %v", got)
	}
}
