package operator

import (
	"context"
	"math"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// windowOp is a blocking window-function operator.
type windowOp struct {
	input       Operator
	partitionBy []expr.Expr
	orderBy     []SortKey
	funcs       []expr.WindowCall
	schema      *arrow.Schema
	mem         memory.Allocator
	res         reservation

	done        bool
	inputClosed bool
	out         []arrow.RecordBatch
	next        int
	cur         arrow.RecordBatch
	closed      bool
}

// NewWindow returns an operator that evaluates window functions sharing one
// window. It reads all of input, sorts it once by the partition keys (NULLs
// first) and then the order keys (ties keep input order), and computes every
// call in funcs over its partition and frame with array-at-a-time loops
// (see expr.WindowCall for each function's semantics and result type).
// Output: input's columns, in window order, then one column per call; the
// schema is schema (nil: input's fields plus one field per call, named by
// its text). Batches hold at most 8192 rows.
//
// Frames follow MySQL: ROWS frames count rows; RANGE frames with CURRENT
// ROW include the current row's peers (rows equal on every ORDER BY key),
// with an offset they need exactly one numeric or temporal ORDER BY key;
// a NULL key's offset bounds are its NULL peers. Without a frame: with ORDER
// BY the frame runs from the partition start to the current row's last
// peer, without ORDER BY it is the whole partition.
//
// The buffered rows are accounted in budget (nil: unlimited); exceeding it
// fails with errs.ErrResourceExhausted. Like every operator it is used by
// one goroutine at a time.
func NewWindow(input Operator, partitionBy []expr.Expr, orderBy []SortKey, funcs []expr.WindowCall, schema *arrow.Schema, mem memory.Allocator, budget *Budget) Operator {
	return &windowOp{
		input: input, partitionBy: partitionBy, orderBy: orderBy, funcs: funcs, schema: schema, mem: mem,
		res: reservation{budget: budget, op: "window"},
	}
}

func (o *windowOp) Schema() *arrow.Schema {
	if o.schema == nil {
		in := o.input.Schema()
		fields := append([]arrow.Field(nil), in.Fields()...)
		for _, f := range o.funcs {
			fields = append(fields, arrow.Field{Name: f.String(), Type: f.DataType, Nullable: true})
		}
		o.schema = arrow.NewSchema(fields, nil)
	}
	return o.schema
}

func (o *windowOp) Children() []Operator { return []Operator{o.input} }

func (o *windowOp) Open(ctx context.Context) error {
	s, in := o.Schema(), o.input.Schema()
	if s.NumFields() != in.NumFields()+len(o.funcs) {
		return errs.Internalf("window has %d input columns and %d functions but its schema has %d fields", in.NumFields(), len(o.funcs), s.NumFields())
	}
	return o.input.Open(ctx)
}

func (o *windowOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	releaseBatch(&o.cur)
	if o.closed {
		return nil, errs.Internalf("window: Next after Close")
	}
	if !o.done {
		if err := o.compute(ctx); err != nil {
			return nil, err
		}
		o.done = true
	}
	o.cur = popBatch(o.out, &o.next)
	return o.cur, nil
}

func (o *windowOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	releaseBatch(&o.cur)
	releaseBatches(o.out)
	o.out = nil
	o.res.releaseAll()
	if o.inputClosed {
		return nil
	}
	o.inputClosed = true
	return o.input.Close()
}

// compute reads the input and builds the output batches.
func (o *windowOp) compute(ctx context.Context) error {
	var batches []arrow.RecordBatch
	defer func() { releaseBatches(batches) }()
	var rows int64
	for {
		b, err := nextReserved(ctx, o.input, &o.res)
		if err != nil {
			return err
		}
		if b == nil {
			break
		}
		batches = append(batches, b)
		rows += b.NumRows()
	}
	o.inputClosed = true
	if err := o.input.Close(); err != nil {
		return err
	}
	if rows == 0 {
		return nil
	}
	if rows > math.MaxInt32/2 {
		return errs.Exhaustedf("window over %d rows exceeds the %d rows one window can hold", rows, math.MaxInt32/2)
	}
	in := o.input.Schema()
	var data arrow.RecordBatch
	if len(batches) == 1 {
		data = batches[0]
		data.Retain()
	} else {
		var err error
		if data, err = concatBatches(o.mem, in, batches, rows); err != nil {
			return err
		}
		if err := o.res.grow(batchBytes(data)); err != nil {
			data.Release()
			return err
		}
	}
	releaseBatches(batches)
	batches = nil
	defer data.Release()

	sorted, w, err := o.sortRows(ctx, data)
	if err != nil {
		return err
	}
	defer sorted.Release()
	defer w.release()
	if err := o.res.grow(batchBytes(sorted) + 12*rows); err != nil {
		return err
	}

	n := int(rows)
	cols := make([]arrow.Array, 0, in.NumFields()+len(o.funcs))
	defer func() { releaseArrays(cols) }()
	for _, c := range sorted.Columns() {
		c.Retain()
		cols = append(cols, c)
	}
	for i, f := range o.funcs {
		if err := ctx.Err(); err != nil {
			return err
		}
		want := o.schema.Field(in.NumFields() + i).Type
		c, err := w.eval(ctx, f, sorted, want)
		if err != nil {
			return err
		}
		if !arrow.TypeEqual(c.DataType(), want) {
			c2, err := castTo(o.mem, c, want)
			if err != nil {
				return err
			}
			c = c2
		}
		cols = append(cols, c)
	}
	if err := checkOutputTypes("window", o.schema, cols); err != nil {
		return err
	}
	o.out = sliceBatches(o.schema, cols, n)
	return nil
}

// winState is the sorted input's partition and peer structure, shared by
// the calls of one window.
type winState struct {
	mem memory.Allocator
	n   int
	// partStart[i] and partEnd[i] bound row i's partition; peerStart and
	// peerEnd its peer group (rows equal on partition and order keys).
	partStart, partEnd []int32
	peerStart, peerEnd []int32
	// partID[i] numbers row i's partition (0, 1, ...); parts is the count.
	partID []int32
	parts  int
	// orderKeys are the ORDER BY keys over the sorted rows (for RANGE
	// frames with offsets).
	orderKeys []arrow.Array
	orderBy   []SortKey
	hasOrder  bool
}

func (w *winState) release() { releaseArrays(w.orderKeys) }

// sortRows sorts data by partition then order keys and derives the
// partition and peer boundaries.
func (o *windowOp) sortRows(ctx context.Context, data arrow.RecordBatch) (arrow.RecordBatch, *winState, error) {
	n := int(data.NumRows())
	keys := make([]arrow.Array, 0, len(o.partitionBy)+len(o.orderBy))
	defer func() { releaseArrays(keys) }()
	cols := make([]sortCol, 0, cap(keys))
	for _, e := range o.partitionBy {
		a, err := evalExpr(ctx, e, data, o.mem)
		if err != nil {
			return nil, nil, err
		}
		keys = append(keys, a)
		c, err := newSortCol(a, SortKey{Expr: e, NullsFirst: true})
		if err != nil {
			return nil, nil, err
		}
		cols = append(cols, c)
	}
	for _, k := range o.orderBy {
		a, err := evalExpr(ctx, k.Expr, data, o.mem)
		if err != nil {
			return nil, nil, err
		}
		keys = append(keys, a)
		c, err := newSortCol(a, k)
		if err != nil {
			return nil, nil, err
		}
		cols = append(cols, c)
	}
	var idx []int32
	sorted := data
	if len(cols) > 0 {
		idx = make([]int32, n)
		for i := range idx {
			idx[i] = int32(i)
		}
		sortIndices(idx, cols)
		var err error
		if sorted, err = takeRows(ctx, o.mem, data, idx); err != nil {
			return nil, nil, err
		}
	} else {
		sorted.Retain()
	}
	w := &winState{mem: o.mem, n: n, orderBy: o.orderBy, hasOrder: len(o.orderBy) > 0}
	ok := false
	defer func() {
		if !ok {
			sorted.Release()
			w.release()
		}
	}()
	// Sorted keys: gather with the same order (bare columns come from the
	// sorted batch itself).
	skeys := make([]arrow.Array, len(keys))
	defer func() { releaseArrays(skeys) }()
	cctx := compute.WithAllocator(ctx, o.mem)
	for i, a := range keys {
		if idx == nil {
			a.Retain()
			skeys[i] = a
			continue
		}
		t, err := takeArray(cctx, a, idx)
		if err != nil {
			return nil, nil, err
		}
		skeys[i] = t
	}
	np := len(o.partitionBy)
	newPart := make([]bool, n)
	newPeer := make([]bool, n)
	if n > 0 {
		newPart[0], newPeer[0] = true, true
	}
	for k, a := range skeys {
		c, err := newSortCol(a, SortKey{})
		if err != nil {
			return nil, nil, err
		}
		mark := newPeer
		if k < np {
			mark = newPart
		}
		for i := 1; i < n; i++ {
			if !mark[i] && !sameKey(&c, int32(i-1), int32(i)) {
				mark[i] = true
			}
		}
	}
	for i := range newPeer {
		newPeer[i] = newPeer[i] || newPart[i]
	}
	w.partStart, w.partEnd = spans(newPart)
	w.peerStart, w.peerEnd = spans(newPeer)
	w.partID = make([]int32, n)
	id := int32(-1)
	for i := range newPart {
		if newPart[i] {
			id++
		}
		w.partID[i] = id
	}
	w.parts = int(id) + 1
	for _, a := range skeys[np:] {
		a.Retain()
		w.orderKeys = append(w.orderKeys, a)
	}
	ok = true
	return sorted, w, nil
}

// sameKey reports whether rows a and b hold equal values (NULLs equal).
func sameKey(c *sortCol, a, b int32) bool {
	va, vb := c.v.valid(int(a)), c.v.valid(int(b))
	if !va || !vb {
		return va == vb
	}
	return c.cmp(a, b) == 0
}

// spans turns group-start marks into each row's [start, end) group bounds.
func spans(starts []bool) (start, end []int32) {
	n := len(starts)
	start, end = make([]int32, n), make([]int32, n)
	s := 0
	for i := 1; i <= n; i++ {
		if i == n || starts[i] {
			for j := s; j < i; j++ {
				start[j], end[j] = int32(s), int32(i)
			}
			s = i
		}
	}
	return start, end
}

// eval computes one call over the sorted rows.
func (w *winState) eval(ctx context.Context, f expr.WindowCall, sorted arrow.RecordBatch, want arrow.DataType) (arrow.Array, error) {
	n := w.n
	switch f.Func {
	case expr.WinRowNumber:
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(i) - int64(w.partStart[i]) + 1
		}
		return buildFixed(w.mem, arrow.PrimitiveTypes.Int64, out, nil), nil
	case expr.WinRank:
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(w.peerStart[i]) - int64(w.partStart[i]) + 1
		}
		return buildFixed(w.mem, arrow.PrimitiveTypes.Int64, out, nil), nil
	case expr.WinDenseRank:
		out := make([]int64, n)
		for i := range out {
			switch {
			case i == int(w.partStart[i]):
				out[i] = 1
			case i == int(w.peerStart[i]):
				out[i] = out[i-1] + 1
			default:
				out[i] = out[i-1]
			}
		}
		return buildFixed(w.mem, arrow.PrimitiveTypes.Int64, out, nil), nil
	case expr.WinPercentRank:
		out := make([]float64, n)
		for i := range out {
			if size := w.partEnd[i] - w.partStart[i]; size > 1 {
				out[i] = float64(w.peerStart[i]-w.partStart[i]) / float64(size-1)
			}
		}
		return buildFixed(w.mem, arrow.PrimitiveTypes.Float64, out, nil), nil
	case expr.WinCumeDist:
		out := make([]float64, n)
		for i := range out {
			out[i] = float64(w.peerEnd[i]-w.partStart[i]) / float64(w.partEnd[i]-w.partStart[i])
		}
		return buildFixed(w.mem, arrow.PrimitiveTypes.Float64, out, nil), nil
	case expr.WinNtile:
		if f.N <= 0 {
			return nil, errs.Invalidf("NTILE's argument must be a positive integer, got %d", f.N)
		}
		out := make([]int64, n)
		for i := range out {
			size := int64(w.partEnd[i] - w.partStart[i])
			pos := int64(i) - int64(w.partStart[i])
			out[i] = ntileBucket(pos, size, f.N)
		}
		return buildFixed(w.mem, arrow.PrimitiveTypes.Int64, out, nil), nil
	case expr.WinLag, expr.WinLead:
		return w.lagLead(ctx, f, sorted, want)
	case expr.WinFirstValue, expr.WinLastValue, expr.WinNthValue:
		return w.nthValue(ctx, f, sorted)
	case expr.WinAggregate:
		if f.Agg == nil {
			return nil, errs.Internalf("window aggregate without its aggregate call")
		}
		return w.aggregate(ctx, f, sorted, want)
	}
	return nil, errs.NotImplementedf("window function %s", f.Func)
}

