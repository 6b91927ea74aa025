package operator

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
)

// mapEntryOverhead approximates the bytes a Go map spends per entry beyond
// the key bytes (bucket slot, hash bits, the value, load factor slack).
const mapEntryOverhead = 48

// grouper assigns dense group ids (0, 1, 2, ...) to the distinct
// combinations of group-key values.
type grouper interface {
	// assign maps each of the n rows of keys to its group id, creating
	// groups for unseen keys. It returns the ids (len n) and the rows that
	// created new groups, in order; both slices are reused by the next call.
	assign(keys []arrow.Array, n int) (ids, newRows []int32, err error)
	// groups is the number of groups so far.
	groups() int
	// size approximates the bytes the grouper holds.
	size() int64
}

// newGrouper picks the grouping strategy for the key types: none (one
// group), one integer-like key (map[uint64]), one string key
// (map[string] on the raw bytes), two to four integer-like keys (packed
// words, packedGrouper), or a general row encoding.
func newGrouper(types []arrow.DataType) (grouper, error) {
	for _, t := range types {
		if kindOf(t) == kUnsupported {
			return nil, errs.NotImplementedf("GROUP BY a value of type %s", t)
		}
	}
	if len(types) == 0 {
		return &noKeyGrouper{}, nil
	}
	if len(types) == 1 {
		switch k := kindOf(types[0]); k {
		case kI8, kI16, kI32, kI64, kU8, kU16, kU32, kU64, kF32, kF64:
			return &fixedGrouper{k: k, m: newU64Map(), null: -1}, nil
		case kString, kLargeString:
			return &stringGrouper{m: map[string]int32{}, null: -1}, nil
		}
	}
	if packable(types) {
		return newPackedGrouper(len(types)), nil
	}
	return &rowGrouper{m: map[string]int32{}}, nil
}

// noKeyGrouper is the grouper for an aggregate without GROUP BY: one group,
// which exists even for empty input.
type noKeyGrouper struct{ ids []int32 }

func (g *noKeyGrouper) assign(_ []arrow.Array, n int) ([]int32, []int32, error) {
	if cap(g.ids) < n {
		g.ids = make([]int32, n)
	}
	g.ids = g.ids[:n]
	return g.ids, nil, nil // all zero
}
func (g *noKeyGrouper) groups() int { return 1 }
func (g *noKeyGrouper) size() int64 { return 0 }

// idBuffers are the reusable id and new-row slices.
type idBuffers struct{ ids, newRows []int32 }

func (b *idBuffers) reset(n int) {
	if cap(b.ids) < n {
		b.ids = make([]int32, n)
	}
	b.ids = b.ids[:n]
	b.newRows = b.newRows[:0]
}

// fixedGrouper groups by one integer, float or temporal column, keyed by the
// value's bits widened to uint64.
type fixedGrouper struct {
	idBuffers
	k    kind
	m    *u64Map
	null int32 // the NULL key's group, -1 until seen
	n    int32
	// dense maps small non-negative integer keys straight to id+1.
	dense []int32
}

func (g *fixedGrouper) assign(keys []arrow.Array, n int) ([]int32, []int32, error) {
	g.reset(n)
	a := keys[0]
	switch g.k {
	case kI8:
		assignFixed(g, fixedValues[int8](a), validityOf(a), widenInt)
	case kI16:
		assignFixed(g, fixedValues[int16](a), validityOf(a), widenInt)
	case kI32:
		assignFixed(g, fixedValues[int32](a), validityOf(a), widenInt)
	case kI64:
		assignFixed(g, fixedValues[int64](a), validityOf(a), widenInt)
	case kU8:
		assignFixed(g, fixedValues[uint8](a), validityOf(a), widenInt)
	case kU16:
		assignFixed(g, fixedValues[uint16](a), validityOf(a), widenInt)
	case kU32:
		assignFixed(g, fixedValues[uint32](a), validityOf(a), widenInt)
	case kU64:
		assignFixed(g, fixedValues[uint64](a), validityOf(a), widenInt)
	case kF32:
		assignFixed(g, fixedValues[float32](a), validityOf(a), widenFloat)
	case kF64:
		assignFixed(g, fixedValues[float64](a), validityOf(a), widenFloat)
	}
	return g.ids, g.newRows, nil
}

