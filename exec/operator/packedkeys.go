package operator

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
)

// Packed keys: several fixed-width numeric or temporal key columns (ints,
// floats, dates, times, timestamps) are widened to one uint64 each (floats
// with -0 normalized, as fixedBits does) and packed into a fixed-size array
// of words used directly as a Go map key. Compared with the row encoding
// (appendKeyColumn into per-row byte slices, then map[string]), this
// allocates nothing per row and hashes a few words: the common multi-column
// join and GROUP BY keys of analytical queries (composite foreign keys,
// (key, date) groups) take this path.

// maxPackedCols is the most key columns packed; more use the row encoding.
const maxPackedCols = 4

// packable reports whether every type is a fixed-width numeric or temporal
// kind that fixedBits widens, and there are 2..maxPackedCols of them.
func packable(types []arrow.DataType) bool {
	if len(types) < 2 || len(types) > maxPackedCols {
		return false
	}
	for _, t := range types {
		switch kindOf(t) {
		case kI8, kI16, kI32, kI64, kU8, kU16, kU32, kU64, kF32, kF64:
		default:
			return false
		}
	}
	return true
}

// keyWords widens each key column to one uint64 per row, reusing scratch.
func keyWords(keys []arrow.Array, scratch [][]uint64) [][]uint64 {
	if cap(scratch) < len(keys) {
		scratch = make([][]uint64, len(keys))
	}
	scratch = scratch[:len(keys)]
	for c, a := range keys {
		scratch[c] = fixedBits(kindOf(a.DataType()), a, scratch[c])
	}
	return scratch
}

// packInto writes row i's words into the first len(cols) words of k, a
// pointer to an array of at least len(cols) uint64s.
func packInto[K comparable](k *K, cols [][]uint64, i int) {
	w := unsafe.Slice((*uint64)(unsafe.Pointer(k)), len(cols))
	for c, col := range cols {
		w[c] = col[i]
	}
}

// wordsOf is the number of uint64 words in K.
func wordsOf[K comparable]() int {
	var k K
	return int(unsafe.Sizeof(k)) / 8
}

// packedJoinTable is the join table for 2..4 packable key columns. K is
// [2]uint64 or [4]uint64 (unused words stay zero). NULL keys never reach
// the map (the caller marks them in nulls).
type packedJoinTable[K comparable] struct {
	m       map[K]int32
	scratch [][]uint64
}

func newPackedJoinTable(ncols int) joinTable {
	if ncols <= 2 {
		return &packedJoinTable[[2]uint64]{m: map[[2]uint64]int32{}}
	}
	return &packedJoinTable[[4]uint64]{m: map[[4]uint64]int32{}}
}

func (t *packedJoinTable[K]) insert(keys []arrow.Array, nulls []bool, next []int32) {
	t.scratch = keyWords(keys, t.scratch)
	cols := t.scratch
	for r := len(nulls) - 1; r >= 0; r-- {
		if nulls[r] {
			next[r] = -1
			continue
		}
		var k K
		packInto(&k, cols, r)
		if h, ok := t.m[k]; ok {
			next[r] = h
		} else {
			next[r] = -1
		}
		t.m[k] = int32(r)
	}
}

func (t *packedJoinTable[K]) lookup(keys []arrow.Array, nulls []bool, first []int32) {
	t.scratch = keyWords(keys, t.scratch)
	cols := t.scratch
	for i := range first {
		if nulls[i] {
			first[i] = -1
			continue
		}
		var k K
		packInto(&k, cols, i)
		if h, ok := t.m[k]; ok {
			first[i] = h
		} else {
			first[i] = -1
		}
	}
}

func (t *packedJoinTable[K]) size() int64 {
	return int64(len(t.m)) * int64(8*wordsOf[K]()+mapEntryOverhead)
}

// packedGrouper groups by 2..4 packable columns. K has one more word than
// the columns ([3]uint64 or [5]uint64): a bit mask of the NULL columns,
// whose value words are zero, so NULLs group together per column as GROUP
// BY requires.
type packedGrouper[K comparable] struct {
	idBuffers
	m       map[K]int32
	n       int32
	scratch [][]uint64
}

func newPackedGrouper(ncols int) grouper {
	if ncols <= 2 {
		return &packedGrouper[[3]uint64]{m: map[[3]uint64]int32{}}
	}
	return &packedGrouper[[5]uint64]{m: map[[5]uint64]int32{}}
}

func (g *packedGrouper[K]) assign(keys []arrow.Array, n int) ([]int32, []int32, error) {
	g.reset(n)
	g.scratch = keyWords(keys, g.scratch)
	cols := g.scratch
	vs := make([]validity, len(keys))
	anyNulls := false
	for c, a := range keys {
		vs[c] = validityOf(a)
		anyNulls = anyNulls || vs[c].hasNulls()
	}
	nw := wordsOf[K]()
	for i := 0; i < n; i++ {
		var k K
		packInto(&k, cols, i)
		if anyNulls {
			w := unsafe.Slice((*uint64)(unsafe.Pointer(&k)), nw)
			var mask uint64
			for c, v := range vs {
				if !v.valid(i) {
					mask |= 1 << c
					w[c] = 0
				}
			}
			w[nw-1] = mask
		}
		id, ok := g.m[k]
		if !ok {
			id = g.n
			g.n++
			g.m[k] = id
			g.newRows = append(g.newRows, int32(i))
		}
		g.ids[i] = id
	}
	return g.ids, g.newRows, nil
}

func (g *packedGrouper[K]) groups() int { return int(g.n) }
func (g *packedGrouper[K]) size() int64 {
	return int64(len(g.m)) * int64(8*wordsOf[K]()+mapEntryOverhead)
}