// ntileBucket is MySQL's NTILE: the first size%buckets buckets hold one row
// more than the others.
func ntileBucket(pos, size, buckets int64) int64 {
	if buckets >= size {
		return pos + 1
	}
	q, r := size/buckets, size%buckets
	if big := r * (q + 1); pos < big {
		return pos/(q+1) + 1
	} else {
		return r + (pos-big)/q + 1
	}
}

// gather takes rows of values by index; idx < 0 gives NULL.
func (w *winState) gather(ctx context.Context, values arrow.Array, idx []int32) (arrow.Array, error) {
	valid := make([]bool, len(idx))
	anyNull := false
	fixed := make([]int32, len(idx))
	for i, j := range idx {
		if j >= 0 {
			valid[i], fixed[i] = true, j
		} else {
			anyNull = true
		}
	}
	if !anyNull {
		valid = nil
	}
	ia := buildFixed(w.mem, arrow.PrimitiveTypes.Int32, fixed, valid)
	defer ia.Release()
	out, err := compute.TakeArrayOpts(compute.WithAllocator(ctx, w.mem), values, ia, compute.TakeOptions{BoundsCheck: false})
	if err != nil {
		return nil, errs.Wrap(errs.ErrInternal, err, "window: gathering values")
	}
	return out, nil
}

