package tpch

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newSchema(t testing.TB, scale float64, partRows int64) *Schema {
	t.Helper()
	s, err := NewSchema(scale, partRows)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func table(t testing.TB, s *Schema, name string) *Table {
	t.Helper()
	tbl, err := s.Table(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return tbl.(*Table)
}

func keyCmp(tbl *Table, op expr.Op, v int64) expr.Expr {
	f := tbl.Schema().Field(0)
	return &expr.Binary{Op: op, Left: &expr.Column{Index: 0, Name: f.Name, DataType: f.Type},
		Right: &expr.Literal{DataType: arrow.PrimitiveTypes.Int64, Value: v}, DataType: arrow.FixedWidthTypes.Boolean}
}

func and(l, r expr.Expr) expr.Expr {
	return &expr.Binary{Op: expr.OpAnd, Left: l, Right: r, DataType: arrow.FixedWidthTypes.Boolean}
}

// read returns all batches of a scan, partitions in order.
func read(t testing.TB, tbl *Table, req catalog.ScanRequest, mem memory.Allocator) []arrow.RecordBatch {
	t.Helper()
	s, err := tbl.Scan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var out []arrow.RecordBatch
	for _, p := range s.Partitions() {
		rr, err := p.Open(context.Background(), mem)
		if err != nil {
			t.Fatal(err)
		}
		for rr.Next() {
			b := rr.RecordBatch()
			if !b.Schema().Equal(s.Schema()) {
				t.Fatalf("batch schema %s, want %s", b.Schema(), s.Schema())
			}
			b.Retain()
			out = append(out, b)
		}
		if err := rr.Err(); err != nil {
			t.Fatal(err)
		}
		rr.Release()
	}
	return out
}

func release(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

func rowCount(bs []arrow.RecordBatch) int64 {
	var n int64
	for _, b := range bs {
		n += b.NumRows()
	}
	return n
}

func int64s(bs []arrow.RecordBatch, c int) []int64 {
	var out []int64
	for _, b := range bs {
		out = append(out, b.Column(c).(*array.Int64).Int64Values()...)
	}
	return out
}

func all(limit int64) catalog.ScanRequest { return catalog.ScanRequest{Limit: limit} }

func TestRowCountsAndSchemas(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := newSchema(t, DefaultScale, DefaultPartitionRows)
	names, _ := s.TableNames(context.Background())
	if strings.Join(names, ",") != "customer,lineitem,nation,orders,part,partsupp,region,supplier" {
		t.Fatalf("tables %v", names)
	}
	want := map[string]int64{"region": 5, "nation": 25, "supplier": 100, "customer": 1500, "part": 2000, "partsupp": 8000, "orders": 15000}
	for _, name := range names {
		tbl := table(t, s, name)
		st, _ := tbl.Statistics(context.Background())
		if st.NumRows.Precision != catalog.Exact {
			t.Errorf("%s: NumRows %+v not Exact", name, st.NumRows)
		}
		// An empty projection counts rows without generating columns.
		bs := read(t, tbl, catalog.ScanRequest{Projection: []int{}, Limit: -1}, mem)
		n := rowCount(bs)
		release(bs)
		if n != st.NumRows.Value {
			t.Errorf("%s: %d rows, statistics say %d", name, n, st.NumRows.Value)
		}
		if w, ok := want[name]; ok && n != w {
			t.Errorf("%s: %d rows, want %d", name, n, w)
		}
		if name == "lineitem" && (n < 55000 || n > 65000) {
			t.Errorf("lineitem: %d rows, want about 60000", n)
		}
	}
	if _, err := s.Table(context.Background(), "LineItem"); err != nil {
		t.Errorf("case-insensitive lookup: %v", err)
	}
	if _, err := s.Table(context.Background(), "nope"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("unknown table: %v", err)
	}
	li := table(t, s, "lineitem").Schema()
	for i, want := range []string{"l_orderkey:int64", "l_linenumber:int32", "l_quantity:decimal(15, 2)", "l_shipdate:date32", "l_comment:utf8"} {
		_ = i
		parts := strings.SplitN(want, ":", 2)
		idx := li.FieldIndices(parts[0])
		if len(idx) != 1 || li.Field(idx[0]).Type.String() != parts[1] {
			t.Errorf("lineitem column %s: %v", parts[0], idx)
		}
	}
}

func TestDeterministicAndProjectionIndependent(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, name := range []string{"orders", "lineitem", "part", "supplier", "customer", "partsupp"} {
		a := table(t, newSchema(t, 0.001, 700), name)
		b := table(t, newSchema(t, 0.001, 5000), name) // other partitioning, same data
		ba := read(t, a, all(-1), mem)
		bb := read(t, b, all(-1), mem)
		ra, rb := sourcetest.RowStrings(ba), sourcetest.RowStrings(bb)
		if strings.Join(ra, "\n") != strings.Join(rb, "\n") {
			t.Errorf("%s: two scans differ", name)
		}
		// A projected column equals the same column of a full scan.
		last := a.Schema().NumFields() - 1
		bp := read(t, a, catalog.ScanRequest{Projection: []int{last, 0}, Limit: -1}, mem)
		full := projected(ba, []int{last, 0})
		got := sourcetest.RowStrings(bp)
		if strings.Join(full, "\n") != strings.Join(got, "\n") {
			t.Errorf("%s: projected scan differs from the full scan's columns", name)
		}
		release(ba)
		release(bb)
		release(bp)
	}
}

func projected(bs []arrow.RecordBatch, proj []int) []string {
	var out []arrow.RecordBatch
	for _, b := range bs {
		cols := make([]arrow.Array, len(proj))
		fields := make([]arrow.Field, len(proj))
		for i, c := range proj {
			cols[i], fields[i] = b.Column(c), b.Schema().Field(c)
		}
		out = append(out, array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, b.NumRows()))
	}
	defer release(out)
	return sourcetest.RowStrings(out)
}

func TestKeyFiltersExact(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := newSchema(t, 0.01, 1000)
	orders := table(t, s, "orders")
	cases := []struct {
		f      expr.Expr
		lo, hi int64
	}{
		{and(keyCmp(orders, expr.OpGtEq, 100), keyCmp(orders, expr.OpLtEq, 2199)), 100, 2199},
		{keyCmp(orders, expr.OpEq, 7), 7, 7},
		{keyCmp(orders, expr.OpLt, 3), 1, 2},
		{keyCmp(orders, expr.OpGt, 14990), 14991, 15000},
		{keyCmp(orders, expr.OpGt, 99999), 1, 0},
		{&expr.Binary{Op: expr.OpLt, Left: &expr.Literal{DataType: arrow.PrimitiveTypes.Int64, Value: int64(14998)},
			Right: &expr.Column{Index: 0, Name: "o_orderkey", DataType: arrow.PrimitiveTypes.Int64}, DataType: arrow.FixedWidthTypes.Boolean}, 14999, 15000},
		{&expr.Binary{Op: expr.OpEq, Left: &expr.Column{Index: 0, Name: "o_orderkey", DataType: arrow.PrimitiveTypes.Int64},
			Right: &expr.Literal{DataType: arrow.PrimitiveTypes.Int64}, DataType: arrow.FixedWidthTypes.Boolean}, 1, 0},
	}
	for _, c := range cases {
		vs, _ := orders.SupportsFilters([]expr.Expr{c.f})
		if vs[0] != catalog.FilterExact {
			t.Fatalf("%s: %s, want Exact", c.f, vs[0])
		}
		bs := read(t, orders, catalog.ScanRequest{Filters: []expr.Expr{c.f}, Projection: []int{0}, Limit: -1}, mem)
		keys := int64s(bs, 0)
		release(bs)
		if int64(len(keys)) != max(0, c.hi-c.lo+1) {
			t.Errorf("%s: %d rows, want keys %d..%d", c.f, len(keys), c.lo, c.hi)
			continue
		}
		for i, k := range keys {
			if k != c.lo+int64(i) {
				t.Errorf("%s: row %d has key %d", c.f, i, k)
				break
			}
		}
	}
	// lineitem: l_orderkey = 7 gives exactly order 7's lines.
	li := table(t, s, "lineitem")
	bs := read(t, li, catalog.ScanRequest{Filters: []expr.Expr{keyCmp(li, expr.OpEq, 7)}, Limit: -1}, mem)
	if n := rowCount(bs); n != lineCount(7) {
		t.Errorf("lineitem key 7: %d rows, want %d", n, lineCount(7))
	}
	for _, k := range int64s(bs, 0) {
		if k != 7 {
			t.Errorf("lineitem key filter returned key %d", k)
		}
	}
	release(bs)

	// Everything else is Unsupported.
	other := []expr.Expr{
		&expr.Binary{Op: expr.OpEq, Left: &expr.Column{Index: 1, Name: "o_custkey", DataType: arrow.PrimitiveTypes.Int64},
			Right: &expr.Literal{DataType: arrow.PrimitiveTypes.Int64, Value: int64(1)}, DataType: arrow.FixedWidthTypes.Boolean},
		keyCmp(orders, expr.OpNotEq, 3),
		&expr.Binary{Op: expr.OpLt, Left: &expr.Column{Index: 0, Name: "o_orderkey", DataType: arrow.PrimitiveTypes.Int64},
			Right: &expr.Literal{DataType: arrow.PrimitiveTypes.Float64, Value: 2.5}, DataType: arrow.FixedWidthTypes.Boolean},
		&expr.Binary{Op: expr.OpOr, Left: keyCmp(orders, expr.OpLt, 3), Right: keyCmp(orders, expr.OpGt, 9), DataType: arrow.FixedWidthTypes.Boolean},
		and(keyCmp(orders, expr.OpLt, 3), &expr.IsNull{Input: &expr.Column{Index: 1, Name: "o_custkey", DataType: arrow.PrimitiveTypes.Int64}}),
	}
	vs, _ := orders.SupportsFilters(other)
	for i, v := range vs {
		if v != catalog.FilterUnsupported {
			t.Errorf("%s: %s, want Unsupported", other[i], v)
		}
	}
	if _, err := orders.Scan(context.Background(), catalog.ScanRequest{Filters: other[:1], Limit: -1}); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("Scan with an unaccepted filter: %v, want ErrInvalid", err)
	}
}

func TestLimit(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := newSchema(t, 0.01, 2000)
	for _, name := range []string{"lineitem", "partsupp", "orders"} {
		tbl := table(t, s, name)
		for _, limit := range []int64{0, 1, 10, 9000} {
			bs := read(t, tbl, all(limit), mem)
			st, _ := tbl.Statistics(context.Background())
			if n := rowCount(bs); n != min(limit, st.NumRows.Value) {
				t.Errorf("%s limit %d: %d rows", name, limit, n)
			}
			release(bs)
		}
	}
}

func TestPartitionsCoverOnce(t *testing.T) {
	s := newSchema(t, 0.01, 1000)
	for _, name := range []string{"orders", "lineitem", "partsupp", "nation"} {
		tbl := table(t, s, name)
		lo, hi := tbl.keyBounds()
		sc, _ := tbl.Scan(context.Background(), all(-1))
		next := lo
		for _, p := range sc.Partitions() {
			pp := p.(*partition)
			if pp.lo != next || pp.hi < pp.lo {
				t.Fatalf("%s: partition %v after key %d", name, pp, next-1)
			}
			next = pp.hi + 1
		}
		if next != hi+1 {
			t.Fatalf("%s: partitions end at %d, want %d", name, next-1, hi)
		}
		if name == "orders" && len(sc.Partitions()) != 15 {
			t.Errorf("orders: %d partitions, want 15", len(sc.Partitions()))
		}
	}
}

func TestReferentialIntegrity(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := newSchema(t, 0.005, DefaultPartitionRows)
	ps := read(t, table(t, s, "partsupp"), catalog.ScanRequest{Projection: []int{psPartkey, psSuppkey}, Limit: -1}, mem)
	pairs := map[[2]int64]bool{}
	pk, sk := int64s(ps, 0), int64s(ps, 1)
	for i := range pk {
		if pairs[[2]int64{pk[i], sk[i]}] {
			t.Fatalf("partsupp key (%d, %d) repeats", pk[i], sk[i])
		}
		pairs[[2]int64{pk[i], sk[i]}] = true
	}
	release(ps)
	nSupp, nCust := s.sizes.suppliers, s.sizes.customers

	li := read(t, table(t, s, "lineitem"), catalog.ScanRequest{
		Projection: []int{lOrderkey, lPartkey, lSuppkey, lShipdate, lReceiptdate, lLinestatus}, Limit: -1}, mem)
	status := map[int64]string{}
	for _, b := range li {
		ok, pkc, skc := b.Column(0).(*array.Int64), b.Column(1).(*array.Int64), b.Column(2).(*array.Int64)
		ship, rec, ls := b.Column(3).(*array.Date32), b.Column(4).(*array.Date32), b.Column(5).(*array.String)
		for i := 0; i < int(b.NumRows()); i++ {
			if !pairs[[2]int64{pkc.Value(i), skc.Value(i)}] {
				t.Fatalf("lineitem (%d, %d) is not a partsupp row", pkc.Value(i), skc.Value(i))
			}
			if skc.Value(i) < 1 || skc.Value(i) > nSupp {
				t.Fatalf("l_suppkey %d out of range", skc.Value(i))
			}
			if d := int64(ship.Value(i)); d < startDate || d > endDate || int64(rec.Value(i)) <= d {
				t.Fatalf("ship date %d / receipt %d out of order or range", d, rec.Value(i))
			}
			status[ok.Value(i)] += ls.Value(i)
		}
	}
	release(li)

	ord := read(t, table(t, s, "orders"), catalog.ScanRequest{Projection: []int{oOrderkey, oCustkey, oOrderstatus, oOrderdate, oTotalprice}, Limit: -1}, mem)
	for _, b := range ord {
		ok, ck, st, od := b.Column(0).(*array.Int64), b.Column(1).(*array.Int64), b.Column(2).(*array.String), b.Column(3).(*array.Date32)
		tp := b.Column(4).(*array.Decimal128)
		for i := 0; i < int(b.NumRows()); i++ {
			if c := ck.Value(i); c < 1 || c > nCust || c%3 == 0 {
				t.Fatalf("o_custkey %d invalid", c)
			}
			lines := status[ok.Value(i)]
			want := "P"
			if !strings.Contains(lines, "O") {
				want = "F"
			} else if !strings.Contains(lines, "F") {
				want = "O"
			}
			if st.Value(i) != want {
				t.Fatalf("order %d: status %s but lines %q", ok.Value(i), st.Value(i), lines)
			}
			if d := int64(od.Value(i)); d < startDate || d > lastOrderDate {
				t.Fatalf("order date %d out of range", d)
			}
			if tp.Value(i).Sign() <= 0 {
				t.Fatalf("order %d: total price %v", ok.Value(i), tp.Value(i))
			}
		}
	}
	release(ord)

	nat := read(t, table(t, s, "nation"), all(-1), mem)
	for _, b := range nat {
		rk := b.Column(nRegionkey).(*array.Int64)
		for i := 0; i < rk.Len(); i++ {
			if rk.Value(i) < 0 || rk.Value(i) > 4 {
				t.Fatalf("n_regionkey %d", rk.Value(i))
			}
		}
	}
	release(nat)
}

func TestOptions(t *testing.T) {
	fac := Factory()
	mk := func(vals map[string]any) (catalog.Schema, error) {
		return fac.Schema(context.Background(), catalog.ProviderOptions{Path: "catalogs.demo.schemas.tpch", Values: vals})
	}
	for _, v := range []any{0.5, 1, "0.1", int64(2)} {
		s, err := mk(map[string]any{"scale": v})
		if err != nil {
			t.Errorf("scale %v: %v", v, err)
			continue
		}
		if s.(*Schema).Scale() <= 0 {
			t.Errorf("scale %v: %v", v, s.(*Schema).Scale())
		}
	}
	s, err := mk(nil)
	if err != nil || s.(*Schema).Scale() != DefaultScale {
		t.Errorf("default scale: %v %v", s, err)
	}
	for _, c := range []struct {
		vals map[string]any
		want string
	}{
		{map[string]any{"scale": 0}, "catalogs.demo.schemas.tpch.scale"},
		{map[string]any{"scale": -1.5}, "catalogs.demo.schemas.tpch.scale"},
		{map[string]any{"scale": "big"}, "catalogs.demo.schemas.tpch.scale"},
		{map[string]any{"scale": true}, "catalogs.demo.schemas.tpch.scale"},
		{map[string]any{"scale": 1e9}, "catalogs.demo.schemas.tpch.scale"},
		{map[string]any{"partition_rows": 0}, "catalogs.demo.schemas.tpch.partition_rows"},
		{map[string]any{"sf": 1}, "catalogs.demo.schemas.tpch.sf"},
	} {
		_, err := mk(c.vals)
		if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want ErrInvalid naming %s", c.vals, err, c.want)
		}
	}
}

