package operator

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/quiverdb/quiver/errs"
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