func widenInt[T arrow.IntType | arrow.UintType](v T) uint64 { return uint64(v) }

// widenFloat maps -0 to +0 (they are one group) and keeps other bits.
func widenFloat[T float32 | float64](v T) uint64 { return math.Float64bits(float64(v) + 0) }

// denseKeys is the size of fixedGrouper's direct-index table: integer keys
// in [0, denseKeys) (small codes, dates as days since 1970...) skip the map.
const denseKeys = 1 << 16

func assignFixed[T arrow.FixedWidthType](g *fixedGrouper, vals []T, v validity, widen func(T) uint64) {
	ids := g.ids
	useDense := g.k != kF32 && g.k != kF64
	if useDense && g.dense == nil {
		g.dense = make([]int32, denseKeys)
	}
	for i, x := range vals {
		if v.hasNulls() && !v.valid(i) {
			if g.null < 0 {
				g.null = g.n
				g.n++
				g.newRows = append(g.newRows, int32(i))
			}
			ids[i] = g.null
			continue
		}
		k := widen(x)
		if useDense && k < denseKeys {
			id := g.dense[k] - 1 // the table holds id+1; 0 is "no group yet"
			if id < 0 {
				id = g.n
				g.n++
				g.dense[k] = id + 1
				g.newRows = append(g.newRows, int32(i))
			}
			ids[i] = id
			continue
		}
		id, ok := g.m.getOrPut(k, g.n)
		if !ok {
			g.n++
			g.newRows = append(g.newRows, int32(i))
		}
		ids[i] = id
	}
}

func (g *fixedGrouper) groups() int { return int(g.n) }
func (g *fixedGrouper) size() int64 {
	return g.m.bytes() + 4*int64(len(g.dense))
}

// stringGrouper groups by one STRING/BINARY column using the bytes as the
// map key (lookups do not allocate; a new group copies its key once).
type stringGrouper struct {
	idBuffers
	m        map[string]int32
	null     int32
	n        int32
	keyBytes int64
}

func (g *stringGrouper) assign(keys []arrow.Array, n int) ([]int32, []int32, error) {
	g.reset(n)
	a := keys[0]
	bv := newBinView(a)
	v := validityOf(a)
	for i := 0; i < n; i++ {
		if !v.valid(i) {
			if g.null < 0 {
				g.null = g.n
				g.n++
				g.newRows = append(g.newRows, int32(i))
			}
			g.ids[i] = g.null
			continue
		}
		b := bv.at(i)
		id, ok := g.m[string(b)]
		if !ok {
			id = g.n
			g.n++
			g.m[string(b)] = id
			g.keyBytes += int64(len(b))
			g.newRows = append(g.newRows, int32(i))
		}
		g.ids[i] = id
	}
	return g.ids, g.newRows, nil
}

func (g *stringGrouper) groups() int { return int(g.n) }
func (g *stringGrouper) size() int64 {
	return g.keyBytes + int64(len(g.m))*(16+mapEntryOverhead)
}

// rowGrouper groups by several columns (or one of a type without a faster
// path) by encoding each row's key values into bytes, column at a time.
type rowGrouper struct {
	idBuffers
	m        map[string]int32
	n        int32
	rowKeys  [][]byte
	keyBytes int64
}

func (g *rowGrouper) assign(keys []arrow.Array, n int) ([]int32, []int32, error) {
	g.reset(n)
	if cap(g.rowKeys) < n {
		g.rowKeys = make([][]byte, n)
	}
	g.rowKeys = g.rowKeys[:n]
	for i := range g.rowKeys {
		g.rowKeys[i] = g.rowKeys[i][:0]
	}
	for _, a := range keys {
		if err := appendKeyColumn(g.rowKeys, a); err != nil {
			return nil, nil, err
		}
	}
	for i, k := range g.rowKeys {
		id, ok := g.m[string(k)]
		if !ok {
			id = g.n
			g.n++
			g.m[string(k)] = id
			g.keyBytes += int64(len(k))
			g.newRows = append(g.newRows, int32(i))
		}
		g.ids[i] = id
	}
	return g.ids, g.newRows, nil
}

