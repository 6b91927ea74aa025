package postgres

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/sources/internal/sqlpush/pushtest"
)

// pgOpts resolves unqualified names in pg.public, where engines mounts the
// test schema.
var pgOpts = catalog.Options{Catalog: "pg", Schema: "public"}

// engines returns an engine with the optimizer and one without over the
// test schema, mounted as pg.public.
func engines(t *testing.T, s *Schema) (on, off *exec.Engine) {
	t.Helper()
	return pushtest.Engines(t, "pg", "public", s)
}

// query runs sql and returns its rows in order as canonical strings.
func query(t *testing.T, e *exec.Engine, sql string, mem memory.Allocator) []string {
	t.Helper()
	return pushtest.Query(t, e, pgOpts, sql, mem)
}

// TestPushdownMatchesEngine runs ORDER BY + LIMIT and GROUP BY queries over
// NULL-heavy data with pushdown (optimizer on) and without (the engine
// does everything), requires identical answers, and checks in EXPLAIN
// that the work went to PostgreSQL, or stayed in the engine where it must.
func TestPushdownMatchesEngine(t *testing.T) {
	s := openSchema(t, testConfig())
	name := uniqueName("nulls")
	q := quoteIdent(name)
	execSQL(t, s, `CREATE TABLE `+q+` (id int8 NOT NULL, g int4, f float8, d numeric(10,3), day date, ok bool, s text)`)
	execSQL(t, s, fmt.Sprintf(`INSERT INTO %s SELECT i,
		CASE WHEN i %% 3 = 0 THEN NULL ELSE i %% 7 END,
		CASE WHEN i %% 5 = 0 THEN NULL WHEN i %% 17 = 0 THEN 'NaN'::float8 ELSE (i %% 13) * 0.5 - 2 END,
		CASE WHEN i %% 4 = 0 THEN NULL ELSE (i * 7 %% 1000) / 3.0 END,
		CASE WHEN i %% 6 = 0 THEN NULL ELSE date '2024-01-01' + i %% 9 END,
		CASE WHEN i %% 2 = 0 THEN NULL ELSE i %% 3 = 1 END,
		CASE WHEN i %% 8 = 0 THEN NULL WHEN i %% 2 = 0 THEN 'B' || i %% 5 ELSE 'a' || i %% 5 END
		FROM generate_series(1, 700) i`, q))
	t.Cleanup(func() { execSQL(t, s, "DROP TABLE IF EXISTS "+q) })
	on, off := engines(t, s)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	cases := []pushtest.Case{
		{SQL: "SELECT id, g FROM " + name + " ORDER BY g, id LIMIT 25", Ordered: true, Explain: `ORDER BY \"g\" NULLS FIRST, \"id\" NULLS FIRST LIMIT 25`},
		{SQL: "SELECT id, g FROM " + name + " ORDER BY g DESC, id DESC LIMIT 10 OFFSET 5", Ordered: true, Explain: `ORDER BY \"g\" DESC NULLS LAST, \"id\" DESC NULLS LAST LIMIT 15`},
		{SQL: "SELECT id, f FROM " + name + " ORDER BY f, id LIMIT 30", Ordered: true, Explain: `(\"f\" = 'NaN'::float8) DESC NULLS FIRST`},
		{SQL: "SELECT id, f FROM " + name + " ORDER BY f DESC, id LIMIT 30", Ordered: true, Explain: `(\"f\" = 'NaN'::float8) NULLS LAST`},
		{SQL: "SELECT id, d, day FROM " + name + " WHERE g > 2 ORDER BY day DESC, d, id LIMIT 12", Ordered: true, Explain: "ORDER BY"},
		{SQL: "SELECT id, ok FROM " + name + " ORDER BY ok, id LIMIT 40", Ordered: true, Explain: "ORDER BY"},
		{SQL: "SELECT id, s FROM " + name + " ORDER BY s, id LIMIT 20", Ordered: true}, // strings: collation
		{SQL: "SELECT g, count(*), count(f), sum(id), avg(id), min(day), max(d) FROM " + name + " GROUP BY g", Explain: `GROUP BY \"g\"`},
		{SQL: "SELECT count(*), sum(g), avg(g), sum(d), avg(d), avg(f), sum(f), min(id), max(id) FROM " + name + " WHERE id > 100", Explain: "count(*)"},
		{SQL: "SELECT ok, day, count(DISTINCT g), count(*) FROM " + name + " WHERE id <= 600 GROUP BY ok, day", Explain: `GROUP BY \"ok\", \"day\"`},
		{SQL: "SELECT g, count(*) AS n FROM " + name + " GROUP BY g HAVING count(*) > 60", Explain: "GROUP BY"},
		{SQL: "SELECT DISTINCT g FROM " + name, Explain: `GROUP BY \"g\"`},
		{SQL: "SELECT g, count(*) AS n, sum(id) FROM " + name + " GROUP BY g ORDER BY n DESC, g LIMIT 4", Ordered: true, Explain: `GROUP BY \"g\" ORDER BY count(*) DESC NULLS LAST, \"g\" NULLS FIRST LIMIT 4`},
		{SQL: "SELECT day, avg(f) AS a FROM " + name + " GROUP BY day ORDER BY a, day LIMIT 5", Ordered: true, Explain: `ORDER BY (avg(CAST(\"f\" AS float8)) = 'NaN'::float8) DESC NULLS FIRST`},
		{SQL: "SELECT s, count(*) FROM " + name + " GROUP BY s"},                // string key
		{SQL: "SELECT g, max(f) FROM " + name + " GROUP BY g"},                  // NaN is PostgreSQL's max
		{SQL: "SELECT count(*) FROM " + name + " WHERE id > 690", Either: true}, // ok either way
		{SQL: "SELECT g + 1, count(*) FROM " + name + " GROUP BY g + 1"},        // computed key
	}
	pushtest.Check(t, on, off, pgOpts, cases, mem)
}

