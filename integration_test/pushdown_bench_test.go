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

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/postgres"
	"github.com/quiverdb/quiver/sources/postgres/pgtest"
	"github.com/quiverdb/quiver/sources/sqlite"
)

// The issue-5 proof "a selective query with pushdown vs without (rows
// transferred from the source)": the same query over the same PostgreSQL
// and SQLite tables, planned by an engine with the optimizer (filters and
// projection pushed into the source's SQL) and by one with
// exec.Config.DisableOptimizer (nothing pushed: the whole table crosses
// the wire and the engine filters it). A counting wrapper around each
// source table counts the rows its partitions produce: rows transferred
// from the source.
//
//	go test ./integration_test -run '^$' -bench PushdownSelective -benchtime 5x

// pushdownQuery selects 500 of the table's rows.
const pushdownQuery = `SELECT id, val FROM bench.%s.pushdown_t WHERE id BETWEEN 1000 AND 1999 AND flag = 1`

const pushdownWant = 500

// countedTable forwards a source table and counts the rows its partitions
// produce. It forwards filter pushdown and statistics (what this query
// uses); the other optional interfaces are deliberately not forwarded.
type countedTable struct {
	catalog.Table
	rows *atomic.Int64
}

func (c countedTable) SupportsFilters(f []expr.Expr) ([]catalog.Verdict, error) {
	if fp, ok := c.Table.(catalog.FilterPushdowner); ok {
		return fp.SupportsFilters(f)
	}
	return make([]catalog.Verdict, len(f)), nil
}

func (c countedTable) Statistics(ctx context.Context) (catalog.Statistics, error) {
	if sp, ok := c.Table.(catalog.StatisticsProvider); ok {
		return sp.Statistics(ctx)
	}
	return catalog.Statistics{}, nil
}

func (c countedTable) Scan(ctx context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	s, err := c.Table.Scan(ctx, req)
	if err != nil {
		return nil, err
	}
	return countedScan{Scan: s, rows: c.rows}, nil
}

type countedScan struct {
	catalog.Scan
	rows *atomic.Int64
}

// Describe keeps the source's EXPLAIN text (the SQL it sends).
func (s countedScan) Describe() string {
	if d, ok := s.Scan.(interface{ Describe() string }); ok {
		return d.Describe()
	}
	return ""
}

func (s countedScan) Partitions() []catalog.Partition {
	parts := s.Scan.Partitions()
	out := make([]catalog.Partition, len(parts))
	for i, p := range parts {
		out[i] = countedPartition{Partition: p, rows: s.rows}
	}
	return out
}

type countedPartition struct {
	catalog.Partition
	rows *atomic.Int64
}

func (p countedPartition) Open(ctx context.Context, mem memory.Allocator) (array.RecordReader, error) {
	rr, err := p.Partition.Open(ctx, mem)
	if err != nil {
		return nil, err
	}
	return &countedReader{RecordReader: rr, rows: p.rows}, nil
}

type countedReader struct {
	array.RecordReader
	rows *atomic.Int64
}

func (r *countedReader) Next() bool {
	if !r.RecordReader.Next() {
		return false
	}
	r.rows.Add(r.RecordReader.RecordBatch().NumRows())
	return true
}

// countedSchema wraps every table of a source schema.
type countedSchema struct {
	catalog.Schema
	rows *atomic.Int64
}

func (s countedSchema) Table(ctx context.Context, name string) (catalog.Table, error) {
	t, err := s.Schema.Table(ctx, name)
	if err != nil {
		return nil, err
	}
	return countedTable{Table: t, rows: s.rows}, nil
}

// pushdownEnv is a PostgreSQL cluster and a SQLite file holding
// pushdown_t(id, flag, val, name) with ids 1..rows, flag = id % 2, and the
// engines planning with and without pushdown.
type pushdownEnv struct {
	cluster          *pgtest.Cluster
	pg               *postgres.Schema
	lite             *sqlite.Schema
	rows             atomic.Int64
	planning         atomic.Int64 // total time spent in Prepare (ns)
	on, off          *exec.Engine
	pgLoad, liteLoad time.Duration
}

