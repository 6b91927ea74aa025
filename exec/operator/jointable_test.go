package operator

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestFixedJoinTableDenseAndHashed checks both layouts of fixedJoinTable
// against a reference: for each probe row, the first build row with an
// equal non-NULL key, and the chain of further rows in ascending order.
// Key sets cover the dense layout (a narrow span, negative values, keys
// probed outside the span) and the hashed one (a wide span, int64 and
// uint64 extremes).
func TestFixedJoinTableDenseAndHashed(t *testing.T) {
	mem := newMem(t)
	cases := []struct {
		name      string
		build     []any // nil is NULL
		probe     []any
		wantDense bool
	}{
		{"narrow", []any{int64(5), int64(7), nil, int64(5), int64(-2), int64(7), int64(5)},
			[]any{int64(5), int64(6), int64(7), nil, int64(-2), int64(-3), int64(1 << 40), int64(math.MinInt64)}, true},
		{"wide", []any{int64(math.MinInt64), int64(math.MaxInt64), int64(0), int64(math.MaxInt64)},
			[]any{int64(math.MaxInt64), int64(math.MinInt64), int64(1), int64(0), nil}, false},
		{"all null", []any{nil, nil}, []any{int64(0), nil}, false},
		{"uint64 top", []any{uint64(math.MaxUint64), uint64(math.MaxUint64 - 3), uint64(math.MaxUint64)},
			[]any{uint64(math.MaxUint64), uint64(math.MaxUint64 - 1), uint64(0), uint64(math.MaxUint64 - 3)}, true},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var sparse, dense []any
	for i := 0; i < 3000; i++ {
		dense = append(dense, int64(1000+rng.IntN(2000)))
		sparse = append(sparse, int64(rng.Uint64()>>8))
	}
	cases = append(cases,
		struct {
			name      string
			build     []any
			probe     []any
			wantDense bool
		}{"random dense", dense, append(append([]any{}, dense[:500]...), int64(999), int64(3000), int64(2999)), true},
		struct {
			name      string
			build     []any
			probe     []any
			wantDense bool
		}{"random sparse", sparse, append(append([]any{}, sparse[:500]...), int64(7)), false})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dt := arrow.DataType(arrow.PrimitiveTypes.Int64)
			for _, v := range c.build {
				if _, ok := v.(uint64); ok {
					dt = arrow.PrimitiveTypes.Uint64
				}
			}
			build, probe := joinKeyArray(t, mem, dt, c.build), joinKeyArray(t, mem, dt, c.probe)
			defer build.Release()
			defer probe.Release()

			tbl, ok := newJoinTable([]arrow.Array{build}).(*fixedJoinTable)
			if !ok {
				t.Fatalf("want a fixedJoinTable for %s", dt)
			}
			next := make([]int32, len(c.build))
			tbl.insert([]arrow.Array{build}, nullsOf(c.build), next)
			if got := tbl.dense != nil; got != c.wantDense {
				t.Fatalf("dense layout %v, want %v", got, c.wantDense)
			}
			first := make([]int32, len(c.probe))
			tbl.lookup([]arrow.Array{probe}, nullsOf(c.probe), first)
			for i, pv := range c.probe {
				var want []int32
				for r, bv := range c.build {
					if pv != nil && bv != nil && pv == bv {
						want = append(want, int32(r))
					}
				}
				var got []int32
				for r := first[i]; r >= 0; r = next[r] {
					got = append(got, r)
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("probe %d (%v): rows %v, want %v", i, pv, got, want)
				}
			}
		})
	}
}

func joinKeyArray(t *testing.T, mem memory.Allocator, dt arrow.DataType, vals []any) arrow.Array {
	t.Helper()
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			b.AppendNull()
		case int64:
			b.(*array.Int64Builder).Append(x)
		case uint64:
			b.(*array.Uint64Builder).Append(x)
		default:
			t.Fatalf("unexpected key %T", v)
		}
	}
	return b.NewArray()
}

func nullsOf(vals []any) []bool {
	out := make([]bool, len(vals))
	for i, v := range vals {
		out[i] = v == nil
	}
	return out
}
