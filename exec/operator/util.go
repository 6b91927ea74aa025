package operator

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// maxBatchRows is the most rows a blocking operator (Sort, HashAggregate,
// Values) puts in one output batch.
const maxBatchRows = 8192

// evalExpr evaluates e over b; the caller Releases the result. A bare column
// reference is served zero-copy from the batch (the common case for sort
// keys, group keys and projections); everything else goes to expr.Eval.
func evalExpr(ctx context.Context, e expr.Expr, b arrow.RecordBatch, mem memory.Allocator) (arrow.Array, error) {
	if c, ok := e.(*expr.Column); ok {
		if c.Index < 0 || c.Index >= int(b.NumCols()) {
			return nil, errs.Internalf("column %s refers to input column %d but the input has %d columns", c.Name, c.Index, b.NumCols())
		}
		col := b.Column(c.Index)
		if c.DataType != nil && !arrow.TypeEqual(col.DataType(), c.DataType) {
			return nil, errs.Internalf("column %s is bound as %s but the input column %d is %s", c.Name, c.DataType, c.Index, col.DataType())
		}
		col.Retain()
		return col, nil
	}
	arr, err := expr.Eval(ctx, e, b, mem)
	if err != nil {
		return nil, err
	}
	if int64(arr.Len()) != b.NumRows() {
		n := arr.Len()
		arr.Release()
		return nil, errs.Internalf("evaluating %s gave %d values for %d rows", e, n, b.NumRows())
	}
	return arr, nil
}

// releaseAll releases every non-nil array.
func releaseArrays(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

// releaseBatches releases every non-nil batch.
func releaseBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		if b != nil {
			b.Release()
		}
	}
}

// releaseBatch releases *b if it is non-nil and sets *b to nil, so calling
// it again (from Next and then Close) is a no-op.
func releaseBatch(b *arrow.RecordBatch) {
	if *b != nil {
		(*b).Release()
		*b = nil
	}
}

// popBatch hands over q[*next] to the caller, clearing its slot so a later
// releaseBatches(q) skips it, and advances *next. It returns nil once q is
// exhausted.
func popBatch(q []arrow.RecordBatch, next *int) arrow.RecordBatch {
	if *next >= len(q) {
		return nil
	}
	b := q[*next]
	q[*next] = nil
	*next++
	return b
}

// nextReserved returns in's next non-empty batch, Retained (the caller
// must Release it) and with its bytes reserved in res; zero-row batches are
// skipped. It returns nil, nil at the end of in, and an error from in or
// from res (in which case nothing is retained).
func nextReserved(ctx context.Context, in Operator, res *reservation) (arrow.RecordBatch, error) {
	for {
		b, err := in.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		if b.NumRows() == 0 {
			continue
		}
		if err := res.grow(batchBytes(b)); err != nil {
			return nil, err
		}
		b.Retain()
		return b, nil
	}
}

// arrayBytes approximates the memory an array references: the sum of its
// buffers' lengths (children and dictionary included). Buffers shared by
// slices are counted in full, so this over-estimates slices.
func arrayBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += arrayBytes(c)
	}
	if dict, ok := d.(*array.Data); ok && dict != nil && dict.Dictionary() != nil {
		if dd, ok := dict.Dictionary().(*array.Data); ok && dd != nil {
			n += arrayBytes(dd)
		}
	}
	return n
}

// batchBytes approximates the memory a batch references (see arrayBytes).
func batchBytes(b arrow.RecordBatch) int64 {
	var n int64
	for _, c := range b.Columns() {
		n += arrayBytes(c.Data())
	}
	return n
}

// schemaTypesMatch reports whether got has the same number of fields as want
// with identical types (names and nullability may differ).
func schemaTypesMatch(want, got *arrow.Schema) bool {
	if want.NumFields() != got.NumFields() {
		return false
	}
	for i := 0; i < want.NumFields(); i++ {
		if !arrow.TypeEqual(want.Field(i).Type, got.Field(i).Type) {
			return false
		}
	}
	return true
}

