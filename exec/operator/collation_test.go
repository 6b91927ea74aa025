package operator

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
)

var collSchema = arrow.NewSchema([]arrow.Field{
	{Name: "grp", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// collRows cycles spellings that are equal under the collation ('a', 'A',
// 'á'; 'Straße', 'STRASSE'), ones that are not ('a ', 'b'), and NULLs.
func collRows(n int) []row {
	words := []string{"b", "A", "a ", "á", "STRASSE", "a", "B", "Straße", "ä1", "Zz", "zZ"}
	rows := make([]row, n)
	for i := range rows {
		r := row{int64(i % 3), words[(i*7)%len(words)]}
		if i%5 == 4 {
			r[1] = nil
		}
		if i%13 == 12 {
			r[0] = nil
		}
		rows[i] = r
	}
	return rows
}

// MIN, MAX, ANY_VALUE and COUNT(DISTINCT) of VARCHAR follow the collation;
// among equal values the first one read wins. COUNT(DISTINCT) of the same
// values as VARBINARY counts bytewise.
func TestCollatedStringAggregates(t *testing.T) {
	s := col(collSchema, "s")
	asBin, err := expr.NewCast(s, arrow.BinaryTypes.Binary)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(fn expr.AggFunc, arg expr.Expr, distinct bool) expr.AggregateCall {
		a, err := expr.NewAggregate(fn, arg, distinct)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	aggs := []expr.AggregateCall{
		mk(expr.AggMin, s, false), mk(expr.AggMax, s, false), mk(expr.AggAnyValue, s, false),
		mk(expr.AggCount, s, true), mk(expr.AggCount, asBin, true), mk(expr.AggMin, s, true),
	}
	for _, n := range []int{1, 7, 200} {
		rows := collRows(n)
		type acc struct {
			min, max any
			keys     map[string]bool
			bytes    map[string]bool
		}
		ref := map[any]*acc{}
		for _, r := range rows {
			a := ref[r[0]]
			if a == nil {
				a = &acc{keys: map[string]bool{}, bytes: map[string]bool{}}
				ref[r[0]] = a
			}
			if r[1] == nil {
				continue
			}
			v := r[1].(string)
			if a.min == nil || expr.CompareCollated(v, a.min.(string)) < 0 {
				a.min = v
			}
			if a.max == nil || expr.CompareCollated(v, a.max.(string)) > 0 {
				a.max = v
			}
			a.keys[string(expr.CollationKey(nil, v))] = true
			a.bytes[v] = true
		}
		for _, size := range batchSizes {
			t.Run(fmt.Sprint(n, "/", size), func(t *testing.T) {
				mem := newMem(t)
				op := NewHashAggregate(source(t, mem, collSchema, rows, size), []expr.Expr{col(collSchema, "grp")}, aggs, nil, mem, nil)
				got := drain(t, op)
				if err := op.Close(); err != nil {
					t.Fatal(err)
				}
				if len(got) != len(ref) {
					t.Fatalf("%d groups, want %d", len(got), len(ref))
				}
				for _, r := range got {
					a := ref[r[0]]
					want := fmt.Sprint(a.min, a.max, a.min, int64(len(a.keys)), int64(len(a.bytes)), a.min)
					if have := fmt.Sprint(r[1:]...); have != want {
						t.Errorf("group %v: got %s, want %s", r[0], have, want)
					}
				}
			})
		}
	}
}
