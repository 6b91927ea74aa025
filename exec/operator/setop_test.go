package operator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

var setSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// setRows makes n rows with many duplicates and NULLs in both columns.
func setRows(n, mod, shift int) []row {
	out := make([]row, n)
	for i := range out {
		v := (i*7 + shift) % mod
		var k, s any = int64(v), fmt.Sprintf("v%d", v%3)
		if v%5 == 0 {
			k = nil
		}
		if v%4 == 1 {
			s = nil
		}
		if v%6 == 2 {
			s = strings.ToUpper(fmt.Sprintf("v%d", v%3)) // equal to "vN" under the collation
		}
		out[i] = row{k, s}
	}
	return out
}

// setKey is a row's identity for set operations: NULLs equal, strings
// compared case-insensitively (the default collation for ASCII).
func setKey(r row) string {
	return fmt.Sprintf("%v|%v", r[0], strings.ToLower(fmt.Sprint(r[1])))
}

// refSetOp computes the expected output (left rows, in order).
func refSetOp(left, right []row, kind SetOpKind, all bool) []row {
	counts := map[string]int{}
	for _, r := range right {
		counts[setKey(r)]++
	}
	emitted := map[string]bool{}
	var out []row
	for _, r := range left {
		k := setKey(r)
		switch {
		case all && kind == Intersect:
			if counts[k] > 0 {
				counts[k]--
				out = append(out, r)
			}
		case all:
			if counts[k] > 0 {
				counts[k]--
			} else {
				out = append(out, r)
			}
		default:
			if !emitted[k] && (counts[k] > 0) == (kind == Intersect) {
				emitted[k] = true
				out = append(out, r)
			}
		}
	}
	return out
}

func TestSetOp(t *testing.T) {
	left, right := setRows(200, 23, 0), setRows(150, 31, 3)
	for _, kind := range []SetOpKind{Intersect, Except} {
		for _, all := range []bool{false, true} {
			want := refSetOp(left, right, kind, all)
			for _, size := range batchSizes {
				t.Run(fmt.Sprintf("kind=%d/all=%v/size=%d", kind, all, size), func(t *testing.T) {
					mem := newMem(t)
					op := NewSetOp(source(t, mem, setSchema, left, size), source(t, mem, setSchema, right, size+1), kind, all, setSchema, mem, NewBudget(0))
					got := drain(t, op)
					// Rows come from the left in order; which of several
					// equal rows is kept may differ only in string case.
					if len(got) != len(want) {
						t.Fatalf("got %d rows, want %d", len(got), len(want))
					}
					for i := range got {
						if setKey(got[i]) != setKey(want[i]) {
							t.Fatalf("row %d: got %v, want %v", i, got[i], want[i])
						}
					}
				})
			}
		}
	}
}

func TestSetOpEmptyInputs(t *testing.T) {
	mem := newMem(t)
	rows := setRows(10, 7, 0)
	got := drain(t, NewSetOp(source(t, mem, setSchema, rows, 3), source(t, mem, setSchema, nil, 3), Intersect, false, setSchema, mem, nil))
	assertRows(t, got, nil)
	got = drain(t, NewSetOp(source(t, mem, setSchema, rows, 3), source(t, mem, setSchema, nil, 3), Except, true, setSchema, mem, nil))
	assertRows(t, got, rows)
}

func TestSetOpBudget(t *testing.T) {
	mem := newMem(t)
	op := NewSetOp(source(t, mem, setSchema, setRows(100, 97, 0), 16), source(t, mem, setSchema, setRows(1000, 997, 1), 16), Except, false, setSchema, mem, NewBudget(256))
	_, err := Drain(context.Background(), op)
	if !errors.Is(err, errs.ErrResourceExhausted) {
		t.Fatalf("want ResourceExhausted, got %v", err)
	}
}

func TestUnion(t *testing.T) {
	a, b, c := setRows(37, 11, 0), setRows(0, 1, 0), setRows(20, 13, 2)
	// A second schema with other names: the union relabels batches.
	other := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "y", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := newMem(t)
			op := NewUnion([]Operator{source(t, mem, setSchema, a, size), source(t, mem, other, b, size), source(t, mem, other, c, size)}, setSchema)
			got := drain(t, op)
			assertRows(t, got, append(append(append([]row(nil), a...), b...), c...))
		})
	}
}

func TestUnionSchemaMismatch(t *testing.T) {
	mem := newMem(t)
	bad := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int32}}, nil)
	op := NewUnion([]Operator{source(t, mem, setSchema, nil, 1), source(t, mem, bad, nil, 1)}, setSchema)
	defer op.Close()
	if err := op.Open(context.Background()); !errors.Is(err, errs.ErrInternal) {
		t.Fatalf("want Internal, got %v", err)
	}
}

var probeSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "p", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "q", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

func probeRows(n int) []row {
	out := make([]row, n)
	for i := range out {
		var p, q any = int64(i % 9), fmt.Sprintf("S%d", i%4)
		if i%7 == 3 {
			p = nil
		}
		if i%5 == 4 {
			q = nil
		}
		out[i] = row{int64(i), p, q}
	}
	return out
}

