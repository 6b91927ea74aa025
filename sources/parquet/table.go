package parquet

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal"
	"github.com/quiverdb/quiver/sources/internal/fsys"
)

// Option names accepted in a table's `options:`.
const (
	// OptPath is a file, a directory (its *.parquet files, not recursive) or
	// a glob; relative paths resolve against ProviderOptions.BaseDir.
	OptPath = "path"
)

// batchRows is the number of rows per batch a partition reader produces.
const batchRows = 16384

// Factory returns the provider factory for `provider: parquet` table entries.
// Its Table function reads the footers of the files named by option "path"
// and fails fast (ErrInvalid naming the option or the file) when they are
// missing, malformed or disagree on the schema.
func Factory() catalog.Factory {
	return catalog.Factory{Table: newTableFromOptions}
}

func newTableFromOptions(ctx context.Context, opts catalog.ProviderOptions) (catalog.Table, error) {
	for k := range opts.Values {
		if k != OptPath {
			return nil, errs.Invalidf("%s.%s: unknown option for the parquet provider (known: %s)", opts.Path, k, OptPath)
		}
	}
	raw, ok := opts.Values[OptPath]
	if !ok {
		return nil, errs.Invalidf("%s.%s: required option is missing (a file, directory or glob)", opts.Path, OptPath)
	}
	p, ok := raw.(string)
	if !ok || strings.TrimSpace(p) == "" {
		return nil, errs.Invalidf("%s.%s: must be a non-empty string, got %v", opts.Path, OptPath, raw)
	}
	base := opts.BaseDir
	p = fsys.Join(base, p)
	paths, err := resolvePaths(ctx, opts.Path+"."+OptPath, p)
	if err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "%s.%s", opts.Path, OptPath)
	}
	return load(ctx, opts.Path, base, paths)
}

