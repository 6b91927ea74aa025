package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

// engines returns an engine with the optimizer and one without over the
// test schema, mounted as pg.public.
func engines(t *testing.T, s *Schema) (on, off *exec.Engine) {
	t.Helper()
	c := catalog.NewCatalog("pg")
	if err := c.AddSchema("public", s); err != nil {
		t.Fatal(err)
	}
	root := catalog.NewRoot()
	if err := root.Add(c); err != nil {
		t.Fatal(err)
	}
	return exec.New(exec.Config{Root: root}), exec.New(exec.Config{Root: root, DisableOptimizer: true})
}

// query runs sql and returns its rows in order as canonical strings.
func query(t *testing.T, e *exec.Engine, sql string, mem memory.Allocator) []string {
	t.Helper()
	ctx := context.Background()
	st, err := e.Prepare(ctx, catalog.Options{Catalog: "pg", Schema: "public"}, sql)
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

	cases := []struct {
		sql     string
		ordered bool   // compare in order (else as multisets)
		explain string // must appear in EXPLAIN ("" = nothing pushed: no ORDER BY / GROUP BY in the SQL)
	}{
		{"SELECT id, g FROM " + name + " ORDER BY g, id LIMIT 25", true, `ORDER BY \"g\" NULLS FIRST, \"id\" NULLS FIRST LIMIT 25`},
		{"SELECT id, g FROM " + name + " ORDER BY g DESC, id DESC LIMIT 10 OFFSET 5", true, `ORDER BY \"g\" DESC NULLS LAST, \"id\" DESC NULLS LAST LIMIT 15`},
		{"SELECT id, f FROM " + name + " ORDER BY f, id LIMIT 30", true, `(\"f\" = 'NaN'::float8) DESC NULLS FIRST`},
		{"SELECT id, f FROM " + name + " ORDER BY f DESC, id LIMIT 30", true, `(\"f\" = 'NaN'::float8) NULLS LAST`},
		{"SELECT id, d, day FROM " + name + " WHERE g > 2 ORDER BY day DESC, d, id LIMIT 12", true, "ORDER BY"},
		{"SELECT id, ok FROM " + name + " ORDER BY ok, id LIMIT 40", true, "ORDER BY"},
		{"SELECT id, s FROM " + name + " ORDER BY s, id LIMIT 20", true, ""}, // strings: collation
		{"SELECT g, count(*), count(f), sum(id), avg(id), min(day), max(d) FROM " + name + " GROUP BY g", false, `GROUP BY \"g\"`},
		{"SELECT count(*), sum(g), avg(g), sum(d), avg(d), avg(f), sum(f), min(id), max(id) FROM " + name + " WHERE id > 100", false, "count(*)"},
		{"SELECT ok, day, count(DISTINCT g), count(*) FROM " + name + " WHERE id <= 600 GROUP BY ok, day", false, `GROUP BY \"ok\", \"day\"`},
		{"SELECT g, count(*) AS n FROM " + name + " GROUP BY g HAVING count(*) > 60", false, "GROUP BY"},
		{"SELECT DISTINCT g FROM " + name, false, `GROUP BY \"g\"`},
		{"SELECT g, count(*) AS n, sum(id) FROM " + name + " GROUP BY g ORDER BY n DESC, g LIMIT 4", true, `GROUP BY \"g\" ORDER BY count(*) DESC NULLS LAST, \"g\" NULLS FIRST LIMIT 4`},
		{"SELECT day, avg(f) AS a FROM " + name + " GROUP BY day ORDER BY a, day LIMIT 5", true, `ORDER BY (avg(CAST(\"f\" AS float8)) = 'NaN'::float8) DESC NULLS FIRST`},
		{"SELECT s, count(*) FROM " + name + " GROUP BY s", false, ""},         // string key
		{"SELECT g, max(f) FROM " + name + " GROUP BY g", false, ""},           // NaN is PostgreSQL's max
		{"SELECT count(*) FROM " + name + " WHERE id > 690", false, ""},        // ok either way
		{"SELECT g + 1, count(*) FROM " + name + " GROUP BY g + 1", false, ""}, // computed key
	}
	for _, c := range cases {
		got := query(t, on, c.sql, mem)
		want := query(t, off, c.sql, mem)
		if !c.ordered {
			got, want = sorted(got), sorted(want)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: pushed and engine answers differ\n pushed: %v\n engine: %v", c.sql, clipRows(got), clipRows(want))
		}
		plan := explain(t, on, c.sql, mem)
		switch {
		case c.explain == "" && (strings.Contains(plan, "ORDER BY") || strings.Contains(plan, "GROUP BY")) && !strings.Contains(c.sql, "count(*) FROM "+name+" WHERE"):
			t.Errorf("%s: nothing should be pushed, but EXPLAIN says\n%s", c.sql, plan)
		case c.explain != "" && !strings.Contains(plan, c.explain):
			t.Errorf("%s: EXPLAIN lacks %s\n%s", c.sql, c.explain, plan)
		}
		if strings.Contains(c.sql, "GROUP BY") && strings.Contains(plan, "GROUP BY") && strings.Contains(plan, "HashAggregate") {
			t.Errorf("%s: aggregate pushed but the engine aggregates too\n%s", c.sql, plan)
		}
	}
}

// explain returns the EXPLAIN lines of sql, unquoted.
func explain(t *testing.T, e *exec.Engine, sql string, mem memory.Allocator) string {
	t.Helper()
	rows := query(t, e, "EXPLAIN "+sql, mem)
	for i, r := range rows {
		u, err := strconv.Unquote(r)
		if err != nil {
			t.Fatalf("EXPLAIN row %s: %v", r, err)
		}
		rows[i] = u
	}
	return strings.Join(rows, "\n")
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

func clipRows(rs []string) string {
	if len(rs) > 6 {
		return strings.Join(rs[:6], "; ") + fmt.Sprintf("; ... (%d rows)", len(rs))
	}
	return strings.Join(rs, "; ")
}
