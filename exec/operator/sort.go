package operator

import (
	"bytes"
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// SortKey is one ORDER BY item. NullsFirst places NULLs before every value
// regardless of Desc (MySQL's default is NULLs first for ASC and last for
// DESC; the planner fills NullsFirst accordingly).
type SortKey struct {
	Expr       expr.Expr
	Desc       bool
	NullsFirst bool
}

// sortOp is a blocking, in-memory sort.
type sortOp struct {
	input Operator
	keys  []SortKey
	fetch int64 // rows to emit, -1 for all (TopN when >= 0)
	mem   memory.Allocator
	res   reservation

	sorted      bool
	inputClosed bool
	data        arrow.RecordBatch // all input rows, one batch
	idx         []int32           // row order of data
	pos         int               // next position in idx to emit
	cur         arrow.RecordBatch
	closed      bool
}

// NewSort returns an operator that reads all of input, sorts it by keys
// (evaluated once per row; ties keep input order, i.e. the sort is stable),
// and emits the rows in batches of at most 8192. The rows it holds are
// accounted in budget (nil: unlimited); exceeding it fails with
// errs.ErrResourceExhausted.
//
// Strings and binary values compare bytewise. MySQL's default collation
// compares case-insensitively; collation-aware ordering is later work.
func NewSort(input Operator, keys []SortKey, mem memory.Allocator, budget *Budget) Operator {
	return &sortOp{input: input, keys: keys, fetch: -1, mem: mem, res: reservation{budget: budget, op: "sort"}}
}

// NewTopN is NewSort that emits only the first fetch rows (ORDER BY ...
// LIMIT fetch) and holds only about max(2*fetch, 8192) rows at a time: it
// sorts and truncates its buffer whenever the buffer reaches that size. The
// rows emitted are exactly the first fetch rows NewSort would emit (ties in
// input order). fetch < 0 is NewSort; fetch 0 reads nothing.
func NewTopN(input Operator, keys []SortKey, fetch int64, mem memory.Allocator, budget *Budget) Operator {
	if fetch < 0 {
		fetch = -1
	}
	return &sortOp{input: input, keys: keys, fetch: fetch, mem: mem, res: reservation{budget: budget, op: "top-n sort"}}
}

func (o *sortOp) Schema() *arrow.Schema { return o.input.Schema() }
func (o *sortOp) Children() []Operator  { return []Operator{o.input} }

func (o *sortOp) Open(ctx context.Context) error {
	if o.fetch == 0 {
		return nil
	}
	return o.input.Open(ctx)
}

func (o *sortOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	releaseBatch(&o.cur)
	if o.closed {
		return nil, errs.Internalf("sort: Next after Close")
	}
	if !o.sorted {
		if err := o.sortAll(ctx); err != nil {
			return nil, err
		}
		o.sorted = true
	}
	if o.data == nil || o.pos >= len(o.idx) {
		o.free()
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	end := min(o.pos+maxBatchRows, len(o.idx))
	out, err := takeRows(ctx, o.mem, o.data, o.idx[o.pos:end])
	if err != nil {
		return nil, err
	}
	o.pos = end
	o.cur = out
	return out, nil
}

// takeRows gathers rows of b (by index) into a new batch.
func takeRows(ctx context.Context, mem memory.Allocator, b arrow.RecordBatch, rows []int32) (arrow.RecordBatch, error) {
	indices := buildFixed(mem, arrow.PrimitiveTypes.Int32, rows, nil)
	defer indices.Release()
	cctx := compute.WithAllocator(ctx, mem)
	cols := make([]arrow.Array, b.NumCols())
	defer releaseArrays(cols)
	for i, c := range b.Columns() {
		t, err := compute.TakeArrayOpts(cctx, c, indices, compute.TakeOptions{BoundsCheck: false})
		if err != nil {
			return nil, errs.Wrap(errs.ErrInternal, err, "gathering column %s", b.ColumnName(i))
		}
		cols[i] = t
	}
	return array.NewRecordBatch(b.Schema(), cols, int64(len(rows))), nil
}

// sortAll collects the input into one batch and computes the row order.
// With a fetch bound it compacts as it goes: whenever the buffered rows
// reach compactAt, it sorts them and keeps only the first fetch rows, so
// it holds O(fetch + batch) rows however large the input.
func (o *sortOp) sortAll(ctx context.Context) error {
	var batches []arrow.RecordBatch
	defer func() { releaseBatches(batches) }()
	var rows int64
	compactAt := int64(-1)
	if o.fetch >= 0 && o.fetch <= math.MaxInt32/4 {
		compactAt = max(2*o.fetch, maxBatchRows)
	}
	for o.fetch != 0 {
		b, err := nextReserved(ctx, o.input, &o.res)
		if err != nil {
			return err
		}
		if b == nil {
			break
		}
		batches = append(batches, b)
		rows += b.NumRows()
		if compactAt > 0 && rows >= compactAt {
			data, err := o.combine(batches, rows)
			batches = nil
			if err != nil {
				return err
			}
			top, err := o.topRows(ctx, data)
			data.Release()
			if err != nil {
				return err
			}
			batches = []arrow.RecordBatch{top}
			rows = top.NumRows()
		}
	}
	o.inputClosed = true
	if err := o.input.Close(); err != nil {
		return err
	}
	if rows == 0 {
		releaseBatches(batches)
		batches = nil
		o.res.releaseAll()
		return nil
	}
	if rows > math.MaxInt32 {
		return errs.Exhaustedf("sort of %d rows exceeds the %d rows one sort can hold", rows, math.MaxInt32)
	}
	data, err := o.combine(batches, rows)
	batches = nil
	if err != nil {
		return err
	}
	o.data = data
	idx, err := o.order(ctx, data)
	if err != nil {
		return err
	}
	if o.fetch >= 0 && int64(len(idx)) > o.fetch {
		idx = idx[:o.fetch]
	}
	o.idx = idx
	return ctx.Err()
}

// combine turns batches (whose bytes are reserved; it takes them over)
// into one batch, moving the reservation to the result.
func (o *sortOp) combine(batches []arrow.RecordBatch, rows int64) (arrow.RecordBatch, error) {
	defer releaseBatches(batches)
	if len(batches) == 1 {
		batches[0].Retain()
		return batches[0], nil
	}
	data, err := concatBatches(o.mem, o.input.Schema(), batches, rows)
	if err != nil {
		return nil, err
	}
	if err := o.res.grow(batchBytes(data)); err != nil {
		data.Release()
		return nil, err
	}
	for _, b := range batches {
		o.res.shrink(batchBytes(b))
	}
	return data, nil
}

// topRows returns the first fetch rows of data in sort order, as a new
// batch whose bytes replace data's in the reservation.
func (o *sortOp) topRows(ctx context.Context, data arrow.RecordBatch) (arrow.RecordBatch, error) {
	idx, err := o.order(ctx, data)
	if err != nil {
		return nil, err
	}
	if int64(len(idx)) > o.fetch {
		idx = idx[:o.fetch]
	}
	// Keep input order among the kept rows' ties: idx is sorted by key and
	// then by position, which is what a stable sort of the whole input
	// would give for these rows.
	top, err := takeRows(ctx, o.mem, data, idx)
	o.res.shrink(4 * int64(data.NumRows()))
	if err != nil {
		return nil, err
	}
	if err := o.res.grow(batchBytes(top)); err != nil {
		top.Release()
		return nil, err
	}
	o.res.shrink(batchBytes(data))
	return top, nil
}

// order evaluates the sort keys over data and returns its rows in sorted
// order (4 bytes per row are added to the reservation).
func (o *sortOp) order(ctx context.Context, data arrow.RecordBatch) ([]int32, error) {
	rows := data.NumRows()
	if err := o.res.grow(4 * rows); err != nil {
		return nil, err
	}
	keyArrs := make([]arrow.Array, len(o.keys))
	defer releaseArrays(keyArrs)
	cols := make([]sortCol, len(o.keys))
	for i, k := range o.keys {
		a, err := evalExpr(ctx, k.Expr, data, o.mem)
		if err != nil {
			return nil, err
		}
		keyArrs[i] = a
		c, err := newSortCol(a, k)
		if err != nil {
			return nil, err
		}
		cols[i] = c
	}
	if len(o.keys) == 1 {
		if idx, ok := sortSingleFixed(keyArrs[0], o.keys[0]); ok {
			return idx, nil
		}
	}
	idx := make([]int32, rows)
	for i := range idx {
		idx[i] = int32(i)
	}
	sortIndices(idx, cols)
	return idx, nil
}

// concatBatches concatenates batches column by column.
func concatBatches(mem memory.Allocator, schema *arrow.Schema, batches []arrow.RecordBatch, rows int64) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, schema.NumFields())
	defer releaseArrays(cols)
	parts := make([]arrow.Array, len(batches))
	for j := range cols {
		for i, b := range batches {
			parts[i] = b.Column(j)
		}
		c, err := array.Concatenate(parts, mem)
		if err != nil {
			return nil, errs.Wrap(errs.ErrResourceExhausted, err, "sort: concatenating column %s", schema.Field(j).Name)
		}
		cols[j] = c
	}
	return array.NewRecordBatch(schema, cols, rows), nil
}

