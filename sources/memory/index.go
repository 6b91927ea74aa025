package memory

import (
	"context"
	"encoding/binary"
	"math"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

var _ catalog.Indexable = (*Table)(nil)

// CreateIndex records an index (metadata only: scans never use it). Column
// names match case-insensitively and are stored as the table spells them.
// A unique index is checked against the rows stored now (rows with a NULL
// in the key never conflict, as in MySQL); later writes do not enforce it.
func (t *Table) CreateIndex(ctx context.Context, def catalog.IndexDef) error {
	if def.Name == "" {
		return errs.Invalidf("%s: an index needs a name", t.name)
	}
	if len(def.Columns) == 0 {
		return errs.Invalidf("%s: index %s has no columns", t.name, def.Name)
	}
	cols := make([]int, len(def.Columns))
	names := make([]string, len(def.Columns))
	seen := map[int]bool{}
	for k, c := range def.Columns {
		idx := -1
		for i, f := range t.schema.Fields() {
			if strings.EqualFold(f.Name, c) {
				idx = i
				break
			}
		}
		if idx < 0 {
			return errs.NotFoundf("key column '%s' doesn't exist in table %s", c, t.name)
		}
		if seen[idx] {
			return errs.Invalidf("duplicate column name '%s' in index %s", c, def.Name)
		}
		seen[idx] = true
		cols[k], names[k] = idx, t.schema.Field(idx).Name
	}
	stored := catalog.IndexDef{Name: def.Name, Columns: names, Unique: def.Unique}
	key := strings.ToLower(def.Name)

	// Serialize with writers so the uniqueness check sees a stable table.
	t.wmu.Lock()
	defer t.wmu.Unlock()
	t.mu.Lock()
	_, dup := t.indexes[key]
	snap, released := t.snap, t.released
	t.mu.Unlock()
	switch {
	case released:
		return errs.NotFoundf("%s: the table was dropped", t.name)
	case dup:
		return errs.New(errs.ErrAlreadyExists, "duplicate key name '%s'", def.Name)
	}
	if def.Unique {
		if err := checkUnique(ctx, snap, cols, def.Name, t.name); err != nil {
			return err
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.indexes == nil {
		t.indexes = map[string]catalog.IndexDef{}
	}
	t.indexes[key] = stored
	return nil
}

// DropIndex forgets an index; errs.ErrNotFound unless ifExists.
func (t *Table) DropIndex(_ context.Context, name string, ifExists bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := strings.ToLower(name)
	if _, ok := t.indexes[key]; !ok {
		if ifExists {
			return nil
		}
		return errs.NotFoundf("can't DROP '%s'; check that column/key exists", name)
	}
	delete(t.indexes, key)
	return nil
}

// Indexes lists the table's indexes sorted by name (copies).
func (t *Table) Indexes(context.Context) ([]catalog.IndexDef, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]catalog.IndexDef, 0, len(t.indexes))
	for _, d := range t.indexes {
		d.Columns = append([]string(nil), d.Columns...)
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, nil
}

// checkUnique fails with errs.ErrInvalid naming the first duplicated key
// of cols in snap (MySQL's "Duplicate entry").
func checkUnique(ctx context.Context, snap *snapshot, cols []int, index, table string) error {
	seen := make(map[string]struct{}, snap.rows)
	var buf []byte
	for _, b := range snap.batches {
		if err := ctx.Err(); err != nil {
			return errs.Wrap(errs.ErrUnavailable, err, "%s: CREATE UNIQUE INDEX cancelled", table)
		}
		arrs := make([]arrow.Array, len(cols))
		for k, c := range cols {
			arrs[k] = b.Column(c)
		}
	rows:
		for i := 0; i < int(b.NumRows()); i++ {
			buf = buf[:0]
			for _, a := range arrs {
				if a.IsNull(i) {
					continue rows
				}
				buf = appendKey(buf, a, i)
			}
			if _, dup := seen[string(buf)]; dup {
				vals := make([]string, len(arrs))
				for k, a := range arrs {
					vals[k] = a.ValueStr(i)
				}
				return errs.Invalidf("duplicate entry '%s' for key '%s.%s'", strings.Join(vals, "-"), table, index)
			}
			seen[string(buf)] = struct{}{}
		}
	}
	return nil
}

// appendKey appends an unambiguous binary encoding of a[i] (not NULL):
// fixed-width values by their bits, variable-width ones length-prefixed.
// Values equal as MySQL compares them encode equally: VARCHAR by its
// collation key, VARBINARY byte-wise, -0 as 0.
func appendKey(buf []byte, a arrow.Array, i int) []byte {
	switch c := a.(type) {
	case *array.Int8:
		return binary.LittleEndian.AppendUint64(buf, uint64(c.Value(i)))
	case *array.Int16:
		return binary.LittleEndian.AppendUint64(buf, uint64(c.Value(i)))
	case *array.Int32:
		return binary.LittleEndian.AppendUint64(buf, uint64(c.Value(i)))
	case *array.Int64:
		return binary.LittleEndian.AppendUint64(buf, uint64(c.Value(i)))
	case *array.Uint8:
		return binary.LittleEndian.AppendUint64(buf, uint64(c.Value(i)))
	case *array.Uint16:
		return binary.LittleEndian.AppendUint64(buf, uint64(c.Value(i)))
	case *array.Uint32:
		return binary.LittleEndian.AppendUint64(buf, uint64(c.Value(i)))
	case *array.Uint64:
		return binary.LittleEndian.AppendUint64(buf, c.Value(i))
	case *array.Float32:
		return binary.LittleEndian.AppendUint64(buf, math.Float64bits(normZero(float64(c.Value(i)))))
	case *array.Float64:
		return binary.LittleEndian.AppendUint64(buf, math.Float64bits(normZero(c.Value(i))))
	case *array.Date32:
		return binary.LittleEndian.AppendUint64(buf, uint64(c.Value(i)))
	case *array.Date64:
		return binary.LittleEndian.AppendUint64(buf, uint64(c.Value(i)))
	case *array.Timestamp:
		return binary.LittleEndian.AppendUint64(buf, uint64(c.Value(i)))
	case *array.Time64:
		return binary.LittleEndian.AppendUint64(buf, uint64(c.Value(i)))
	case *array.Boolean:
		if c.Value(i) {
			return append(buf, 1)
		}
		return append(buf, 0)
	case *array.Decimal128:
		v := c.Value(i)
		buf = binary.LittleEndian.AppendUint64(buf, v.LowBits())
		return binary.LittleEndian.AppendUint64(buf, uint64(v.HighBits()))
	case *array.String:
		// VARCHAR compares under the engine's collation ('a' = 'A').
		k := expr.CollationKey(nil, c.Value(i))
		buf = binary.AppendUvarint(buf, uint64(len(k)))
		return append(buf, k...)
	case *array.Binary:
		v := c.Value(i)
		buf = binary.AppendUvarint(buf, uint64(len(v)))
		return append(buf, v...)
	default:
		s := a.ValueStr(i)
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		return append(buf, s...)
	}
}

// normZero folds -0 into 0 (MySQL compares them equal).
func normZero(f float64) float64 {
	if f == 0 {
		return 0
	}
	return f
}
