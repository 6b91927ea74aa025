package physical_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/operator"
	"github.com/quiverdb/quiver/exec/physical"
)

var str = arrow.BinaryTypes.String

func lit(v any, t arrow.DataType) expr.Expr { return &expr.Literal{DataType: t, Value: v} }

// rowsValues is VALUES (1,'a'), (5,'e'), (3,NULL), (NULL,'x'), (4,'d').
func rowsValues() *physical.ValuesExec {
	out := arrow.NewSchema([]arrow.Field{{Name: "k", Type: i64, Nullable: true}, {Name: "v", Type: str, Nullable: true}}, nil)
	row := func(k, v any) []expr.Expr { return []expr.Expr{lit(k, i64), lit(v, str)} }
	return &physical.ValuesExec{Out: out, Rows: [][]expr.Expr{
		row(int64(1), "a"), row(int64(5), "e"), row(int64(3), nil), row(nil, "x"), row(int64(4), "d"),
	}}
}

func drain(t *testing.T, op operator.Operator) []string {
	t.Helper()
	batches, err := operator.Drain(context.Background(), op)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range batches {
		for r := 0; r < int(b.NumRows()); r++ {
			var vals []string
			for c := 0; c < int(b.NumCols()); c++ {
				if b.Column(c).IsNull(r) {
					vals = append(vals, "NULL")
				} else {
					vals = append(vals, b.Column(c).ValueStr(r))
				}
			}
			out = append(out, strings.Join(vals, " "))
		}
		b.Release()
	}
	return out
}

