// Package memory is Quiver's in-memory provider and the reference
// implementation of every provider ability: filter pushdown (Exact for
// anything the engine can evaluate), exact statistics, partition encoding,
// atomic inserts, atomic rewrites (DELETE / UPDATE / TRUNCATE: rewrite.go),
// index metadata (index.go), and a writable Schema (CREATE TABLE / DROP
// TABLE, CREATE VIEW / DROP VIEW: views.go).
//
// Design:
//   - A Table holds an immutable snapshot: a slice of arrow.RecordBatch plus
//     statistics computed on write. Insert builds a new snapshot (old batches
//     shared, new ones appended) and swaps it in under a mutex, so a Scan
//     keeps reading the snapshot it was planned on (snapshot isolation for
//     readers, copy-on-write for writers). A Rewrite builds a whole new
//     snapshot and starts a new epoch: it releases the old batches, so
//     partitions planned on an older epoch refuse to open (run again).
//   - Batches are stored at most MaxBatchRows rows long, and partitions are
//     contiguous batch ranges, so a table of several batches reads in
//     parallel.
//   - Pushed filters are applied with the engine's own evaluator, so Exact
//     can never disagree with what the engine would have computed.
//
// Memory: the table holds one reference to each stored batch and releases
// them in Release (DropTable calls it). A reader retains the batches it
// reads when it is opened, so dropping a table under a running query is
// safe; opening a partition of a dropped table is an errs.ErrNotFound error.
package memory

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal"
)

// MaxBatchRows is the longest batch a Table stores; longer inserted batches
// are split (zero copy) so that partitions stay balanced.
const MaxBatchRows = 64 * 1024

// Table is an in-memory table. Safe for concurrent use: any number of
// scans and inserts may run at once. The zero value is not usable; build
// with NewTable.
type Table struct {
	name   string
	schema *arrow.Schema

	// wmu serializes writers (Insert's commit, Rewrite, Truncate) so a
	// rewrite never loses rows inserted meanwhile; taken before mu.
	wmu      sync.Mutex
	mu       sync.Mutex // guards snap/released/epoch/indexes
	snap     *snapshot
	released bool
	// epoch counts rewrites: a rewrite releases the batches older
	// snapshots share, so partitions planned on an older epoch refuse to
	// open (rewrite.go).
	epoch   int64
	indexes map[string]catalog.IndexDef // lower-case name → definition (index.go)
}

// snapshot is an immutable version of the table's contents.
type snapshot struct {
	epoch   int64               // the table's epoch when it was made
	batches []arrow.RecordBatch // shared between snapshots; never mutated
	rows    int64
	bytes   int64
	cols    []internal.ColumnStats
}

var (
	_ catalog.Table              = (*Table)(nil)
	_ catalog.FilterPushdowner   = (*Table)(nil)
	_ catalog.StatisticsProvider = (*Table)(nil)
	_ catalog.PartitionCodec     = (*Table)(nil)
	_ catalog.Insertable         = (*Table)(nil)
)

// NewTable returns a table with the given schema holding batches. The table
// retains the batches (zero copy; the caller keeps its own references and
// releases them as usual) and the caller must Release the table when done
// with it. Each batch must have the table's column types (names may differ);
// otherwise NewTable returns an errs.ErrInvalid error naming the column.
func NewTable(schema *arrow.Schema, batches ...arrow.RecordBatch) (*Table, error) {
	return newNamedTable("memory table", schema, batches...)
}

// NewNamedTable is NewTable with the name errors use (e.g. "scratch.t").
func NewNamedTable(name string, schema *arrow.Schema, batches ...arrow.RecordBatch) (*Table, error) {
	return newNamedTable(name, schema, batches...)
}