// OpenFile returns a table over one Parquet file (path as given, relative to
// the working directory when not absolute). It reads the footer only.
func OpenFile(ctx context.Context, path string) (catalog.Table, error) {
	if fsys.IsRemote(path) {
		return load(ctx, fsys.Redact(path), "", []string{path})
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, errs.Invalidf("parquet file %s: %v", path, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, errs.Invalidf("parquet file %s: %v", path, err)
	}
	if st.IsDir() {
		return nil, errs.Invalidf("parquet file %s is a directory", path)
	}
	return load(ctx, path, "", []string{abs})
}

// resolvePaths expands a file, directory or glob into sorted file paths.
func resolvePaths(ctx context.Context, key, p string) ([]string, error) {
	if fsys.IsRemote(p) {
		files, err := fsys.List(ctx, key, p, fsys.ListOptions{Exts: []string{".parquet", ".parq", ".pq"}})
		if err != nil {
			return nil, err
		}
		out := make([]string, len(files))
		for i, f := range files {
			out[i] = f.URL
		}
		return out, nil
	}
	if strings.ContainsAny(p, "*?[") {
		matches, err := filepath.Glob(p)
		if err != nil {
			return nil, errs.Invalidf("bad glob %q: %v", p, err)
		}
		var out []string
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() {
				out = append(out, m)
			}
		}
		if len(out) == 0 {
			return nil, errs.Invalidf("glob %q matches no file", p)
		}
		sort.Strings(out)
		return out, nil
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, errs.Invalidf("%v", err)
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	// The directory's files and those of Hive-style sub-directories.
	files, err := fsys.List(ctx, key, p, fsys.ListOptions{})
	if err != nil && !errors.Is(err, errs.ErrNotFound) {
		return nil, err
	}
	var out []string
	for _, f := range files {
		if hasParquetExt(filepath.Base(f.URL)) {
			out = append(out, f.URL)
		}
	}
	if len(out) == 0 {
		return nil, errs.Invalidf("directory %s holds no *.parquet file", p)
	}
	sort.Strings(out)
	return out, nil
}

// kind is how a top-level column's statistics can be read and compared.
type kind int

const (
	kindNone    kind = iota // no usable min/max (nested, bool, INT96, uint64, ...)
	kindInt                 // INT32/INT64 physical: ints, uint8-32, date32, time, timestamp
	kindFloat               // FLOAT/DOUBLE
	kindBytes               // BYTE_ARRAY strings and binaries
	kindDecimal             // decimal128 over INT32/INT64/FIXED_LEN_BYTE_ARRAY/BYTE_ARRAY
)

func (k kind) domain() domain {
	switch k {
	case kindInt:
		return domInt
	case kindFloat:
		return domFloat
	case kindBytes:
		return domBytes
	case kindDecimal:
		return domDecimal
	}
	return 0
}

// colInfo describes one top-level column of the table.
type colInfo struct {
	typ          arrow.DataType
	kind         kind
	unsigned     bool // uint8/16/32 stored as INT32: reinterpret statistics
	anyMinMax    bool // some row group carries min/max
	anyNullCount bool // some row group carries a null count
}

// colStats are one column chunk's footer statistics, converted.
type colStats struct {
	kind      kind
	hasMinMax bool
	hasNulls  bool
	nulls     int64
	min, max  value
}

type rowGroupInfo struct {
	index   int
	numRows int64
	bytes   int64
	cols    []colStats // one per top-level column
}

type fileInfo struct {
	index  int    // in Table.files (and Table.hive.Values)
	key    string // how partitions name the file (relative to BaseDir when under it)
	path   string // absolute path
	size   int64
	md     *metadata.FileMetaData
	leaves [][]int // per top-level column, its leaf column indices in this file (none for Hive columns)
	rgs    []rowGroupInfo
}

// Table is a Parquet table: immutable, safe for concurrent use. It holds
// only footer metadata; files are opened by Partition.Open.
//
// When the files sit in Hive-style `key=value` directories, the table's
// schema is the files' columns followed by one column per key (see
// internal.ParseHive): filters on those columns are Exact and prune whole
// files, and their statistics are Exact.
type Table struct {
	name   string // config path or file name, for messages
	schema *arrow.Schema
	cols   []colInfo
	files  []*fileInfo
	byKey  map[string]*fileInfo
	stats  catalog.Statistics

	// nfile is the number of file columns (the first nfile of schema).
	nfile int
	hive  internal.Hive
	// fileView is this table restricted to the file columns, which
	// partitions read before the Hive columns are added; nil without Hive
	// columns.
	fileView *Table
}

var (
	_ catalog.Table              = (*Table)(nil)
	_ catalog.FilterPushdowner   = (*Table)(nil)
	_ catalog.StatisticsProvider = (*Table)(nil)
	_ catalog.PartitionCodec     = (*Table)(nil)
)

// load reads every file's footer and builds the table.
func load(ctx context.Context, name, base string, paths []string) (*Table, error) {
	t := &Table{name: name, byKey: make(map[string]*fileInfo, len(paths))}
	abspaths := make([]string, len(paths))
	for i, p := range paths {
		abspaths[i] = p
		if !fsys.IsRemote(p) {
			a, err := filepath.Abs(p)
			if err != nil {
				return nil, errs.Invalidf("parquet file %s: %v", p, err)
			}
			abspaths[i] = a
		}
	}
	footers, err := readFooters(ctx, abspaths)
	if err != nil {
		return nil, err
	}
	for i, abs := range abspaths {
		fi, sc := footers[i].fi, footers[i].sc
		fi.key = abs
		fi.index = len(t.files)
		if base != "" && !fsys.IsRemote(abs) {
			if rel, err := filepath.Rel(base, abs); err == nil && !strings.HasPrefix(rel, "..") {
				fi.key = filepath.ToSlash(rel)
			}
		}
		if t.schema == nil {
			t.schema = sc
			t.cols = make([]colInfo, sc.NumFields())
			for i, f := range sc.Fields() {
				t.cols[i] = colInfo{typ: f.Type}
			}
		} else if err := sameSchema(t.schema, sc); err != nil {
			return nil, errs.Invalidf("parquet file %s: schema differs from %s: %v", abs, t.files[0].path, err)
		}
		t.files = append(t.files, fi)
		t.byKey[fi.key] = fi
	}
	t.nfile = t.schema.NumFields()
	if err := t.addHiveColumns(); err != nil {
		return nil, err
	}
	if err := t.readStatistics(); err != nil {
		return nil, err
	}
	t.stats = t.computeStatistics()
	t.hiveStatistics(&t.stats)
	return t, nil
}

// footerReaders bounds how many footers load reads at once (remote files
// cost a round trip or two each; local ones are cheap either way).
const footerReaders = 8

type footer struct {
	fi *fileInfo
	sc *arrow.Schema
}

// readFooters reads the footers of paths, at most footerReaders at once,
// in order in the result. The error is that of the first failing path (in
// path order, so messages do not depend on timing); the first failure
// stops the reads not yet started.
func readFooters(ctx context.Context, paths []string) ([]footer, error) {
	out := make([]footer, len(paths))
	failed := make([]error, len(paths))
	if len(paths) <= 1 {
		for i, p := range paths {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			fi, sc, err := readFooter(ctx, p)
			if err != nil {
				return nil, err
			}
			out[i] = footer{fi, sc}
		}
		return out, nil
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(footerReaders, len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(paths) {
					return
				}
				if err := ctx.Err(); err != nil {
					failed[i] = err
					return
				}
				func() {
					defer func() {
						if x := recover(); x != nil {
							failed[i] = errs.Internalf("reading the footer of parquet file %s: panic: %v", fsys.Redact(paths[i]), x)
						}
					}()
					fi, sc, err := readFooter(ctx, paths[i])
					out[i], failed[i] = footer{fi, sc}, err
				}()
				if failed[i] != nil {
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := parent.Err(); err != nil {
		return nil, err
	}
	for _, err := range failed {
		// Reads cut short by another file's failure are not the cause.
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	for _, err := range failed {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// malformed turns a recovered panic from arrow-go into ErrInvalid naming the file.
func malformed(path string, x any) error {
	return errs.Invalidf("malformed parquet file %s: %v", path, x)
}

// readFooter opens one file, parses its footer and derives its Arrow schema
// and column-to-leaf mapping, under recover.
func readFooter(ctx context.Context, path string) (fi *fileInfo, sc *arrow.Schema, err error) {
	defer func() {
		if x := recover(); x != nil {
			fi, sc, err = nil, nil, malformed(path, x)
		}
	}()
	ioCount.Add(1)
	src, err := fsys.OpenRange(ctx, path, -1)
	if err != nil {
		if fsys.IsRemote(path) {
			return nil, nil, err
		}
		return nil, nil, errs.Invalidf("parquet file %s: %v", path, err)
	}
	size := src.Size()
	rdr, err := file.NewParquetReader(src, file.WithReadProps(readerProps(path)))
	if err != nil {
		src.Close()
		return nil, nil, errs.Invalidf("malformed parquet file %s: %v", fsys.Redact(path), err)
	}
	defer rdr.Close()
	md := rdr.MetaData()
	manifest, err := pqarrow.NewSchemaManifest(md.Schema, md.KeyValueMetadata(), &pqarrow.ArrowReadProperties{})
	if err != nil {
		return nil, nil, errs.Invalidf("parquet file %s: unsupported schema: %v", path, err)
	}
	fields := make([]arrow.Field, len(manifest.Fields))
	leaves := make([][]int, len(manifest.Fields))
	for i := range manifest.Fields {
		fields[i] = *manifest.Fields[i].Field
		fields[i].Metadata = stripParquetKeys(fields[i].Metadata)
		leaves[i] = collectLeaves(&manifest.Fields[i], nil)
	}
	fi = &fileInfo{path: path, size: size, md: md, leaves: leaves}
	return fi, arrow.NewSchema(fields, nil), nil
}

// stripParquetKeys drops pqarrow's bookkeeping keys ("PARQUET:field_id")
// from a field's metadata; other keys stay.
func stripParquetKeys(md arrow.Metadata) arrow.Metadata {
	var keys, vals []string
	for i, k := range md.Keys() {
		if !strings.HasPrefix(k, "PARQUET:") {
			keys = append(keys, k)
			vals = append(vals, md.Values()[i])
		}
	}
	if len(keys) == 0 {
		return arrow.Metadata{}
	}
	return arrow.NewMetadata(keys, vals)
}

func collectLeaves(f *pqarrow.SchemaField, out []int) []int {
	if f.IsLeaf() {
		return append(out, f.ColIndex)
	}
	for i := range f.Children {
		out = collectLeaves(&f.Children[i], out)
	}
	return out
}

// readerProps are the low-level reader settings. Its allocator serves
// arrow-go's internal, pooled decode buffers (freed by the GC), never the
// batches handed to callers.
//
// Local files are read through a buffered stream; remote ones (package
// fsys) read each column chunk with one ranged request instead of one per
// buffer.
func readerProps(path string) *pq.ReaderProperties {
	p := pq.NewReaderProperties(memory.DefaultAllocator)
	p.BufferedStreamEnabled = !fsys.IsRemote(path)
	return p
}

func sameSchema(a, b *arrow.Schema) error {
	if a.NumFields() != b.NumFields() {
		return fmt.Errorf("%d columns, want %d", b.NumFields(), a.NumFields())
	}
	for i := range a.Fields() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || !arrow.TypeEqual(fa.Type, fb.Type) || fa.Nullable != fb.Nullable {
			return fmt.Errorf("column %d is %s %s (nullable=%v), want %s %s (nullable=%v)",
				i, fb.Name, fb.Type, fb.Nullable, fa.Name, fa.Type, fa.Nullable)
		}
	}
	return nil
}

// classify decides each column's statistics kind from its type and the
// first file's physical layout.
func (t *Table) classifyColumns() {
	f := t.files[0]
	for i := range t.cols {
		ci := &t.cols[i]
		if len(f.leaves[i]) != 1 {
			continue
		}
		// Nested fields (lists, structs) have nested Arrow types and fall
		// through the switch below as kindNone.
		phys := f.md.Schema.Column(f.leaves[i][0]).PhysicalType()
		switch ci.typ.(type) {
		case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Date32Type, *arrow.Time32Type:
			if phys == pq.Types.Int32 {
				ci.kind = kindInt
			}
		case *arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type:
			if phys == pq.Types.Int32 {
				ci.kind, ci.unsigned = kindInt, true
			}
		case *arrow.Int64Type, *arrow.Time64Type, *arrow.TimestampType:
			if phys == pq.Types.Int64 {
				ci.kind = kindInt
			}
		case *arrow.Float32Type:
			if phys == pq.Types.Float {
				ci.kind = kindFloat
			}
		case *arrow.Float64Type:
			if phys == pq.Types.Double {
				ci.kind = kindFloat
			}
		case *arrow.StringType, *arrow.LargeStringType, *arrow.BinaryType, *arrow.LargeBinaryType:
			if phys == pq.Types.ByteArray {
				ci.kind = kindBytes
			}
		case *arrow.Decimal128Type:
			switch phys {
			case pq.Types.Int32, pq.Types.Int64, pq.Types.FixedLenByteArray, pq.Types.ByteArray:
				ci.kind = kindDecimal
			}
		}
	}
}

// readStatistics converts every row group's footer statistics, under
// recover (statistics decoding trusts the footer's bytes).
func (t *Table) readStatistics() (err error) {
	t.classifyColumns()
	var cur string
	defer func() {
		if x := recover(); x != nil {
			err = malformed(cur, x)
		}
	}()
	for _, f := range t.files {
		cur = f.path
		n := f.md.NumRowGroups()
		f.rgs = make([]rowGroupInfo, n)
		for g := 0; g < n; g++ {
			rgmd := f.md.RowGroup(g)
			rg := &f.rgs[g]
			rg.index, rg.numRows, rg.bytes = g, rgmd.NumRows(), rgmd.TotalByteSize()
			if rg.numRows < 0 {
				return errs.Invalidf("malformed parquet file %s: row group %d has %d rows", f.path, g, rg.numRows)
			}
			rg.cols = make([]colStats, len(t.cols))
			for c := range t.cols {
				ci := &t.cols[c]
				if ci.kind == kindNone || len(f.leaves[c]) != 1 {
					continue
				}
				cc, err := rgmd.ColumnChunk(f.leaves[c][0])
				if err != nil {
					return errs.Invalidf("malformed parquet file %s: row group %d column %s: %v", f.path, g, t.schema.Field(c).Name, err)
				}
				st, err := cc.Statistics()
				if err != nil || st == nil {
					continue // no usable statistics: the group is never pruned on this column
				}
				rg.cols[c] = convertStats(ci, st)
				if rg.cols[c].hasMinMax {
					ci.anyMinMax = true
				}
				if rg.cols[c].hasNulls {
					ci.anyNullCount = true
				}
			}
		}
	}
	return nil
}

func convertStats(ci *colInfo, st metadata.TypedStatistics) colStats {
	cs := colStats{kind: ci.kind}
	if st.HasNullCount() {
		cs.hasNulls, cs.nulls = true, st.NullCount()
	}
	if !st.HasMinMax() {
		return cs
	}
	ok := true
	switch s := st.(type) {
	case *metadata.Int32Statistics:
		lo, hi := int64(s.Min()), int64(s.Max())
		if ci.unsigned {
			lo, hi = int64(uint32(s.Min())), int64(uint32(s.Max()))
		}
		if ci.kind == kindDecimal {
			cs.min.d, cs.max.d = decimal128.FromI64(lo), decimal128.FromI64(hi)
		} else {
			cs.min.i, cs.max.i = lo, hi
		}
	case *metadata.Int64Statistics:
		if ci.kind == kindDecimal {
			cs.min.d, cs.max.d = decimal128.FromI64(s.Min()), decimal128.FromI64(s.Max())
		} else {
			cs.min.i, cs.max.i = s.Min(), s.Max()
		}
	case *metadata.Float32Statistics:
		cs.min.f, cs.max.f = float64(s.Min()), float64(s.Max())
		ok = !math.IsNaN(cs.min.f) && !math.IsNaN(cs.max.f)
	case *metadata.Float64Statistics:
		cs.min.f, cs.max.f = s.Min(), s.Max()
		ok = !math.IsNaN(cs.min.f) && !math.IsNaN(cs.max.f)
	case *metadata.ByteArrayStatistics:
		if ci.kind == kindDecimal {
			cs.min.d, ok = decimalFromBE(s.Min())
			if ok {
				cs.max.d, ok = decimalFromBE(s.Max())
			}
		} else {
			cs.min.b = append([]byte(nil), s.Min()...)
			cs.max.b = append([]byte(nil), s.Max()...)
		}
	case *metadata.FixedLenByteArrayStatistics:
		if ci.kind != kindDecimal {
			return cs
		}
		cs.min.d, ok = decimalFromBE(s.Min())
		if ok {
			cs.max.d, ok = decimalFromBE(s.Max())
		}
	default:
		return cs
	}
	cs.hasMinMax = ok && (ci.kind != kindFloat || cs.min.f <= cs.max.f)
	if ci.kind == kindInt && cs.min.i > cs.max.i {
		cs.hasMinMax = false // inconsistent footer: never prune on it
	}
	return cs
}

// decimalFromBE decodes a big-endian two's complement unscaled value (the
// Parquet decimal encoding) of at most 16 bytes.
func decimalFromBE(b []byte) (decimal128.Num, bool) {
	if len(b) == 0 || len(b) > 16 {
		return decimal128.Num{}, false
	}
	var hi int64
	var lo uint64
	if b[0]&0x80 != 0 {
		hi, lo = -1, math.MaxUint64
	}
	for _, c := range b {
		hi = hi<<8 | int64(lo>>56)
		lo = lo<<8 | uint64(c)
	}
	return decimal128.New(hi, lo), true
}

// computeStatistics aggregates the row groups into table statistics.
func (t *Table) computeStatistics() catalog.Statistics {
	var rows, bytes int64
	for _, f := range t.files {
		for _, rg := range f.rgs {
			rows += rg.numRows
			bytes += rg.bytes
		}
	}
	st := catalog.Statistics{
		NumRows:    catalog.Count{Value: rows, Precision: catalog.Exact},
		TotalBytes: catalog.Count{Value: bytes, Precision: catalog.Inexact},
		Columns:    make([]catalog.ColumnStatistics, len(t.cols)),
	}
	for c := range t.cols {
		ci := &t.cols[c]
		if ci.kind == kindNone {
			continue
		}
		cs := &st.Columns[c]
		allNulls, allBounds, any := true, true, false
		var nulls int64
		var lo, hi value
		dom := ci.kind.domain()
		for _, f := range t.files {
			for i := range f.rgs {
				rg := &f.rgs[i]
				s := &rg.cols[c]
				if s.hasNulls {
					nulls += s.nulls
				} else {
					allNulls = false
				}
				switch {
				case s.hasMinMax:
					if !any || compareValues(dom, s.min, lo) < 0 {
						lo = s.min
					}
					if !any || compareValues(dom, s.max, hi) > 0 {
						hi = s.max
					}
					any = true
				case s.hasNulls && s.nulls >= rg.numRows:
					// all NULL: contributes no bound
				default:
					allBounds = false
				}
			}
		}
		if allNulls {
			cs.NullCount = catalog.Count{Value: nulls, Precision: catalog.Exact}
		}
		if !any || !allBounds {
			continue
		}
		prec := catalog.Exact
		if ci.kind == kindFloat || ci.kind == kindBytes {
			// Float statistics leave NaN out; byte-array bounds may be
			// truncated by the writer (and the footer does not say).
			prec = catalog.Inexact
		}
		cs.Min = catalog.Bound{Value: goValue(ci, lo), Precision: prec}
		cs.Max = catalog.Bound{Value: goValue(ci, hi), Precision: prec}
	}
	return st
}

// goValue renders a bound as expr.Literal renders values of the column's type.
func goValue(ci *colInfo, v value) any {
	switch ci.kind {
	case kindFloat:
		return v.f
	case kindDecimal:
		return v.d
	case kindBytes:
		switch ci.typ.ID() {
		case arrow.STRING, arrow.LARGE_STRING:
			return string(v.b)
		}
		return append([]byte(nil), v.b...)
	}
	switch ci.typ.ID() {
	case arrow.DATE32:
		return arrow.Date32(v.i)
	case arrow.TIMESTAMP:
		return arrow.Timestamp(v.i)
	case arrow.TIME32:
		return arrow.Time32(v.i)
	case arrow.TIME64:
		return arrow.Time64(v.i)
	case arrow.UINT8, arrow.UINT16, arrow.UINT32:
		return uint64(v.i)
	}
	return v.i
}

// Schema is the table's Arrow schema (from the first file's footer).
func (t *Table) Schema() *arrow.Schema { return t.schema }

// String names the table for messages.
func (t *Table) String() string { return "parquet " + t.name }

// SupportsFilters returns Exact for filters on Hive partition columns only
// (they prune whole files), Inexact for filters on file columns that can
// prune row groups with the footers' statistics, Unsupported for the rest.
// Pure and cheap.
func (t *Table) SupportsFilters(filters []expr.Expr) ([]catalog.Verdict, error) {
	out := make([]catalog.Verdict, len(filters))
	for i, f := range filters {
		switch {
		case t.isHiveFilter(f):
			if internal.CanEvaluate(t.schema, f) {
				out[i] = catalog.FilterExact
			}
		case t.touchesHive(f):
			// Mixed file and partition columns: the engine evaluates it.
		default:
			if _, ok := t.compile(f); ok {
				out[i] = catalog.FilterInexact
			}
		}
	}
	return out, nil
}

// Statistics returns the footer-derived statistics cached at load time.
func (t *Table) Statistics(context.Context) (catalog.Statistics, error) {
	st := t.stats
	st.Columns = append([]catalog.ColumnStatistics(nil), t.stats.Columns...)
	return st, nil
}

// RowGroupCount is the number of row groups across all files.
func (t *Table) RowGroupCount() int {
	n := 0
	for _, f := range t.files {
		n += len(f.rgs)
	}
	return n
}

// Scan prunes whole files with the Hive partition filters, then row groups
// with the others (no I/O: footers were read at load), and plans one
// partition per surviving row group, in file order.
func (t *Table) Scan(ctx context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	proj, sc, err := t.project(req.Projection)
	if err != nil {
		return nil, err
	}
	var pruners []pruner
	var hiveFilters []expr.Expr
	for _, f := range req.Filters {
		if t.isHiveFilter(f) {
			hiveFilters = append(hiveFilters, f)
			continue
		}
		if t.touchesHive(f) {
			continue // never accepted; the engine applies it
		}
		if p, ok := t.compile(f); ok {
			pruners = append(pruners, p)
		}
	}
	keepFile, err := t.matchFiles(ctx, hiveFilters)
	if err != nil {
		return nil, err
	}
	limit := int64(-1)
	if req.Limit >= 0 && len(hiveFilters) == len(req.Filters) {
		// Every filter is an Exact partition filter, applied by skipping
		// whole files: the first limit rows of the kept files are rows of
		// the result.
		limit = req.Limit
	}
	s := &Scan{schema: sc, total: t.RowGroupCount(), hive: len(t.hive.Fields) > 0, totalFiles: len(t.files)}
	var planned int64
outer:
	for fi, f := range t.files {
		if !keepFile[fi] {
			continue
		}
		s.files++
		for i := range f.rgs {
			rg := &f.rgs[i]
			if limit >= 0 && planned >= limit {
				break outer
			}
			keep := true
			for _, p := range pruners {
				if !p.mayMatch(rg) {
					keep = false
					break
				}
			}
			if !keep {
				continue
			}
			s.selected++
			if rg.numRows == 0 {
				continue
			}
			part := &partition{t: t, file: f, rg: rg.index, proj: proj, limit: -1}
			if limit >= 0 {
				part.limit = min(rg.numRows, limit-planned)
			}
			planned += rg.numRows
			s.parts = append(s.parts, part)
		}
	}
	return s, nil
}

// project validates a projection and returns the projected schema.
func (t *Table) project(proj []int) ([]int, *arrow.Schema, error) {
	if proj == nil {
		return nil, t.schema, nil
	}
	fields := make([]arrow.Field, len(proj))
	for i, c := range proj {
		if c < 0 || c >= t.schema.NumFields() {
			return nil, nil, errs.Invalidf("%s: projection column %d out of range (table has %d columns)", t, c, t.schema.NumFields())
		}
		fields[i] = t.schema.Field(c)
	}
	return append([]int{}, proj...), arrow.NewSchema(fields, nil), nil
}

// Scan is a planned Parquet read. Immutable; safe for concurrent use.
type Scan struct {
	schema          *arrow.Schema
	parts           []catalog.Partition
	total, selected int
	// hive: the table has partition columns; files of totalFiles passed
	// the partition filters.
	hive              bool
	files, totalFiles int
}

var _ catalog.Scan = (*Scan)(nil)

// Schema is the projected schema.
func (s *Scan) Schema() *arrow.Schema { return s.schema }

// Partitions returns one partition per selected non-empty row group.
func (s *Scan) Partitions() []catalog.Partition { return s.parts }

// RowGroups reports the row groups of the table and how many survived
// pruning (and the limit), i.e. how many the scan reads.
func (s *Scan) RowGroups() (total, selected int) { return s.total, s.selected }

// Files reports the table's files and how many passed the Hive partition
// filters (all of them when the table has no partition columns).
func (s *Scan) Files() (total, selected int) { return s.totalFiles, s.files }

// Describe renders the pruning outcome for EXPLAIN, e.g. "row_groups=3/10",
// or "files=2/8 row_groups=3/10" for a table with Hive partition columns.
func (s *Scan) Describe() string {
	if s.hive {
		return fmt.Sprintf("files=%d/%d %s", s.files, s.totalFiles, describePruned(s.selected, s.total))
	}
	return describePruned(s.selected, s.total)
}