func TestInstantiateQuery(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	v := rowsValues()
	k := col(0, "k", i64)
	plan := &physical.LimitExec{Offset: 1, Count: 2, Input: &physical.SortExec{
		Keys: []logical.SortKey{{Expr: k, Desc: true}}, Fetch: 3,
		Input: &physical.ProjectExec{Names: []string{"k", "v"}, Exprs: []expr.Expr{k, col(1, "v", str)},
			Input: &physical.FilterExec{Input: v, Predicate: gt(k, lit(int64(1), i64))}},
	}}
	op, metrics, err := physical.InstantiateInstrumented(context.Background(), plan, physical.Env{Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(drain(t, op), ","); got != "4 d,3 NULL" {
		t.Errorf("rows %q", got)
	}
	if len(metrics) != 5 {
		t.Errorf("metrics for %d nodes, want 5", len(metrics))
	}
	if m := metrics[plan].Metrics(); m.Rows != 2 || m.Batches < 1 {
		t.Errorf("root metrics %+v", m)
	}
	if m := metrics[v].Metrics(); m.Rows != 5 {
		t.Errorf("values metrics %+v", m)
	}
}

func TestInstantiateBudgetAndErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	sort := &physical.SortExec{Input: rowsValues(), Keys: []logical.SortKey{{Expr: col(1, "v", str)}}, Fetch: -1}
	op, err := physical.Instantiate(ctx, sort, physical.Env{Mem: mem, Budget: operator.NewBudget(8)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := operator.Drain(ctx, op); !errors.Is(err, errs.ErrResourceExhausted) {
		t.Errorf("sort over budget: %v", err)
	}
	if _, err := physical.Instantiate(ctx, &physical.ExplainExec{Input: rowsValues()}, physical.Env{Mem: mem}); !errors.Is(err, errs.ErrInternal) {
		t.Errorf("explain: %v", err)
	}
	// A failure high in the tree closes what was built below it.
	if _, err := physical.Instantiate(ctx, &physical.LimitExec{Input: &physical.ExplainExec{Input: rowsValues()}}, physical.Env{Mem: mem}); err == nil {
		t.Error("nested explain instantiated")
	}
	if _, err := physical.Instantiate(ctx, rowsValues(), physical.Env{}); !errors.Is(err, errs.ErrInternal) {
		t.Errorf("no allocator: %v", err)
	}
}

// insertTable is an Insertable table that keeps the rows it is given.
type insertTable struct {
	schema *arrow.Schema
	fail   error
	rows   []string
	names  []string
}

func (it *insertTable) Schema() *arrow.Schema { return it.schema }
func (it *insertTable) Scan(context.Context, catalog.ScanRequest) (catalog.Scan, error) {
	return nil, errs.NotImplementedf("scan")
}
func (it *insertTable) Insert(ctx context.Context, rr array.RecordReader) (int64, error) {
	if it.fail != nil {
		return 0, it.fail
	}
	var n int64
	for rr.Next() {
		b := rr.RecordBatch()
		for _, f := range b.Schema().Fields() {
			it.names = append(it.names, f.Name)
		}
		for r := 0; r < int(b.NumRows()); r++ {
			it.rows = append(it.rows, b.Column(0).ValueStr(r))
		}
		n += b.NumRows()
	}
	return n, rr.Err()
}

func TestInsertAndDDL(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	tbl := &insertTable{schema: arrow.NewSchema([]arrow.Field{{Name: "id", Type: i64}, {Name: "name", Type: str}}, nil)}
	ins := &physical.InsertExec{Name: salesName, Target: tbl, Input: rowsValues()}
	op, err := physical.Instantiate(ctx, ins, physical.Env{Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	if got := drain(t, op); len(got) != 1 || got[0] != "5" {
		t.Errorf("insert result %v", got)
	}
	if strings.Join(tbl.names, ",") != "id,name" || len(tbl.rows) != 5 {
		t.Errorf("table saw columns %v rows %v (batches must carry the table's names)", tbl.names, tbl.rows)
	}
	// Closing an insert that never ran closes its input (no leak) and inserts nothing.
	tbl.rows = nil
	op, _ = physical.Instantiate(ctx, ins, physical.Env{Mem: mem})
	if err := op.Close(); err != nil || tbl.rows != nil {
		t.Errorf("close before run: %v %v", err, tbl.rows)
	}
	// Provider errors keep their kind and name the table.
	tbl.fail = errs.New(errs.ErrPermission, "read-only")
	op, _ = physical.Instantiate(ctx, ins, physical.Env{Mem: mem})
	if _, err := operator.Drain(ctx, op); !errors.Is(err, errs.ErrPermission) || !strings.Contains(err.Error(), "INSERT INTO demo.public.sales") {
		t.Errorf("insert error: %v", err)
	}
	cr := &recordingCreatable{err: errs.New(errs.ErrAlreadyExists, "exists")}
	for _, p := range []physical.Plan{
		&physical.CreateTableExec{Name: salesName, Target: cr, TableSchema: salesSchema},
		&physical.DropTableExec{Name: salesName, Target: cr, IfExists: true},
	} {
		op, _ := physical.Instantiate(ctx, p, physical.Env{Mem: mem})
		if _, err := operator.Drain(ctx, op); !errors.Is(err, errs.ErrAlreadyExists) {
			t.Errorf("%s: %v", p, err)
		}
	}
	cr.err = nil
	op, _ = physical.Instantiate(ctx, &physical.CreateTableExec{Name: salesName, Target: cr, TableSchema: salesSchema, IfNotExists: true}, physical.Env{Mem: mem})
	if got := drain(t, op); len(got) != 1 || got[0] != "0" || strings.Join(cr.calls, ",") != "create sales true" {
		t.Errorf("create: %v calls %v", got, cr.calls)
	}
}

type recordingCreatable struct {
	err   error
	calls []string
}

func (c *recordingCreatable) CreateTable(_ context.Context, name string, _ *arrow.Schema, ifNotExists bool) error {
	if c.err != nil {
		return c.err
	}
	c.calls = append(c.calls, "create "+name+" "+map[bool]string{true: "true", false: "false"}[ifNotExists])
	return nil
}

func (c *recordingCreatable) DropTable(_ context.Context, name string, ifExists bool) error {
	return c.err
}