func (w *winState) lagLead(ctx context.Context, f expr.WindowCall, sorted arrow.RecordBatch, want arrow.DataType) (arrow.Array, error) {
	if len(f.Args) == 0 {
		return nil, errs.Internalf("%s without an argument", f.Func)
	}
	vals, err := evalExpr(ctx, f.Args[0], sorted, w.mem)
	if err != nil {
		return nil, err
	}
	defer vals.Release()
	step := f.N
	if f.Func == expr.WinLag {
		step = -step
	}
	n := w.n
	idx := make([]int32, n)
	for i := range idx {
		j := int64(i) + step
		if j >= int64(w.partStart[i]) && j < int64(w.partEnd[i]) {
			idx[i] = int32(j)
		} else {
			idx[i] = -1
		}
	}
	if len(f.Args) < 2 {
		return w.gather(ctx, vals, idx)
	}
	if l, ok := f.Args[1].(*expr.Literal); ok && l.IsNull() {
		return w.gather(ctx, vals, idx)
	}
	// With a default: gather from values followed by the defaults, taking
	// row i's own default (position n+i) when its target is outside.
	def, err := evalExpr(ctx, f.Args[1], sorted, w.mem)
	if err != nil {
		return nil, err
	}
	defer def.Release()
	if !arrow.TypeEqual(def.DataType(), vals.DataType()) {
		return nil, errs.Internalf("%s: default is %s but the value is %s", f.Func, def.DataType(), vals.DataType())
	}
	both, err := array.Concatenate([]arrow.Array{vals, def}, w.mem)
	if err != nil {
		return nil, errs.Wrap(errs.ErrResourceExhausted, err, "window: %s defaults", f.Func)
	}
	defer both.Release()
	for i, j := range idx {
		if j < 0 {
			idx[i] = int32(n + i)
		}
	}
	return w.gather(ctx, both, idx)
}

