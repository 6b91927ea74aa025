package internal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/fsys"
)

// DefaultBatchRows is how many rows a file reader puts in one batch.
const DefaultBatchRows = 8192

// FileFormat is what a text-file provider (csv, jsonl) plugs into FileTable.
type FileFormat struct {
	// Name is the provider name used in messages ("csv").
	Name string
	// Read streams one open file. It returns a NextFunc producing batches
	// of proj.Schema (the projected columns of the table schema), at most
	// batchRows rows each. Errors name path and, when known, the line;
	// malformed input is errs.ErrInvalid. r is closed by the caller.
	Read func(ctx context.Context, path string, r io.Reader, schema *arrow.Schema, proj Projection, batchRows int, mem memory.Allocator) (NextFunc, error)
	// ReadCloser, when set, is used instead of Read by formats that hold
	// buffers between batches: the returned release func runs once when
	// the stream is released (early or at the end), before r is closed.
	ReadCloser func(ctx context.Context, path string, r io.Reader, schema *arrow.Schema, proj Projection, batchRows int, mem memory.Allocator) (NextFunc, func(), error)
}

// FileTable is a table over a fixed list of files of one format: one
// partition per file, projection pushed to the reader, limit honoured per
// partition, no filter pushdown. Scan does no I/O (the schema and file
// sizes are taken at construction); files are opened in Partition.Open.
// Safe for concurrent use.
type FileTable struct {
	name       string
	format     FileFormat
	schema     *arrow.Schema // fileSchema + the Hive partition columns
	fileSchema *arrow.Schema
	hive       Hive
	files      []string
	bytes      int64
	batchRows  int
	opens      atomic.Int64
}

var (
	_ catalog.Table              = (*FileTable)(nil)
	_ catalog.StatisticsProvider = (*FileTable)(nil)
	_ catalog.PartitionCodec     = (*FileTable)(nil)
	_ catalog.FilterPushdowner   = (*FileTable)(nil)
)

// NewFileTable returns a table over files (already expanded and sorted:
// local paths or URLs, see package fsys) with the given schema. It stats the
// files for their total size (for URLs, a HEAD or attributes request).
func NewFileTable(name string, format FileFormat, schema *arrow.Schema, files []string, batchRows int) (*FileTable, error) {
	if batchRows <= 0 {
		batchRows = DefaultBatchRows
	}
	t := &FileTable{name: name, format: format, schema: schema, fileSchema: schema, files: slices.Clone(files), batchRows: batchRows}
	hive, err := ParseHive(name, schema, files)
	if err != nil {
		return nil, err
	}
	if len(hive.Fields) > 0 {
		t.hive = hive
		md := schema.Metadata()
		t.schema = arrow.NewSchema(append(slices.Clone(schema.Fields()), hive.Fields...), &md)
	}
	for _, f := range files {
		if fsys.IsRemote(f) {
			listed, err := fsys.List(context.Background(), name, f, fsys.ListOptions{})
			if err != nil {
				return nil, err
			}
			if len(listed) == 1 && listed[0].Size > 0 {
				t.bytes += listed[0].Size
			}
			continue
		}
		st, err := os.Stat(f)
		if err != nil {
			return nil, errs.Wrap(errs.ErrNotFound, err, "%s", name)
		}
		t.bytes += st.Size()
	}
	return t, nil
}

// Schema is the table schema (given or inferred at construction).
func (t *FileTable) Schema() *arrow.Schema { return t.schema }

// Files are the table's files, sorted.
func (t *FileTable) Files() []string { return slices.Clone(t.files) }

// Opens counts the files opened so far (for tests and metrics).
func (t *FileTable) Opens() int64 { return t.opens.Load() }

// SupportsFilters answers Exact for filters that reference only Hive
// partition columns (evaluated per file by Scan, which skips whole files),
// Unsupported for the rest. No I/O.
func (t *FileTable) SupportsFilters(filters []expr.Expr) ([]catalog.Verdict, error) {
	out := make([]catalog.Verdict, len(filters))
	nfile := t.fileSchema.NumFields()
	for i, f := range filters {
		if len(t.hive.Fields) > 0 && OnlyColumns(f, nfile, t.schema.NumFields()) && CanEvaluate(t.schema, f) {
			out[i] = catalog.FilterExact
		}
	}
	return out, nil
}

