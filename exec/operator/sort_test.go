package operator

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// refCompare orders two plain values of one column (non-NULL).
func refCompare(a, b any) int {
	switch x := a.(type) {
	case int64:
		return cmp.Compare(x, b.(int64))
	case float64:
		return cmp.Compare(x, b.(float64))
	case string:
		if strings.Contains(x, ".") || strings.HasPrefix(x, "-") || (len(x) > 0 && x[0] >= '0' && x[0] <= '9') {
			// decimal column
			nx, _ := decimal128.FromString(x, 38, 2)
			ny, _ := decimal128.FromString(b.(string), 38, 2)
			return nx.Cmp(ny)
		}
		return strings.Compare(x, b.(string))
	case bool:
		y := b.(bool)
		if x == y {
			return 0
		} else if !x {
			return -1
		}
		return 1
	}
	panic(fmt.Sprintf("refCompare %T", a))
}

// refSort is the reference: a stable sort of rows by column keys.
func refSort(rows []row, cols []int, keys []SortKey) []row {
	out := append([]row(nil), rows...)
	sort.SliceStable(out, func(i, j int) bool {
		for k, c := range cols {
			a, b := out[i][c], out[j][c]
			if a == nil || b == nil {
				if a == nil && b == nil {
					continue
				}
				return (a == nil) == keys[k].NullsFirst
			}
			r := refCompare(a, b)
			if r == 0 {
				continue
			}
			if keys[k].Desc {
				return r > 0
			}
			return r < 0
		}
		return false
	})
	return out
}

func TestSort(t *testing.T) {
	rows := testRows(1100)
	type spec struct {
		name             string
		desc, nullsFirst bool
	}
	cases := [][]spec{
		{{"grp", false, true}, {"id", true, false}},
		{{"s", true, false}, {"id", false, false}},
		{{"f", false, false}},
		{{"d", true, true}, {"s", false, true}},
		{{"keep", false, true}, {"grp", true, true}},
		{{"day", false, false}},
		{{"id", true, false}},
	}
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := newMem(t)
			bs := buildBatches(t, mem, testSchema, rows, size)
			defer releaseBatches(bs)
			for _, c := range cases {
				var keys []SortKey
				var cols []int
				for _, s := range c {
					keys = append(keys, SortKey{Expr: col(testSchema, s.name), Desc: s.desc, NullsFirst: s.nullsFirst})
					cols = append(cols, testSchema.FieldIndices(s.name)[0])
				}
				got := drain(t, NewSort(NewBatches(testSchema, bs), keys, mem, NewBudget(1<<30)))
				assertRows(t, got, refSort(rows, cols, keys))
			}
		})
	}
}

func TestSortBatchesAndEmpty(t *testing.T) {
	mem := newMem(t)
	rows := testRows(20000)
	bs, err := Drain(context.Background(), NewSort(source(t, mem, testSchema, rows, 5000), []SortKey{{Expr: col(testSchema, "id"), Desc: true}}, mem, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer releaseBatches(bs)
	if len(bs) != 3 || bs[0].NumRows() != 8192 || bs[2].NumRows() != 20000-2*8192 {
		t.Fatalf("got %d batches", len(bs))
	}
	if got := valueAt(bs[0].Column(0), 0); got != int64(19999) {
		t.Fatalf("first id %v", got)
	}
	assertRows(t, drain(t, NewSort(source(t, mem, testSchema, nil, 5), []SortKey{{Expr: col(testSchema, "id")}}, mem, nil)), nil)
}

func TestSortBudget(t *testing.T) {
	mem := newMem(t)
	budget := NewBudget(10_000)
	_, err := Drain(context.Background(), NewSort(source(t, mem, testSchema, testRows(2000), 100), []SortKey{{Expr: col(testSchema, "id")}}, mem, budget))
	if !errors.Is(err, errs.ErrResourceExhausted) || !strings.Contains(err.Error(), "sort") || !strings.Contains(err.Error(), "10000") {
		t.Fatalf("want ErrResourceExhausted naming sort and the limit, got %v", err)
	}
	if budget.Used() != 0 {
		t.Fatalf("budget still holds %d bytes after Close", budget.Used())
	}
}

func TestTopN(t *testing.T) {
	rows := testRows(1100)
	keys := []SortKey{{Expr: col(testSchema, "grp"), NullsFirst: true}, {Expr: col(testSchema, "s"), Desc: true}}
	cols := []int{1, 2}
	ref := refSort(rows, cols, keys)
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := newMem(t)
			bs := buildBatches(t, mem, testSchema, rows, size)
			defer releaseBatches(bs)
			for _, fetch := range []int64{0, 1, 7, 500, 1100, 5000, -1} {
				want := ref
				if fetch >= 0 && fetch < int64(len(ref)) {
					want = ref[:fetch]
				}
				budget := NewBudget(1 << 30)
				got := drain(t, NewTopN(NewBatches(testSchema, bs), keys, fetch, mem, budget))
				assertRows(t, got, want)
				if budget.Used() != 0 {
					t.Fatalf("budget holds %d", budget.Used())
				}
			}
		})
	}
}

func TestTopNBoundedMemory(t *testing.T) {
	mem := newMem(t)
	const rows = 200_000
	bs := benchBatchesMem(mem, rows, 1000)
	defer releaseBatches(bs)
	v := &expr.Column{Index: 1, Name: "v", DataType: arrow.PrimitiveTypes.Int64}
	keys := []SortKey{{Expr: v, Desc: true}}
	// A full sort of 3.2 MB does not fit 1 MB ...
	_, err := Drain(context.Background(), NewSort(NewBatches(benchSchema, bs), keys, mem, NewBudget(1<<20)))
	if !errors.Is(err, errs.ErrResourceExhausted) {
		t.Fatalf("want ErrResourceExhausted, got %v", err)
	}
	// ... but the top 10 do, and match the full sort's first 10.
	got := drain(t, NewTopN(NewBatches(benchSchema, bs), keys, 10, mem, NewBudget(1<<20)))
	full := drain(t, NewLimit(NewSort(NewBatches(benchSchema, bs), keys, mem, nil), 0, 10))
	assertRows(t, got, full)
}
