package operator

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// RowEdit describes what DELETE or UPDATE does to each batch of a table's
// rows (see NewRowEditor). The zero value deletes every row.
type RowEdit struct {
	// Where selects the rows (TRUE matches; NULL and FALSE do not), bound
	// to the table's schema; nil matches every row.
	Where expr.Expr
	// SetColumns and SetValues are an UPDATE's assignments, in SET order:
	// SetValues[k] (bound to the table's schema, of the column's type) is
	// evaluated over the matched rows as assignments 0..k-1 left them and
	// stored in column SetColumns[k]. Without assignments the matched rows
	// are deleted.
	SetColumns []int
	SetValues  []expr.Expr
	// Limit caps the rows matched over the whole table, in storage order;
	// -1 means no limit.
	Limit int64
}

// NewRowEditor returns the catalog.RewriteFunc that runs e over a
// Rewritable table: it evaluates Where and the assignments with the
// engine's vectorized evaluator (only over matched rows, so a row WHERE
// excludes can never fail an assignment) and reports the deleted rows, or
// the updated rows with a Changed mask that marks rows whose stored values
// really differ (byte-wise for strings, NULL equal to NULL), which is what
// MySQL counts as affected.
//
// The function keeps the LIMIT count between calls, so it serves one
// Rewrite call; it is not safe for concurrent use (the Rewritable contract
// calls it sequentially). mem allocates the masks and new values, which
// the table takes over.
func NewRowEditor(schema *arrow.Schema, e RowEdit, mem memory.Allocator) catalog.RewriteFunc {
	left := e.Limit
	return func(ctx context.Context, b arrow.RecordBatch) (edit catalog.BatchEdit, err error) {
		defer func() {
			if r := recover(); r != nil {
				releaseEdit(edit)
				edit, err = catalog.BatchEdit{}, errs.Internalf("row editor panicked: %v", r)
			}
		}()
		n := int(b.NumRows())
		if n == 0 || left == 0 {
			return catalog.BatchEdit{}, nil
		}
		sel, err := matchRows(ctx, e.Where, b, mem)
		if err != nil {
			return catalog.BatchEdit{}, err
		}
		if sel != nil && len(sel) == 0 {
			return catalog.BatchEdit{}, nil
		}
		if sel == nil && left >= 0 && int64(n) > left {
			sel = make([]int32, n)
			for i := range sel {
				sel[i] = int32(i)
			}
		}
		if sel != nil && left >= 0 && int64(len(sel)) > left {
			sel = sel[:left]
		}
		matched := n
		if sel != nil {
			matched = len(sel)
		}
		if left >= 0 {
			left -= int64(matched)
		}
		if len(e.SetColumns) == 0 {
			return catalog.BatchEdit{Delete: rowMask(mem, n, sel, nil)}, nil
		}
		return updateRows(ctx, schema, e, b, sel, mem)
	}
}

// matchRows returns the indexes of the rows where where is TRUE, or nil
// when every row matches (where is nil or TRUE everywhere).
func matchRows(ctx context.Context, where expr.Expr, b arrow.RecordBatch, mem memory.Allocator) ([]int32, error) {
	if where == nil {
		return nil, nil
	}
	m, err := expr.EvalMask(ctx, where, b, mem)
	if err != nil {
		return nil, err
	}
	defer m.Release()
	mask, ok := m.(*array.Boolean)
	if !ok {
		return nil, errs.Internalf("WHERE %s evaluated to %s, not a boolean", where, m.DataType())
	}
	n := mask.Len()
	sel := make([]int32, 0, n)
	for i := 0; i < n; i++ {
		if mask.IsValid(i) && mask.Value(i) {
			sel = append(sel, int32(i))
		}
	}
	if len(sel) == n {
		return nil, nil
	}
	return sel, nil
}

// rowMask builds an n-row non-null BOOL array that is true at the rows
// sel lists (every row when sel is nil) and, when flags is not nil, only
// where flags[k] is true for sel[k] (flags has one entry per selected row).
func rowMask(mem memory.Allocator, n int, sel []int32, flags []bool) *array.Boolean {
	vals := make([]bool, n)
	if sel == nil {
		for i := range vals {
			vals[i] = flags == nil || flags[i]
		}
	} else {
		for k, i := range sel {
			vals[i] = flags == nil || flags[k]
		}
	}
	bld := array.NewBooleanBuilder(mem)
	defer bld.Release()
	bld.AppendValues(vals, nil)
	return bld.NewBooleanArray()
}

