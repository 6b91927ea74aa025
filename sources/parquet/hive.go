package parquet

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal"
)

// This file holds the Hive partition columns of a Parquet table: files
// under `key=value` directories get one column per key (parsed by the
// shared internal.ParseHive, as csv, jsonl and ipc do). Their values are
// constants per file, so filters on them are Exact and skip whole files
// at Scan, and their statistics are Exact.

// addHiveColumns derives the partition columns from the files' locations
// and appends them to the schema. Called by load before the statistics are
// read; t.nfile is the number of file columns.
func (t *Table) addHiveColumns() error {
	paths := make([]string, len(t.files))
	for i, f := range t.files {
		paths[i] = f.path
	}
	hive, err := internal.ParseHive(t.name, t.schema, paths)
	if err != nil {
		return err
	}
	if len(hive.Fields) == 0 {
		return nil
	}
	view := &Table{name: t.name, schema: t.schema, files: t.files, byKey: t.byKey, nfile: t.nfile}
	t.hive = hive
	t.schema = arrow.NewSchema(append(slices.Clone(t.schema.Fields()), hive.Fields...), nil)
	for _, f := range hive.Fields {
		t.cols = append(t.cols, colInfo{typ: f.Type}) // kindNone: never a row-group pruner
	}
	for _, f := range t.files {
		f.leaves = append(f.leaves, make([][]int, len(hive.Fields))...)
	}
	// The view shares the file column infos (filled in by readStatistics
	// through t.cols, whose first nfile entries it aliases).
	view.cols = t.cols[:t.nfile:t.nfile]
	t.fileView = view
	return nil
}

// hiveStatistics fills in the Exact statistics of the partition columns:
// null count = rows of files under the NULL directory value, min/max over
// the directory values of non-empty files.
func (t *Table) hiveStatistics(st *catalog.Statistics) {
	if len(t.hive.Fields) == 0 {
		return
	}
	rows := make([]int64, len(t.files))
	for i, f := range t.files {
		for _, rg := range f.rgs {
			rows[i] += rg.numRows
		}
	}
	for k := range t.hive.Fields {
		st.Columns[t.nfile+k] = t.hive.ColumnStatistics(k, rows)
	}
}

// isHiveFilter reports whether f references only partition columns.
func (t *Table) isHiveFilter(f expr.Expr) bool {
	return len(t.hive.Fields) > 0 && internal.OnlyColumns(f, t.nfile, t.schema.NumFields())
}

// touchesHive reports whether f references some partition column.
func (t *Table) touchesHive(f expr.Expr) bool {
	if len(t.hive.Fields) == 0 {
		return false
	}
	found := false
	expr.Walk(f, func(n expr.Expr) bool {
		if c, ok := n.(*expr.Column); ok && c.Index >= t.nfile {
			found = true
		}
		return !found
	})
	return found
}

// matchFiles reports per file whether its partition values pass every
// filter (all true without Hive columns or filters). No I/O.
func (t *Table) matchFiles(ctx context.Context, filters []expr.Expr) ([]bool, error) {
	if len(t.hive.Fields) == 0 || len(filters) == 0 {
		keep := make([]bool, len(t.files))
		for i := range keep {
			keep[i] = true
		}
		return keep, nil
	}
	for _, f := range filters {
		if !internal.CanEvaluate(t.schema, f) {
			return nil, errs.Internalf("%s: received partition filter %s, which it does not accept", t, f)
		}
	}
	keep, err := t.hive.MatchFiles(ctx, t.schema, filters)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t, err)
	}
	return keep, nil
}

// openHive opens a partition of a table with partition columns: it reads
// the projected file columns through the file-column view and adds the
// partition values as constant columns.
func (p *partition) openHive(ctx context.Context, mem memory.Allocator) (array.RecordReader, error) {
	t := p.t
	proj := p.proj
	if proj == nil {
		proj = make([]int, t.schema.NumFields())
		for i := range proj {
			proj[i] = i
		}
	}
	fileProj := make([]int, 0, len(proj))
	for _, c := range proj {
		if c < t.nfile {
			fileProj = append(fileProj, c)
		}
	}
	inner := &partition{t: t.fileView, file: p.file, rg: p.rg, proj: fileProj, limit: p.limit}
	rr, err := inner.Open(ctx, mem)
	if err != nil {
		return nil, err
	}
	if len(fileProj) == len(proj) {
		return rr, nil
	}
	fields := make([]arrow.Field, len(proj))
	for i, c := range proj {
		fields[i] = t.schema.Field(c)
	}
	h := &hiveReader{inner: rr, schema: arrow.NewSchema(fields, nil), proj: proj, t: t, file: p.file.index,
		mem: mem, consts: make([]arrow.Array, len(t.hive.Fields))}
	h.refs.Store(1)
	return h, nil
}

// hiveReader adds a file's partition values to the batches of its file
// columns. Each partition column is one constant array per reader, built
// once at the largest batch size seen and sliced for each batch (no per-row
// work after the first batch). Not safe for concurrent use (as any
// RecordReader); Retain/Release are.
type hiveReader struct {
	refs   atomic.Int64
	inner  array.RecordReader
	schema *arrow.Schema
	proj   []int // table columns of the output
	t      *Table
	file   int // index of the file in t.files
	mem    memory.Allocator
	consts []arrow.Array // per partition key, nil until needed
	cur    arrow.RecordBatch
	err    error
}

var _ array.RecordReader = (*hiveReader)(nil)

func (r *hiveReader) Schema() *arrow.Schema { return r.schema }

func (r *hiveReader) Retain() { r.refs.Add(1) }

// Release frees the current batch, the constant columns and the file
// reader at the last reference.
func (r *hiveReader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	r.releaseCur()
	for i, c := range r.consts {
		if c != nil {
			c.Release()
			r.consts[i] = nil
		}
	}
	r.inner.Release()
}

func (r *hiveReader) releaseCur() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

// RecordBatch is the current batch, valid until the next Next or Release.
func (r *hiveReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is RecordBatch (the deprecated name).
//
//nolint:staticcheck // required by array.RecordReader
func (r *hiveReader) Record() arrow.RecordBatch { return r.cur }

// Err is the error that stopped Next, if any.
func (r *hiveReader) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.inner.Err()
}

// Next advances to the next batch.
func (r *hiveReader) Next() (ok bool) {
	r.releaseCur()
	if r.err != nil || !r.inner.Next() {
		return false
	}
	defer func() {
		if x := recover(); x != nil {
			r.releaseCur()
			r.err, ok = errs.Internalf("%s: adding partition columns: panic: %v", r.t, x), false
		}
	}()
	in := r.inner.RecordBatch()
	n := int(in.NumRows())
	cols := make([]arrow.Array, len(r.proj))
	next := 0
	for i, c := range r.proj {
		if c < r.t.nfile {
			cols[i] = in.Column(next)
			cols[i].Retain()
			next++
			continue
		}
		cols[i] = r.constant(c-r.t.nfile, n)
	}
	r.cur = array.NewRecordBatch(r.schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return true
}

// constant returns key k's value repeated n times (the caller releases it).
func (r *hiveReader) constant(k, n int) arrow.Array {
	c := r.consts[k]
	if c == nil || c.Len() < n {
		if c != nil {
			c.Release()
		}
		c = r.t.hive.Column(r.file, k, max(n, 1), r.mem)
		r.consts[k] = c
	}
	if c.Len() == n {
		c.Retain()
		return c
	}
	return array.NewSlice(c, 0, int64(n))
}