// Scan plans one partition per file whose Hive partition values pass every
// filter (only partition-column filters are ever accepted; others are a
// planner bug). It does no I/O.
func (t *FileTable) Scan(ctx context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	nfile := t.fileSchema.NumFields()
	for _, f := range req.Filters {
		if len(t.hive.Fields) == 0 || !OnlyColumns(f, nfile, t.schema.NumFields()) {
			return nil, errs.Internalf("%s: received filter %s but supports only filters on Hive partition columns", t.name, f)
		}
	}
	proj, err := Project(t.name, t.schema, req.Projection)
	if err != nil {
		return nil, err
	}
	s := &fileScan{proj: proj, total: len(t.files)}
	keep, err := t.hive.MatchFiles(ctx, t.schema, req.Filters)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.name, err)
	}
	for i, f := range t.files {
		if len(t.hive.Fields) > 0 && !keep[i] {
			continue
		}
		s.parts = append(s.parts, t.newPartition(i, f, proj, req.Limit))
	}
	return s, nil
}

func (t *FileTable) newPartition(idx int, path string, proj Projection, limit int64) *filePartition {
	p := &filePartition{table: t, index: idx, path: path, proj: proj, limit: limit}
	// The columns the format reads: the projected file columns, in order.
	nfile := t.fileSchema.NumFields()
	for _, c := range proj.Columns {
		if c < nfile {
			p.fileCols = append(p.fileCols, c)
		}
	}
	if len(p.fileCols) == len(proj.Columns) {
		p.read = proj
	} else {
		p.read, _ = Project(t.name, t.fileSchema, append([]int{}, p.fileCols...))
	}
	return p
}

type fileScan struct {
	proj  Projection
	parts []catalog.Partition
	total int
}

func (s *fileScan) Schema() *arrow.Schema           { return s.proj.Schema }
func (s *fileScan) Partitions() []catalog.Partition { return s.parts }

// Describe shows the files kept by partition pruning ("files=2/8").
func (s *fileScan) Describe() string { return fmt.Sprintf("files=%d/%d", len(s.parts), s.total) }

type filePartition struct {
	table    *FileTable
	index    int // in table.files
	path     string
	proj     Projection // output (table columns)
	read     Projection // what the format reads (file columns)
	fileCols []int
	limit    int64
}

