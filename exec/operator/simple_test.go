package operator

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

func TestBatchesRoundTrip(t *testing.T) {
	rows := testRows(100)
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := newMem(t)
			assertRows(t, drain(t, source(t, mem, testSchema, rows, size)), rows)
		})
	}
}

func TestBatchesRejectsWrongTypes(t *testing.T) {
	mem := newMem(t)
	bs := buildBatches(t, mem, testSchema, testRows(3), 3)
	defer releaseBatches(bs)
	other := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	_, err := Drain(context.Background(), NewBatches(other, bs))
	if !errors.Is(err, errs.ErrInternal) {
		t.Fatalf("want ErrInternal, got %v", err)
	}
}

func TestFilter(t *testing.T) {
	rows := testRows(1100)
	var want []row
	for _, r := range rows {
		if r[5] == true {
			want = append(want, r)
		}
	}
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := newMem(t)
			op := NewFilter(source(t, mem, testSchema, rows, size), col(testSchema, "keep"), mem)
			assertRows(t, drain(t, op), want)
		})
	}
}

func TestFilterConstant(t *testing.T) {
	mem := newMem(t)
	rows := testRows(50)
	op := NewFilter(source(t, mem, testSchema, rows, 7), &expr.Literal{DataType: arrow.FixedWidthTypes.Boolean, Value: true}, mem)
	assertRows(t, drain(t, op), rows)
	op = NewFilter(source(t, mem, testSchema, rows, 7), &expr.Literal{DataType: arrow.FixedWidthTypes.Boolean, Value: false}, mem)
	assertRows(t, drain(t, op), nil)
	op = NewFilter(source(t, mem, testSchema, rows, 7), &expr.Literal{DataType: arrow.Null, Value: nil}, mem)
	assertRows(t, drain(t, op), nil)
}

func TestProject(t *testing.T) {
	rows := testRows(1100)
	want := make([]row, len(rows))
	for i, r := range rows {
		want[i] = row{r[2], r[0], r[2]}
	}
	out := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "s2", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := newMem(t)
			op := NewProject(source(t, mem, testSchema, rows, size),
				[]expr.Expr{col(testSchema, "s"), col(testSchema, "id"), col(testSchema, "s")}, out, mem)
			assertRows(t, drain(t, op), want)
		})
	}
}

func TestProjectNoColumns(t *testing.T) {
	mem := newMem(t)
	op := NewProject(source(t, mem, testSchema, testRows(10), 3), nil, arrow.NewSchema(nil, nil), mem)
	bs, err := Drain(context.Background(), op)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseBatches(bs)
	var n int64
	for _, b := range bs {
		n += b.NumRows()
	}
	if n != 10 {
		t.Fatalf("got %d rows, want 10", n)
	}
}

func TestProjectTypeMismatch(t *testing.T) {
	mem := newMem(t)
	out := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Float64}}, nil)
	op := NewProject(source(t, mem, testSchema, testRows(10), 3), []expr.Expr{col(testSchema, "id")}, out, mem)
	if _, err := Drain(context.Background(), op); !errors.Is(err, errs.ErrInternal) {
		t.Fatalf("want ErrInternal, got %v", err)
	}
}

// countingOp counts how many batches its parent pulled and whether it was
// closed.
type countingOp struct {
	Operator
	pulled int
	closed int
}

func (c *countingOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	c.pulled++
	return c.Operator.Next(ctx)
}

func (c *countingOp) Close() error { c.closed++; return c.Operator.Close() }

func TestLimit(t *testing.T) {
	rows := testRows(1100)
	n := int64(len(rows))
	cases := []struct{ offset, count int64 }{{0, 10}, {5, 100}, {n - 5, 100}, {0, -1}, {10, 0}, {n, 5}, {1, n - 1}, {1023, 2}}
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := newMem(t)
			bs := buildBatches(t, mem, testSchema, rows, size)
			defer releaseBatches(bs)
			for _, c := range cases {
				end := n
				if c.count >= 0 {
					end = min(end, c.offset+c.count)
				}
				var want []row
				if c.offset < end {
					want = rows[c.offset:end]
				}
				in := &countingOp{Operator: NewBatches(testSchema, bs)}
				assertRows(t, drain(t, NewLimit(in, c.offset, c.count)), want)
				if in.closed != 1 {
					t.Errorf("offset %d count %d: input closed %d times, want 1", c.offset, c.count, in.closed)
				}
				if c.count >= 0 && c.offset+c.count < n {
					// It must stop pulling once satisfied.
					maxPulls := int((c.offset + c.count + int64(size) - 1) / int64(size))
					if in.pulled > maxPulls {
						t.Errorf("offset %d count %d: pulled %d batches, want at most %d", c.offset, c.count, in.pulled, maxPulls)
					}
				}
			}
		})
	}
}

