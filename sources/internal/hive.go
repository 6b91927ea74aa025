package internal

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// HiveDefault is the directory value Hive writes for a NULL partition key.
const HiveDefault = "__HIVE_DEFAULT_PARTITION__"

// Hive are the Hive-style partition columns of a list of files: the
// trailing `key=value` directories of each file's location
// (.../year=2024/month=01/f.parquet). Every file must have the same keys in
// the same order. A key's column is BIGINT when every value parses as an
// integer, DATE when every value is a YYYY-MM-DD date, else VARCHAR;
// HiveDefault and empty values are NULL (a key whose values are all NULL is
// VARCHAR). Immutable and safe for concurrent use; the zero value has no
// columns.
type Hive struct {
	// Fields are the partition columns, in directory order.
	Fields []arrow.Field
	// Values[f][k] is file f's raw value of key k (nil = NULL).
	Values [][]*string
}

// ParseHive derives the partition columns of files (locations as listed).
// Files without `key=value` directories give a zero Hive. Keys that differ
// between files, or that clash with a column of fileSchema, are ErrInvalid.
func ParseHive(table string, fileSchema *arrow.Schema, files []string) (Hive, error) {
	var h Hive
	var keys []string
	for i, f := range files {
		loc := f
		isURL := strings.Contains(loc, "://")
		if j := strings.IndexAny(loc, "?#"); j >= 0 && isURL {
			loc = loc[:j]
		}
		segs := strings.Split(strings.ReplaceAll(loc, "\\", "/"), "/")
		segs = segs[:len(segs)-1] // the directories
		if isURL {
			// A URL's path is escaped once more than the directory names
			// (whose values carry Hive's own escaping, undone below).
			for j, s := range segs {
				if u, err := url.PathUnescape(s); err == nil {
					segs[j] = u
				}
			}
		}
		start := len(segs)
		for start > 0 {
			s := segs[start-1]
			if k := strings.IndexByte(s, '='); k <= 0 || strings.HasPrefix(s, ".") || strings.HasPrefix(s, "_") {
				break
			}
			start--
		}
		var fk []string
		var fv []*string
		for _, s := range segs[start:] {
			k := strings.IndexByte(s, '=')
			key, val := s[:k], s[k+1:]
			if u, err := url.PathUnescape(val); err == nil {
				val = u
			}
			fk = append(fk, key)
			if val == HiveDefault || val == "" {
				fv = append(fv, nil)
			} else {
				fv = append(fv, &val)
			}
		}
		if i == 0 {
			keys = fk
		} else if strings.Join(fk, "/") != strings.Join(keys, "/") {
			return Hive{}, errs.Invalidf("%s: files disagree on their Hive partition directories: %s has keys [%s], %s has [%s]; every file must sit at the same depth of key=value directories",
				table, files[0], strings.Join(keys, ", "), f, strings.Join(fk, ", "))
		}
		h.Values = append(h.Values, fv)
	}
	if len(keys) == 0 {
		return Hive{}, nil
	}
	for k, key := range keys {
		if len(fileSchema.FieldIndices(key)) > 0 {
			return Hive{}, errs.Invalidf("%s: Hive partition key %q is also a column of the files; rename the directory key or the column", table, key)
		}
		isInt, isDate, any := true, true, false
		for _, fv := range h.Values {
			if v := fv[k]; v != nil {
				any = true
				if isInt {
					if _, err := strconv.ParseInt(*v, 10, 64); err != nil {
						isInt = false
					}
				}
				if isDate {
					if _, ok := parseHiveDate(*v); !ok {
						isDate = false
					}
				}
			}
		}
		t := arrow.DataType(arrow.BinaryTypes.String)
		switch {
		case !any:
		case isInt:
			t = arrow.PrimitiveTypes.Int64
		case isDate:
			t = arrow.FixedWidthTypes.Date32
		}
		h.Fields = append(h.Fields, arrow.Field{Name: key, Type: t, Nullable: true})
	}
	return h, nil
}