func (w *winState) nthValue(ctx context.Context, f expr.WindowCall, sorted arrow.RecordBatch) (arrow.Array, error) {
	if len(f.Args) == 0 {
		return nil, errs.Internalf("%s without an argument", f.Func)
	}
	fs, fe, err := w.frame(f.Frame)
	if err != nil {
		return nil, err
	}
	vals, err := evalExpr(ctx, f.Args[0], sorted, w.mem)
	if err != nil {
		return nil, err
	}
	defer vals.Release()
	idx := make([]int32, w.n)
	for i := range idx {
		idx[i] = -1
		switch f.Func {
		case expr.WinFirstValue:
			if fs[i] < fe[i] {
				idx[i] = fs[i]
			}
		case expr.WinLastValue:
			if fs[i] < fe[i] {
				idx[i] = fe[i] - 1
			}
		default:
			if f.N >= 1 && int64(fs[i])+f.N-1 < int64(fe[i]) {
				idx[i] = fs[i] + int32(f.N-1)
			}
		}
	}
	return w.gather(ctx, vals, idx)
}

// frame returns every row's frame as [fs[i], fe[i]) (fe >= fs).
func (w *winState) frame(fr *expr.WindowFrame) (fs, fe []int32, err error) {
	n := w.n
	fs, fe = make([]int32, n), make([]int32, n)
	if fr == nil {
		for i := range fs {
			fs[i] = w.partStart[i]
			if w.hasOrder {
				fe[i] = w.peerEnd[i]
			} else {
				fe[i] = w.partEnd[i]
			}
		}
		return fs, fe, nil
	}
	if fr.Units == expr.FrameRows {
		for i := range fs {
			if fs[i], err = w.rowsBound(fr.Start, i, true); err != nil {
				return nil, nil, err
			}
			if fe[i], err = w.rowsBound(fr.End, i, false); err != nil {
				return nil, nil, err
			}
			fe[i] = max(fe[i], fs[i])
		}
		return fs, fe, nil
	}
	if err := w.rangeFrame(fr, fs, fe); err != nil {
		return nil, nil, err
	}
	for i := range fe {
		fe[i] = max(fe[i], fs[i])
	}
	return fs, fe, nil
}