// withHive turns a batch of p.read's schema into one of p.proj's, adding
// the file's partition values as constant columns. b is released.
func (p *filePartition) withHive(b arrow.RecordBatch, mem memory.Allocator) arrow.RecordBatch {
	t := p.table
	if len(t.hive.Fields) == 0 || len(p.fileCols) == len(p.proj.Columns) {
		return b
	}
	defer b.Release()
	nfile := t.fileSchema.NumFields()
	n := int(b.NumRows())
	cols := make([]arrow.Array, len(p.proj.Columns))
	next := 0
	for i, c := range p.proj.Columns {
		if c < nfile {
			cols[i] = b.Column(next)
			cols[i].Retain()
			next++
		} else {
			cols[i] = t.hive.Column(p.index, c-nfile, n, mem)
		}
	}
	out := array.NewRecordBatch(p.proj.Schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return out
}

// Open opens the file and streams its batches; ctx cancellation ends the
// stream with an error, and a panic in the parser becomes ErrInternal.
func (p *filePartition) Open(ctx context.Context, mem memory.Allocator) (rr array.RecordReader, err error) {
	t := p.table
	if err := ctx.Err(); err != nil {
		return nil, errs.Wrap(errs.ErrUnavailable, err, "%s file %s", t.format.Name, p.path)
	}
	defer Recover(&err, "%s file %s", t.format.Name, p.path)
	t.opens.Add(1)
	f, err := fsys.Open(ctx, p.path)
	if err != nil {
		if errors.Is(err, errs.ErrNotFound) {
			return nil, errs.Wrap(errs.ErrNotFound, err, "%s: file %s disappeared", t.name, fsys.Redact(p.path))
		}
		return nil, fmt.Errorf("%s: %w", t.name, err)
	}
	var next NextFunc
	var release func()
	if t.format.ReadCloser != nil {
		next, release, err = t.format.ReadCloser(ctx, fsys.Redact(p.path), f, t.fileSchema, p.read, t.batchRows, mem)
	} else {
		next, err = t.format.Read(ctx, fsys.Redact(p.path), f, t.fileSchema, p.read, t.batchRows, mem)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	produced := int64(0)
	limited := func(ctx context.Context) (arrow.RecordBatch, error) {
		if p.limit >= 0 && produced >= p.limit {
			return nil, nil
		}
		b, err := next(ctx)
		if err != nil || b == nil {
			return b, err
		}
		b = p.withHive(b, mem)
		if p.limit >= 0 && produced+b.NumRows() > p.limit {
			cut := b.NewSlice(0, p.limit-produced)
			b.Release()
			b = cut
		}
		produced += b.NumRows()
		return b, nil
	}
	return NewReader(ctx, t.format.Name+" file "+fsys.Redact(p.path), p.proj.Schema, limited, func() {
		if release != nil {
			release()
		}
		f.Close()
	}), nil
}

// Statistics: the row count is unknown without reading (Absent); the byte
// size is the files' total size (Inexact: it is not the in-memory size).
func (t *FileTable) Statistics(context.Context) (catalog.Statistics, error) {
	return catalog.Statistics{TotalBytes: catalog.Count{Value: t.bytes, Precision: catalog.Inexact}}, nil
}

type encodedFilePartition struct {
	V      int    `json:"v"`
	Format string `json:"format"`
	Schema string `json:"schema"`
	Path   string `json:"path"`
	Proj   []int  `json:"proj"`
	Limit  int64  `json:"limit"`
}

// EncodePartition encodes a partition as its file path, projection and
// limit.
func (t *FileTable) EncodePartition(p catalog.Partition) ([]byte, error) {
	fp, ok := p.(*filePartition)
	if !ok {
		return nil, errs.Invalidf("%s: cannot encode a %T partition", t.name, p)
	}
	return json.Marshal(encodedFilePartition{V: 1, Format: t.format.Name, Schema: t.schema.String(),
		Path: fp.path, Proj: fp.proj.Columns, Limit: fp.limit})
}

// DecodePartition rebuilds a partition on this node's table. The path must
// be one of this table's own files: a fragment can never make a node read a
// file its configuration does not expose.
func (t *FileTable) DecodePartition(_ context.Context, data []byte) (catalog.Partition, error) {
	var enc encodedFilePartition
	if err := json.Unmarshal(data, &enc); err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "%s: malformed encoded partition", t.name)
	}
	if enc.V != 1 || enc.Format != t.format.Name {
		return nil, errs.Invalidf("%s: encoded partition is version %d of format %q, want version 1 of %q", t.name, enc.V, enc.Format, t.format.Name)
	}
	if enc.Schema != t.schema.String() {
		return nil, errs.Invalidf("%s: encoded partition is for schema %s, this node's table has %s", t.name, enc.Schema, t.schema)
	}
	idx := slices.Index(t.files, enc.Path)
	if idx < 0 {
		return nil, errs.Invalidf("%s: encoded partition names file %q, which is not one of this table's files", t.name, enc.Path)
	}
	if enc.Limit < -1 {
		return nil, errs.Invalidf("%s: encoded partition has limit %d", t.name, enc.Limit)
	}
	if enc.Proj == nil {
		enc.Proj = []int{}
	}
	proj, err := Project(t.name, t.schema, enc.Proj)
	if err != nil {
		return nil, err
	}
	return t.newPartition(idx, enc.Path, proj, enc.Limit), nil
}