// sortCol compares rows of one evaluated key.
type sortCol struct {
	v          validity
	desc       bool
	nullsFirst bool
	cmp        func(a, b int32) int
}

func newSortCol(a arrow.Array, k SortKey) (sortCol, error) {
	c := sortCol{v: validityOf(a), desc: k.Desc, nullsFirst: k.NullsFirst}
	switch kindOf(a.DataType()) {
	case kNull:
		c.cmp = func(int32, int32) int { return 0 }
	case kBool:
		ba := a.(*array.Boolean)
		c.cmp = func(x, y int32) int {
			bx, by := ba.Value(int(x)), ba.Value(int(y))
			switch {
			case bx == by:
				return 0
			case !bx:
				return -1
			}
			return 1
		}
	case kI8:
		c.cmp = orderedCmp(fixedValues[int8](a))
	case kI16:
		c.cmp = orderedCmp(fixedValues[int16](a))
	case kI32:
		c.cmp = orderedCmp(fixedValues[int32](a))
	case kI64:
		c.cmp = orderedCmp(fixedValues[int64](a))
	case kU8:
		c.cmp = orderedCmp(fixedValues[uint8](a))
	case kU16:
		c.cmp = orderedCmp(fixedValues[uint16](a))
	case kU32:
		c.cmp = orderedCmp(fixedValues[uint32](a))
	case kU64:
		c.cmp = orderedCmp(fixedValues[uint64](a))
	case kF32:
		c.cmp = orderedCmp(fixedValues[float32](a))
	case kF64:
		c.cmp = orderedCmp(fixedValues[float64](a))
	case kDec128:
		v := fixedValues[decimal128.Num](a)
		c.cmp = func(x, y int32) int { return v[x].Cmp(v[y]) }
	case kString, kLargeString:
		bv := newBinView(a)
		c.cmp = func(x, y int32) int { return bytes.Compare(bv.at(int(x)), bv.at(int(y))) }
	default:
		return c, errs.NotImplementedf("ORDER BY a value of type %s", a.DataType())
	}
	return c, nil
}

