package operator

import (
	"context"
	"math"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// GroupConcatMaxLen is the most bytes a GROUP_CONCAT result holds; longer
// results are cut (on a character boundary), as MySQL does with its default
// group_concat_max_len of 1024.
const GroupConcatMaxLen = 1024

// multiAccumulator is an accumulator whose call reads more than its Arg
// (COUNT(DISTINCT a, b), GROUP_CONCAT with several arguments or ORDER BY):
// args holds the evaluated AggregateCall.Exprs(), in that order.
type multiAccumulator interface {
	accumulator
	updateMulti(ctx context.Context, ids []int32, args []arrow.Array) error
}

// newMoreAccumulator builds the state of the aggregates beyond
// COUNT/SUM/AVG/MIN/MAX (and of COUNT(DISTINCT a, b, ...)); ok is false for
// a function it does not know.
func newMoreAccumulator(a expr.AggregateCall, argType arrow.DataType) (acc accumulator, ok bool, err error) {
	switch a.Func {
	case expr.AggBitAnd, expr.AggBitOr, expr.AggBitXor:
		switch kindOf(argType) {
		case kNull, kI8, kI16, kI32, kI64, kU8, kU16, kU32, kU64:
		default:
			return nil, true, errs.Internalf("%s expects an integer argument, got %s", a.Func, argType)
		}
		return &bitAcc{fn: a.Func}, true, nil
	case expr.AggStddevPop, expr.AggStddevSamp, expr.AggVarPop, expr.AggVarSamp:
		if k := kindOf(argType); k != kF64 && k != kNull {
			return nil, true, errs.Internalf("%s expects a DOUBLE argument, got %s", a.Func, argType)
		}
		return &varAcc{samp: a.Func == expr.AggStddevSamp || a.Func == expr.AggVarSamp,
			sqrt: a.Func == expr.AggStddevPop || a.Func == expr.AggStddevSamp}, true, nil
	case expr.AggAnyValue:
		// Any value of the group will do (MySQL picks one arbitrarily);
		// the smallest one is as good as any and keeps results stable.
		m, err := newMinMaxAcc(argType, false)
		return m, true, err
	case expr.AggGroupConcat:
		if a.Arg == nil {
			return nil, true, errs.Internalf("GROUP_CONCAT without arguments")
		}
		return &groupConcatAcc{call: a, sep: []byte(a.Separator), seen: map[string]struct{}{}}, true, nil
	case expr.AggCount:
		if a.Distinct && len(a.MoreArgs) > 0 {
			return &countTuplesAcc{seen: map[string]struct{}{}}, true, nil
		}
	}
	return nil, false, nil
}

// ---- BIT_AND / BIT_OR / BIT_XOR ----

// bitAcc folds BIGINT UNSIGNED values; NULLs are skipped and an empty group
// keeps the identity (all ones for AND, 0 otherwise): never NULL.
type bitAcc struct {
	fn   expr.AggFunc
	vals []uint64
}

func (b *bitAcc) resize(n int) {
	init := uint64(0)
	if b.fn == expr.AggBitAnd {
		init = math.MaxUint64
	}
	for len(b.vals) < n {
		b.vals = append(b.vals, init)
	}
}

func (b *bitAcc) update(_ context.Context, ids []int32, arg arrow.Array) error {
	switch kindOf(arg.DataType()) {
	case kI8:
		bitUpdate(b, ids, fixedValues[int8](arg), validityOf(arg))
	case kI16:
		bitUpdate(b, ids, fixedValues[int16](arg), validityOf(arg))
	case kI32:
		bitUpdate(b, ids, fixedValues[int32](arg), validityOf(arg))
	case kI64:
		bitUpdate(b, ids, fixedValues[int64](arg), validityOf(arg))
	case kU8:
		bitUpdate(b, ids, fixedValues[uint8](arg), validityOf(arg))
	case kU16:
		bitUpdate(b, ids, fixedValues[uint16](arg), validityOf(arg))
	case kU32:
		bitUpdate(b, ids, fixedValues[uint32](arg), validityOf(arg))
	case kU64:
		bitUpdate(b, ids, fixedValues[uint64](arg), validityOf(arg))
	}
	return nil
}

// bitUpdate folds integer values, sign-extended to 64 bits.
func bitUpdate[T arrow.IntType | arrow.UintType](b *bitAcc, ids []int32, vals []T, v validity) {
	acc := b.vals
	switch b.fn {
	case expr.AggBitAnd:
		for i, g := range ids {
			if v.valid(i) {
				acc[g] &= uint64(vals[i])
			}
		}
	case expr.AggBitOr:
		for i, g := range ids {
			if v.valid(i) {
				acc[g] |= uint64(vals[i])
			}
		}
	default:
		for i, g := range ids {
			if v.valid(i) {
				acc[g] ^= uint64(vals[i])
			}
		}
	}
}

func (b *bitAcc) finish(mem memory.Allocator, want arrow.DataType) (arrow.Array, error) {
	return castTo(mem, buildFixed(mem, arrow.PrimitiveTypes.Uint64, b.vals, nil), want)
}

func (b *bitAcc) size() int64 { return 8 * int64(cap(b.vals)) }

// ---- STDDEV / VARIANCE ----

// varAcc keeps a count, mean and sum of squared deviations per group
// (Welford's update, numerically stable); the result is the population or
// sample variance, or its square root.
type varAcc struct {
	samp, sqrt bool
	n          []int64
	mean, m2   []float64
}

func (a *varAcc) resize(n int) {
	for len(a.n) < n {
		a.n = append(a.n, 0)
		a.mean = append(a.mean, 0)
		a.m2 = append(a.m2, 0)
	}
}

func (a *varAcc) update(_ context.Context, ids []int32, arg arrow.Array) error {
	if kindOf(arg.DataType()) == kNull {
		return nil
	}
	vals, v := fixedValues[float64](arg), validityOf(arg)
	for i, g := range ids {
		if !v.valid(i) {
			continue
		}
		a.n[g]++
		d := vals[i] - a.mean[g]
		a.mean[g] += d / float64(a.n[g])
		a.m2[g] += d * (vals[i] - a.mean[g])
	}
	return nil
}

func (a *varAcc) finish(mem memory.Allocator, want arrow.DataType) (arrow.Array, error) {
	out := make([]float64, len(a.n))
	valid := make([]bool, len(a.n))
	for g, n := range a.n {
		out[g], valid[g] = varianceOf(n, a.m2[g], a.samp, a.sqrt)
	}
	return castTo(mem, buildFixed(mem, arrow.PrimitiveTypes.Float64, out, valid), want)
}

// varianceOf turns a count and a sum of squared deviations into the
// population or sample variance (or standard deviation); ok is false when
// the result is NULL (no values, or one value for the sample forms).
func varianceOf(n int64, m2 float64, samp, sqrt bool) (float64, bool) {
	den := float64(n)
	if samp {
		den--
	}
	if n == 0 || den <= 0 {
		return 0, false
	}
	r := m2 / den
	if r < 0 {
		r = 0
	}
	if sqrt {
		r = math.Sqrt(r)
	}
	return r, true
}

func (a *varAcc) size() int64 { return 24 * int64(cap(a.n)) }

// ---- COUNT(DISTINCT a, b, ...) ----

// countTuplesAcc counts distinct argument tuples with no NULL member.
type countTuplesAcc struct {
	counts []int64
	seen   map[string]struct{}
	bytes  int64
	keys   [][]byte
}

func (c *countTuplesAcc) resize(n int) {
	for len(c.counts) < n {
		c.counts = append(c.counts, 0)
	}
}

func (c *countTuplesAcc) update(ctx context.Context, ids []int32, arg arrow.Array) error {
	return c.updateMulti(ctx, ids, []arrow.Array{arg})
}

func (c *countTuplesAcc) updateMulti(_ context.Context, ids []int32, args []arrow.Array) error {
	c.keys = groupKeys(c.keys, ids)
	for _, a := range args {
		if err := appendKeyColumn(c.keys, a); err != nil {
			return err
		}
	}
	vs := validities(args)
rows:
	for i, k := range c.keys {
		for _, v := range vs {
			if !v.valid(i) {
				continue rows
			}
		}
		if _, dup := c.seen[string(k)]; dup {
			continue
		}
		c.seen[string(k)] = struct{}{}
		c.bytes += int64(len(k)) + 16 + mapEntryOverhead
		c.counts[ids[i]]++
	}
	return nil
}

func (c *countTuplesAcc) finish(mem memory.Allocator, want arrow.DataType) (arrow.Array, error) {
	return castTo(mem, buildFixed(mem, arrow.PrimitiveTypes.Int64, c.counts, nil), want)
}

func (c *countTuplesAcc) size() int64 { return 8*int64(cap(c.counts)) + c.bytes }

// groupKeys resets keys to one 4-byte group prefix per row.
func groupKeys(keys [][]byte, ids []int32) [][]byte {
	if cap(keys) < len(ids) {
		keys = make([][]byte, len(ids))
	}
	keys = keys[:len(ids)]
	for i, g := range ids {
		keys[i] = append(keys[i][:0], byte(g), byte(g>>8), byte(g>>16), byte(g>>24))
	}
	return keys
}

func validities(arrs []arrow.Array) []validity {
	vs := make([]validity, len(arrs))
	for i, a := range arrs {
		vs[i] = validityOf(a)
	}
	return vs
}

// ---- GROUP_CONCAT ----

// groupConcatAcc collects, per contributing row, its group, its text (the
// arguments concatenated) and, with ORDER BY, its order keys (kept as
// arrays of the contributing rows). finish sorts the entries by group, then
// by the keys, then by arrival, and joins each group's texts.
type groupConcatAcc struct {
	call  expr.AggregateCall
	sep   []byte
	n     int
	seen  map[string]struct{}
	group []int32
	text  [][]byte
	// order[k] holds the k-th ORDER BY key of every entry, in entry
	// order, as a list of arrays (one per update call).
	order [][]arrow.Array
	bytes int64
	keys  [][]byte
}

func (a *groupConcatAcc) resize(n int) { a.n = max(a.n, n) }

func (a *groupConcatAcc) update(ctx context.Context, ids []int32, arg arrow.Array) error {
	return a.updateMulti(ctx, ids, []arrow.Array{arg})
}

func (a *groupConcatAcc) updateMulti(ctx context.Context, ids []int32, args []arrow.Array) error {
	nArgs := 1 + len(a.call.MoreArgs)
	if len(args) != nArgs+len(a.call.OrderBy) {
		return errs.Internalf("GROUP_CONCAT got %d argument arrays, want %d", len(args), nArgs+len(a.call.OrderBy))
	}
	vals := args[:nArgs]
	views := make([]binView, nArgs)
	for i, v := range vals {
		if kindOf(v.DataType()) == kNull {
			return nil // a NULL argument in every row: nothing contributes
		}
		if k := kindOf(v.DataType()); k != kString && k != kLargeString {
			return errs.Internalf("GROUP_CONCAT argument is %s, want VARCHAR", v.DataType())
		}
		views[i] = newBinView(v)
	}
	vs := validities(vals)
	if a.call.Distinct {
		// Values are distinct under the string collation ('a' and 'A' are
		// one value; the first spelling read is kept).
		a.keys = groupKeys(a.keys, ids)
		for _, v := range vals {
			kv := expr.CollationKeys(compute.GetAllocator(ctx), v)
			err := appendKeyColumn(a.keys, kv)
			kv.Release()
			if err != nil {
				return err
			}
		}
	}
	var sel []int32
rows:
	for i, g := range ids {
		for _, v := range vs {
			if !v.valid(i) {
				continue rows
			}
		}
		if a.call.Distinct {
			if _, dup := a.seen[string(a.keys[i])]; dup {
				continue
			}
			a.seen[string(a.keys[i])] = struct{}{}
			a.bytes += int64(len(a.keys[i])) + 16 + mapEntryOverhead
		}
		var t []byte
		for j := range views {
			t = append(t, views[j].at(i)...)
		}
		a.group = append(a.group, g)
		a.text = append(a.text, t)
		a.bytes += int64(len(t)) + 28
		sel = append(sel, int32(i))
	}
	if len(a.call.OrderBy) == 0 || len(sel) == 0 {
		return nil
	}
	if len(a.order) == 0 {
		a.order = make([][]arrow.Array, len(a.call.OrderBy))
	}
	for k, o := range args[nArgs:] {
		sub, err := takeArray(ctx, o, sel)
		if err != nil {
			return err
		}
		a.order[k] = append(a.order[k], sub)
		a.bytes += arrayBytes(sub.Data())
	}
	return nil
}

func (a *groupConcatAcc) finish(mem memory.Allocator, want arrow.DataType) (arrow.Array, error) {
	defer a.releaseOrder()
	idx := make([]int32, len(a.group))
	for i := range idx {
		idx[i] = int32(i)
	}
	cols := []sortCol{{v: validity{}, cmp: func(x, y int32) int { return int(a.group[x]) - int(a.group[y]) }}}
	if len(a.order) > 0 {
		for k, parts := range a.order {
			all, err := array.Concatenate(parts, mem)
			if err != nil {
				return nil, errs.Wrap(errs.ErrResourceExhausted, err, "GROUP_CONCAT: gathering ORDER BY values")
			}
			defer all.Release()
			key := a.call.OrderBy[k]
			c, err := newSortCol(all, SortKey{Desc: key.Desc, NullsFirst: !key.Desc})
			if err != nil {
				return nil, err
			}
			cols = append(cols, c)
		}
	}
	sortIndices(idx, cols)
	out := make([][]byte, a.n)
	valid := make([]bool, a.n)
	for _, e := range idx {
		g := a.group[e]
		if valid[g] {
			if len(out[g]) >= GroupConcatMaxLen {
				continue
			}
			out[g] = append(out[g], a.sep...)
		}
		valid[g] = true
		out[g] = append(out[g], a.text[e]...)
	}
	for g := range out {
		out[g] = truncateUTF8(out[g], GroupConcatMaxLen)
	}
	res, err := buildVarWidth(mem, arrow.BinaryTypes.String, out, valid)
	if err != nil {
		return nil, err
	}
	return castTo(mem, res, want)
}

// truncateUTF8 cuts b to at most n bytes without splitting a character.
func truncateUTF8(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	b = b[:n]
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		r, size := utf8.DecodeLastRune(b)
		if r != utf8.RuneError || size > 1 {
			break
		}
		b = b[:len(b)-1]
	}
	return b
}

