package operator

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// windowChunkRows bounds the frame rows the generic window aggregate feeds
// its accumulators at once.
const windowChunkRows = 1 << 20

// aggregate computes an aggregate over every row's frame. Cheap paths: a
// frame that is the whole partition aggregates once per partition;
// COUNT, and SUM/AVG of exact numbers (or of floats over frames starting
// at the partition start), use running sums; MIN/MAX over frames starting
// at the partition start keep a running extreme. Other frames feed each
// distinct frame's rows to the aggregate's accumulator (MySQL's
// high-precision way for floats).
func (w *winState) aggregate(ctx context.Context, f expr.WindowCall, sorted arrow.RecordBatch, want arrow.DataType) (arrow.Array, error) {
	call := *f.Agg
	if len(call.MoreArgs)+len(call.OrderBy) > 0 {
		return nil, errs.NotImplementedf("%s as a window function", call.String())
	}
	fs, fe, err := w.frame(f.Frame)
	if err != nil {
		return nil, err
	}
	var arg arrow.Array
	var argT arrow.DataType
	if call.Arg != nil {
		if arg, err = evalExpr(ctx, call.Arg, sorted, w.mem); err != nil {
			return nil, err
		}
		defer arg.Release()
		argT = arg.DataType()
	}
	cctx := compute.WithAllocator(ctx, w.mem)

	whole, fromStart := true, true
	for i := range fs {
		whole = whole && fs[i] == w.partStart[i] && fe[i] == w.partEnd[i]
		fromStart = fromStart && fs[i] == w.partStart[i]
	}
	if whole {
		acc, err := newAccumulator(call, argT)
		if err != nil {
			return nil, err
		}
		defer releaseAccumulators([]accumulator{acc})
		acc.resize(w.parts)
		if err := acc.update(cctx, w.partID, arg); err != nil {
			return nil, err
		}
		per, err := acc.finish(w.mem, want)
		if err != nil {
			return nil, err
		}
		defer per.Release()
		return w.gather(ctx, per, w.partID)
	}
	if !call.Distinct {
		switch call.Func {
		case expr.AggCount:
			return w.frameCount(arg, fs, fe, want)
		case expr.AggSum, expr.AggAvg:
			k := kindOf(argT)
			if fromStart || (k != kF32 && k != kF64) {
				if out, ok, err := w.frameSum(cctx, call, arg, fs, fe, want); ok || err != nil {
					return out, err
				}
			}
		case expr.AggMin, expr.AggMax:
			if fromStart {
				return w.runningExtreme(ctx, call.Func == expr.AggMax, arg, fe, want)
			}
		}
	}
	return w.frameGeneric(cctx, call, arg, fs, fe, want)
}

// frameCount counts each frame's rows (COUNT(*)) or non-NULL values.
func (w *winState) frameCount(arg arrow.Array, fs, fe []int32, want arrow.DataType) (arrow.Array, error) {
	counts := make([]int64, w.n)
	if arg == nil {
		for i := range counts {
			counts[i] = int64(fe[i] - fs[i])
		}
	} else {
		v := validityOf(arg)
		pre := make([]int64, w.n+1)
		for i := 0; i < w.n; i++ {
			pre[i+1] = pre[i]
			if v.valid(i) {
				pre[i+1]++
			}
		}
		for i := range counts {
			counts[i] = pre[fe[i]] - pre[fs[i]]
		}
	}
	return castTo(w.mem, buildFixed(w.mem, arrow.PrimitiveTypes.Int64, counts, nil), want)
}

