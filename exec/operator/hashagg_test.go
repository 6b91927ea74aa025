package operator

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// aggSpec describes one aggregate for both the operator and the reference.
type aggSpec struct {
	fn       expr.AggFunc
	col      string // "" = COUNT(*)
	distinct bool
	typ      arrow.DataType
}

var (
	dec38s0 = &arrow.Decimal128Type{Precision: 38, Scale: 0}
	dec38s2 = &arrow.Decimal128Type{Precision: 38, Scale: 2}
	dec38s4 = &arrow.Decimal128Type{Precision: 38, Scale: 4}
	dec38s6 = &arrow.Decimal128Type{Precision: 38, Scale: 6}
	i64     = arrow.PrimitiveTypes.Int64
	f64     = arrow.PrimitiveTypes.Float64
)

var testAggs = []aggSpec{
	{expr.AggCount, "", false, i64},
	{expr.AggCount, "s", false, i64},
	{expr.AggCount, "s", true, i64},
	{expr.AggCount, "d", true, i64},
	{expr.AggSum, "id", false, dec38s0},
	{expr.AggAvg, "id", false, dec38s4},
	{expr.AggSum, "grp", true, dec38s0},
	{expr.AggMin, "s", false, arrow.BinaryTypes.String},
	{expr.AggMax, "s", false, arrow.BinaryTypes.String},
	{expr.AggSum, "f", false, f64},
	{expr.AggAvg, "f", false, f64},
	{expr.AggMax, "f", false, f64},
	{expr.AggSum, "d", false, dec38s2},
	{expr.AggAvg, "d", false, dec38s6},
	{expr.AggAvg, "d", true, dec38s6},
	{expr.AggMin, "d", false, testSchema.Field(4).Type},
	{expr.AggMax, "day", false, arrow.FixedWidthTypes.Date32},
	{expr.AggMin, "keep", false, arrow.FixedWidthTypes.Boolean},
	{expr.AggMax, "keep", false, arrow.FixedWidthTypes.Boolean},
	{expr.AggSum, "keep", false, dec38s0},
	{expr.AggAvg, "keep", false, dec38s4},
}

func (a aggSpec) call() expr.AggregateCall {
	c := expr.AggregateCall{Func: a.fn, Distinct: a.distinct, DataType: a.typ}
	if a.col != "" {
		c.Arg = col(testSchema, a.col)
	}
	return c
}

// refAggregate computes the expected result rows: keys then aggregates.
func refAggregate(rows []row, keyCols []string, aggs []aggSpec) []row {
	type group struct {
		key  row
		rows []row
	}
	var order []string
	groups := map[string]*group{}
	for _, r := range rows {
		k := make(row, len(keyCols))
		for i, c := range keyCols {
			k[i] = r[testSchema.FieldIndices(c)[0]]
		}
		ks := fmt.Sprint(k...)
		if _, ok := groups[ks]; !ok {
			groups[ks] = &group{key: k}
			order = append(order, ks)
		}
		groups[ks].rows = append(groups[ks].rows, r)
	}
	if len(keyCols) == 0 && len(groups) == 0 {
		groups[""] = &group{}
		order = append(order, "")
	}
	var out []row
	for _, ks := range order {
		g := groups[ks]
		res := append(row(nil), g.key...)
		for _, a := range aggs {
			if a.col == "" {
				res = append(res, int64(len(g.rows)))
				continue
			}
			ci := testSchema.FieldIndices(a.col)[0]
			var vals []any
			seen := map[string]bool{}
			for _, r := range g.rows {
				v := r[ci]
				if v == nil {
					continue
				}
				if a.distinct {
					if seen[fmt.Sprint(v)] {
						continue
					}
					seen[fmt.Sprint(v)] = true
				}
				vals = append(vals, v)
			}
			res = append(res, refAgg(a, testSchema.Field(ci).Type, vals))
		}
		out = append(out, res)
	}
	return out
}