func orderedCmp[T cmp.Ordered](v []T) func(a, b int32) int {
	return func(a, b int32) int { return cmp.Compare(v[a], v[b]) }
}

// sortSingleFixed is the fast path for one numeric or temporal key: it
// sorts (value, row) pairs, which keeps comparisons in cache, and places the
// NULL rows (in input order) before or after. ok is false for other types.
func sortSingleFixed(a arrow.Array, k SortKey) (idx []int32, ok bool) {
	switch kindOf(a.DataType()) {
	case kI8:
		return sortPairs(fixedValues[int8](a), validityOf(a), k), true
	case kI16:
		return sortPairs(fixedValues[int16](a), validityOf(a), k), true
	case kI32:
		return sortPairs(fixedValues[int32](a), validityOf(a), k), true
	case kI64:
		return sortPairs(fixedValues[int64](a), validityOf(a), k), true
	case kU8:
		return sortPairs(fixedValues[uint8](a), validityOf(a), k), true
	case kU16:
		return sortPairs(fixedValues[uint16](a), validityOf(a), k), true
	case kU32:
		return sortPairs(fixedValues[uint32](a), validityOf(a), k), true
	case kU64:
		return sortPairs(fixedValues[uint64](a), validityOf(a), k), true
	case kF32:
		return sortPairs(fixedValues[float32](a), validityOf(a), k), true
	case kF64:
		return sortPairs(fixedValues[float64](a), validityOf(a), k), true
	}
	return nil, false
}

