package sourcetest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sliceTable is the smallest correct provider: one partition per batch,
// projection only, no abilities. It checks the kit passes a correct table.
type sliceTable struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
	fault   string // for the broken-provider tests; "" = correct
}

// brokenTable is sliceTable with a fault that the kit must catch; it adds
// the abilities the faults need.
type brokenTable struct{ *sliceTable }

// SupportsFilters claims Exact for everything but never filters.
func (b brokenTable) SupportsFilters(fs []expr.Expr) ([]catalog.Verdict, error) {
	out := make([]catalog.Verdict, len(fs))
	for i := range out {
		if b.fault == "exact-ignored" {
			out[i] = catalog.FilterExact
		}
	}
	return out, nil
}

// Statistics lies about the row count when fault is "stats".
func (b brokenTable) Statistics(context.Context) (catalog.Statistics, error) {
	n := int64(0)
	for _, x := range b.batches {
		n += x.NumRows()
	}
	if b.fault == "stats" {
		n++
	}
	return catalog.Statistics{NumRows: catalog.Count{Value: n, Precision: catalog.Exact}}, nil
}

// PushTopN, with fault "topn", claims any order but returns the first
// batch's rows as stored: neither ordered nor enough.
func (b brokenTable) PushTopN(catalog.TopNRequest) (catalog.Table, bool, error) {
	if b.fault != "topn" {
		return nil, false, nil
	}
	return &sliceTable{schema: b.schema, batches: b.batches[:1]}, true, nil
}

// PushAggregate, with fault "agg", claims any aggregate but returns no rows.
func (b brokenTable) PushAggregate(req catalog.AggregateRequest) (catalog.Table, bool, error) {
	if b.fault != "agg" {
		return nil, false, nil
	}
	return &sliceTable{schema: req.Schema}, true, nil
}

func (s *sliceTable) Schema() *arrow.Schema { return s.schema }

func (s *sliceTable) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	proj := req.Projection
	if proj == nil || s.fault == "projection" {
		proj = make([]int, len(s.schema.Fields()))
		for i := range proj {
			proj[i] = i
		}
	}
	fields := make([]arrow.Field, len(proj))
	for i, p := range proj {
		if p < 0 || p >= len(s.schema.Fields()) {
			return nil, errs.Invalidf("column %d out of range", p)
		}
		fields[i] = s.schema.Field(p)
	}
	return &sliceScan{t: s, proj: proj, schema: arrow.NewSchema(fields, nil)}, nil
}

type sliceScan struct {
	t      *sliceTable
	proj   []int
	schema *arrow.Schema
}

func (s *sliceScan) Schema() *arrow.Schema { return s.schema }

func (s *sliceScan) Partitions() []catalog.Partition {
	out := make([]catalog.Partition, len(s.t.batches))
	for i := range s.t.batches {
		out[i] = slicePart{s: s, i: i}
	}
	if s.t.fault == "dup-partition" {
		out = append(out, out[0])
	}
	return out
}

type slicePart struct {
	s *sliceScan
	i int
}

func (p slicePart) Open(ctx context.Context, _ memory.Allocator) (array.RecordReader, error) {
	if err := ctx.Err(); err != nil && p.s.t.fault != "no-cancel" {
		return nil, err
	}
	b := p.s.t.batches[p.i]
	cols := make([]arrow.Array, len(p.s.proj))
	for i, c := range p.s.proj {
		cols[i] = b.Column(c)
	}
	out := array.NewRecordBatch(p.s.schema, cols, b.NumRows())
	defer out.Release()
	return array.NewRecordReader(p.s.schema, []arrow.RecordBatch{out})
}

var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

func runKit(t *testing.T, fault string) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := testSchema
	mk := func(ids []int64, names []string, valid []bool) arrow.RecordBatch {
		b := array.NewRecordBuilder(mem, schema)
		defer b.Release()
		b.Field(0).(*array.Int64Builder).AppendValues(ids, nil)
		b.Field(1).(*array.StringBuilder).AppendValues(names, valid)
		return b.NewRecordBatch()
	}
	batches := []arrow.RecordBatch{
		mk([]int64{1, 2, 3}, []string{"a", "b | c", ""}, []bool{true, true, false}),
		mk([]int64{4, 4}, []string{"d", "d"}, nil),
	}
	defer releaseAll(batches)
	h := Harness{
		New: func(testing.TB) catalog.Table {
			st := &sliceTable{schema: schema, batches: batches, fault: fault}
			if fault == "" {
				return st
			}
			return brokenTable{st}
		},
		Filters: []expr.Expr{Cmp(schema, "id", expr.OpGt, 2)},
	}
	if fault != "stats" {
		h.Want = batches
	}
	Run(t, h)
}

// TestKitCatchesBrokenProviders runs the kit against providers with one
// fault each, in a child process (a failing kit fails its test), and checks
// the child failed for the right reason.
func TestKitCatchesBrokenProviders(t *testing.T) {
	if fault := os.Getenv("SOURCETEST_FAULT"); fault != "" {
		runKit(t, fault)
		return
	}
	for fault, want := range map[string]string{
		"exact-ignored": "Exact filters [id > 2]: got 5 rows, want 3",
		"dup-partition": "full scan vs Harness.Want: got 8 rows, want 5",
		"projection":    "Scan(projection=[1]).Schema()",
		"stats":         "NumRows = 6 (Exact), but the data has 5",
		"no-cancel":     "cancelled context succeeded",
		"topn":          "TopN [id DESC] limit 1, filters no filters: the engine's TopN over the pushed rows orders keys",
		"agg":           "aggregate group_by=[] aggs=[count(*)], filters no filters: got 0 rows, want 1",
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKitCatchesBrokenProviders$", "-test.count=1")
		cmd.Env = append(os.Environ(), "SOURCETEST_FAULT="+fault)
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Errorf("fault %s: the kit passed a broken provider", fault)
			continue
		}
		if !strings.Contains(string(out), want) {
			t.Errorf("fault %s: the kit failed without saying %q:\n%s", fault, want, out)
		}
	}
}

func TestKitPassesCorrectTable(t *testing.T) {
	runKit(t, "")
}

func TestRowStringsAndDiff(t *testing.T) {
	got := []string{"1", "2", "2"}
	if d := subtract(got, []string{"2", "1"}); len(d) != 1 || d[0] != "2" {
		t.Fatalf("subtract = %v, want [2]", d)
	}
	if d := subtract([]string{"1"}, []string{"1", "1"}); len(d) != 0 {
		t.Fatalf("subtract = %v, want []", d)
	}
}