// explain returns the EXPLAIN lines of sql, unquoted.
func explain(t *testing.T, e *exec.Engine, sql string, mem memory.Allocator) string {
	t.Helper()
	return pushtest.Explain(t, e, pgOpts, sql, mem)
}

// TestPushdownTransfersLess proves the point of the pushdown with EXPLAIN
// ANALYZE: the scan of a pushed TopN returns N rows and the scan of a
// pushed aggregate one per group, where the engine alone reads the table.
func TestPushdownTransfersLess(t *testing.T) {
	s := openSchema(t, testConfig())
	name := uniqueName("transfer")
	q := quoteIdent(name)
	execSQL(t, s, `CREATE TABLE `+q+` AS SELECT i AS id, i % 5 AS g FROM generate_series(1, 5000) i`)
	t.Cleanup(func() { execSQL(t, s, "DROP TABLE IF EXISTS "+q) })
	on, off := engines(t, s)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	scanRows := func(e *exec.Engine, sql string) string {
		for _, l := range strings.Split(explain(t, e, "ANALYZE "+sql, mem), "\n") {
			if strings.Contains(l, "ScanExec") {
				if i := strings.Index(l, "rows="); i >= 0 {
					return strings.Fields(l[i:])[0]
				}
			}
		}
		t.Fatalf("%s: no ScanExec rows in EXPLAIN ANALYZE", sql)
		return ""
	}
	for _, c := range []struct{ sql, pushed, engine string }{
		{"SELECT id FROM " + name + " ORDER BY id DESC LIMIT 10", "rows=10", "rows=5000"},
		{"SELECT g, count(*), sum(id) FROM " + name + " GROUP BY g", "rows=5", "rows=5000"},
		{"SELECT g, count(*) FROM " + name + " WHERE id > 100 GROUP BY g ORDER BY count(*) DESC, g LIMIT 2", "rows=2", "rows=5000"},
	} {
		if got := scanRows(on, c.sql); got != c.pushed {
			t.Errorf("%s: pushed scan %s, want %s", c.sql, got, c.pushed)
		}
		if got := scanRows(off, c.sql); got != c.engine {
			t.Errorf("%s: engine scan %s, want %s", c.sql, got, c.engine)
		}
	}
}