type sortPair[T cmp.Ordered] struct {
	v T
	i int32
}

func sortPairs[T interface {
	cmp.Ordered
	arrow.FixedWidthType
}](vals []T, v validity, k SortKey) []int32 {
	pairs := make([]sortPair[T], 0, len(vals))
	var nulls []int32
	for i, x := range vals {
		if v.valid(i) {
			pairs = append(pairs, sortPair[T]{x, int32(i)})
		} else {
			nulls = append(nulls, int32(i))
		}
	}
	if k.Desc {
		slices.SortFunc(pairs, func(a, b sortPair[T]) int {
			if r := cmp.Compare(b.v, a.v); r != 0 {
				return r
			}
			return cmp.Compare(a.i, b.i)
		})
	} else {
		slices.SortFunc(pairs, func(a, b sortPair[T]) int {
			if r := cmp.Compare(a.v, b.v); r != 0 {
				return r
			}
			return cmp.Compare(a.i, b.i)
		})
	}
	idx := make([]int32, 0, len(vals))
	if k.NullsFirst {
		idx = append(idx, nulls...)
	}
	for _, p := range pairs {
		idx = append(idx, p.i)
	}
	if !k.NullsFirst {
		idx = append(idx, nulls...)
	}
	return idx
}

// sortIndices orders idx by cols. Ties are broken by the index itself, so
// the (faster, unstable) pattern-defeating quicksort gives a stable result.
func sortIndices(idx []int32, cols []sortCol) {
	if len(cols) == 1 && !cols[0].v.hasNulls() {
		c := cols[0].cmp
		if cols[0].desc {
			slices.SortFunc(idx, func(a, b int32) int {
				if r := c(b, a); r != 0 {
					return r
				}
				return cmp.Compare(a, b)
			})
			return
		}
		slices.SortFunc(idx, func(a, b int32) int {
			if r := c(a, b); r != 0 {
				return r
			}
			return cmp.Compare(a, b)
		})
		return
	}
	slices.SortFunc(idx, func(a, b int32) int {
		for k := range cols {
			c := &cols[k]
			if c.v.hasNulls() {
				va, vb := c.v.valid(int(a)), c.v.valid(int(b))
				if !va || !vb {
					if va == vb {
						continue
					}
					if !va == c.nullsFirst {
						return -1
					}
					return 1
				}
			}
			if r := c.cmp(a, b); r != 0 {
				if c.desc {
					return -r
				}
				return r
			}
		}
		return cmp.Compare(a, b)
	})
}

// free drops the sorted data and gives its memory back to the budget.
func (o *sortOp) free() {
	releaseBatch(&o.data)
	o.idx = nil
	o.res.releaseAll()
}

func (o *sortOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	releaseBatch(&o.cur)
	o.free()
	if o.inputClosed {
		return nil
	}
	o.inputClosed = true
	return o.input.Close()
}