func refAgg(a aggSpec, argT arrow.DataType, vals []any) any {
	if a.fn == expr.AggCount {
		return int64(len(vals))
	}
	if len(vals) == 0 {
		return nil
	}
	switch a.fn {
	case expr.AggMin, expr.AggMax:
		best := vals[0]
		for _, v := range vals[1:] {
			c := refCompare(v, best)
			if (a.fn == expr.AggMin && c < 0) || (a.fn == expr.AggMax && c > 0) {
				best = v
			}
		}
		return best
	}
	switch argT.ID() {
	case arrow.FLOAT64:
		s := 0.0
		for _, v := range vals {
			s += v.(float64)
		}
		if a.fn == expr.AggAvg {
			return s / float64(len(vals))
		}
		return s
	case arrow.INT64, arrow.BOOL:
		s := new(big.Rat)
		for _, v := range vals {
			x, ok := v.(int64)
			if b, isBool := v.(bool); isBool && b {
				x, ok = 1, true
			} else if isBool {
				x, ok = 0, true
			}
			if !ok {
				panic("refAgg: bad int")
			}
			s.Add(s, new(big.Rat).SetInt64(x))
		}
		if a.fn == expr.AggAvg {
			return ratString(s.Quo(s, new(big.Rat).SetInt64(int64(len(vals)))), 4)
		}
		return ratString(s, 0)
	case arrow.DECIMAL128:
		s := new(big.Rat)
		for _, v := range vals {
			r, _ := new(big.Rat).SetString(v.(string))
			s.Add(s, r)
		}
		if a.fn == expr.AggAvg {
			return ratString(s.Quo(s, new(big.Rat).SetInt64(int64(len(vals)))), 6)
		}
		return ratString(s, 2)
	}
	panic("refAgg: " + argT.String())
}

func runAgg(t *testing.T, in Operator, keys []string, aggs []aggSpec, budget *Budget) ([]row, error) {
	t.Helper()
	mem := newMem(t)
	var gb []expr.Expr
	for _, k := range keys {
		gb = append(gb, col(testSchema, k))
	}
	calls := make([]expr.AggregateCall, len(aggs))
	for i, a := range aggs {
		calls[i] = a.call()
	}
	bs, err := Drain(context.Background(), NewHashAggregate(in, gb, calls, nil, mem, budget))
	if err != nil {
		return nil, err
	}
	defer releaseBatches(bs)
	for _, b := range bs {
		if b.NumRows() > maxBatchRows {
			t.Errorf("batch of %d rows", b.NumRows())
		}
	}
	return rowsOf(bs), nil
}

func TestHashAggregate(t *testing.T) {
	rows := testRows(1100)
	keySets := [][]string{nil, {"grp"}, {"s"}, {"grp", "s"}, {"d"}, {"keep", "day"}, {"f"}}
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := newMem(t)
			bs := buildBatches(t, mem, testSchema, rows, size)
			defer releaseBatches(bs)
			for _, keys := range keySets {
				budget := NewBudget(1 << 30)
				got, err := runAgg(t, NewBatches(testSchema, bs), keys, testAggs, budget)
				if err != nil {
					t.Fatalf("keys %v: %v", keys, err)
				}
				assertRows(t, sortRows(got), sortRows(refAggregate(rows, keys, testAggs)))
				if budget.Used() != 0 {
					t.Fatalf("budget holds %d after Close", budget.Used())
				}
			}
		})
	}
}