func newNamedTable(name string, schema *arrow.Schema, batches ...arrow.RecordBatch) (*Table, error) {
	if schema == nil {
		return nil, errs.Invalidf("%s: schema is nil", name)
	}
	t := &Table{name: name, schema: schema, snap: emptySnapshot(schema)}
	if len(batches) == 0 {
		return t, nil
	}
	prepared, err := t.prepare(context.Background(), batches, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	t.snap = t.snap.with(prepared, schema)
	return t, nil
}

func emptySnapshot(schema *arrow.Schema) *snapshot {
	cols := make([]internal.ColumnStats, len(schema.Fields()))
	for i, f := range schema.Fields() {
		cols[i] = internal.NewColumnStats(f.Type)
	}
	return &snapshot{cols: cols}
}

// with returns a new snapshot of s's batches followed by added (whose
// references move into the new snapshot).
func (s *snapshot) with(added []arrow.RecordBatch, schema *arrow.Schema) *snapshot {
	n := &snapshot{
		epoch:   s.epoch,
		batches: make([]arrow.RecordBatch, 0, len(s.batches)+len(added)),
		rows:    s.rows,
		bytes:   s.bytes,
		cols:    append([]internal.ColumnStats(nil), s.cols...),
	}
	n.batches = append(append(n.batches, s.batches...), added...)
	for _, b := range added {
		n.rows += b.NumRows()
		for i, c := range b.Columns() {
			n.cols[i].Add(c)
			n.bytes += arraySize(c)
		}
	}
	return n
}

func arraySize(a arrow.Array) int64 {
	var n int64
	for _, b := range a.Data().Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	return n
}

// Schema is the table's schema; it never changes.
func (t *Table) Schema() *arrow.Schema { return t.schema }

// NumRows is the current row count.
func (t *Table) NumRows() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.snap.rows
}

// Release drops the table's references to its batches. Scans opened before
// keep reading (their readers hold their own references); later opens fail.
// Idempotent.
func (t *Table) Release() {
	t.wmu.Lock() // a running Rewrite or CreateIndex reads the batches unlocked
	defer t.wmu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.released {
		return
	}
	t.released = true
	for _, b := range t.snap.batches {
		b.Release()
	}
	t.snap = emptySnapshot(t.schema)
	t.snap.epoch = t.epoch
}

func (t *Table) current() *snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.snap
}

// ---------------------------------------------------------------- scan

// Scan plans a read of the current snapshot. It does no I/O and copies
// nothing: the partitions refer to the snapshot's batches by index.
func (t *Table) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	proj, err := internal.Project(t.name, t.schema, req.Projection)
	if err != nil {
		return nil, err
	}
	for _, f := range req.Filters {
		if v, _ := t.classify(f); v != catalog.FilterExact {
			return nil, errs.Invalidf("%s: filter %s was not accepted by SupportsFilters", t.name, f)
		}
	}
	snap := t.current()
	s := &scan{
		table:   t,
		snap:    snap,
		proj:    proj,
		filters: append([]expr.Expr(nil), req.Filters...),
		limit:   req.Limit,
	}
	s.parts = s.split()
	return s, nil
}

type scan struct {
	table   *Table
	snap    *snapshot
	proj    internal.Projection
	filters []expr.Expr
	limit   int64
	parts   []catalog.Partition
}

func (s *scan) Schema() *arrow.Schema { return s.proj.Schema }

func (s *scan) Partitions() []catalog.Partition { return s.parts }

// split groups the snapshot's batches into contiguous ranges: one per batch
// up to GOMAXPROCS (at least 2) partitions, balanced by row count.
func (s *scan) split() []catalog.Partition {
	n := len(s.snap.batches)
	if n == 0 {
		return nil
	}
	want := max(2, runtime.GOMAXPROCS(0))
	if want > n {
		want = n
	}
	per := (s.snap.rows + int64(want) - 1) / int64(want)
	var parts []catalog.Partition
	lo := 0
	var acc int64
	for i, b := range s.snap.batches {
		acc += b.NumRows()
		if acc >= per || i == n-1 || n-(i+1) <= want-len(parts)-1 {
			parts = append(parts, &partition{scan: s, lo: lo, hi: i + 1})
			lo, acc = i+1, 0
		}
	}
	return parts
}