func (g *rowGrouper) groups() int { return int(g.n) }
func (g *rowGrouper) size() int64 {
	return g.keyBytes + int64(len(g.m))*(16+mapEntryOverhead)
}

// appendKeyColumn appends the encoding of a's value in every row to
// keys[row]: a NULL marker byte, then the value (fixed-width values as
// their raw bytes, floats with -0 normalized, variable-width values
// length-prefixed), so the concatenation over columns is unambiguous.
func appendKeyColumn(keys [][]byte, a arrow.Array) error {
	v := validityOf(a)
	switch k := kindOf(a.DataType()); k {
	case kNull:
		for i := range keys {
			keys[i] = append(keys[i], 0)
		}
	case kBool:
		ba := a.(*array.Boolean)
		for i := range keys {
			switch {
			case !v.valid(i):
				keys[i] = append(keys[i], 0)
			case ba.Value(i):
				keys[i] = append(keys[i], 1, 1)
			default:
				keys[i] = append(keys[i], 1, 0)
			}
		}
	case kI8:
		appendKeyFixed(keys, fixedValues[int8](a), v)
	case kI16:
		appendKeyFixed(keys, fixedValues[int16](a), v)
	case kI32:
		appendKeyFixed(keys, fixedValues[int32](a), v)
	case kI64:
		appendKeyFixed(keys, fixedValues[int64](a), v)
	case kU8:
		appendKeyFixed(keys, fixedValues[uint8](a), v)
	case kU16:
		appendKeyFixed(keys, fixedValues[uint16](a), v)
	case kU32:
		appendKeyFixed(keys, fixedValues[uint32](a), v)
	case kU64:
		appendKeyFixed(keys, fixedValues[uint64](a), v)
	case kF32:
		vals := fixedValues[float32](a)
		for i := range keys {
			if !v.valid(i) {
				keys[i] = append(keys[i], 0)
				continue
			}
			keys[i] = binary.LittleEndian.AppendUint32(append(keys[i], 1), math.Float32bits(vals[i]+0))
		}
	case kF64:
		vals := fixedValues[float64](a)
		for i := range keys {
			if !v.valid(i) {
				keys[i] = append(keys[i], 0)
				continue
			}
			keys[i] = binary.LittleEndian.AppendUint64(append(keys[i], 1), math.Float64bits(vals[i]+0))
		}
	case kDec128:
		appendKeyFixed(keys, fixedValues[decimal128.Num](a), v)
	case kString, kLargeString:
		bv := newBinView(a)
		for i := range keys {
			if !v.valid(i) {
				keys[i] = append(keys[i], 0)
				continue
			}
			b := bv.at(i)
			keys[i] = append(binary.AppendUvarint(append(keys[i], 1), uint64(len(b))), b...)
		}
	default:
		return errs.NotImplementedf("grouping by a value of type %s", a.DataType())
	}
	return nil
}

func appendKeyFixed[T arrow.FixedWidthType](keys [][]byte, vals []T, v validity) {
	var zero T
	w := int(unsafe.Sizeof(zero))
	for i := range keys {
		if !v.valid(i) {
			keys[i] = append(keys[i], 0)
			continue
		}
		raw := unsafe.Slice((*byte)(unsafe.Pointer(&vals[i])), w)
		keys[i] = append(append(keys[i], 1), raw...)
	}
}

// keyStore keeps one group-key column's value per group, to build the
// output column at the end.
type keyStore interface {
	// appendRows appends the values of a at rows (one new group each).
	appendRows(a arrow.Array, rows []int32)
	// build returns the column (type dt) of all groups; the caller Releases.
	build(mem memory.Allocator, dt arrow.DataType) (arrow.Array, error)
	size() int64
}