// conformBatch returns b with the declared schema: b itself (retained) when
// the schemas are equal, a re-wrapped batch over the same columns when only
// names, nullability or metadata differ, and an ErrInternal error naming
// where otherwise. The caller Releases the result.
func conformBatch(want *arrow.Schema, b arrow.RecordBatch, where string) (arrow.RecordBatch, error) {
	got := b.Schema()
	if got == want || got.Equal(want) {
		b.Retain()
		return b, nil
	}
	if !schemaTypesMatch(want, got) {
		return nil, errs.Internalf("%s produced a batch with schema %s but %s was declared", where, fieldsString(got), fieldsString(want))
	}
	return array.NewRecordBatch(want, b.Columns(), b.NumRows()), nil
}

// fieldsString renders a schema compactly: (name type, ...).
func fieldsString(s *arrow.Schema) string {
	out := "("
	for i, f := range s.Fields() {
		if i > 0 {
			out += ", "
		}
		out += f.Name + " " + f.Type.String()
	}
	return out + ")"
}

// validity reads an array's null bitmap without an interface call per row.
// The zero value (no bitmap) means every row is valid.
type validity struct {
	bits   []byte
	offset int
	allNul bool
}

func validityOf(a arrow.Array) validity {
	if a.DataType().ID() == arrow.NULL {
		return validity{allNul: true}
	}
	if a.NullN() == 0 {
		return validity{}
	}
	return validity{bits: a.NullBitmapBytes(), offset: a.Data().Offset()}
}

// hasNulls reports whether some row may be NULL.
func (v validity) hasNulls() bool { return v.allNul || v.bits != nil }

// valid reports whether row i holds a value.
func (v validity) valid(i int) bool {
	if v.allNul {
		return false
	}
	return v.bits == nil || bitutil.BitIsSet(v.bits, v.offset+i)
}

// kind is the physical layout of a column, the level at which operators
// dispatch their typed loops. Logical types share kinds (DATE32 and TIME32
// are int32, TIMESTAMP is int64, ...).
type kind uint8

const (
	kUnsupported kind = iota
	kNull
	kBool
	kI8
	kI16
	kI32
	kI64
	kU8
	kU16
	kU32
	kU64
	kF32
	kF64
	kDec128
	kString // STRING and BINARY (int32 offsets)
	kLargeString
)

func kindOf(dt arrow.DataType) kind {
	switch dt.ID() {
	case arrow.NULL:
		return kNull
	case arrow.BOOL:
		return kBool
	case arrow.INT8:
		return kI8
	case arrow.INT16:
		return kI16
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		return kI32
	case arrow.INT64, arrow.DATE64, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION:
		return kI64
	case arrow.UINT8:
		return kU8
	case arrow.UINT16:
		return kU16
	case arrow.UINT32:
		return kU32
	case arrow.UINT64:
		return kU64
	case arrow.FLOAT32:
		return kF32
	case arrow.FLOAT64:
		return kF64
	case arrow.DECIMAL128:
		return kDec128
	case arrow.STRING, arrow.BINARY:
		return kString
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		return kLargeString
	}
	return kUnsupported
}

// fixedValues returns the values buffer of a fixed-width array as []T
// (offset applied, len = a.Len()). T must match the array's physical width.
func fixedValues[T arrow.FixedWidthType](a arrow.Array) []T {
	v := arrow.GetValues[T](a.Data(), 1)
	if v == nil {
		return make([]T, a.Len())
	}
	return v
}

// binView reads the values of a STRING/BINARY (int32 offsets) or
// LARGE_STRING/LARGE_BINARY (int64 offsets) array as byte slices.
type binView struct {
	o32  []int32
	o64  []int64
	data []byte
}

func newBinView(a arrow.Array) binView {
	d := a.Data()
	var v binView
	if a.Len() == 0 {
		return v
	}
	if kindOf(a.DataType()) == kLargeString {
		v.o64 = arrow.GetOffsets[int64](d, 1)
	} else {
		v.o32 = arrow.GetOffsets[int32](d, 1)
	}
	if b := d.Buffers()[2]; b != nil {
		v.data = b.Bytes()
	}
	return v
}

// at returns row i's bytes (aliasing the array's buffer).
func (v *binView) at(i int) []byte {
	if v.o64 != nil {
		return v.data[v.o64[i]:v.o64[i+1]]
	}
	return v.data[v.o32[i]:v.o32[i+1]]
}

