package operator

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// joinTable maps build-side key values to the first build row holding them;
// further rows with the same key are chained through the join's next
// array, in ascending row order.
type joinTable interface {
	// insert hashes the build keys (n rows); rows marked in nulls are
	// skipped (a NULL key never matches). next[r] receives the following
	// row with r's key, or -1.
	insert(keys []arrow.Array, nulls []bool, next []int32)
	// lookup writes, for each probe row, the first build row with an equal
	// key, or -1 (always -1 for rows marked in nulls).
	lookup(keys []arrow.Array, nulls []bool, first []int32)
	// size approximates the bytes held.
	size() int64
}

// newJoinTable picks the table for the key types: one integer, float or
// temporal key hashes its bits widened to uint64; one string key its
// bytes; two to four such fixed-width keys their packed words
// (packedJoinTable); anything else (strings among several keys, decimals,
// booleans) a row encoding.
// Both sides of a join have the same key types, so they encode alike.
func newJoinTable(keys []arrow.Array) joinTable {
	if len(keys) == 1 {
		switch k := kindOf(keys[0].DataType()); k {
		case kI8, kI16, kI32, kI64, kU8, kU16, kU32, kU64, kF32, kF64:
			return &fixedJoinTable{k: k, m: newU64Map()}
		case kString, kLargeString:
			return &stringJoinTable{m: map[string]int32{}}
		}
	}
	types := make([]arrow.DataType, len(keys))
	for i, k := range keys {
		types[i] = k.DataType()
	}
	if packable(types) {
		return newPackedJoinTable(len(keys))
	}
	return &rowJoinTable{m: map[string]int32{}}
}

// fixedJoinTable is the table for one fixed-width numeric key. When the
// build keys span a range not much wider than their count (surrogate keys
// such as order or customer ids usually do), it indexes an array by
// key - lo instead of hashing: one load per probe and no map probing.
type fixedJoinTable struct {
	k kind
	m *u64Map
	// dense, when non-nil, replaces m: dense[key-lo] is the first build row
	// with that key, or -1. Keys are the widened bits compared as int64,
	// so the range arithmetic wraps consistently for every kind.
	dense []int32
	lo    uint64
}

// Dense join tables are used when the key span is at most
// denseJoinSpanFactor times the build rows (plus denseJoinSlack), and never
// beyond denseJoinMaxSpan slots (1 GiB of int32).
const (
	denseJoinSpanFactor = 4
	denseJoinSlack      = 1 << 10
	denseJoinMaxSpan    = 1 << 28
)

// chooseDense switches t to the dense layout when the non-null keys in
// bits span a narrow enough range.
func (t *fixedJoinTable) chooseDense(bits []uint64, nulls []bool) {
	var lo, hi int64
	n := 0
	for r, b := range bits {
		if nulls[r] {
			continue
		}
		v := int64(b)
		if n == 0 || v < lo {
			lo = v
		}
		if n == 0 || v > hi {
			hi = v
		}
		n++
	}
	if n == 0 {
		return
	}
	span := uint64(hi) - uint64(lo) // hi >= lo as int64, so this is the true distance
	if span >= denseJoinMaxSpan || span >= uint64(denseJoinSpanFactor*n+denseJoinSlack) {
		return
	}
	t.lo = uint64(lo)
	t.dense = make([]int32, span+1)
	for i := range t.dense {
		t.dense[i] = -1
	}
}

// fixedBits returns the key column's values widened to uint64 (floats with
// -0 normalized to +0), one per row.
func fixedBits(k kind, a arrow.Array, out []uint64) []uint64 {
	n := a.Len()
	if cap(out) < n {
		out = make([]uint64, n)
	}
	out = out[:n]
	switch k {
	case kI8:
		widenAll(fixedValues[int8](a), out, widenInt)
	case kI16:
		widenAll(fixedValues[int16](a), out, widenInt)
	case kI32:
		widenAll(fixedValues[int32](a), out, widenInt)
	case kI64:
		widenAll(fixedValues[int64](a), out, widenInt)
	case kU8:
		widenAll(fixedValues[uint8](a), out, widenInt)
	case kU16:
		widenAll(fixedValues[uint16](a), out, widenInt)
	case kU32:
		widenAll(fixedValues[uint32](a), out, widenInt)
	case kU64:
		widenAll(fixedValues[uint64](a), out, widenInt)
	case kF32:
		widenAll(fixedValues[float32](a), out, widenFloat)
	case kF64:
		widenAll(fixedValues[float64](a), out, widenFloat)
	}
	return out
}