func TestCodecMismatch(t *testing.T) {
	a := table(t, newSchema(t, 0.01, 1000), "orders")
	sc, _ := a.Scan(context.Background(), all(-1))
	data, err := a.EncodePartition(sc.Partitions()[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []*Table{table(t, newSchema(t, 0.02, 1000), "orders"), table(t, newSchema(t, 0.01, 1000), "lineitem")} {
		if _, err := other.DecodePartition(context.Background(), data); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("decode on %s: %v, want ErrInvalid", other, err)
		}
	}
	if _, err := a.DecodePartition(context.Background(), []byte(`{"v":1,"table":"orders","scale":0.01,"lo":0,"hi":5}`)); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("out-of-range key: %v", err)
	}
}

func TestCancellation(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl := table(t, newSchema(t, 0.01, DefaultPartitionRows), "lineitem")
	sc, _ := tbl.Scan(context.Background(), all(-1))
	ctx, cancel := context.WithCancel(context.Background())
	rr, err := sc.Partitions()[0].Open(ctx, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	if !rr.Next() {
		t.Fatal(rr.Err())
	}
	cancel()
	if rr.Next() || !errors.Is(rr.Err(), context.Canceled) {
		t.Fatalf("after cancel: Err = %v", rr.Err())
	}
}

// TestConformance runs the shared provider kit on every table, with Exact
// key filters and one Unsupported filter.
func TestConformance(t *testing.T) {
	s := newSchema(t, 0.0005, 300)
	for _, name := range []string{"region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem"} {
		t.Run(name, func(t *testing.T) {
			tbl := table(t, s, name)
			lo, hi := tbl.keyBounds()
			mid := (lo + hi) / 2
			sourcetest.Run(t, sourcetest.Harness{
				New:     func(testing.TB) catalog.Table { return table(t, newSchema(t, 0.0005, 300), name) },
				IOCount: func() int64 { return genCount.Load() },
				Filters: []expr.Expr{
					keyCmp(tbl, expr.OpGtEq, mid),
					and(keyCmp(tbl, expr.OpGtEq, lo+1), keyCmp(tbl, expr.OpLtEq, mid+1)),
					keyCmp(tbl, expr.OpNotEq, lo),
				},
			})
		})
	}
}

func BenchmarkGenerateLineitem(b *testing.B) {
	tbl := table(b, newSchema(b, 0.01, DefaultPartitionRows), "lineitem")
	mem := memory.NewGoAllocator()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		bs := read(b, tbl, all(-1), mem)
		b.ReportMetric(float64(rowCount(bs)), "rows/op")
		release(bs)
	}
}