// buildFixed builds an array of type dt (whose physical width is T's) from
// vals, copying them into mem. valid marks non-NULL entries; nil means all
// valid.
func buildFixed[T arrow.FixedWidthType](mem memory.Allocator, dt arrow.DataType, vals []T, valid []bool) arrow.Array {
	n := len(vals)
	vb := memory.NewResizableBuffer(mem)
	defer vb.Release()
	raw := arrow.GetBytes(vals)
	vb.Resize(len(raw))
	copy(vb.Bytes(), raw)
	nb, nulls := buildBitmap(mem, valid)
	if nb != nil {
		defer nb.Release()
	}
	data := array.NewData(dt, n, []*memory.Buffer{nb, vb}, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// buildBitmap turns a []bool validity into an Arrow bitmap; it returns nil
// (and 0) when every entry is valid or valid is nil.
func buildBitmap(mem memory.Allocator, valid []bool) (*memory.Buffer, int) {
	if valid == nil {
		return nil, 0
	}
	nulls := 0
	for _, ok := range valid {
		if !ok {
			nulls++
		}
	}
	if nulls == 0 {
		return nil, 0
	}
	b := memory.NewResizableBuffer(mem)
	b.Resize(int(bitutil.BytesForBits(int64(len(valid)))))
	bits := b.Bytes()
	clear(bits)
	for i, ok := range valid {
		if ok {
			bitutil.SetBit(bits, i)
		}
	}
	return b, nulls
}

// buildVarWidth builds a STRING/BINARY/LARGE_* array of type dt from vals;
// valid marks non-NULL entries (nil: all valid).
func buildVarWidth(mem memory.Allocator, dt arrow.DataType, vals [][]byte, valid []bool) (arrow.Array, error) {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	var bb *array.BinaryBuilder
	switch t := b.(type) {
	case *array.BinaryBuilder:
		bb = t
	case *array.StringBuilder:
		bb = t.BinaryBuilder
	case *array.LargeStringBuilder:
		bb = t.BinaryBuilder
	default:
		return nil, errs.Internalf("no variable-width builder for %s", dt)
	}
	total := 0
	for _, v := range vals {
		total += len(v)
	}
	if kindOf(dt) == kString && total > 1<<31-1 {
		return nil, errs.Exhaustedf("%d bytes of %s values exceed the 2 GiB a single column batch can hold", total, dt)
	}
	bb.Reserve(len(vals))
	bb.ReserveData(total)
	for i, v := range vals {
		if valid != nil && !valid[i] {
			bb.AppendNull()
			continue
		}
		bb.Append(v)
	}
	return bb.NewArray(), nil
}

// buildBool builds a BOOL array from vals; valid as in buildFixed.
func buildBool(mem memory.Allocator, vals []bool, valid []bool) arrow.Array {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.AppendValues(vals, valid)
	return b.NewArray()
}

// sliceBatches cuts full columns of n rows into batches of at most
// maxBatchRows rows with the given schema. It does not take over cols (the
// caller still Releases them); each returned batch holds its own references.
func sliceBatches(schema *arrow.Schema, cols []arrow.Array, n int) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	for start := 0; start < n; start += maxBatchRows {
		end := min(start+maxBatchRows, n)
		sl := make([]arrow.Array, len(cols))
		for i, c := range cols {
			sl[i] = array.NewSlice(c, int64(start), int64(end))
		}
		out = append(out, array.NewRecordBatch(schema, sl, int64(end-start)))
		releaseArrays(sl)
	}
	return out
}

// checkOutputTypes verifies that cols match schema's field types.
func checkOutputTypes(op string, schema *arrow.Schema, cols []arrow.Array) error {
	if len(cols) != schema.NumFields() {
		return errs.Internalf("%s produced %d columns for a schema of %d", op, len(cols), schema.NumFields())
	}
	for i, c := range cols {
		if !arrow.TypeEqual(c.DataType(), schema.Field(i).Type) {
			return errs.Internalf("%s column %d (%s) is %s but the schema says %s", op, i, schema.Field(i).Name, c.DataType(), schema.Field(i).Type)
		}
	}
	return nil
}
