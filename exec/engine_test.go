package exec_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/physical"
	"github.com/quiverdb/quiver/exec/physopt"
	qmem "github.com/quiverdb/quiver/sources/memory"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var opts = catalog.Options{QueryID: "t", Catalog: "test", Schema: "public"}

type fixture struct {
	eng  *exec.Engine
	mem  *memory.CheckedAllocator
	data *qmem.Schema
}

// newFixture returns an engine over test.public (a writable memory schema
// holding table nums(n BIGINT, s VARCHAR) with rows 1..5, "a".."e", and
// n=NULL) and test.bad (tables that misbehave).
func newFixture(t testing.TB, cfg exec.Config) *fixture {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	root := catalog.NewRoot()
	c := catalog.NewCatalog("test")
	data := qmem.NewSchema("public")
	if err := c.AddSchema("public", data); err != nil {
		t.Fatal(err)
	}
	if err := c.AddSchema("bad", catalog.NewStatic(map[string]catalog.Table{"panics": panicTable{}})); err != nil {
		t.Fatal(err)
	}
	if err := root.Add(c); err != nil {
		t.Fatal(err)
	}
	cfg.Root = root
	f := &fixture{eng: exec.New(cfg), mem: mem, data: data}
	t.Cleanup(func() {
		data.Release()
		mem.AssertSize(t, 0)
	})
	f.exec(t, "CREATE TABLE nums (n BIGINT, s VARCHAR(10))")
	f.exec(t, "INSERT INTO nums VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e'), (NULL, 'z')")
	return f
}

// exec runs sql and returns its rows rendered as "v1|v2" lines.
func (f *fixture) exec(t testing.TB, sql string) []string {
	t.Helper()
	rows, err := f.try(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

func (f *fixture) try(ctx context.Context, sql string) ([]string, error) {
	st, err := f.eng.Prepare(ctx, opts, sql)
	if err != nil {
		return nil, err
	}
	rr, err := st.Execute(ctx, f.mem, nil)
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	if !rr.Schema().Equal(st.Schema()) {
		return nil, fmt.Errorf("reader schema %v differs from prepared schema %v", rr.Schema(), st.Schema())
	}
	return render(rr)
}

func render(rr array.RecordReader) ([]string, error) {
	var out []string
	for rr.Next() {
		b := rr.RecordBatch()
		for r := 0; r < int(b.NumRows()); r++ {
			vals := make([]string, b.NumCols())
			for c := range vals {
				if b.Column(c).IsNull(r) {
					vals[c] = "NULL"
				} else {
					vals[c] = b.Column(c).ValueStr(r)
				}
			}
			out = append(out, strings.Join(vals, "|"))
		}
	}
	return out, rr.Err()
}

func TestQuery(t *testing.T) {
	f := newFixture(t, exec.Config{Parallelism: 2})
	st, err := f.eng.Prepare(context.Background(), opts, "SELECT n * 10 AS x, s FROM nums WHERE n > 2 ORDER BY n DESC")
	if err != nil {
		t.Fatal(err)
	}
	if st.IsUpdate() || st.TotalRecords() != -1 || st.ParameterSchema() == nil || st.ParameterSchema().NumFields() != 0 {
		t.Errorf("update=%v total=%d params=%v", st.IsUpdate(), st.TotalRecords(), st.ParameterSchema())
	}
	if s := st.Schema(); s.NumFields() != 2 || s.Field(0).Name != "x" || s.Field(1).Name != "s" {
		t.Errorf("schema %v", s)
	}
	// A statement runs many times, also concurrently.
	var wg sync.WaitGroup
	results := make([][]string, 4)
	errsOut := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rr, err := st.Execute(context.Background(), f.mem, nil)
			if err != nil {
				errsOut[i] = err
				return
			}
			defer rr.Release()
			results[i], errsOut[i] = render(rr)
		}()
	}
	wg.Wait()
	want := "50|e,40|d,30|c"
	for i := range results {
		if errsOut[i] != nil || strings.Join(results[i], ",") != want {
			t.Errorf("run %d: %v %v", i, results[i], errsOut[i])
		}
	}
}

