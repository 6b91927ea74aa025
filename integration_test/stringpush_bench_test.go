package integration_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/sqlite"
)

// The issue-5 string-pushdown proof: a selective string equality on a
// SQLite table, with the sqlite provider pushing it under its registered
// engine collation (`name COLLATE quiver_utf8mb4_0900_ai_ci = ?`) and
// without: "before" is the same provider with string filters refused
// (what it answered before the collation existed: the filter stays in
// the engine and the whole table crosses), "no_pushdown" the engine with
// its optimizer disabled. The literal differs from the stored values in
// case, so only the engine's collation finds the rows. Rows transferred
// from the source are counted as in BenchmarkPushdownSelective.
//
//	go test ./integration_test -run '^$' -bench StringPushdownSelective -benchtime 5x

// stringQuery matches every row whose name is 'name1234' in any case:
// rows/2000 of them.
const stringQuery = `SELECT id, val FROM bench.%s.str_t WHERE name = 'NAME1234'`

// noStringFilters is the provider as it was before the collation: string
// comparisons are Unsupported (left to the engine), everything else is
// forwarded.
type noStringFilters struct{ countedTable }

func (n noStringFilters) SupportsFilters(fs []expr.Expr) ([]catalog.Verdict, error) {
	vs, err := n.countedTable.SupportsFilters(fs)
	if err != nil {
		return nil, err
	}
	for i, f := range fs {
		expr.Walk(f, func(e expr.Expr) bool {
			if expr.IsCollatedString(e.Type()) {
				vs[i] = catalog.FilterUnsupported
			}
			return true
		})
	}
	return vs, nil
}

// stringEnv is a SQLite file with str_t(id, val, name) and ids 1..rows,
// name = 'name' || (id % 2000), mounted three times: as is ("lite"), as
// before the collation ("before"), each counting the rows it sends.
type stringEnv struct {
	rows    atomic.Int64
	on, off *exec.Engine
	load    time.Duration
	want    int
}

func newStringEnv(tb testing.TB, rows int) *stringEnv {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	env := &stringEnv{want: rows / 2000}
	start := time.Now()
	path := filepath.Join(tb.TempDir(), "strings.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		tb.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE str_t (id INTEGER PRIMARY KEY, val REAL, name TEXT)`,
		fmt.Sprintf(`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < %d)
			INSERT INTO str_t SELECT x, x * 0.5, 'name' || (x %% 2000) FROM g`, rows),
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			db.Close()
			tb.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
	env.load = time.Since(start)
	lite, err := sqlite.OpenTable(ctx, sqlite.Config{Path: path, ReadOnly: true}, "str_t")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = lite.Close() })
	counted := countedTable{Table: lite, rows: &env.rows}
	cat := catalog.NewCatalog("bench")
	for name, t := range map[string]catalog.Table{"lite": counted, "before": noStringFilters{counted}} {
		if err := cat.AddSchema(name, catalog.NewStatic(map[string]catalog.Table{"str_t": t})); err != nil {
			tb.Fatal(err)
		}
	}
	root := catalog.NewRoot()
	if err := root.Add(cat); err != nil {
		tb.Fatal(err)
	}
	env.on = exec.New(exec.Config{Root: root})
	env.off = exec.New(exec.Config{Root: root, DisableOptimizer: true})
	return env
}

// run executes stringQuery on schema and returns the sorted "id" results
// and the rows the source sent.
func (env *stringEnv) run(ctx context.Context, eng *exec.Engine, schema string, mem memory.Allocator) ([]string, int64, error) {
	before := env.rows.Load()
	st, err := eng.Prepare(ctx, catalog.Options{}, fmt.Sprintf(stringQuery, schema))
	if err != nil {
		return nil, 0, err
	}
	rr, err := st.Execute(ctx, mem, nil)
	if err != nil {
		return nil, 0, err
	}
	defer rr.Release()
	var out []string
	for rr.Next() {
		b := rr.RecordBatch()
		for i := 0; i < int(b.NumRows()); i++ {
			out = append(out, b.Column(0).ValueStr(i))
		}
	}
	if err := rr.Err(); err != nil {
		return nil, 0, err
	}
	sort.Strings(out)
	return out, env.rows.Load() - before, nil
}

func (env *stringEnv) explain(ctx context.Context, schema string) (string, error) {
	st, err := env.on.Prepare(ctx, catalog.Options{}, "EXPLAIN "+fmt.Sprintf(stringQuery, schema))
	if err != nil {
		return "", err
	}
	rr, err := st.Execute(ctx, memory.NewGoAllocator(), nil)
	if err != nil {
		return "", err
	}
	defer rr.Release()
	var lines []string
	for rr.Next() {
		b := rr.RecordBatch()
		for i := 0; i < int(b.NumRows()); i++ {
			lines = append(lines, b.Column(0).ValueStr(i))
		}
	}
	return strings.Join(lines, "\n"), rr.Err()
}

