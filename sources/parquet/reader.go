package parquet

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/internal/fsys"
)

// ioCount counts file-system accesses (footer reads, partition opens); the
// tests use it to check that planning does no I/O.
var ioCount atomic.Int64

// partition is one row group of one file, with the projection to read and
// how many rows to produce (-1 = all). Immutable.
type partition struct {
	t     *Table
	file  *fileInfo
	rg    int
	proj  []int // nil = all columns
	limit int64
}

var _ catalog.Partition = (*partition)(nil)

func (p *partition) String() string {
	return fmt.Sprintf("%s#rg%d", p.file.key, p.rg)
}

// Open opens the file and starts reading the row group's projected columns.
// The returned reader produces batches of the Scan's schema allocated from
// mem; the caller Releases it. It checks ctx before every batch.
func (p *partition) Open(ctx context.Context, mem memory.Allocator) (rr array.RecordReader, err error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.t.fileView != nil {
		return p.openHive(ctx, mem) // Hive partition columns: see hive.go
	}
	f := p.file
	ioCount.Add(1)

	// Which top-level fields to read: each once, ascending (the order in
	// which pqarrow returns them), and where each output column comes from.
	ncols := p.t.schema.NumFields()
	proj := p.proj
	if proj == nil {
		proj = make([]int, ncols)
		for i := range proj {
			proj[i] = i
		}
	}
	want := make([]bool, ncols)
	for _, c := range proj {
		want[c] = true
	}
	// Flat FIXED_LEN_BYTE_ARRAY decimals are read directly (decimalColumn);
	// their pos is -1-k for the k-th of them.
	pos := make([]int, ncols)
	var leaves, decLeaves []int
	var decTypes []*arrow.Decimal128Type
	nread := 0
	for c := 0; c < ncols; c++ {
		if !want[c] {
			continue
		}
		if dt, ok := directDecimal(p.t.schema.Field(c).Type, f, c); ok {
			pos[c] = -1 - len(decLeaves)
			decLeaves = append(decLeaves, f.leaves[c][0])
			decTypes = append(decTypes, dt)
			continue
		}
		pos[c] = nread
		nread++
		leaves = append(leaves, f.leaves[c]...)
	}
	outPos := make([]int, len(proj))
	for i, c := range proj {
		outPos[i] = pos[c]
	}
	fields := make([]arrow.Field, len(proj))
	for i, c := range proj {
		fields[i] = p.t.schema.Field(c)
	}

	r := &reader{
		ctx:       ctx,
		path:      f.path,
		schema:    arrow.NewSchema(fields, nil),
		outPos:    outPos,
		remaining: f.rgs[p.rg].numRows,
	}
	if p.limit >= 0 && p.limit < r.remaining {
		r.remaining = p.limit
	}
	r.refs.Store(1)

	defer func() {
		if x := recover(); x != nil {
			r.Release()
			rr, err = nil, malformed(f.path, x)
		}
	}()
	if len(leaves) == 0 && len(decLeaves) == 0 {
		return r, nil // no columns: batches carry only a row count
	}
	src, err := fsys.OpenRange(ctx, f.path, f.size)
	if err != nil {
		r.Release()
		return nil, fmt.Errorf("parquet: %w", err)
	}
	fr, err := file.NewParquetReader(src, file.WithReadProps(readerProps(f.path)), file.WithMetadata(f.md))
	if err != nil {
		src.Close()
		r.Release()
		return nil, errs.Wrap(errs.ErrUnavailable, err, "parquet file %s", fsys.Redact(f.path))
	}
	r.file = fr
	r.mem = mem
	for k, leaf := range decLeaves {
		d, err := newDecimalColumn(fr, p.rg, leaf, decTypes[k])
		if err != nil {
			r.Release()
			return nil, errs.Wrap(errs.ErrInvalid, err, "parquet file %s row group %d", f.path, p.rg)
		}
		r.decs = append(r.decs, d)
	}
	if len(leaves) == 0 {
		return r, nil // only directly read decimals
	}
	ar, err := pqarrow.NewFileReader(fr, pqarrow.ArrowReadProperties{BatchSize: batchRows}, mem)
	if err != nil {
		r.Release()
		return nil, errs.Wrap(errs.ErrInvalid, err, "parquet file %s", f.path)
	}
	rec, err := ar.GetRecordReader(ctx, leaves, []int{p.rg})
	if err != nil {
		r.Release()
		return nil, errs.Wrap(errs.ErrInvalid, err, "parquet file %s row group %d", f.path, p.rg)
	}
	r.rec = rec
	return r, nil
}

// reader adapts pqarrow's record reader: output projection and order,
// limit, ctx checks between batches, and panics turned into errors.
type reader struct {
	refs      atomic.Int64
	ctx       context.Context
	path      string
	schema    *arrow.Schema
	outPos    []int
	remaining int64

	file *file.Reader
	rec  pqarrow.RecordReader // nil when pqarrow reads no column
	decs []*decimalColumn     // columns read directly (outPos -1-k)
	mem  memory.Allocator
	cur  arrow.RecordBatch
	err  error
}

var _ array.RecordReader = (*reader)(nil)

func (r *reader) Schema() *arrow.Schema { return r.schema }

func (r *reader) Retain() { r.refs.Add(1) }

// Release frees the current batch and closes the file at the last reference.
func (r *reader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	r.releaseCur()
	if r.rec != nil {
		r.rec.Release()
		r.rec = nil
	}
	if r.file != nil {
		_ = r.file.Close()
		r.file = nil
	}
}