func (a *groupConcatAcc) releaseOrder() {
	for _, parts := range a.order {
		releaseArrays(parts)
	}
	a.order = nil
}

func (a *groupConcatAcc) size() int64 { return a.bytes }

// releasable is an accumulator holding Arrow memory until finish; hash
// aggregation releases it however the aggregation ends.
type releasable interface{ release() }

func (a *groupConcatAcc) release() { a.releaseOrder() }

// releaseAccumulators releases the Arrow memory of every accumulator that
// holds some.
func releaseAccumulators(accs []accumulator) {
	for _, a := range accs {
		if r, ok := a.(releasable); ok {
			r.release()
		}
	}
}

// extraArgs evaluates, per batch, the arguments beyond Arg of the calls
// that have some (MoreArgs, GROUP_CONCAT's ORDER BY) and routes them to
// their multiAccumulator.
type extraArgs struct {
	calls []expr.AggregateCall
	vals  [][]arrow.Array // per call: Exprs() evaluated, nil when the call has no extras
}

func newExtraArgs(calls []expr.AggregateCall) *extraArgs {
	return &extraArgs{calls: calls, vals: make([][]arrow.Array, len(calls))}
}

func hasExtras(a expr.AggregateCall) bool { return len(a.MoreArgs)+len(a.OrderBy) > 0 }