// rowsBound is a ROWS bound for row i: the first row of the frame (start)
// or one past its last (end), clamped to the partition.
func (w *winState) rowsBound(b expr.FrameBound, i int, start bool) (int32, error) {
	ps, pe := int64(w.partStart[i]), int64(w.partEnd[i])
	var pos int64
	switch b.Kind {
	case expr.UnboundedPreceding:
		return int32(ps), nil
	case expr.UnboundedFollowing:
		return int32(pe), nil
	case expr.CurrentRow:
		pos = int64(i)
	case expr.Preceding, expr.Following:
		k, err := rowsOffset(b)
		if err != nil {
			return 0, err
		}
		if b.Kind == expr.Preceding {
			k = -k
		}
		pos = int64(i) + k
	}
	if !start {
		pos++
	}
	return int32(min(max(pos, ps), pe)), nil
}

func rowsOffset(b expr.FrameBound) (int64, error) {
	if b.Offset != nil {
		switch v := b.Offset.Value.(type) {
		case int64:
			if v >= 0 {
				return v, nil
			}
		case uint64:
			return int64(min(v, math.MaxInt32)), nil
		}
	}
	return 0, errs.Invalidf("ROWS frame offset must be a non-negative integer, got %v", b.Offset)
}

// rangeFrame fills a RANGE frame's bounds.
func (w *winState) rangeFrame(fr *expr.WindowFrame, fs, fe []int32) error {
	needOffsets := fr.Start.Kind == expr.Preceding || fr.Start.Kind == expr.Following ||
		fr.End.Kind == expr.Preceding || fr.End.Kind == expr.Following
	var keys []float64
	var kv validity
	desc := false
	if needOffsets {
		if len(w.orderKeys) != 1 {
			return errs.Invalidf("a RANGE frame with an offset needs exactly one ORDER BY key, the window has %d", len(w.orderKeys))
		}
		var err error
		if keys, err = rangeKeys(w.orderKeys[0]); err != nil {
			return err
		}
		kv = validityOf(w.orderKeys[0])
		desc = w.orderBy[0].Desc
	}
	bound := func(b expr.FrameBound, i int, start bool) (int32, error) {
		switch b.Kind {
		case expr.UnboundedPreceding:
			return w.partStart[i], nil
		case expr.UnboundedFollowing:
			return w.partEnd[i], nil
		case expr.CurrentRow:
			if !w.hasOrder { // every row of the partition is a peer
				if start {
					return w.partStart[i], nil
				}
				return w.partEnd[i], nil
			}
			if start {
				return w.peerStart[i], nil
			}
			return w.peerEnd[i], nil
		}
		if !kv.valid(i) { // NULL keys: the offset bounds are the NULL peers
			if start {
				return w.peerStart[i], nil
			}
			return w.peerEnd[i], nil
		}
		off, err := rangeOffset(b, w.orderKeys[0].DataType())
		if err != nil {
			return 0, err
		}
		// The partition's non-NULL keys are sorted; NULLs sit first
		// (ascending) or last (descending).
		lo, hi := int(w.partStart[i]), int(w.partEnd[i])
		for lo < hi && !kv.valid(lo) {
			lo++
		}
		for hi > lo && !kv.valid(hi-1) {
			hi--
		}
		x := keys[i]
		// In window order, "preceding" values are smaller ascending and
		// larger descending.
		target := x + off
		if (b.Kind == expr.Preceding) != desc {
			target = x - off
		}
		// before(j): row j lies before the bound value in window order.
		var before func(v float64) bool
		switch {
		case !desc && start:
			before = func(v float64) bool { return v < target }
		case !desc && !start:
			before = func(v float64) bool { return v <= target }
		case desc && start:
			before = func(v float64) bool { return v > target }
		default:
			before = func(v float64) bool { return v >= target }
		}
		j := lo + sort.Search(hi-lo, func(k int) bool { return !before(keys[lo+k]) })
		return int32(j), nil
	}
	for i := range fs {
		var err error
		if fs[i], err = bound(fr.Start, i, true); err != nil {
			return err
		}
		if fe[i], err = bound(fr.End, i, false); err != nil {
			return err
		}
	}
	return nil
}