// updateRows applies the assignments to the rows sel lists (all when nil)
// and returns the new values of every row of b with the Changed mask.
func updateRows(ctx context.Context, schema *arrow.Schema, e RowEdit, b arrow.RecordBatch, sel []int32, mem memory.Allocator) (catalog.BatchEdit, error) {
	cctx := compute.WithAllocator(ctx, mem)
	n := int(b.NumRows())
	// sub: the matched rows, with the table's schema.
	var sub arrow.RecordBatch
	if sel == nil {
		sub = array.NewRecordBatch(schema, b.Columns(), b.NumRows())
	} else {
		idx := int32Array(mem, sel)
		cols := make([]arrow.Array, b.NumCols())
		for i := range cols {
			c, err := compute.TakeArray(cctx, b.Column(i), idx)
			if err != nil {
				idx.Release()
				releaseArrays(cols[:i])
				return catalog.BatchEdit{}, errs.Wrap(errs.ErrInternal, err, "selecting the rows to update")
			}
			cols[i] = c
		}
		idx.Release()
		sub = array.NewRecordBatch(schema, cols, int64(len(sel)))
		releaseArrays(cols)
	}
	defer sub.Release()
	cur := sub
	cur.Retain()
	defer func() { cur.Release() }()
	for k, col := range e.SetColumns {
		v, err := expr.Eval(ctx, e.SetValues[k], cur, mem)
		if err != nil {
			return catalog.BatchEdit{}, err
		}
		want := schema.Field(col).Type
		if !arrow.TypeEqual(v.DataType(), want) {
			cast, cerr := compute.CastToType(cctx, v, want)
			v.Release()
			if cerr != nil {
				return catalog.BatchEdit{}, errs.Wrap(errs.ErrInvalid, cerr, "column '%s': cannot store %s", schema.Field(col).Name, e.SetValues[k])
			}
			v = cast
		}
		cols := append([]arrow.Array(nil), cur.Columns()...)
		cols[col] = v
		next := array.NewRecordBatch(schema, cols, cur.NumRows())
		v.Release()
		cur.Release()
		cur = next
	}
	// changed[k]: matched row k's stored values differ.
	changed := make([]bool, cur.NumRows())
	anyChanged := false
	assigned := map[int]bool{}
	for _, col := range e.SetColumns {
		if assigned[col] {
			continue
		}
		assigned[col] = true
		if err := markDiffering(cctx, sub.Column(col), cur.Column(col), changed); err != nil {
			return catalog.BatchEdit{}, err
		}
	}
	for _, c := range changed {
		anyChanged = anyChanged || c
	}
	if !anyChanged {
		return catalog.BatchEdit{}, nil
	}
	var values arrow.RecordBatch
	if sel == nil {
		cur.Retain()
		values = cur
	} else {
		cols := make([]arrow.Array, len(b.Columns()))
		defer releaseArrays(cols)
		for i := range cols {
			if !assigned[i] {
				cols[i] = b.Column(i)
				cols[i].Retain()
				continue
			}
			merged, err := scatter(cctx, mem, b.Column(i), cur.Column(i), sel)
			if err != nil {
				return catalog.BatchEdit{}, err
			}
			cols[i] = merged
		}
		values = array.NewRecordBatch(schema, cols, int64(n))
	}
	return catalog.BatchEdit{Values: values, Changed: rowMask(mem, n, sel, changed)}, nil
}

// markDiffering sets out[i] when old and new differ at row i as stored
// values: one NULL and the other not, or both valid and not equal by
// arrow's type-exact comparison (byte-wise for strings). A type arrow
// cannot compare marks every row.
func markDiffering(ctx context.Context, old, new arrow.Array, out []bool) error {
	od, nd := compute.NewDatum(old), compute.NewDatum(new) // each retains its array
	defer od.Release()
	defer nd.Release()
	ne, err := compute.CallFunction(ctx, "not_equal", nil, od, nd)
	if err != nil {
		// A type arrow cannot compare: count every row as changed
		// (the affected count may then exceed MySQL's, never the data).
		if ctx.Err() != nil {
			return errs.Wrap(errs.ErrUnavailable, ctx.Err(), "comparing updated values")
		}
		for i := range out {
			out[i] = true
		}
		return nil
	}
	defer ne.Release()
	arr, ok := ne.(*compute.ArrayDatum)
	if !ok {
		return errs.Internalf("not_equal returned %s", ne.Kind())
	}
	bits := arr.MakeArray().(*array.Boolean)
	defer bits.Release()
	for i := range out {
		ov, nv := old.IsValid(i), new.IsValid(i)
		if ov != nv || (ov && bits.Value(i)) {
			out[i] = true
		}
	}
	return nil
}

// scatter returns base with the rows sel lists replaced by repl's rows, in
// order (repl has len(sel) rows).
func scatter(ctx context.Context, mem memory.Allocator, base, repl arrow.Array, sel []int32) (arrow.Array, error) {
	both, err := array.Concatenate([]arrow.Array{base, repl}, mem)
	if err != nil {
		return nil, errs.Wrap(errs.ErrInternal, err, "merging updated rows")
	}
	defer both.Release()
	n := base.Len()
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	for k, i := range sel {
		idx[i] = int32(n + k)
	}
	ia := int32Array(mem, idx)
	defer ia.Release()
	out, err := compute.TakeArray(ctx, both, ia)
	if err != nil {
		return nil, errs.Wrap(errs.ErrInternal, err, "merging updated rows")
	}
	return out, nil
}

func int32Array(mem memory.Allocator, v []int32) arrow.Array {
	b := array.NewInt32Builder(mem)
	defer b.Release()
	b.AppendValues(v, nil)
	return b.NewArray()
}

func releaseEdit(e catalog.BatchEdit) {
	if e.Delete != nil {
		e.Delete.Release()
	}
	if e.Values != nil {
		e.Values.Release()
	}
	if e.Changed != nil {
		e.Changed.Release()
	}
}
