// Package pushtest holds test helpers shared by the SQL providers'
// pushdown tests (postgres, sqlite, flightsql): running a query through an
// engine and comparing answers with and without the optimizer's pushdown.
package pushtest

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

// Engines mounts schema s as catalogName.schemaName in a new root and
// returns an engine with the optimizer (on) and one without (off: the
// engine does all the work).
func Engines(t testing.TB, catalogName, schemaName string, s catalog.Schema) (on, off *exec.Engine) {
	t.Helper()
	c := catalog.NewCatalog(catalogName)
	if err := c.AddSchema(schemaName, s); err != nil {
		t.Fatal(err)
	}
	root := catalog.NewRoot()
	if err := root.Add(c); err != nil {
		t.Fatal(err)
	}
	return exec.New(exec.Config{Root: root}), exec.New(exec.Config{Root: root, DisableOptimizer: true})
}

// Query runs sql with the default catalog and schema of opts and returns
// its rows in order as canonical strings (sourcetest.RowStrings). Any
// error fails the test. Every batch is released before it returns.
func Query(t testing.TB, e *exec.Engine, opts catalog.Options, sql string, mem memory.Allocator) []string {
	t.Helper()
	ctx := context.Background()
	st, err := e.Prepare(ctx, opts, sql)
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
		for _, b := range bs {
			b.Release()
		}
		t.Fatalf("%s: %v", sql, err)
	}
	rows := sourcetest.RowStrings(bs)
	for _, b := range bs {
		b.Release()
	}
	return rows
}

// Case is one query of a pushdown comparison.
type Case struct {
	// SQL is the query.
	SQL string
	// Ordered compares the answers in order (else as multisets).
	Ordered bool
	// Explain must appear in the optimized EXPLAIN; "" means no ORDER BY or
	// GROUP BY may reach the source (unless Either).
	Explain string
	// Either: the source may or may not take it.
	Either bool
}

// Check runs every case with pushdown (on) and without (off), requires the
// same, non-empty answers, checks EXPLAIN for what went to the source, and
// that a pushed GROUP BY is not aggregated again by the engine.
func Check(t testing.TB, on, off *exec.Engine, opts catalog.Options, cases []Case, mem memory.Allocator) {
	t.Helper()
	for _, c := range cases {
		got := Query(t, on, opts, c.SQL, mem)
		want := Query(t, off, opts, c.SQL, mem)
		if !c.Ordered {
			sort.Strings(got)
			sort.Strings(want)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") || len(want) == 0 {
			t.Errorf("%s: pushed and engine answers differ (or are empty)\n pushed: %s\n engine: %s", c.SQL, clip(got), clip(want))
		}
		plan := Explain(t, on, opts, c.SQL, mem)
		pushed := strings.Contains(plan, "ORDER BY") || strings.Contains(plan, "GROUP BY")
		switch {
		case c.Explain == "" && pushed && !c.Either:
			t.Errorf("%s: nothing should be pushed, but EXPLAIN says\n%s", c.SQL, plan)
		case c.Explain != "" && !strings.Contains(plan, c.Explain):
			t.Errorf("%s: EXPLAIN lacks %s\n%s", c.SQL, c.Explain, plan)
		}
		if strings.Contains(plan, "GROUP BY") && strings.Contains(plan, "HashAggregate") {
			t.Errorf("%s: aggregate pushed but the engine aggregates too\n%s", c.SQL, plan)
		}
	}
}

// Explain returns the EXPLAIN lines of sql (sql may start with ANALYZE),
// unquoted where they are quoted, joined by newlines.
func Explain(t testing.TB, e *exec.Engine, opts catalog.Options, sql string, mem memory.Allocator) string {
	t.Helper()
	rows := Query(t, e, opts, "EXPLAIN "+sql, mem)
	for i, r := range rows {
		if u, err := strconv.Unquote(r); err == nil {
			rows[i] = u
		}
	}
	return strings.Join(rows, "\n")
}

func clip(rs []string) string {
	if len(rs) > 6 {
		return strings.Join(rs[:6], "; ") + fmt.Sprintf("; ... (%d rows)", len(rs))
	}
	return strings.Join(rs, "; ")
}