// Column returns file f's value of key k repeated n times, allocated from
// mem (the caller releases it).
func (h *Hive) Column(f, k, n int, mem memory.Allocator) arrow.Array {
	v := h.Values[f][k]
	switch h.Fields[k].Type.ID() {
	case arrow.INT64:
		b := array.NewInt64Builder(mem)
		defer b.Release()
		if v == nil {
			b.AppendNulls(n)
		} else {
			x, _ := strconv.ParseInt(*v, 10, 64)
			b.Reserve(n)
			for i := 0; i < n; i++ {
				b.UnsafeAppend(x)
			}
		}
		return b.NewArray()
	case arrow.DATE32:
		b := array.NewDate32Builder(mem)
		defer b.Release()
		if v == nil {
			b.AppendNulls(n)
		} else {
			x, _ := parseHiveDate(*v)
			b.Reserve(n)
			for i := 0; i < n; i++ {
				b.UnsafeAppend(x)
			}
		}
		return b.NewArray()
	default:
		b := array.NewStringBuilder(mem)
		defer b.Release()
		if v == nil {
			b.AppendNulls(n)
		} else {
			b.Reserve(n)
			b.ReserveData(n * len(*v))
			for i := 0; i < n; i++ {
				b.Append(*v)
			}
		}
		return b.NewArray()
	}
}

// OnlyColumns reports whether every column pred references has an index in
// [from, to).
func OnlyColumns(pred expr.Expr, from, to int) bool {
	ok, any := true, false
	expr.Walk(pred, func(n expr.Expr) bool {
		if c, isCol := n.(*expr.Column); isCol {
			any = true
			if c.Index < from || c.Index >= to {
				ok = false
			}
		}
		return ok
	})
	return ok && any
}

// FileMatches evaluates preds (over schema, whose last len(h.Fields)
// columns are the partition columns) on a one-row batch holding file f's
// partition values (NULL elsewhere): true when every predicate is TRUE.
func (h *Hive) FileMatches(ctx context.Context, schema *arrow.Schema, f int, preds []expr.Expr) (bool, error) {
	if len(preds) == 0 {
		return true, nil
	}
	mem := memory.NewGoAllocator()
	nfile := schema.NumFields() - len(h.Fields)
	cols := make([]arrow.Array, schema.NumFields())
	for i := range cols {
		if i < nfile {
			cols[i] = array.MakeArrayOfNull(mem, schema.Field(i).Type, 1)
		} else {
			cols[i] = h.Column(f, i-nfile, 1, mem)
		}
	}
	b := array.NewRecordBatch(schema, cols, 1)
	for _, c := range cols {
		c.Release()
	}
	defer b.Release()
	out, err := Filter(ctx, preds, b, mem)
	if err != nil {
		return false, fmt.Errorf("evaluating partition filters: %w", err)
	}
	defer out.Release()
	return out.NumRows() == 1, nil
}

// parseHiveDate parses a directory value as DATE: exactly YYYY-MM-DD
// (no surrounding blanks, unlike ParseDate for text cells).
func parseHiveDate(s string) (arrow.Date32, bool) {
	if strings.TrimSpace(s) != s {
		return 0, false
	}
	return ParseDate(s)
}

// Value returns file f's value of key k as a Go value in expr.Literal's
// convention (int64 for BIGINT, arrow.Date32 for DATE, string for VARCHAR),
// or nil for NULL.
func (h *Hive) Value(f, k int) any {
	v := h.Values[f][k]
	if v == nil {
		return nil
	}
	switch h.Fields[k].Type.ID() {
	case arrow.INT64:
		x, _ := strconv.ParseInt(*v, 10, 64)
		return x
	case arrow.DATE32:
		x, _ := parseHiveDate(*v)
		return x
	}
	return *v
}