func (r *reader) releaseCur() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

// RecordBatch is the current batch, valid until the next call to Next or
// Release.
func (r *reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is RecordBatch (the deprecated name).
//
//nolint:staticcheck // required by array.RecordReader
func (r *reader) Record() arrow.RecordBatch { return r.cur }

// Err is the error that stopped Next, if any (including ctx's).
func (r *reader) Err() error { return r.err }

// Next advances to the next batch.
func (r *reader) Next() (ok bool) {
	r.releaseCur()
	if r.err != nil || r.remaining <= 0 {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return false
	}
	defer func() {
		if x := recover(); x != nil {
			r.releaseCur()
			r.err, ok = malformed(r.path, x), false
		}
	}()
	if r.rec == nil {
		n := min(r.remaining, batchRows)
		if len(r.decs) == 0 {
			r.remaining -= n
			r.cur = array.NewRecordBatch(r.schema, nil, n)
			return true
		}
		return r.assemble(nil, n)
	}
	if !r.rec.Next() {
		if err := r.rec.Err(); err != nil {
			r.err = errs.Wrap(errs.ErrInvalid, err, "reading parquet file %s", r.path)
		} else {
			// The footer promised more rows than the row group holds.
			r.err = errs.Invalidf("malformed parquet file %s: row group ended %d rows early", r.path, r.remaining)
		}
		return false
	}
	in := r.rec.RecordBatch()
	return r.assemble(in, min(in.NumRows(), r.remaining))
}

// assemble builds the output batch of n rows from pqarrow's batch in (nil
// when pqarrow reads no column) and the next n rows of each directly read
// decimal column.
func (r *reader) assemble(in arrow.RecordBatch, n int64) bool {
	cols := make([]arrow.Array, len(r.outPos))
	var owned []arrow.Array
	defer func() { releaseArrays(owned) }()
	decoded := make([]arrow.Array, len(r.decs))
	for k, d := range r.decs {
		a, err := d.read(r.mem, n)
		if err != nil {
			r.err = errs.Wrap(errs.ErrInvalid, err, "reading parquet file %s", r.path)
			return false
		}
		decoded[k] = a
		owned = append(owned, a)
	}
	for i, p := range r.outPos {
		if p < 0 {
			cols[i] = decoded[-1-p]
			continue
		}
		col := in.Column(p)
		if !arrow.TypeEqual(col.DataType(), r.schema.Field(i).Type) {
			r.err = errs.Invalidf("parquet file %s: column %s reads as %s, want %s",
				r.path, r.schema.Field(i).Name, col.DataType(), r.schema.Field(i).Type)
			return false
		}
		if int64(col.Len()) > n {
			col = array.NewSlice(col, 0, n)
			owned = append(owned, col)
		}
		cols[i] = col
	}
	r.cur = array.NewRecordBatch(r.schema, cols, n)
	r.remaining -= n
	return true
}

func releaseArrays(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}

// partitionWire is the encoded form of a partition (metadata only).
type partitionWire struct {
	Version  int    `json:"v"`
	File     string `json:"file"`
	RowGroup int    `json:"rg"`
	Rows     int64  `json:"rows"` // the row group's row count, to detect a different file
	Proj     []int  `json:"proj"` // null = all columns
	Limit    int64  `json:"limit"`
}

const wireVersion = 1

// EncodePartition encodes a partition of this table's scans as JSON:
// file key (relative to BaseDir when under it), row group, projection, limit.
func (t *Table) EncodePartition(p catalog.Partition) ([]byte, error) {
	pp, ok := p.(*partition)
	if !ok {
		return nil, errs.Invalidf("%s: cannot encode a %T partition", t, p)
	}
	return json.Marshal(partitionWire{
		Version: wireVersion, File: pp.file.key, RowGroup: pp.rg,
		Rows: pp.file.rgs[pp.rg].numRows, Proj: pp.proj, Limit: pp.limit,
	})
}

// DecodePartition rebuilds a partition against this node's table; the file
// must be one of the table's and its row group must match the encoded one.
func (t *Table) DecodePartition(_ context.Context, data []byte) (catalog.Partition, error) {
	var w partitionWire
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, errs.Invalidf("%s: bad encoded partition: %v", t, err)
	}
	if w.Version != wireVersion {
		return nil, errs.Invalidf("%s: encoded partition version %d, this node reads version %d", t, w.Version, wireVersion)
	}
	f, ok := t.byKey[w.File]
	if !ok {
		return nil, errs.Invalidf("%s: encoded partition names file %q, which this table does not hold", t, w.File)
	}
	if w.RowGroup < 0 || w.RowGroup >= len(f.rgs) {
		return nil, errs.Invalidf("%s: encoded partition names row group %d of %s, which has %d", t, w.RowGroup, f.key, len(f.rgs))
	}
	if f.rgs[w.RowGroup].numRows != w.Rows {
		return nil, errs.Invalidf("%s: row group %d of %s has %d rows here, %d where it was planned (files differ)",
			t, w.RowGroup, f.key, f.rgs[w.RowGroup].numRows, w.Rows)
	}
	proj, _, err := t.project(w.Proj)
	if err != nil {
		return nil, err
	}
	if w.Limit < -1 {
		return nil, errs.Invalidf("%s: encoded partition has limit %d", t, w.Limit)
	}
	return &partition{t: t, file: f, rg: w.RowGroup, proj: proj, limit: w.Limit}, nil
}