// frameSum computes SUM/AVG from running sums that restart at every
// partition: a frame [s, e) sums upto[e-1] - before[s]. ok is false when
// the argument's type has no exact running sum here.
func (w *winState) frameSum(ctx context.Context, call expr.AggregateCall, arg arrow.Array, fs, fe []int32, want arrow.DataType) (arrow.Array, bool, error) {
	avg := call.Func == expr.AggAvg
	rowAcc, err := newSumAcc(arg.DataType(), avg)
	if err != nil {
		return nil, true, err
	}
	n := w.n
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(i)
	}
	rowAcc.resize(n)
	if err := rowAcc.update(ctx, ids, arg); err != nil {
		return nil, true, err
	}
	res, _ := newSumAcc(arg.DataType(), avg)
	res.resize(n)
	cntBefore, cntUpto := make([]int64, n), make([]int64, n)
	for i := 0; i < n; i++ {
		if i > int(w.partStart[i]) {
			cntBefore[i] = cntUpto[i-1]
		}
		cntUpto[i] = cntBefore[i] + rowAcc.cnt[i]
	}
	if rowAcc.isFloat() {
		before, upto := make([]float64, n), make([]float64, n)
		for i := 0; i < n; i++ {
			if i > int(w.partStart[i]) {
				before[i] = upto[i-1]
			}
			upto[i] = before[i] + rowAcc.flt[i]
		}
		for i := 0; i < n; i++ {
			if fe[i] > fs[i] {
				res.flt[i] = upto[fe[i]-1] - before[fs[i]]
				res.cnt[i] = cntUpto[fe[i]-1] - cntBefore[fs[i]]
			}
		}
	} else {
		before, upto := make([]decimal128.Num, n), make([]decimal128.Num, n)
		for i := 0; i < n; i++ {
			if i > int(w.partStart[i]) {
				before[i] = upto[i-1]
			}
			upto[i] = before[i].Add(rowAcc.dec[i])
		}
		for i := 0; i < n; i++ {
			if fe[i] > fs[i] {
				res.dec[i] = upto[fe[i]-1].Sub(before[fs[i]])
				res.cnt[i] = cntUpto[fe[i]-1] - cntBefore[fs[i]]
			}
		}
	}
	out, err := res.finish(w.mem, want)
	return out, true, err
}

// runningExtreme is MIN/MAX over frames that start at the partition start:
// the extreme of [partStart, fe[i]) grows with fe.
func (w *winState) runningExtreme(ctx context.Context, isMax bool, arg arrow.Array, fe []int32, want arrow.DataType) (arrow.Array, error) {
	c, err := newSortCol(arg, SortKey{})
	if err != nil {
		return nil, err
	}
	better := -1
	if isMax {
		better = 1
	}
	idx := make([]int32, w.n)
	best, upto := int32(-1), int32(0)
	for i := 0; i < w.n; i++ {
		if i == int(w.partStart[i]) {
			best, upto = -1, int32(i)
		}
		for ; upto < fe[i]; upto++ {
			if c.v.valid(int(upto)) && (best < 0 || c.cmp(upto, best) == better) {
				best = upto
			}
		}
		idx[i] = best
	}
	out, err := w.gather(ctx, arg, idx)
	if err != nil {
		return nil, err
	}
	return castTo(w.mem, out, want)
}

// frameGeneric feeds each distinct frame's rows to a fresh accumulator
// group, chunk by chunk, then spreads the per-frame results to the rows.
func (w *winState) frameGeneric(ctx context.Context, call expr.AggregateCall, arg arrow.Array, fs, fe []int32, want arrow.DataType) (arrow.Array, error) {
	var argT arrow.DataType
	if arg != nil {
		argT = arg.DataType()
	}
	frameOf := make([]int32, w.n)
	var starts, ends []int32
	for i := 0; i < w.n; i++ {
		if i > 0 && fs[i] == fs[i-1] && fe[i] == fe[i-1] {
			frameOf[i] = frameOf[i-1]
			continue
		}
		frameOf[i] = int32(len(starts))
		starts, ends = append(starts, fs[i]), append(ends, fe[i])
	}
	var parts []arrow.Array
	defer func() { releaseArrays(parts) }()
	var ids, rows []int32
	first := 0
	flush := func(last int) error {
		if last == first {
			return nil
		}
		acc, err := newAccumulator(call, argT)
		if err != nil {
			return err
		}
		defer releaseAccumulators([]accumulator{acc})
		acc.resize(last - first)
		if len(ids) > 0 {
			var sub arrow.Array
			if arg != nil {
				if sub, err = takeArray(ctx, arg, rows); err != nil {
					return err
				}
				defer sub.Release()
			}
			if err := acc.update(ctx, ids, sub); err != nil {
				return err
			}
		}
		out, err := acc.finish(w.mem, want)
		if err != nil {
			return err
		}
		parts = append(parts, out)
		ids, rows, first = ids[:0], rows[:0], last
		return nil
	}
	for f := range starts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for r := starts[f]; r < ends[f]; r++ {
			ids = append(ids, int32(f-first))
			rows = append(rows, r)
		}
		if len(rows) >= windowChunkRows {
			if err := flush(f + 1); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(len(starts)); err != nil {
		return nil, err
	}
	var per arrow.Array
	if len(parts) == 1 {
		per = parts[0]
		per.Retain()
	} else {
		var err error
		if per, err = array.Concatenate(parts, w.mem); err != nil {
			return nil, errs.Wrap(errs.ErrResourceExhausted, err, "window: gathering frame results")
		}
	}
	defer per.Release()
	return w.gather(ctx, per, frameOf)
}
