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

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// HiveDefault is the directory value Hive writes for a NULL partition key.
const HiveDefault = "__HIVE_DEFAULT_PARTITION__"

// Hive are the Hive-style partition columns of a list of files: the
// trailing `key=value` directories of each file's location
// (.../year=2024/month=01/f.parquet). Every file must have the same keys in
// the same order. A key's column is BIGINT when every value parses as an
// integer, else VARCHAR; HiveDefault and empty values are NULL. Immutable
// and safe for concurrent use; the zero value has no columns.
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
		if j := strings.IndexAny(loc, "?#"); j >= 0 && strings.Contains(loc, "://") {
			loc = loc[:j]
		}
		segs := strings.Split(strings.ReplaceAll(loc, "\\", "/"), "/")
		segs = segs[:len(segs)-1] // the directories
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
		isInt := true
		for _, fv := range h.Values {
			if v := fv[k]; v != nil {
				if _, err := strconv.ParseInt(*v, 10, 64); err != nil {
					isInt = false
					break
				}
			}
		}
		t := arrow.DataType(arrow.BinaryTypes.String)
		if isInt {
			t = arrow.PrimitiveTypes.Int64
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