// MatchFiles evaluates preds (over schema, whose last len(h.Fields) columns
// are the partition columns and which reference only those) once over a
// batch holding one row per file, and reports per file whether every
// predicate is TRUE. The file columns are NULL in that batch, so a predicate
// touching them is the caller's bug, not a reason to keep a file. With no
// predicates every file matches. It allocates from a private Go allocator
// and does no I/O.
func (h *Hive) MatchFiles(ctx context.Context, schema *arrow.Schema, preds []expr.Expr) ([]bool, error) {
	n := len(h.Values)
	keep := make([]bool, n)
	for i := range keep {
		keep[i] = true
	}
	if len(preds) == 0 || n == 0 {
		return keep, nil
	}
	mem := memory.NewGoAllocator()
	b := h.filesBatch(schema, mem)
	defer b.Release()
	for _, p := range preds {
		mask, err := expr.Eval(ctx, p, b, mem)
		if err != nil {
			return nil, fmt.Errorf("evaluating partition filter %s: %w", p, err)
		}
		m, ok := mask.(*array.Boolean)
		if !ok || m.Len() != n {
			mask.Release()
			return nil, errs.Internalf("partition filter %s evaluated to %s of %d rows, want BOOLEAN of %d", p, mask.DataType(), mask.Len(), n)
		}
		for i := 0; i < n; i++ {
			if keep[i] && (m.IsNull(i) || !m.Value(i)) {
				keep[i] = false
			}
		}
		mask.Release()
	}
	return keep, nil
}

// filesBatch is a batch of schema with one row per file: NULL file columns,
// then each file's partition values.
func (h *Hive) filesBatch(schema *arrow.Schema, mem memory.Allocator) arrow.RecordBatch {
	n := len(h.Values)
	nfile := schema.NumFields() - len(h.Fields)
	cols := make([]arrow.Array, schema.NumFields())
	for i := 0; i < nfile; i++ {
		cols[i] = array.MakeArrayOfNull(mem, schema.Field(i).Type, n)
	}
	for k, f := range h.Fields {
		b := array.NewBuilder(mem, f.Type)
		b.Reserve(n)
		for fi := 0; fi < n; fi++ {
			switch v := h.Value(fi, k).(type) {
			case nil:
				b.AppendNull()
			case int64:
				b.(*array.Int64Builder).UnsafeAppend(v)
			case arrow.Date32:
				b.(*array.Date32Builder).UnsafeAppend(v)
			case string:
				b.(*array.StringBuilder).Append(v)
			}
		}
		cols[nfile+k] = b.NewArray()
		b.Release()
	}
	out := array.NewRecordBatch(schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return out
}

// ColumnStatistics returns key k's Exact statistics over files whose row
// counts are rows[f] (rows[f] < 0: unknown, which makes the null count
// Absent): the null count is the rows of files with a NULL value, min/max
// the smallest and largest value of the files holding at least one row
// (files with rows[f] < 0 count as holding rows), the distinct count the
// number of different non-NULL values among those files (Exact when every
// row count is known).
func (h *Hive) ColumnStatistics(k int, rows []int64) catalog.ColumnStatistics {
	var cs catalog.ColumnStatistics
	nulls, nullsKnown := int64(0), true
	var lo, hi any
	distinct := map[any]bool{} // int64, arrow.Date32 or string: comparable
	for f := range h.Values {
		if f >= len(rows) || rows[f] < 0 {
			nullsKnown = nullsKnown && h.Values[f][k] != nil
		}
		if f < len(rows) && rows[f] == 0 {
			continue
		}
		v := h.Value(f, k)
		if v == nil {
			if f < len(rows) && rows[f] >= 0 {
				nulls += rows[f]
			}
			continue
		}
		distinct[v] = true
		if lo == nil || CompareValues(v, lo) < 0 {
			lo = v
		}
		if hi == nil || CompareValues(v, hi) > 0 {
			hi = v
		}
	}
	if nullsKnown {
		cs.NullCount = catalog.Count{Value: nulls, Precision: catalog.Exact}
	}
	known := len(rows) >= len(h.Values)
	for _, r := range rows {
		known = known && r >= 0
	}
	if known {
		cs.DistinctCount = catalog.Count{Value: int64(len(distinct)), Precision: catalog.Exact}
	}
	if lo != nil {
		cs.Min = catalog.Bound{Value: lo, Precision: catalog.Exact}
		cs.Max = catalog.Bound{Value: hi, Precision: catalog.Exact}
	}
	return cs
}
