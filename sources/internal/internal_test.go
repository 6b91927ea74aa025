package internal

import (
	"errors"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestExprCodecRoundTrip(t *testing.T) {
	boolT := arrow.FixedWidthTypes.Boolean
	col := &expr.Column{Index: 2, Name: "amount", DataType: &arrow.Decimal128Type{Precision: 15, Scale: 2}}
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	es := []expr.Expr{
		&expr.Binary{Op: expr.OpGt, Left: col, Right: &expr.Literal{DataType: col.DataType, Value: decimal128.FromI64(-12345)}, DataType: boolT},
		&expr.Not{Input: &expr.IsNull{Input: col, Negated: true}},
		&expr.In{Input: &expr.Column{Index: 0, Name: "s", DataType: arrow.BinaryTypes.String}, List: []expr.Expr{
			&expr.Literal{DataType: arrow.BinaryTypes.String, Value: "a\"b"}, &expr.Literal{DataType: arrow.BinaryTypes.String},
		}, Negated: true},
		&expr.Like{Input: &expr.Column{Index: 0, Name: "s", DataType: arrow.BinaryTypes.String}, Pattern: &expr.Literal{DataType: arrow.BinaryTypes.String, Value: "x%"}, Escape: '!', Negated: true},
		&expr.Cast{Input: &expr.Literal{DataType: arrow.PrimitiveTypes.Float64, Value: math.Inf(-1)}, To: ts},
		&expr.Case{Whens: []expr.When{{Cond: &expr.Literal{DataType: boolT, Value: true}, Then: &expr.Literal{DataType: arrow.PrimitiveTypes.Uint64, Value: uint64(math.MaxUint64)}}},
			Else: &expr.Negate{Input: &expr.Literal{DataType: arrow.PrimitiveTypes.Int64, Value: int64(math.MinInt64)}}, DataType: arrow.PrimitiveTypes.Int64},
		&expr.Call{Name: "lower", Args: []expr.Expr{&expr.Literal{DataType: arrow.BinaryTypes.Binary, Value: []byte{0, 1, 255}}}, DataType: arrow.BinaryTypes.String},
		&expr.Literal{DataType: arrow.FixedWidthTypes.Date32, Value: arrow.Date32(19000)},
		&expr.Literal{DataType: &arrow.Time64Type{Unit: arrow.Nanosecond}, Value: arrow.Time64(5)},
		&expr.Literal{DataType: ts, Value: arrow.Timestamp(-7)},
	}
	for _, e := range es {
		raw, err := EncodeExpr(e)
		if err != nil {
			t.Fatalf("EncodeExpr(%T): %v", e, err)
		}
		back, err := DecodeExpr(raw)
		if err != nil {
			t.Fatalf("DecodeExpr(%s): %v", raw, err)
		}
		raw2, _ := EncodeExpr(back)
		if string(raw) != string(raw2) {
			t.Errorf("round trip changed the encoding:\n %s\n %s", raw, raw2)
		}
	}
}

func TestExprCodecRejectsGarbage(t *testing.T) {
	deep := `{"k":"not","a":[`
	for i := 0; i < 300; i++ {
		deep += `{"k":"not","a":[`
	}
	for _, bad := range []string{``, `{`, `{"k":"zzz"}`, `{"k":"col"}`, `{"k":"bin","t":{"id":"bool"},"op":99,"a":[{"k":"lit","t":{"id":"null"}},{"k":"lit","t":{"id":"null"}}]}`,
		`{"k":"lit","t":{"id":"int64"},"v":"x"}`, `{"k":"lit","t":{"id":"decimal128","p":99}}`, `{"k":"case","t":{"id":"int64"},"w":3}`, deep} {
		_, err := DecodeExpr([]byte(bad))
		if !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("DecodeExpr(%.40q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestColumnStats(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	fb := array.NewFloat64Builder(mem)
	fb.AppendValues([]float64{3, math.NaN(), -1, 0}, []bool{true, true, true, false})
	fa := fb.NewArray()
	fb.Release()
	defer fa.Release()
	sb := array.NewStringBuilder(mem)
	sb.AppendValues([]string{"m", "b", "z"}, nil)
	sb.AppendNull()
	sa := sb.NewArray()
	sb.Release()
	defer sa.Release()

	fs := NewColumnStats(fa.DataType())
	fs.Add(fa)
	c := fs.Catalog()
	if c.Min.Value != -1.0 || c.Max.Value != 3.0 || c.NullCount.Value != 1 {
		t.Errorf("float stats = %+v", c)
	}
	ss := NewColumnStats(sa.DataType())
	ss.Add(sa)
	other := NewColumnStats(sa.DataType())
	sl := array.NewSlice(sa, 0, 2)
	defer sl.Release()
	other.Add(sl)
	ss.Merge(other)
	c = ss.Catalog()
	if c.Min.Value != "b" || c.Max.Value != "z" || c.NullCount.Value != 1 {
		t.Errorf("string stats = %+v", c)
	}
	ls := NewColumnStats(arrow.ListOf(arrow.PrimitiveTypes.Int64))
	if c := ls.Catalog(); c.Min.Precision != 0 {
		t.Errorf("list min should be Absent, got %+v", c.Min)
	}
}