// partition is batches [lo, hi) of its scan's snapshot.
type partition struct {
	scan   *scan
	lo, hi int
}

// Open retains the partition's batches and streams them filtered, projected
// and limited. Cancellation of ctx ends the stream with an error.
func (p *partition) Open(ctx context.Context, mem memory.Allocator) (array.RecordReader, error) {
	if err := ctx.Err(); err != nil {
		return nil, errs.Wrap(errs.ErrUnavailable, err, "%s: opening partition", p.scan.table.name)
	}
	t := p.scan.table
	t.mu.Lock()
	if t.released {
		t.mu.Unlock()
		return nil, errs.NotFoundf("%s: the table was dropped", t.name)
	}
	if p.scan.snap.epoch != t.epoch {
		t.mu.Unlock()
		return nil, errs.New(errs.ErrUnavailable, "%s: rows were deleted or updated after this query was planned; run it again", t.name)
	}
	batches := p.scan.snap.batches[p.lo:p.hi]
	for _, b := range batches {
		b.Retain()
	}
	t.mu.Unlock()

	s := p.scan
	i := 0
	produced := int64(0)
	next := func(ctx context.Context) (arrow.RecordBatch, error) {
		for i < len(batches) {
			if s.limit >= 0 && produced >= s.limit {
				return nil, nil
			}
			b := batches[i]
			i++
			f, err := internal.Filter(ctx, s.filters, b, mem)
			if err != nil {
				return nil, err
			}
			if f.NumRows() == 0 {
				f.Release()
				continue
			}
			if s.limit >= 0 && produced+f.NumRows() > s.limit {
				cut := f.NewSlice(0, s.limit-produced)
				f.Release()
				f = cut
			}
			produced += f.NumRows()
			out := s.proj.Apply(f)
			f.Release()
			return out, nil
		}
		return nil, nil
	}
	release := func() {
		for _, b := range batches {
			b.Release()
		}
	}
	return internal.NewReader(ctx, fmt.Sprintf("%s batches [%d,%d)", t.name, p.lo, p.hi), s.proj.Schema, next, release), nil
}

// ---------------------------------------------------------------- filters

// SupportsFilters calls a filter Exact when the engine's evaluator accepts
// it over this table's schema (Scan then applies it with that evaluator),
// Unsupported otherwise.
func (t *Table) SupportsFilters(filters []expr.Expr) ([]catalog.Verdict, error) {
	out := make([]catalog.Verdict, len(filters))
	for i, f := range filters {
		out[i], _ = t.classify(f)
	}
	return out, nil
}

// classify is the one function that decides a filter's verdict and what
// Scan does with it: Exact filters are applied verbatim by internal.Filter,
// which is what CanEvaluate probes.
func (t *Table) classify(f expr.Expr) (catalog.Verdict, expr.Expr) {
	if internal.CanEvaluate(t.schema, f) {
		return catalog.FilterExact, f
	}
	return catalog.FilterUnsupported, nil
}

// ---------------------------------------------------------------- statistics

// Statistics are exact (maintained on write): row count, null counts and
// min/max for scalar types; TotalBytes is the Inexact in-memory size.
func (t *Table) Statistics(context.Context) (catalog.Statistics, error) {
	s := t.current()
	st := catalog.Statistics{
		NumRows:    catalog.Count{Value: s.rows, Precision: catalog.Exact},
		TotalBytes: catalog.Count{Value: s.bytes, Precision: catalog.Inexact},
		Columns:    make([]catalog.ColumnStatistics, len(s.cols)),
	}
	for i, c := range s.cols {
		st.Columns[i] = c.Catalog()
	}
	return st, nil
}

// ---------------------------------------------------------------- insert

