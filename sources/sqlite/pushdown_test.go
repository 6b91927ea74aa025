package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/sources/internal/sqlpush/pushtest"
	"github.com/quiverdb/quiver/sources/sourcetest"
	"github.com/quiverdb/quiver/sources/sqlite"
)

// liteOpts resolves unqualified names in lite.main, where the tests mount
// their tables.
var liteOpts = catalog.Options{Catalog: "lite", Schema: "main"}

// runSQL runs sql and returns its rows in order as canonical strings.
func runSQL(t *testing.T, e *exec.Engine, sql string, mem memory.Allocator) []string {
	t.Helper()
	return pushtest.Query(t, e, liteOpts, sql, mem)
}

// TestPushdownMatchesEngine runs ORDER BY + LIMIT and GROUP BY queries over
// the test file (NULLs and values of the wrong storage class, which the
// provider reads as NULL) with pushdown and without, requires identical
// answers, and checks EXPLAIN for the SQL sent.
func TestPushdownMatchesEngine(t *testing.T) {
	tbl := open(t, makeFile(t, 300), sqlite.Config{PartitionRows: 40})
	on, off := pushtest.Engines(t, "lite", "main", catalog.NewStatic(map[string]catalog.Table{"t": tbl}))
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	cases := []pushtest.Case{
		{SQL: "SELECT id, n FROM t ORDER BY n, id LIMIT 20", Ordered: true, Explain: `NULLS FIRST, (CASE WHEN typeof(\"id\")='integer' THEN \"id\" END) NULLS FIRST LIMIT 20`},
		{SQL: "SELECT id, n FROM t ORDER BY n DESC, id DESC LIMIT 7 OFFSET 3", Ordered: true, Explain: "DESC NULLS LAST LIMIT 10"},
		{SQL: "SELECT id, amount, day FROM t WHERE id > 30 ORDER BY amount DESC, day, id LIMIT 15", Ordered: true, Explain: "ORDER BY"},
		{SQL: "SELECT id, at, ok FROM t ORDER BY ok DESC, at, id LIMIT 33", Ordered: true, Explain: "ORDER BY"},
		{SQL: "SELECT id, name FROM t ORDER BY name, id LIMIT 10", Ordered: true, Explain: "END)) COLLATE quiver_utf8mb4_0900_ai_ci NULLS FIRST"}, // string: the engine's collation, registered
		{SQL: "SELECT id, price FROM t ORDER BY price, id LIMIT 10", Ordered: true},                                                               // decimal stored as REAL
		{SQL: "SELECT n, count(*), count(day), sum(id), min(at), max(amount), avg(amount), sum(amount) FROM t GROUP BY n", Explain: "GROUP BY"},
		{SQL: "SELECT ok, day, count(DISTINCT n), max(day) FROM t WHERE id < 250 GROUP BY ok, day", Explain: "GROUP BY"},
		{SQL: "SELECT ok, min(ok) FROM t GROUP BY ok"}, // MIN(bool) is BIGINT 1/0 in the engine
		{SQL: "SELECT count(*), sum(n), max(id), min(day) FROM t WHERE id > 10", Explain: "count(*)"},
		{SQL: "SELECT DISTINCT n FROM t", Explain: "GROUP BY"},
		{SQL: "SELECT day, count(*) AS c, sum(id) AS s FROM t GROUP BY day ORDER BY c DESC, s LIMIT 6", Ordered: true, Explain: "ORDER BY count(*) DESC NULLS LAST, (sum("},
		{SQL: "SELECT n, avg(id) FROM t GROUP BY n"},                              // AVG of integers is a DECIMAL: engine
		{SQL: "SELECT count(*) FROM t GROUP BY name", Explain: "GROUP BY ((CASE"}, // string key: n3 and N3 group together, as in the engine
		{SQL: "SELECT n, sum(price) FROM t GROUP BY n"},                           // decimal
	}
	pushtest.Check(t, on, off, liteOpts, cases, mem)
}

// TestPushedPartitionsRoundTrip: a pushed TopN's and a pushed aggregate's
// partitions encode as metadata and decode on another instance of the
// table into the same query; a tampered encoding is ErrInvalid.
func TestPushedPartitionsRoundTrip(t *testing.T) {
	path := makeFile(t, 50)
	tbl := open(t, path, sqlite.Config{})
	other := open(t, path, sqlite.Config{})
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	top, ok, err := tbl.PushTopN(catalog.TopNRequest{Keys: []catalog.SortKey{{Column: 0, Desc: true}}, Limit: 3})
	if err != nil || !ok {
		t.Fatalf("PushTopN: ok=%v err=%v", ok, err)
	}
	sc, err := top.Scan(context.Background(), catalog.ScanRequest{Projection: []int{1, 0}, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if d := sc.(interface{ Describe() string }).Describe(); !strings.Contains(d, "ORDER BY") || !strings.Contains(d, "LIMIT 3") {
		t.Fatalf("Describe: %s", d)
	}
	data, err := tbl.EncodePartition(sc.Partitions()[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"pushed":{"kind":"topn"`) || !strings.Contains(string(data), `"desc":true`) {
		t.Fatalf("encoding lacks the pushed TopN: %s", data)
	}
	p, err := other.DecodePartition(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	got := sourcetest.ReadPartitionRows(t, p, sc.Schema(), mem)
	want := sourcetest.ReadPartitionRows(t, sc.Partitions()[0], sc.Schema(), mem)
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) != 3 || !strings.HasSuffix(got[0], "| 50") {
		t.Fatalf("decoded TopN rows %v, want %v", got, want)
	}
	for _, bad := range []string{
		strings.Replace(string(data), `"desc":true`, `"desc":false`, 1), // another query than the SQL says
		strings.Replace(string(data), `"kind":"topn"`, `"kind":"window"`, 1),
		strings.Replace(string(data), `"v":2`, `"v":3`, 1),
		strings.Replace(string(data), `"pushed":{`, `"pushed":{"hint":1,`, 1),
		strings.Replace(string(data), `"table":`, `"extra":1,"table":`, 1),
	} {
		if _, err := other.DecodePartition(context.Background(), []byte(bad)); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("decoding %s: %v, want ErrInvalid", bad, err)
		} else if strings.Contains(bad, "hint") && !strings.Contains(err.Error(), `"hint"`) {
			t.Errorf("unknown field error does not name it: %v", err)
		}
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
	on, off := pushtest.Engines(t, "lite", "main", catalog.NewStatic(map[string]catalog.Table{"big": tbl}))
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
