package physical_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/logical"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeTable records the ScanRequests it receives and plans scans of
// `partitions` empty partitions.
type fakeTable struct {
	schema     *arrow.Schema
	partitions int
	describe   string
	scanErr    error
	badSchema  bool
	requests   []catalog.ScanRequest
}

func (t *fakeTable) Schema() *arrow.Schema { return t.schema }

func (t *fakeTable) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	t.requests = append(t.requests, req)
	if t.scanErr != nil {
		return nil, t.scanErr
	}
	s := logical.ProjectSchema(t.schema, req.Projection)
	if t.badSchema {
		s = arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.BinaryTypes.Binary}}, nil)
	}
	return &fakeScan{schema: s, n: t.partitions, describe: t.describe}, nil
}

type fakeScan struct {
	schema   *arrow.Schema
	n        int
	describe string
}

func (s *fakeScan) Schema() *arrow.Schema { return s.schema }
func (s *fakeScan) Partitions() []catalog.Partition {
	out := make([]catalog.Partition, s.n)
	for i := range out {
		out[i] = fakePartition{schema: s.schema}
	}
	return out
}
func (s *fakeScan) Describe() string { return s.describe }

type fakePartition struct{ schema *arrow.Schema }

func (p fakePartition) Open(context.Context, memory.Allocator) (array.RecordReader, error) {
	return nil, errs.NotImplementedf("fake partition")
}

var salesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "day", Type: arrow.PrimitiveTypes.Int64},
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

var salesName = catalog.Name{Catalog: "demo", Schema: "public", Table: "sales"}

var _ = fmt.Sprint