// rangeKeys reads a RANGE frame's ORDER BY key as float64 (dates in days,
// timestamps and times in their unit).
func rangeKeys(a arrow.Array) ([]float64, error) {
	n := a.Len()
	out := make([]float64, n)
	conv := func(f func(i int) float64) {
		for i := range out {
			out[i] = f(i)
		}
	}
	switch kindOf(a.DataType()) {
	case kI8:
		v := fixedValues[int8](a)
		conv(func(i int) float64 { return float64(v[i]) })
	case kI16:
		v := fixedValues[int16](a)
		conv(func(i int) float64 { return float64(v[i]) })
	case kI32:
		v := fixedValues[int32](a)
		conv(func(i int) float64 { return float64(v[i]) })
	case kI64:
		v := fixedValues[int64](a)
		conv(func(i int) float64 { return float64(v[i]) })
	case kU8:
		v := fixedValues[uint8](a)
		conv(func(i int) float64 { return float64(v[i]) })
	case kU16:
		v := fixedValues[uint16](a)
		conv(func(i int) float64 { return float64(v[i]) })
	case kU32:
		v := fixedValues[uint32](a)
		conv(func(i int) float64 { return float64(v[i]) })
	case kU64:
		v := fixedValues[uint64](a)
		conv(func(i int) float64 { return float64(v[i]) })
	case kF32:
		v := fixedValues[float32](a)
		conv(func(i int) float64 { return float64(v[i]) })
	case kF64:
		v := fixedValues[float64](a)
		conv(func(i int) float64 { return v[i] })
	case kDec128:
		v := fixedValues[decimal128.Num](a)
		s := a.DataType().(*arrow.Decimal128Type).Scale
		conv(func(i int) float64 { return v[i].ToFloat64(s) })
	case kNull:
	default:
		return nil, errs.Invalidf("a RANGE frame with an offset needs a numeric or temporal ORDER BY key, not %s", expr.TypeName(a.DataType()))
	}
	return out, nil
}