func withColumn(rows []row, f func(r row) any) []row {
	out := make([]row, len(rows))
	for i, r := range rows {
		out[i] = append(append(row(nil), r...), f(r))
	}
	return out
}

func subSchema(name string, t arrow.DataType) *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{{Name: name, Type: t, Nullable: true}}, nil)
}

func joinedSchema(t arrow.DataType) *arrow.Schema {
	return arrow.NewSchema(append(append([]arrow.Field(nil), probeSchema.Fields()...), arrow.Field{Name: "sq", Type: t, Nullable: true}), nil)
}

func TestSubqueryJoinIn(t *testing.T) {
	ints := subSchema("v", arrow.PrimitiveTypes.Int64)
	strs := subSchema("v", arrow.BinaryTypes.String)
	rows := probeRows(100)
	cases := []struct {
		name   string
		probe  string
		sub    *arrow.Schema
		set    []row
		member func(v any) any // nil: the value is NULL
	}{
		{"ints", "p", ints, []row{{int64(1)}, {int64(3)}, {int64(3)}, {int64(100)}},
			func(v any) any { return v == int64(1) || v == int64(3) }},
		{"ints with NULL", "p", ints, []row{{int64(2)}, {nil}},
			func(v any) any {
				if v == int64(2) {
					return true
				}
				return nil
			}},
		{"empty", "p", ints, nil, func(any) any { return false }},
		{"strings by collation", "q", strs, []row{{"s1"}, {"S3"}, {"zz"}},
			func(v any) any { return v == "S1" || v == "S3" }},
	}
	for _, c := range cases {
		for _, size := range batchSizes {
			t.Run(fmt.Sprintf("%s/%d", c.name, size), func(t *testing.T) {
				mem := newMem(t)
				probe := col(probeSchema, c.probe)
				op := NewSubqueryJoin(source(t, mem, probeSchema, rows, size), source(t, mem, c.sub, c.set, 2), SubqueryIn, probe, joinedSchema(arrow.FixedWidthTypes.Boolean), mem, nil)
				got := drain(t, op)
				pos := probe.Index
				want := withColumn(rows, func(r row) any {
					if r[pos] == nil {
						if len(c.set) == 0 {
							return false
						}
						return nil
					}
					return c.member(r[pos])
				})
				assertRows(t, got, want)
			})
		}
	}
}

func TestSubqueryJoinScalarAndExists(t *testing.T) {
	rows := probeRows(40)
	ints := subSchema("v", arrow.PrimitiveTypes.Int64)
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := newMem(t)
			op := NewSubqueryJoin(source(t, mem, probeSchema, rows, size), source(t, mem, ints, []row{{int64(42)}}, 1), SubqueryScalar, nil, joinedSchema(arrow.PrimitiveTypes.Int64), mem, nil)
			assertRows(t, drain(t, op), withColumn(rows, func(row) any { return int64(42) }))

			op = NewSubqueryJoin(source(t, mem, probeSchema, rows, size), source(t, mem, ints, nil, 1), SubqueryScalar, nil, joinedSchema(arrow.PrimitiveTypes.Int64), mem, nil)
			assertRows(t, drain(t, op), withColumn(rows, func(row) any { return nil }))

			op = NewSubqueryJoin(source(t, mem, probeSchema, rows, size), source(t, mem, ints, []row{{nil}, {int64(1)}}, 1), SubqueryExists, nil, joinedSchema(arrow.FixedWidthTypes.Boolean), mem, nil)
			assertRows(t, drain(t, op), withColumn(rows, func(row) any { return true }))

			op = NewSubqueryJoin(source(t, mem, probeSchema, rows, size), source(t, mem, ints, nil, 1), SubqueryExists, nil, joinedSchema(arrow.FixedWidthTypes.Boolean), mem, nil)
			assertRows(t, drain(t, op), withColumn(rows, func(row) any { return false }))
		})
	}
}

func TestSubqueryJoinScalarTooManyRows(t *testing.T) {
	mem := newMem(t)
	ints := subSchema("v", arrow.PrimitiveTypes.Int64)
	op := NewSubqueryJoin(source(t, mem, probeSchema, probeRows(3), 2), source(t, mem, ints, []row{{int64(1)}, {int64(2)}}, 2), SubqueryScalar, nil, joinedSchema(arrow.PrimitiveTypes.Int64), mem, nil)
	_, err := Drain(context.Background(), op)
	if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "Subquery returns more than 1 row") {
		t.Fatalf("want Invalid 'Subquery returns more than 1 row', got %v", err)
	}
}

func TestSubqueryJoinBadProbeType(t *testing.T) {
	mem := newMem(t)
	op := NewSubqueryJoin(source(t, mem, probeSchema, nil, 1), source(t, mem, subSchema("v", arrow.BinaryTypes.String), nil, 1), SubqueryIn, &expr.Column{Index: 1, Name: "p", DataType: arrow.PrimitiveTypes.Int64}, joinedSchema(arrow.FixedWidthTypes.Boolean), mem, nil)
	defer op.Close()
	if err := op.Open(context.Background()); !errors.Is(err, errs.ErrInternal) {
		t.Fatalf("want Internal, got %v", err)
	}
}