// Insert appends every batch of rows atomically. Batches are checked and,
// where a column's type differs but converts safely, cast to the table's
// schema (names are matched by position, as INSERT ... SELECT does) before
// anything becomes visible; on any error or a cancelled ctx nothing is
// inserted. The stored arrays are the reader's (zero copy, retained) unless
// a cast was needed. The reader is not released.
func (t *Table) Insert(ctx context.Context, rows array.RecordReader) (n int64, err error) {
	var got []arrow.RecordBatch
	defer func() {
		if err != nil {
			for _, b := range got {
				b.Release()
			}
		}
	}()
	defer internal.Recover(&err, "%s: insert", t.name) // runs first: err is set before the release above
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return 0, errs.Wrap(errs.ErrUnavailable, err, "%s: insert cancelled", t.name)
		}
		b := rows.RecordBatch()
		b.Retain()
		got = append(got, b)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("%s: reading rows to insert: %w", t.name, err)
	}
	prepared, err := t.prepare(ctx, got, memory.DefaultAllocator)
	if err != nil {
		return 0, err
	}
	for _, b := range got {
		b.Release()
	}
	got = nil
	for _, b := range prepared {
		n += b.NumRows()
	}
	t.wmu.Lock() // after a running Rewrite, which must not drop these rows
	defer t.wmu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := ctx.Err(); err != nil || t.released {
		for _, b := range prepared {
			b.Release()
		}
		if t.released {
			return 0, errs.NotFoundf("%s: the table was dropped", t.name)
		}
		return 0, errs.Wrap(errs.ErrUnavailable, err, "%s: insert cancelled", t.name)
	}
	t.snap = t.snap.with(prepared, t.schema)
	return n, nil
}

// prepare checks batches against the table schema and returns new batches
// (owned by the caller) wrapped in the table schema, cast where needed and
// split to at most MaxBatchRows rows. Empty batches are dropped. batches are
// not released.
func (t *Table) prepare(ctx context.Context, batches []arrow.RecordBatch, mem memory.Allocator) (out []arrow.RecordBatch, err error) {
	defer func() {
		if err != nil {
			for _, b := range out {
				b.Release()
			}
			out = nil
		}
	}()
	fields := t.schema.Fields()
	for bi, b := range batches {
		if err := ctx.Err(); err != nil {
			return out, errs.Wrap(errs.ErrUnavailable, err, "%s: insert cancelled", t.name)
		}
		if int(b.NumCols()) != len(fields) {
			return out, errs.Invalidf("%s: batch %d has %d columns, the table has %d (%s)", t.name, bi, b.NumCols(), len(fields), t.schema)
		}
		if b.NumRows() == 0 {
			continue
		}
		cols := make([]arrow.Array, len(fields))
		for i, f := range fields {
			c := b.Column(i)
			if arrow.TypeEqual(c.DataType(), f.Type) {
				c.Retain()
			} else {
				cast, cerr := compute.CastToType(compute.WithAllocator(ctx, mem), c, f.Type)
				if cerr != nil {
					releaseArrays(cols[:i])
					return out, errs.Wrap(errs.ErrInvalid, cerr, "%s: column %s: cannot store %s values in a %s column", t.name, f.Name, c.DataType(), f.Type)
				}
				c = cast
			}
			cols[i] = c
			if nulls := c.NullN(); !f.Nullable && nulls > 0 {
				releaseArrays(cols[:i+1])
				return out, errs.Invalidf("%s: column %s is NOT NULL, batch %d has %d nulls", t.name, f.Name, bi, nulls)
			}
		}
		whole := array.NewRecordBatch(t.schema, cols, b.NumRows())
		releaseArrays(cols)
		for off := int64(0); off < whole.NumRows(); off += MaxBatchRows {
			end := min(off+MaxBatchRows, whole.NumRows())
			if off == 0 && end == whole.NumRows() {
				whole.Retain()
				out = append(out, whole)
				break
			}
			out = append(out, whole.NewSlice(off, end))
		}
		whole.Release()
	}
	return out, nil
}

func releaseArrays(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}