func widenAll[T arrow.FixedWidthType](vals []T, out []uint64, widen func(T) uint64) {
	for i, v := range vals {
		out[i] = widen(v)
	}
}

func (t *fixedJoinTable) insert(keys []arrow.Array, nulls []bool, next []int32) {
	bits := fixedBits(t.k, keys[0], nil)
	if t.dense == nil && t.m.len() == 0 {
		t.chooseDense(bits, nulls)
	}
	if t.dense != nil {
		for r := len(bits) - 1; r >= 0; r-- {
			if nulls[r] {
				next[r] = -1
				continue
			}
			slot := &t.dense[bits[r]-t.lo]
			next[r] = *slot
			*slot = int32(r)
		}
		return
	}
	for r := len(bits) - 1; r >= 0; r-- {
		if nulls[r] {
			next[r] = -1
			continue
		}
		if h, ok := t.m.put(bits[r], int32(r)); ok {
			next[r] = h
		} else {
			next[r] = -1
		}
	}
}

func (t *fixedJoinTable) lookup(keys []arrow.Array, nulls []bool, first []int32) {
	bits := fixedBits(t.k, keys[0], nil)
	if t.dense != nil {
		span := uint64(len(t.dense))
		for i, b := range bits {
			if idx := b - t.lo; !nulls[i] && idx < span {
				first[i] = t.dense[idx]
			} else {
				first[i] = -1
			}
		}
		return
	}
	for i, b := range bits {
		if nulls[i] {
			first[i] = -1
			continue
		}
		if h, ok := t.m.get(b); ok {
			first[i] = h
		} else {
			first[i] = -1
		}
	}
}

func (t *fixedJoinTable) size() int64 {
	return 4*int64(len(t.dense)) + t.m.bytes()
}

// stringJoinTable is the table for one STRING/BINARY key (lookups do not
// allocate; each distinct build key is copied once).
type stringJoinTable struct {
	m        map[string]int32
	keyBytes int64
}

func (t *stringJoinTable) insert(keys []arrow.Array, nulls []bool, next []int32) {
	bv := newBinView(keys[0])
	for r := len(nulls) - 1; r >= 0; r-- {
		if nulls[r] {
			next[r] = -1
			continue
		}
		b := bv.at(r)
		if h, ok := t.m[string(b)]; ok {
			next[r] = h
		} else {
			next[r] = -1
			t.keyBytes += int64(len(b))
		}
		t.m[string(b)] = int32(r)
	}
}

func (t *stringJoinTable) lookup(keys []arrow.Array, nulls []bool, first []int32) {
	bv := newBinView(keys[0])
	for i := range first {
		if nulls[i] {
			first[i] = -1
			continue
		}
		if h, ok := t.m[string(bv.at(i))]; ok {
			first[i] = h
		} else {
			first[i] = -1
		}
	}
}

func (t *stringJoinTable) size() int64 {
	return t.keyBytes + int64(len(t.m))*(16+mapEntryOverhead)
}

// rowJoinTable encodes each row's keys into bytes (appendKeyColumn, the
// encoding GROUP BY uses) and hashes those.
type rowJoinTable struct {
	m        map[string]int32
	keyBytes int64
}

func encodeRows(keys []arrow.Array, n int) [][]byte {
	rows := make([][]byte, n)
	for _, a := range keys {
		// Every supported kind encodes (HashJoinSupports is checked first).
		_ = appendKeyColumn(rows, a)
	}
	return rows
}

func (t *rowJoinTable) insert(keys []arrow.Array, nulls []bool, next []int32) {
	rows := encodeRows(keys, len(nulls))
	for r := len(rows) - 1; r >= 0; r-- {
		if nulls[r] {
			next[r] = -1
			continue
		}
		if h, ok := t.m[string(rows[r])]; ok {
			next[r] = h
		} else {
			next[r] = -1
			t.keyBytes += int64(len(rows[r]))
		}
		t.m[string(rows[r])] = int32(r)
	}
}

func (t *rowJoinTable) lookup(keys []arrow.Array, nulls []bool, first []int32) {
	rows := encodeRows(keys, len(nulls))
	for i, k := range rows {
		if nulls[i] {
			first[i] = -1
			continue
		}
		if h, ok := t.m[string(k)]; ok {
			first[i] = h
		} else {
			first[i] = -1
		}
	}
}

func (t *rowJoinTable) size() int64 {
	return t.keyBytes + int64(len(t.m))*(16+mapEntryOverhead)
}