func TestTotalRecordsWithoutIO(t *testing.T) {
	f := newFixture(t, exec.Config{})
	for sql, want := range map[string]int64{
		"SELECT 1":                             1,
		"LOCK TABLES nums READ":                -2, // not supported: skipped below
		"SELECT count(*) FROM nums":            1,
		"SELECT n FROM nums":                   -1,
		"SELECT n FROM nums LIMIT 0":           0,
		"INSERT INTO nums VALUES (7, 'q')":     1,
		"EXPLAIN SELECT n FROM nums WHERE n>1": -3, // the number of plan lines
	} {
		st, err := f.eng.Prepare(context.Background(), opts, sql)
		if want == -2 {
			if !errors.Is(err, errs.ErrNotImplemented) {
				t.Errorf("%s: %v", sql, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		rr, err := st.Execute(context.Background(), f.mem, nil)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := render(rr)
		rr.Release()
		if err != nil {
			t.Fatal(err)
		}
		got := st.TotalRecords()
		if want == -3 {
			want = int64(len(rows))
		}
		if got != want {
			t.Errorf("%s: TotalRecords %d, want %d", sql, got, want)
		}
		if got >= 0 && got != int64(len(rows)) {
			t.Errorf("%s: TotalRecords %d but %d rows", sql, got, len(rows))
		}
	}
}

func TestDDLAndDML(t *testing.T) {
	f := newFixture(t, exec.Config{})
	ctx := context.Background()
	st, err := f.eng.Prepare(ctx, opts, "CREATE TABLE t2 (a INT)")
	if err != nil {
		t.Fatal(err)
	}
	if !st.IsUpdate() || !st.Schema().Equal(logical.DMLSchema) || st.TotalRecords() != 1 {
		t.Errorf("create: update=%v schema=%v total=%d", st.IsUpdate(), st.Schema(), st.TotalRecords())
	}
	// Preparing does nothing: the table does not exist until executed.
	if _, err := f.try(ctx, "SELECT a FROM t2"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("table exists before execute: %v", err)
	}
	if n, err := st.ExecuteUpdate(ctx, nil); err != nil || n != 0 {
		t.Fatalf("create: %d %v", n, err)
	}
	ins, err := f.eng.Prepare(ctx, opts, "INSERT INTO t2 SELECT n FROM nums WHERE n <= 3")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := ins.ExecuteUpdate(ctx, nil); err != nil || n != 3 {
		t.Fatalf("insert: %d %v", n, err)
	}
	if got := f.exec(t, "SELECT count(*), sum(a) FROM t2"); strings.Join(got, ",") != "3|6" {
		t.Errorf("after insert: %v", got)
	}
	if got := f.exec(t, "INSERT INTO t2 VALUES (10), (NULL)"); strings.Join(got, ",") != "2" {
		t.Errorf("insert values returns %v", got)
	}
	if _, err := st.ExecuteUpdate(ctx, nil); !errors.Is(err, errs.ErrAlreadyExists) {
		t.Errorf("second create: %v", err)
	}
	q, _ := f.eng.Prepare(ctx, opts, "SELECT 1")
	if _, err := q.ExecuteUpdate(ctx, nil); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("ExecuteUpdate of a query: %v", err)
	}
	f.exec(t, "DROP TABLE t2")
	if _, err := f.try(ctx, "SELECT a FROM t2"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("dropped table: %v", err)
	}
}

func TestExplain(t *testing.T) {
	f := newFixture(t, exec.Config{Parallelism: 1})
	lines := f.exec(t, "EXPLAIN SELECT s FROM nums WHERE n > 2 LIMIT 2")
	text := strings.Join(lines, "\n")
	if !strings.Contains(text, "ScanExec: test.public.nums") || !strings.Contains(text, "full_filters=[") {
		t.Errorf("explain:\n%s", text)
	}
	lines = f.exec(t, "EXPLAIN ANALYZE SELECT s FROM nums WHERE n > 2 ORDER BY s")
	if len(lines) == 0 {
		t.Fatal("no EXPLAIN ANALYZE output")
	}
	for _, l := range lines {
		if !strings.Contains(l, "rows=") || !strings.Contains(l, "batches=") || !strings.Contains(l, "bytes=") || !strings.Contains(l, "time=") {
			t.Errorf("line without metrics: %q", l)
		}
	}
	if !strings.Contains(lines[0], "rows=3 ") {
		t.Errorf("root should report 3 rows: %q", lines[0])
	}
	// With the optimizer off nothing is pushed into the scan.
	off := newFixture(t, exec.Config{DisableOptimizer: true})
	text = strings.Join(off.exec(t, "EXPLAIN SELECT s FROM nums WHERE n > 2"), "\n")
	if strings.Contains(text, "full_filters") || !strings.Contains(text, "FilterExec") {
		t.Errorf("unoptimized explain:\n%s", text)
	}
}

func TestErrors(t *testing.T) {
	f := newFixture(t, exec.Config{Limits: exec.Limits{MaxSQLBytes: 200, MemoryLimit: 64}})
	ctx := context.Background()
	for sql, kind := range map[string]error{
		"SELEC 1":                              errs.ErrInvalid,
		"SELECT * FROM nope":                   errs.ErrNotFound,
		"SELECT nope FROM nums":                errs.ErrNotFound,
		"SELECT n FROM nums FOR UPDATE":        errs.ErrNotImplemented,
		"SELECT 1 " + strings.Repeat(" ", 300): errs.ErrResourceExhausted,
		"SELECT n FROM nums ORDER BY s":        errs.ErrResourceExhausted, // 64-byte memory limit
		"SELECT * FROM bad.panics":             errs.ErrInternal,
	} {
		_, err := f.try(ctx, sql)
		if !errors.Is(err, kind) {
			t.Errorf("%.40q: got %v, want kind %v", sql, err, kind)
		}
	}
	st, err := f.eng.Prepare(ctx, opts, "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewInt64Builder(f.mem)
	b.Append(1)
	col := b.NewArray()
	b.Release()
	params := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "p", Type: arrow.PrimitiveTypes.Int64}}, nil), []arrow.Array{col}, 1)
	col.Release()
	defer params.Release()
	if _, err := st.Execute(ctx, f.mem, params); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("parameters bound to a statement without placeholders: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.eng.Prepare(cctx, opts, "SELECT 1"); err == nil {
		t.Error("prepare with a cancelled context succeeded")
	}
	if _, err := st.Execute(cctx, f.mem, nil); err == nil {
		t.Error("execute with a cancelled context succeeded")
	}
}

