package operator

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/exec/expr"
)

func TestMoreAggregates(t *testing.T) {
	rows := winRows(50)
	grp, v, id := col(winSchema, "grp"), col(winSchema, "v"), col(winSchema, "id")
	mustAgg := func(fn expr.AggFunc, args []expr.Expr, distinct bool, order []expr.AggOrderKey, sep string) expr.AggregateCall {
		a, err := expr.NewAggregateCall(fn, args, distinct, order, sep)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	aggs := []expr.AggregateCall{
		mustAgg(expr.AggBitAnd, []expr.Expr{v}, false, nil, ""),
		mustAgg(expr.AggBitOr, []expr.Expr{v}, false, nil, ""),
		mustAgg(expr.AggBitXor, []expr.Expr{v}, false, nil, ""),
		mustAgg(expr.AggVarSamp, []expr.Expr{v}, false, nil, ""),
		mustAgg(expr.AggCount, []expr.Expr{v, id}, true, nil, ""),
		mustAgg(expr.AggGroupConcat, []expr.Expr{v}, true, []expr.AggOrderKey{{Expr: v, Desc: true}}, "|"),
		mustAgg(expr.AggAnyValue, []expr.Expr{v}, false, nil, ""),
	}
	// Reference per group.
	type acc struct {
		and, or, xor uint64
		vals         []int64
		seen         map[int64]bool
	}
	ref := map[any]*acc{}
	for _, r := range rows {
		a := ref[r[1]]
		if a == nil {
			a = &acc{and: math.MaxUint64, seen: map[int64]bool{}}
			ref[r[1]] = a
		}
		if r[2] == nil {
			continue
		}
		x := r[2].(int64)
		a.and &= uint64(x)
		a.or |= uint64(x)
		a.xor ^= uint64(x)
		a.vals = append(a.vals, x)
		a.seen[x] = true
	}
	want := map[string]string{}
	for g, a := range ref {
		var varSamp any
		if n := float64(len(a.vals)); n > 1 {
			mean := 0.0
			for _, x := range a.vals {
				mean += float64(x)
			}
			mean /= n
			ss := 0.0
			for _, x := range a.vals {
				ss += (float64(x) - mean) * (float64(x) - mean)
			}
			varSamp = fmt.Sprintf("%.6f", ss/(n-1))
		}
		var distinct []int64
		for x := range a.seen {
			distinct = append(distinct, x)
		}
		sort.Slice(distinct, func(i, j int) bool { return distinct[i] > distinct[j] })
		var gc any
		if len(distinct) > 0 {
			parts := make([]string, len(distinct))
			for i, x := range distinct {
				parts[i] = fmt.Sprint(x)
			}
			gc = strings.Join(parts, "|")
		}
		var anyV any
		if len(distinct) > 0 {
			anyV = distinct[len(distinct)-1]
		}
		want[fmt.Sprint(g)] = fmt.Sprint(a.and, a.or, a.xor, varSamp, len(a.vals), gc, anyV)
	}
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := newMem(t)
			op := NewHashAggregate(source(t, mem, winSchema, rows, size), []expr.Expr{grp}, aggs, nil, mem, nil)
			got := drain(t, op)
			if err := op.Close(); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d groups, want %d", len(got), len(want))
			}
			for _, r := range got {
				vs := r[4]
				if vs != nil {
					vs = fmt.Sprintf("%.6f", vs.(float64))
				}
				have := fmt.Sprint(r[1], r[2], r[3], vs, r[5], r[6], r[7])
				if w := want[fmt.Sprint(r[0])]; have != w {
					t.Errorf("group %v: got %s, want %s", r[0], have, w)
				}
			}
		})
	}
}

func TestGroupConcatTruncates(t *testing.T) {
	mem := newMem(t)
	s := col(testSchema, "s")
	gc, err := expr.NewAggregateCall(expr.AggGroupConcat, []expr.Expr{s}, false, nil, ",")
	if err != nil {
		t.Fatal(err)
	}
	op := NewHashAggregate(source(t, mem, testSchema, testRows(3000), 1024), nil, []expr.AggregateCall{gc}, nil, mem, nil)
	got := drain(t, op)
	_ = op.Close()
	if len(got) != 1 || got[0][0] == nil || len(got[0][0].(string)) > GroupConcatMaxLen {
		t.Fatalf("GROUP_CONCAT was not cut at %d bytes: %v", GroupConcatMaxLen, got)
	}
}
