package memory

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/internal"
)

var (
	_ catalog.Rewritable  = (*Table)(nil)
	_ catalog.Truncatable = (*Table)(nil)
)

// Rewrite streams every stored batch, in storage order, through fn and
// builds a new snapshot of the edited rows, swapped in at the end under the
// writer lock (catalog.Rewritable). Unedited batches are kept as they are
// (zero copy); edited ones are rebuilt with arrow compute's filter. Nothing
// is swapped when no row is affected.
//
// A rewrite ends the table's current epoch: its old batches are released,
// so partitions planned before it (not yet opened) refuse to open with an
// errs.ErrUnavailable error asking to run the query again. Readers already
// open hold their own references and finish normally.
func (t *Table) Rewrite(ctx context.Context, fn catalog.RewriteFunc) (n int64, err error) {
	if fn == nil {
		return 0, errs.Invalidf("%s: rewrite without a function", t.name)
	}
	t.wmu.Lock()
	defer t.wmu.Unlock()
	t.mu.Lock()
	snap, released := t.snap, t.released
	t.mu.Unlock()
	if released {
		return 0, errs.NotFoundf("%s: the table was dropped", t.name)
	}
	// The batches stay alive while wmu is held: only writers release them.
	var out []arrow.RecordBatch
	defer func() {
		if err != nil {
			for _, b := range out {
				b.Release()
			}
			n = 0
		}
	}()
	defer internal.Recover(&err, "%s: rewrite", t.name) // runs first: err is set before the release above
	for i, b := range snap.batches {
		if err := ctx.Err(); err != nil {
			return 0, errs.Wrap(errs.ErrUnavailable, err, "%s: rewrite cancelled", t.name)
		}
		edit, err := fn(ctx, b)
		if err != nil {
			releaseEdit(edit)
			return 0, err
		}
		nb, affected, err := t.apply(ctx, b, edit, i)
		releaseEdit(edit)
		if err != nil {
			return 0, err
		}
		n += affected
		if nb.NumRows() == 0 {
			nb.Release()
			continue
		}
		out = append(out, nb)
	}
	if n == 0 {
		for _, b := range out {
			b.Release()
		}
		return 0, nil
	}
	if err := ctx.Err(); err != nil {
		return 0, errs.Wrap(errs.ErrUnavailable, err, "%s: rewrite cancelled", t.name)
	}
	t.swap(out)
	out = nil // owned by the new snapshot
	return n, nil
}

// swap installs out (whose references move to the table) as a new epoch's
// snapshot and releases the old snapshot's batches. The caller holds wmu.
func (t *Table) swap(out []arrow.RecordBatch) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.snap.batches
	t.epoch++
	next := emptySnapshot(t.schema)
	next.epoch = t.epoch
	t.snap = next.with(out, t.schema)
	for _, b := range old {
		b.Release()
	}
}

// Truncate drops every row at once (TRUNCATE TABLE), ending the epoch as
// Rewrite does.
func (t *Table) Truncate(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return errs.Wrap(errs.ErrUnavailable, err, "%s: truncate cancelled", t.name)
	}
	t.wmu.Lock()
	defer t.wmu.Unlock()
	t.mu.Lock()
	released := t.released
	t.mu.Unlock()
	if released {
		return errs.NotFoundf("%s: the table was dropped", t.name)
	}
	t.swap(nil)
	return nil
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

// apply returns the batch that replaces b under edit (owned by the caller;
// b itself, retained, when nothing changes) and the rows it affects. bi
// numbers the batch for messages.
func (t *Table) apply(ctx context.Context, b arrow.RecordBatch, e catalog.BatchEdit, bi int) (arrow.RecordBatch, int64, error) {
	rows := int(b.NumRows())
	if e.Delete != nil && e.Delete.Len() != rows {
		return nil, 0, errs.Internalf("%s: rewrite of batch %d: delete mask has %d rows, the batch %d", t.name, bi, e.Delete.Len(), rows)
	}
	if e.Values == nil && e.Delete == nil {
		b.Retain()
		return b, 0, nil
	}
	base := b
	if e.Values != nil {
		if err := t.checkValues(e, rows, bi); err != nil {
			return nil, 0, err
		}
		base = e.Values
	}
	// keep[i]: the row survives. affected = deleted rows + kept rows whose
	// values changed.
	var keep []bool
	var deleted, changed int64
	if e.Delete != nil {
		keep = make([]bool, rows)
		for i := range keep {
			del := e.Delete.IsValid(i) && e.Delete.Value(i)
			keep[i] = !del
			if del {
				deleted++
			}
		}
	}
	if e.Values != nil {
		for i := 0; i < rows; i++ {
			if keep != nil && !keep[i] {
				continue
			}
			if e.Changed == nil || (e.Changed.IsValid(i) && e.Changed.Value(i)) {
				changed++
			}
		}
	}
	if deleted+changed == 0 {
		b.Retain()
		return b, 0, nil
	}
	var out arrow.RecordBatch
	if deleted > 0 {
		mask := boolArray(memory.DefaultAllocator, keep)
		defer mask.Release()
		filtered, err := compute.FilterRecordBatch(ctx, base, mask, compute.DefaultFilterOptions())
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return nil, 0, errs.Wrap(errs.ErrUnavailable, cerr, "%s: rewrite cancelled", t.name)
			}
			return nil, 0, errs.Wrap(errs.ErrInternal, err, "%s: rewrite of batch %d", t.name, bi)
		}
		defer filtered.Release()
		out = array.NewRecordBatch(t.schema, filtered.Columns(), filtered.NumRows())
	} else {
		out = array.NewRecordBatch(t.schema, base.Columns(), base.NumRows())
	}
	if e.Values != nil {
		for i, f := range t.schema.Fields() {
			if !f.Nullable && out.Column(i).NullN() > 0 {
				out.Release()
				return nil, 0, errs.Invalidf("%s: column '%s' cannot be null", t.name, f.Name)
			}
		}
	}
	return out, deleted + changed, nil
}

// checkValues verifies that e.Values fits the table: row count, column
// count and exact column types.
func (t *Table) checkValues(e catalog.BatchEdit, rows, bi int) error {
	v := e.Values
	if int(v.NumRows()) != rows {
		return errs.Internalf("%s: rewrite of batch %d: new values have %d rows, the batch %d", t.name, bi, v.NumRows(), rows)
	}
	if int(v.NumCols()) != t.schema.NumFields() {
		return errs.Internalf("%s: rewrite of batch %d: new values have %d columns, the table %d", t.name, bi, v.NumCols(), t.schema.NumFields())
	}
	for i, f := range t.schema.Fields() {
		if !arrow.TypeEqual(v.Column(i).DataType(), f.Type) {
			return errs.Invalidf("%s: column '%s' is %s, the new values are %s", t.name, f.Name, f.Type, v.Column(i).DataType())
		}
	}
	if e.Changed != nil && e.Changed.Len() != rows {
		return errs.Internalf("%s: rewrite of batch %d: changed mask has %d rows, the batch %d", t.name, bi, e.Changed.Len(), rows)
	}
	return nil
}

// boolArray builds a non-null boolean array of vals.
func boolArray(mem memory.Allocator, vals []bool) *array.Boolean {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.AppendValues(vals, nil)
	return b.NewBooleanArray()
}