func TestValues(t *testing.T) {
	mem := newMem(t)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "c", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "d", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	i64 := func(v int64) expr.Expr { return &expr.Literal{DataType: arrow.PrimitiveTypes.Int64, Value: v} }
	str := func(v string) expr.Expr { return &expr.Literal{DataType: arrow.BinaryTypes.String, Value: v} }
	null := &expr.Literal{DataType: arrow.Null}
	dec := &expr.Literal{DataType: &arrow.Decimal128Type{Precision: 3, Scale: 1}, Value: decimal128.FromI64(125)}
	rows := [][]expr.Expr{
		{i64(1), str("x"), dec, i64(2)},
		{null, null, null, null},
		{i64(-5), str(""), i64(7), &expr.Literal{DataType: arrow.PrimitiveTypes.Float64, Value: 0.5}},
	}
	got := drain(t, NewValues(schema, rows, mem))
	assertRows(t, got, []row{
		{int64(1), "x", "12.50", 2.0},
		{nil, nil, nil, nil},
		{int64(-5), "", "7.00", 0.5},
	})
	// Wrong arity and unconvertible values are ErrInvalid.
	_, err := Drain(context.Background(), NewValues(schema, [][]expr.Expr{{i64(1)}}, mem))
	if !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("want ErrInvalid for arity, got %v", err)
	}
	_, err = Drain(context.Background(), NewValues(schema, [][]expr.Expr{{str("x"), null, null, null}}, mem))
	if !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("want ErrInvalid for a string in BIGINT, got %v", err)
	}
	// Many rows come out in batches of at most 8192.
	big := make([][]expr.Expr, 20000)
	for i := range big {
		big[i] = []expr.Expr{i64(int64(i)), null, null, null}
	}
	bs, err := Drain(context.Background(), NewValues(schema, big, mem))
	if err != nil {
		t.Fatal(err)
	}
	defer releaseBatches(bs)
	if len(bs) != 3 || bs[0].NumRows() != 8192 {
		t.Fatalf("got %d batches (first %d rows), want 3 of ≤8192", len(bs), bs[0].NumRows())
	}
}

func TestCloseBeforeOpenAndTwice(t *testing.T) {
	mem := newMem(t)
	in := func() Operator { return source(t, mem, testSchema, testRows(5), 2) }
	ops := []Operator{
		in(),
		NewFilter(in(), col(testSchema, "keep"), mem),
		NewProject(in(), nil, arrow.NewSchema(nil, nil), mem),
		NewLimit(in(), 0, 1),
		NewSort(in(), []SortKey{{Expr: col(testSchema, "id")}}, mem, nil),
		NewHashAggregate(in(), nil, []expr.AggregateCall{{Func: expr.AggCount, DataType: arrow.PrimitiveTypes.Int64}}, nil, mem, nil),
		NewValues(arrow.NewSchema(nil, nil), nil, mem),
		NewScan(nil, testSchema, 2, mem),
		Instrument(in()),
	}
	for _, op := range ops {
		if err := op.Close(); err != nil {
			t.Errorf("%T: Close before Open: %v", op, err)
		}
		if err := op.Close(); err != nil {
			t.Errorf("%T: second Close: %v", op, err)
		}
	}
}

func TestInstrumentAndReader(t *testing.T) {
	mem := newMem(t)
	rows := testRows(100)
	ins := Instrument(NewFilter(source(t, mem, testSchema, rows, 10), col(testSchema, "keep"), mem))
	rdr := AsRecordReader(context.Background(), ins)
	var n int64
	batches := 0
	for rdr.Next() {
		n += rdr.RecordBatch().NumRows()
		batches++
	}
	if rdr.Err() != nil {
		t.Fatal(rdr.Err())
	}
	rdr.Release()
	m := ins.Metrics()
	if m.Rows != n || m.Batches != int64(batches) || m.Bytes <= 0 || m.Elapsed <= 0 {
		t.Fatalf("metrics %+v, want rows %d batches %d", m, n, batches)
	}
	if n != 32 { // rows with keep = true: i%3==0 and i%17!=0 for i<100
		t.Fatalf("got %d rows", n)
	}
	// Errors surface through Err, and Release before the end closes.
	bad := AsRecordReader(context.Background(), NewProject(source(t, mem, testSchema, rows, 10),
		[]expr.Expr{col(testSchema, "id")}, arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.BinaryTypes.String}}, nil), mem))
	if bad.Next() || !errors.Is(bad.Err(), errs.ErrInternal) {
		t.Fatalf("want ErrInternal, got %v", bad.Err())
	}
	bad.Release()
	early := AsRecordReader(context.Background(), source(t, mem, testSchema, rows, 10))
	if !early.Next() {
		t.Fatal("no first batch")
	}
	early.Release()
}