// eval evaluates the extras of b; args[i] (the calls' Arg values) are
// reused as the first element.
func (x *extraArgs) eval(ctx context.Context, b arrow.RecordBatch, args []arrow.Array, mem memory.Allocator) error {
	x.release()
	for i, a := range x.calls {
		if !hasExtras(a) {
			continue
		}
		es := a.Exprs()
		vals := make([]arrow.Array, len(es))
		x.vals[i] = vals
		args[i].Retain()
		vals[0] = args[i]
		for j := 1; j < len(es); j++ {
			v, err := evalExpr(ctx, es[j], b, mem)
			if err != nil {
				return err
			}
			vals[j] = v
		}
	}
	return nil
}

// update feeds call i's values of the current batch to acc.
func (x *extraArgs) update(ctx context.Context, i int, acc accumulator, ids []int32, arg arrow.Array) error {
	if x.vals[i] == nil {
		return acc.update(ctx, ids, arg)
	}
	m, ok := acc.(multiAccumulator)
	if !ok {
		return errs.NotImplementedf("%s with several arguments", x.calls[i])
	}
	return m.updateMulti(ctx, ids, x.vals[i])
}

func (x *extraArgs) release() {
	for i, vs := range x.vals {
		releaseArrays(vs)
		x.vals[i] = nil
	}
}