func newKeyStore(dt arrow.DataType) (keyStore, error) {
	switch kindOf(dt) {
	case kNull:
		return &nullStore{}, nil
	case kBool:
		return &boolStore{}, nil
	case kI8:
		return &fixedStore[int8]{}, nil
	case kI16:
		return &fixedStore[int16]{}, nil
	case kI32:
		return &fixedStore[int32]{}, nil
	case kI64:
		return &fixedStore[int64]{}, nil
	case kU8:
		return &fixedStore[uint8]{}, nil
	case kU16:
		return &fixedStore[uint16]{}, nil
	case kU32:
		return &fixedStore[uint32]{}, nil
	case kU64:
		return &fixedStore[uint64]{}, nil
	case kF32:
		return &fixedStore[float32]{}, nil
	case kF64:
		return &fixedStore[float64]{}, nil
	case kDec128:
		return &fixedStore[decimal128.Num]{}, nil
	case kString, kLargeString:
		return &binStore{offs: []int64{0}}, nil
	}
	return nil, errs.NotImplementedf("GROUP BY a value of type %s", dt)
}

type fixedStore[T arrow.FixedWidthType] struct {
	vals  []T
	valid []bool
}

func (s *fixedStore[T]) appendRows(a arrow.Array, rows []int32) {
	vals := fixedValues[T](a)
	v := validityOf(a)
	for _, r := range rows {
		s.vals = append(s.vals, vals[r])
		s.valid = append(s.valid, v.valid(int(r)))
	}
}

func (s *fixedStore[T]) build(mem memory.Allocator, dt arrow.DataType) (arrow.Array, error) {
	return buildFixed(mem, dt, s.vals, s.valid), nil
}

func (s *fixedStore[T]) size() int64 {
	var zero T
	return int64(cap(s.vals))*int64(unsafe.Sizeof(zero)) + int64(cap(s.valid))
}

type boolStore struct{ vals, valid []bool }

func (s *boolStore) appendRows(a arrow.Array, rows []int32) {
	ba := a.(*array.Boolean)
	for _, r := range rows {
		s.vals = append(s.vals, ba.Value(int(r)))
		s.valid = append(s.valid, ba.IsValid(int(r)))
	}
}

func (s *boolStore) build(mem memory.Allocator, _ arrow.DataType) (arrow.Array, error) {
	return buildBool(mem, s.vals, s.valid), nil
}

func (s *boolStore) size() int64 { return int64(cap(s.vals) + cap(s.valid)) }

type nullStore struct{ n int }

func (s *nullStore) appendRows(_ arrow.Array, rows []int32) { s.n += len(rows) }
func (s *nullStore) build(mem memory.Allocator, dt arrow.DataType) (arrow.Array, error) {
	return array.MakeArrayOfNull(mem, dt, s.n), nil
}
func (s *nullStore) size() int64 { return 0 }

// binStore keeps variable-width values in one flat buffer.
type binStore struct {
	data  []byte
	offs  []int64
	valid []bool
}

func (s *binStore) appendRows(a arrow.Array, rows []int32) {
	bv := newBinView(a)
	v := validityOf(a)
	for _, r := range rows {
		ok := v.valid(int(r))
		if ok {
			s.data = append(s.data, bv.at(int(r))...)
		}
		s.offs = append(s.offs, int64(len(s.data)))
		s.valid = append(s.valid, ok)
	}
}

func (s *binStore) build(mem memory.Allocator, dt arrow.DataType) (arrow.Array, error) {
	n := len(s.valid)
	vals := make([][]byte, n)
	for i := range vals {
		vals[i] = s.data[s.offs[i]:s.offs[i+1]]
	}
	return buildVarWidth(mem, dt, vals, s.valid)
}

func (s *binStore) size() int64 {
	return int64(cap(s.data)) + 8*int64(cap(s.offs)) + int64(cap(s.valid))
}
