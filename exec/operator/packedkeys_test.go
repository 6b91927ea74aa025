package operator

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// packedKeyColumns builds n rows of key columns of the given types with
// few distinct values (so groups and join chains form) and NULLs, the
// floats including -0 and +0.
func packedKeyColumns(t testing.TB, mem memory.Allocator, rng *rand.Rand, types []arrow.DataType, n int) []arrow.Array {
	t.Helper()
	out := make([]arrow.Array, len(types))
	for c, dt := range types {
		b := array.NewBuilder(mem, dt)
		for i := 0; i < n; i++ {
			v := rng.IntN(5) - 2
			if rng.IntN(9) == 0 {
				b.AppendNull()
				continue
			}
			switch bb := b.(type) {
			case *array.Int64Builder:
				bb.Append(int64(v) << 40)
			case *array.Int32Builder:
				bb.Append(int32(v))
			case *array.Uint8Builder:
				bb.Append(uint8(v + 2))
			case *array.Date32Builder:
				bb.Append(arrow.Date32(v + 9000))
			case *array.Float64Builder:
				f := float64(v) / 2
				if v == 0 && i%2 == 0 {
					f = -f // -0 groups and joins with +0
				}
				bb.Append(f)
			default:
				t.Fatalf("unexpected builder %T", b)
			}
		}
		out[c] = b.NewArray()
		b.Release()
	}
	return out
}

var packedTypeSets = [][]arrow.DataType{
	{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int64},
	{arrow.PrimitiveTypes.Int32, arrow.FixedWidthTypes.Date32, arrow.PrimitiveTypes.Float64},
	{arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Float64},
}

func slice(keys []arrow.Array, lo, hi int) []arrow.Array {
	out := make([]arrow.Array, len(keys))
	for i, k := range keys {
		out[i] = array.NewSlice(k, int64(lo), int64(hi))
	}
	return out
}

// TestPackedGrouperMatchesRowGrouper: both groupers number groups in order
// of first appearance, so over the same batches they must give identical
// ids and new-group rows, NULLs (per column) and -0/+0 included.
func TestPackedGrouperMatchesRowGrouper(t *testing.T) {
	mem := newMem(t)
	for _, types := range packedTypeSets {
		if !packable(types) {
			t.Fatalf("%v should be packable", types)
		}
		for _, size := range batchSizes {
			t.Run(fmt.Sprintf("%d_cols/%d", len(types), size), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(size), uint64(len(types))))
				keys := packedKeyColumns(t, mem, rng, types, 2000)
				defer releaseArrays(keys)
				pg, err := newGrouper(types)
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := pg.(*rowGrouper); ok {
					t.Fatalf("newGrouper(%v) did not pick the packed grouper", types)
				}
				rg := &rowGrouper{m: map[string]int32{}}
				for lo := 0; lo < 2000; lo += size {
					hi := min(lo+size, 2000)
					part := slice(keys, lo, hi)
					pids, pnew, err := pg.assign(part, hi-lo)
					if err != nil {
						t.Fatal(err)
					}
					pids, pnew = slices.Clone(pids), slices.Clone(pnew)
					rids, rnew, err := rg.assign(part, hi-lo)
					releaseArrays(part)
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(pids, rids) || !slices.Equal(pnew, rnew) {
						t.Fatalf("rows %d..%d: packed ids %v new %v, row encoding ids %v new %v", lo, hi, pids, pnew, rids, rnew)
					}
				}
				if pg.groups() != rg.groups() || pg.groups() < 10 {
					t.Fatalf("groups: packed %d, row encoding %d", pg.groups(), rg.groups())
				}
				if pg.size() <= 0 {
					t.Fatal("size not accounted")
				}
			})
		}
	}
	mem.AssertSize(t, 0)
}

// TestPackedJoinTableMatchesRowJoinTable: same chains (next) on insert and
// same first matches on lookup as the row encoding, NULL keys never
// matching.
func TestPackedJoinTableMatchesRowJoinTable(t *testing.T) {
	mem := newMem(t)
	for _, types := range packedTypeSets {
		for _, size := range batchSizes {
			t.Run(fmt.Sprintf("%d_cols/%d", len(types), size), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(size)+7, uint64(len(types))))
				build := packedKeyColumns(t, mem, rng, types, 300)
				defer releaseArrays(build)
				pt := newJoinTable(build)
				if _, ok := pt.(*rowJoinTable); ok {
					t.Fatalf("newJoinTable(%v) did not pick the packed table", types)
				}
				rt := &rowJoinTable{m: map[string]int32{}}
				nulls := buildNulls(build, 300)
				pnext, rnext := make([]int32, 300), make([]int32, 300)
				pt.insert(build, nulls, pnext)
				rt.insert(build, nulls, rnext)
				if !slices.Equal(pnext, rnext) {
					t.Fatalf("chains differ:\npacked %v\nrow    %v", pnext, rnext)
				}
				probe := packedKeyColumns(t, mem, rng, types, 500)
				defer releaseArrays(probe)
				matched := 0
				for lo := 0; lo < 500; lo += size {
					hi := min(lo+size, 500)
					part := slice(probe, lo, hi)
					pn := buildNulls(part, hi-lo)
					pf, rf := make([]int32, hi-lo), make([]int32, hi-lo)
					pt.lookup(part, pn, pf)
					rt.lookup(part, pn, rf)
					releaseArrays(part)
					if !slices.Equal(pf, rf) {
						t.Fatalf("rows %d..%d: packed %v, row encoding %v", lo, hi, pf, rf)
					}
					for i, f := range pf {
						if f >= 0 {
							matched++
							if pn[i] {
								t.Fatalf("NULL key row %d matched", lo+i)
							}
						}
					}
				}
				if matched == 0 {
					t.Fatal("no probe row matched: the test data does not exercise the table")
				}
			})
		}
	}
	mem.AssertSize(t, 0)
}

// BenchmarkJoinTableTwoInt64Keys compares the packed table with the row
// encoding on a 2-column BIGINT key (TPC-H's partsupp (partkey, suppkey)).
func BenchmarkJoinTableTwoInt64Keys(b *testing.B) {
	mem := memory.NewGoAllocator()
	const n = 1 << 16
	mk := func(seed uint64) []arrow.Array {
		rng := rand.New(rand.NewPCG(seed, 1))
		out := make([]arrow.Array, 2)
		for c := range out {
			bb := array.NewInt64Builder(mem)
			for range n {
				bb.Append(rng.Int64N(n / 4))
			}
			out[c] = bb.NewArray()
			bb.Release()
		}
		return out
	}
	build, probe := mk(1), mk(2)
	nulls := make([]bool, n)
	for _, tc := range []struct {
		name string
		mk   func() joinTable
	}{
		{"packed", func() joinTable { return newPackedJoinTable(2) }},
		{"row", func() joinTable { return &rowJoinTable{m: map[string]int32{}} }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			next, first := make([]int32, n), make([]int32, n)
			for range b.N {
				jt := tc.mk()
				jt.insert(build, nulls, next)
				jt.lookup(probe, nulls, first)
			}
		})
	}
}