// stringModes are the three ways the benchmark runs the query.
func (env *stringEnv) modes() []struct {
	name, schema string
	eng          *exec.Engine
} {
	return []struct {
		name, schema string
		eng          *exec.Engine
	}{{"collation_pushdown", "lite", env.on}, {"before", "before", env.on}, {"no_pushdown", "lite", env.off}}
}

// TestStringPushdownCutsSourceRows checks on a small table what the
// benchmark measures: pushed under the collation, SQLite sends exactly the
// matching rows, and the answers equal the engine's.
func TestStringPushdownCutsSourceRows(t *testing.T) {
	const rows = 20000
	env := newStringEnv(t, rows)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var first []string
	for _, m := range env.modes() {
		out, sent, err := env.run(ctx, m.eng, m.schema, mem)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if len(out) != env.want || (first != nil && strings.Join(out, ",") != strings.Join(first, ",")) {
			t.Fatalf("%s: %d rows (want %d, the same in every mode)", m.name, len(out), env.want)
		}
		first = out
		wantSent := int64(rows)
		if m.name == "collation_pushdown" {
			wantSent = int64(env.want)
		}
		if sent != wantSent {
			t.Fatalf("%s: the source sent %d rows, want %d", m.name, sent, wantSent)
		}
	}
	plan, err := env.explain(ctx, "lite")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "COLLATE "+sqlite.CollationName+" = ?") {
		t.Fatalf("EXPLAIN does not show the collated filter sent to SQLite:\n%s", plan)
	}
	t.Logf("EXPLAIN:\n%s", plan)
}

// BenchmarkStringPushdownSelective: 1Mi rows; source_rows/op is the rows
// transferred from SQLite per query.
func BenchmarkStringPushdownSelective(b *testing.B) {
	const rows = 1 << 20
	env := newStringEnv(b, rows)
	b.Logf("loaded %d rows into sqlite in %v", rows, env.load)
	for _, m := range env.modes() {
		b.Run(m.name, func(b *testing.B) {
			ctx := context.Background()
			mem := memory.NewGoAllocator()
			var transferred int64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				out, n, err := env.run(ctx, m.eng, m.schema, mem)
				if err != nil {
					b.Fatal(err)
				}
				if len(out) != env.want {
					b.Fatalf("%d result rows, want %d", len(out), env.want)
				}
				transferred += n
			}
			b.ReportMetric(float64(transferred)/float64(b.N), "source_rows/op")
			b.ReportMetric(float64(env.want), "result_rows/op")
		})
	}
}

// pgStringQuery is a string equality on PostgreSQL, whose filter the
// postgres provider can only push as an Inexact superset prefilter
// (postgres/strings.go): it matches 'name1234' alone, and the source
// sends the names spelled only with n, a, m, e, 1, 2, 3, 4.
const pgStringQuery = `SELECT id, val FROM bench.pg.pushdown_t WHERE name = 'NAME1234'`

// runPG runs pgStringQuery and returns the result rows and the rows
// PostgreSQL sent.
func runPG(ctx context.Context, env *pushdownEnv, eng *exec.Engine, mem memory.Allocator) (int, int64, error) {
	before := env.rows.Load()
	st, err := eng.Prepare(ctx, catalog.Options{}, pgStringQuery)
	if err != nil {
		return 0, 0, err
	}
	rr, err := st.Execute(ctx, mem, nil)
	if err != nil {
		return 0, 0, err
	}
	defer rr.Release()
	n := 0
	for rr.Next() {
		n += int(rr.RecordBatch().NumRows())
	}
	return n, env.rows.Load() - before, rr.Err()
}

// BenchmarkStringPrefilterPostgres: the PostgreSQL prefilter on 1Mi rows
// against no pushdown; source_rows/op is the rows PostgreSQL sent.
func BenchmarkStringPrefilterPostgres(b *testing.B) {
	const rows = 1 << 20
	env := newPushdownEnv(b, rows)
	for _, m := range []struct {
		name string
		eng  *exec.Engine
	}{{"prefilter", env.on}, {"no_pushdown", env.off}} {
		b.Run(m.name, func(b *testing.B) {
			ctx := context.Background()
			mem := memory.NewGoAllocator()
			var transferred int64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				n, sent, err := runPG(ctx, env, m.eng, mem)
				if err != nil {
					b.Fatal(err)
				}
				if n != 1 {
					b.Fatalf("%d result rows, want 1", n)
				}
				transferred += sent
			}
			b.ReportMetric(float64(transferred)/float64(b.N), "source_rows/op")
		})
	}
}