func TestHashAggregateEmptyInput(t *testing.T) {
	mem := newMem(t)
	got, err := runAgg(t, source(t, mem, testSchema, nil, 3), nil, testAggs, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := row{int64(0), int64(0), int64(0), int64(0)}
	for range testAggs[4:] {
		want = append(want, nil)
	}
	assertRows(t, got, []row{want})
	// With GROUP BY, empty input gives no rows.
	got, err = runAgg(t, source(t, mem, testSchema, nil, 3), []string{"grp"}, testAggs, nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestHashAggregateManyGroups(t *testing.T) {
	mem := newMem(t)
	rows := testRows(20000)
	aggs := []aggSpec{{expr.AggCount, "", false, i64}, {expr.AggSum, "id", false, dec38s0}}
	got, err := runAgg(t, source(t, mem, testSchema, rows, 4096), []string{"id"}, aggs, nil)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, sortRows(got), sortRows(refAggregate(rows, []string{"id"}, aggs)))
}

func TestHashAggregateBudget(t *testing.T) {
	mem := newMem(t)
	budget := NewBudget(50_000)
	_, err := runAgg(t, source(t, mem, testSchema, testRows(5000), 1000), []string{"id"}, testAggs[:3], budget)
	if !errors.Is(err, errs.ErrResourceExhausted) || !strings.Contains(err.Error(), "hash aggregate") {
		t.Fatalf("want ErrResourceExhausted naming the operator, got %v", err)
	}
	if budget.Used() != 0 {
		t.Fatalf("budget holds %d after Close", budget.Used())
	}
}

func TestAvgRounding(t *testing.T) {
	cases := []struct {
		sum      int64
		from, to int32
		n        int64
		want     string
	}{
		{1, 0, 4, 3, "0.3333"},
		{2, 0, 4, 3, "0.6667"},
		{-2, 0, 4, 3, "-0.6667"},
		{1, 0, 4, 8, "0.1250"},
		{1, 0, 0, 2, "1"},   // 0.5 rounds away from zero
		{-1, 0, 0, 2, "-1"}, // -0.5 too
		{12345, 2, 6, 7, "17.635714"},
	}
	for _, c := range cases {
		got := divRound(decimal128.FromI64(c.sum), c.from, c.to, c.n).ToString(c.to)
		if got != c.want {
			t.Errorf("divRound(%d@%d, %d) = %s, want %s", c.sum, c.from, c.n, got, c.want)
		}
	}
	// The big.Int path agrees with the fast one.
	huge := decimal128.FromI64(1).IncreaseScaleBy(30)
	if got := divRound(huge, 0, 4, 3).ToString(4); got != "333333333333333333333333333333.3333" {
		t.Errorf("big path: %s", got)
	}
}

func TestSumOverflowAndUnsupported(t *testing.T) {
	mem := newMem(t)
	// SUM into a narrow result type reports out of range.
	_, err := runAgg(t, source(t, mem, testSchema, testRows(100), 10), nil,
		[]aggSpec{{expr.AggSum, "id", false, &arrow.Decimal128Type{Precision: 2, Scale: 0}}}, nil)
	if !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("want ErrInvalid, got %v", err)
	}
	_, err = runAgg(t, source(t, mem, testSchema, testRows(10), 10), nil,
		[]aggSpec{{expr.AggSum, "s", false, f64}}, nil)
	if !errors.Is(err, errs.ErrNotImplemented) {
		t.Fatalf("want ErrNotImplemented for SUM of strings, got %v", err)
	}
}

// TestHashAggregateIntKeyRanges covers both paths of the single integer key
// grouper: small non-negative keys (direct table) and all others (map),
// mixed within batches, with NULLs.
func TestHashAggregateIntKeyRanges(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: i64, Nullable: true}, {Name: "v", Type: i64}}, nil)
	var rows []row
	ref := map[any][2]int64{}
	for i := 0; i < 3000; i++ {
		var k any
		switch i % 5 {
		case 0:
			k = int64(i % 13) // small: direct table
		case 1:
			k = -int64(i % 17) // negative: map
		case 2:
			k = int64(1<<40 + i%7) // large: map
		case 3:
			k = int64(65535 + i%3) // at the table's edge
		default:
			k = nil
		}
		rows = append(rows, row{k, int64(i)})
		c := ref[k]
		ref[k] = [2]int64{c[0] + 1, c[1] + int64(i)}
	}
	var want []row
	for k, c := range ref {
		want = append(want, row{k, c[0], fmt.Sprint(c[1])})
	}
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := newMem(t)
			k := &expr.Column{Index: 0, Name: "k", DataType: i64}
			v := &expr.Column{Index: 1, Name: "v", DataType: i64}
			aggs := []expr.AggregateCall{{Func: expr.AggCount, DataType: i64}, {Func: expr.AggSum, Arg: v, DataType: dec38s0}}
			got := drain(t, NewHashAggregate(source(t, mem, schema, rows, size), []expr.Expr{k}, aggs, nil, mem, nil))
			assertRows(t, sortRows(got), sortRows(want))
		})
	}
}
