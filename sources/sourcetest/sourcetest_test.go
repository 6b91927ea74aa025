package sourcetest

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sliceTable is the smallest correct provider: one partition per batch,
// projection only, no abilities. It checks the kit passes a correct table.
type sliceTable struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
}

func (s *sliceTable) Schema() *arrow.Schema { return s.schema }

func (s *sliceTable) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	proj := req.Projection
	if proj == nil {
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
	return out
}

type slicePart struct {
	s *sliceScan
	i int
}

func (p slicePart) Open(ctx context.Context, _ memory.Allocator) (array.RecordReader, error) {
	if err := ctx.Err(); err != nil {
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

func TestKitPassesCorrectTable(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
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
	Run(t, Harness{
		New:  func(testing.TB) catalog.Table { return &sliceTable{schema: schema, batches: batches} },
		Want: batches,
	})
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