// rangeOffset converts a RANGE bound's offset to the key's units.
func rangeOffset(b expr.FrameBound, keyType arrow.DataType) (float64, error) {
	if b.Offset == nil || b.Offset.Value == nil {
		return 0, errs.Invalidf("RANGE frame offset is missing or NULL")
	}
	var v float64
	switch x := b.Offset.Value.(type) {
	case int64:
		v = float64(x)
	case uint64:
		v = float64(x)
	case float64:
		v = x
	case decimal128.Num:
		_, s := decimalShape(b.Offset.DataType)
		v = x.ToFloat64(s)
	default:
		return 0, errs.Invalidf("RANGE frame offset %s is not a number", b.Offset)
	}
	if v < 0 {
		return 0, errs.Invalidf("RANGE frame offset must not be negative, got %s", b.Offset)
	}
	temporal := false
	switch keyType.ID() {
	case arrow.DATE32, arrow.TIMESTAMP, arrow.TIME64:
		temporal = true
	}
	if temporal != (b.Unit != "") {
		if temporal {
			return 0, errs.Invalidf("a RANGE frame over %s needs an INTERVAL offset", expr.TypeName(keyType))
		}
		return 0, errs.Invalidf("an INTERVAL frame offset needs a temporal ORDER BY key, not %s", expr.TypeName(keyType))
	}
	if !temporal {
		return v, nil
	}
	var us float64 // the interval in microseconds
	switch b.Unit {
	case "MICROSECOND":
		us = v
	case "SECOND":
		us = v * 1e6
	case "MINUTE":
		us = v * 60e6
	case "HOUR":
		us = v * 3600e6
	case "DAY":
		us = v * 86400e6
	case "WEEK":
		us = v * 7 * 86400e6
	default:
		return 0, errs.NotImplementedf("RANGE frame INTERVAL unit %s is not supported (use MICROSECOND..WEEK)", b.Unit)
	}
	switch t := keyType.(type) {
	case *arrow.Date32Type:
		return us / 86400e6, nil
	case *arrow.TimestampType:
		return us / unitMicros(t.Unit), nil
	case *arrow.Time64Type:
		return us / unitMicros(t.Unit), nil
	}
	return us, nil
}

func unitMicros(u arrow.TimeUnit) float64 {
	switch u {
	case arrow.Second:
		return 1e6
	case arrow.Millisecond:
		return 1e3
	case arrow.Nanosecond:
		return 1e-3
	}
	return 1
}

func decimalShape(t arrow.DataType) (int32, int32) {
	if d, ok := t.(*arrow.Decimal128Type); ok {
		return d.Precision, d.Scale
	}
	return 38, 0
}
