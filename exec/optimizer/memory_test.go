package optimizer_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/optimizer"
	"github.com/quiverdb/quiver/exec/planbuilder"
	memsrc "github.com/quiverdb/quiver/sources/memory"
)

// TestMemoryProviderScanRequest negotiates with the real memory provider and
// then issues the Scan the optimized plan describes: the provider must
// accept it and return only the projected column of matching rows.
func TestMemoryProviderScanRequest(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "day", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	bld := array.NewRecordBuilder(mem, schema)
	bld.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3, 4}, nil)
	bld.Field(1).(*array.Int64Builder).AppendValues([]int64{5, 20, 30, 40}, nil)
	bld.Field(2).(*array.StringBuilder).AppendValues([]string{"a", "b", "c", "d"}, nil)
	batch := bld.NewRecordBatch()
	bld.Release()
	tbl, err := memsrc.NewTable(schema, batch)
	batch.Release()
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()

	root := catalog.NewRoot()
	c := catalog.NewCatalog("demo")
	if err := c.AddSchema("mem", catalog.NewStatic(map[string]catalog.Table{"m": tbl})); err != nil {
		t.Fatal(err)
	}
	if err := root.Add(c); err != nil {
		t.Fatal(err)
	}
	b := &planbuilder.Builder{Root: root, Options: catalog.Options{Catalog: "demo", Schema: "mem"}}
	plan, err := b.Build(context.Background(), planbuilder.NewParser(), "SELECT id FROM m WHERE day > 10 LIMIT 2")
	if err != nil {
		t.Fatal(err)
	}
	opt, err := optimizer.Optimize(context.Background(), plan, optimizer.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	want := "Limit: offset=0 count=2\n  Project: id\n    Scan: demo.mem.m projection=[id] full_filters=[day > 10] limit=2"
	if format(opt) != want {
		t.Fatalf("got\n%s\nwant\n%s", format(opt), want)
	}
	p := opt
	for len(p.Children()) > 0 {
		p = p.Children()[0]
	}
	s := p.(*logical.Scan)
	scan, err := tbl.Scan(context.Background(), catalog.ScanRequest{
		Projection: s.Projection, Filters: append(append(s.FullFilters[:0:0], s.FullFilters...), s.PartialFilters...), Limit: s.Limit,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !scan.Schema().Equal(s.Schema()) {
		t.Fatalf("scan schema %s, plan says %s", scan.Schema(), s.Schema())
	}
	var got []int64
	for _, part := range scan.Partitions() {
		rd, err := part.Open(context.Background(), mem)
		if err != nil {
			t.Fatal(err)
		}
		for rd.Next() {
			col := rd.RecordBatch().Column(0).(*array.Int64)
			got = append(got, col.Int64Values()...)
		}
		if err := rd.Err(); err != nil {
			t.Fatal(err)
		}
		rd.Release()
	}
	if len(got) < 2 {
		t.Fatalf("got ids %v, want at least the 2 the limit asks for", got)
	}
	for _, id := range got {
		if id == 1 {
			t.Fatalf("row id=1 (day 5) passed the Exact filter day > 10: %v", got)
		}
	}
}