func newPushdownEnv(tb testing.TB, rows int) *pushdownEnv {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	env := &pushdownEnv{}
	c, err := pgtest.Start(ctx)
	if err != nil {
		tb.Fatalf("the pushdown benchmark needs PostgreSQL: %v", err)
	}
	env.cluster = c
	tb.Cleanup(func() { c.Stop() })

	start := time.Now()
	conn, err := pgx.Connect(ctx, c.DSN())
	if err != nil {
		tb.Fatal(err)
	}
	for _, q := range []string{
		`DROP TABLE IF EXISTS pushdown_t`,
		`CREATE TABLE pushdown_t (id bigint PRIMARY KEY, flag int NOT NULL, val double precision, name text)`,
		fmt.Sprintf(`INSERT INTO pushdown_t SELECT g, g %% 2, g * 0.5, 'name' || g FROM generate_series(1, %d) g`, rows),
		`ANALYZE pushdown_t`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			conn.Close(ctx)
			tb.Fatalf("%s: %v", q, err)
		}
	}
	conn.Close(ctx)
	env.pgLoad = time.Since(start)
	if env.pg, err = postgres.OpenSchema(ctx, postgres.Config{Name: "bench.pg", DSN: c.DSN(), Schema: "public"}); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(env.pg.Close)

	start = time.Now()
	path := filepath.Join(tb.TempDir(), "pushdown.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		tb.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE pushdown_t (id INTEGER PRIMARY KEY, flag INTEGER NOT NULL, val REAL, name TEXT)`,
		fmt.Sprintf(`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < %d)
			INSERT INTO pushdown_t SELECT x, x %% 2, x * 0.5, 'name' || x FROM g`, rows),
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			db.Close()
			tb.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
	env.liteLoad = time.Since(start)
	if env.lite, err = sqlite.OpenSchema(sqlite.Config{Path: path, ReadOnly: true}); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = env.lite.Close() })

	cat := catalog.NewCatalog("bench")
	for name, s := range map[string]catalog.Schema{"pg": env.pg, "lite": env.lite} {
		if err := cat.AddSchema(name, countedSchema{Schema: s, rows: &env.rows}); err != nil {
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

// run executes pushdownQuery against source ("pg" or "lite") and returns
// the result rows (sorted "id|val") and the rows the source produced.
func (env *pushdownEnv) run(ctx context.Context, eng *exec.Engine, source string, mem memory.Allocator) ([]string, int64, error) {
	before := env.rows.Load()
	start := time.Now()
	st, err := eng.Prepare(ctx, catalog.Options{}, fmt.Sprintf(pushdownQuery, source))
	if err != nil {
		return nil, 0, err
	}
	env.planning.Add(int64(time.Since(start)))
	rr, err := st.Execute(ctx, mem, nil)
	if err != nil {
		return nil, 0, err
	}
	defer rr.Release()
	var out []string
	for rr.Next() {
		b := rr.RecordBatch()
		for i := 0; i < int(b.NumRows()); i++ {
			out = append(out, b.Column(0).ValueStr(i)+"|"+b.Column(1).ValueStr(i))
		}
	}
	if err := rr.Err(); err != nil {
		return nil, 0, err
	}
	sort.Strings(out)
	return out, env.rows.Load() - before, nil
}

// explain returns the EXPLAIN text of pushdownQuery on source.
func (env *pushdownEnv) explain(ctx context.Context, eng *exec.Engine, source string) (string, error) {
	st, err := eng.Prepare(ctx, catalog.Options{}, "EXPLAIN "+fmt.Sprintf(pushdownQuery, source))
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
			var cells []string
			for c := 0; c < int(b.NumCols()); c++ {
				if s, ok := b.Column(c).(*array.String); ok {
					cells = append(cells, s.Value(i))
				}
			}
			lines = append(lines, strings.Join(cells, " "))
		}
	}
	return strings.Join(lines, "\n"), rr.Err()
}

// TestPushdownCutsSourceRows checks, on a small table, what the benchmark
// measures: with pushdown each source sends exactly the 500 matching rows
// (its filters are Exact), without it the whole table, and the answers are
// the same.
func TestPushdownCutsSourceRows(t *testing.T) {
	const rows = 20000
	env := newPushdownEnv(t, rows)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, source := range []string{"pg", "lite"} {
		on, onRows, err := env.run(ctx, env.on, source, mem)
		if err != nil {
			t.Fatalf("%s with pushdown: %v", source, err)
		}
		off, offRows, err := env.run(ctx, env.off, source, mem)
		if err != nil {
			t.Fatalf("%s without pushdown: %v", source, err)
		}
		if len(on) != pushdownWant || strings.Join(on, ",") != strings.Join(off, ",") {
			t.Fatalf("%s: %d rows with pushdown, %d without (or different rows)", source, len(on), len(off))
		}
		if on[0] != "1001|500.5" {
			t.Fatalf("%s: first row %s", source, on[0])
		}
		if onRows != pushdownWant || offRows != rows {
			t.Fatalf("%s: the source sent %d rows with pushdown (want %d) and %d without (want %d)", source, onRows, pushdownWant, offRows, rows)
		}
		plan, err := env.explain(ctx, env.on, source)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "1000") || !strings.Contains(plan, "1999") || !strings.Contains(strings.ToUpper(plan), "WHERE") {
			t.Fatalf("%s: EXPLAIN does not show the filter sent to the source:\n%s", source, plan)
		}
		t.Logf("%s EXPLAIN:\n%s", source, plan)
	}
}

// BenchmarkPushdownSelective: 1Mi rows per source; rows/op is the rows
// transferred from the source per query.
func BenchmarkPushdownSelective(b *testing.B) {
	const rows = 1 << 20
	env := newPushdownEnv(b, rows)
	b.Logf("loaded %d rows: postgres %v, sqlite %v", rows, env.pgLoad, env.liteLoad)
	for _, source := range []string{"pg", "lite"} {
		for _, mode := range []struct {
			name string
			eng  *exec.Engine
		}{{"pushdown", env.on}, {"no_pushdown", env.off}} {
			b.Run(source+"/"+mode.name, func(b *testing.B) {
				ctx := context.Background()
				mem := memory.NewGoAllocator()
				var transferred int64
				planning := env.planning.Load()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					out, n, err := env.run(ctx, mode.eng, source, mem)
					if err != nil {
						b.Fatal(err)
					}
					if len(out) != pushdownWant {
						b.Fatalf("%d result rows, want %d", len(out), pushdownWant)
					}
					transferred += n
				}
				b.ReportMetric(float64(transferred)/float64(b.N), "source_rows/op")
				b.ReportMetric(float64(env.planning.Load()-planning)/1e6/float64(b.N), "plan_ms/op")
				b.ReportMetric(pushdownWant, "result_rows/op")
			})
		}
	}
}