// DisableOptimizer changes plans, never results.
func TestOptimizerOnOffSameRows(t *testing.T) {
	on := newFixture(t, exec.Config{})
	off := newFixture(t, exec.Config{DisableOptimizer: true})
	for _, sql := range []string{
		"SELECT n, s FROM nums WHERE n > 1 AND s <> 'c' ORDER BY n",
		"SELECT s FROM nums WHERE n IS NULL OR n < 2 ORDER BY s LIMIT 1",
		"SELECT count(*), max(s) FROM nums WHERE n BETWEEN 2 AND 4",
	} {
		a, b := on.exec(t, sql), off.exec(t, sql)
		if strings.Join(a, ",") != strings.Join(b, ",") {
			t.Errorf("%s: optimized %v, unoptimized %v", sql, a, b)
		}
	}
}

// panicTable is a buggy provider: planning a scan of it panics.
type panicTable struct{}

func (panicTable) Schema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
}

func (panicTable) Scan(context.Context, catalog.ScanRequest) (catalog.Scan, error) {
	panic("provider bug")
}

// Cancelling the context stops a streaming query: the reader reports the
// cancellation and every goroutine of the scan exits (goleak checks).
func TestCancelWhileStreaming(t *testing.T) {
	f := newFixture(t, exec.Config{Parallelism: 2})
	for i := 0; i < 4; i++ { // 6 → 96 rows, several batches once doubled
		f.exec(t, "INSERT INTO nums SELECT n, s FROM nums")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := f.eng.Prepare(ctx, opts, "SELECT n FROM nums")
	if err != nil {
		t.Fatal(err)
	}
	rr, err := st.Execute(ctx, f.mem, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	if !rr.Next() {
		t.Fatalf("no first batch: %v", rr.Err())
	}
	cancel()
	for rr.Next() {
	}
	if err := rr.Err(); err == nil || !errors.Is(err, context.Canceled) {
		t.Errorf("Err after cancel = %v, want context.Canceled", err)
	}
}

// Prepare never panics, whatever the input; errors carry a kind.
func FuzzPrepare(f *testing.F) {
	for _, s := range []string{
		"SELECT 1", "SELECT n, s FROM nums WHERE n > 1 ORDER BY s LIMIT 2", "SELECT count(*) FROM nums GROUP BY s HAVING count(*) > 1",
		"EXPLAIN SELECT * FROM nums", "INSERT INTO nums VALUES (1, 'x')", "CREATE TABLE x (a INT)", "DROP TABLE nums",
		"SELECT CASE WHEN n IN (1, 2) THEN 'a' END FROM nums", "SELECT ((((1))))", "SELECT * FROM nums a JOIN nums b ON a.n = b.n",
	} {
		f.Add(s)
	}
	fx := newFixture(f, exec.Config{})
	f.Fuzz(func(t *testing.T, sql string) {
		st, err := fx.eng.Prepare(context.Background(), opts, sql)
		if err != nil {
			for _, k := range []error{errs.ErrInvalid, errs.ErrNotFound, errs.ErrNotImplemented, errs.ErrResourceExhausted, errs.ErrPermission, errs.ErrAlreadyExists} {
				if errors.Is(err, k) {
					return
				}
			}
			t.Fatalf("%q: error without an expected kind: %v", sql, err)
		}
		if st.Schema() == nil || st.ParameterSchema() == nil {
			t.Fatalf("%q: nil schema", sql)
		}
	})
}

// noLimits is a user's physical rule: it rejects plans with a LIMIT.
type noLimits struct{}

func (noLimits) Name() string { return "NoLimits" }
func (noLimits) Rewrite(_ context.Context, p physical.Plan, _ physopt.Config) (physical.Plan, bool, error) {
	var found bool
	physical.Walk(p, func(n physical.Plan) bool {
		_, isLimit := n.(*physical.LimitExec)
		found = found || isLimit
		return !found
	})
	if found {
		return nil, false, errs.NotImplementedf("LIMIT is disabled here")
	}
	return p, false, nil
}

// Users extend the physical rules by inserting theirs before SanityCheck.
func TestCustomPhysicalRule(t *testing.T) {
	rules := physopt.DefaultRules()
	rules = slices.Insert(rules, len(rules)-1, physopt.Rule(noLimits{}))
	f := newFixture(t, exec.Config{PhysicalRules: rules})
	if got := f.exec(t, "SELECT count(*) FROM nums"); strings.Join(got, ",") != "6" {
		t.Errorf("count: %v", got)
	}
	_, err := f.try(context.Background(), "SELECT n FROM nums LIMIT 1")
	if !errors.Is(err, errs.ErrNotImplemented) || !strings.Contains(err.Error(), "NoLimits") {
		t.Errorf("custom rule error: %v", err)
	}
}
