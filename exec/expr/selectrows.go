package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// selectRows builds an m-row array of type dt whose row i is row i (or row 0
// for a constant) of branches[choice[i]], or NULL when choice[i] < 0. Every
// branch must have type dt (NULL-typed branches are all NULL). It backs
// CASE, IF, COALESCE and broadcasting.
func selectRows(mem memory.Allocator, dt arrow.DataType, branches []arrow.Array, choice []int32, m int) (arrow.Array, error) {
	strides := make([]int, len(branches))
	for k, b := range branches {
		strides[k] = strideOf(b, m)
		if b.DataType().ID() == arrow.NULL {
			strides[k] = -1
		} else if !arrow.TypeEqual(b.DataType(), dt) {
			return nil, internalf("branch of type %s where %s was expected", TypeName(b.DataType()), TypeName(dt))
		}
	}
	if dt.ID() == arrow.NULL {
		return nullArray(mem, dt, m), nil
	}
	// validity: chosen branch row valid.
	validity := newBitmap(mem, m)
	vb := validity.Bytes()
	for i := 0; i < m; i++ {
		k := choice[i]
		if k < 0 || strides[k] < 0 {
			continue
		}
		if validAt(branches[k], i*strides[k]) {
			vb[i>>3] |= 1 << (i & 7)
		}
	}
	switch dt.ID() {
	case arrow.INT8, arrow.UINT8:
		return selectFixed[uint8](mem, dt, branches, strides, choice, m, validity), nil
	case arrow.INT16, arrow.UINT16:
		return selectFixed[uint16](mem, dt, branches, strides, choice, m, validity), nil
	case arrow.INT32, arrow.UINT32, arrow.FLOAT32, arrow.DATE32:
		return selectFixed[uint32](mem, dt, branches, strides, choice, m, validity), nil
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64, arrow.TIMESTAMP, arrow.TIME64, arrow.DATE64:
		return selectFixed[uint64](mem, dt, branches, strides, choice, m, validity), nil
	case arrow.DECIMAL128:
		return selectFixed[decimal128.Num](mem, dt, branches, strides, choice, m, validity), nil
	case arrow.BOOL:
		vals := newBitmap(mem, m)
		out := vals.Bytes()
		for i := 0; i < m; i++ {
			if !bitutil.BitIsSet(vb, i) {
				continue
			}
			k := choice[i]
			if branches[k].(*array.Boolean).Value(i * strides[k]) {
				out[i>>3] |= 1 << (i & 7)
			}
		}
		return makeBoolArray(m, validity, vals), nil
	}
	defer validity.Release()
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		readers := make([]func(int) string, len(branches))
		for k, b := range branches {
			if strides[k] >= 0 {
				readers[k] = stringReader(b)
			}
		}
		bld := array.NewBuilder(mem, dt)
		defer bld.Release()
		bld.Reserve(m)
		app := stringAppender(bld)
		for i := 0; i < m; i++ {
			if !bitutil.BitIsSet(vb, i) {
				bld.AppendNull()
				continue
			}
			k := choice[i]
			app(readers[k](i * strides[k]))
		}
		return bld.NewArray(), nil
	}
	return nil, notImplementedf("selecting values of type %s", TypeName(dt))
}

// stringAppender returns an Append function for a string or binary builder.
func stringAppender(b array.Builder) func(string) {
	switch x := b.(type) {
	case *array.StringBuilder:
		return x.Append
	case *array.LargeStringBuilder:
		return x.Append
	case *array.BinaryBuilder:
		return x.AppendString
	}
	return func(string) {}
}

func selectFixed[T arrow.FixedWidthType](mem memory.Allocator, dt arrow.DataType, branches []arrow.Array, strides []int, choice []int32, m int, validity *memory.Buffer) arrow.Array {
	vals := make([][]T, len(branches))
	for k, b := range branches {
		if strides[k] >= 0 {
			vals[k] = fixedVals[T](b)
		}
	}
	vb := validity.Bytes()
	buf, out := newFixed[T](mem, m)
	var zero T
	for i := 0; i < m; i++ {
		if !bitutil.BitIsSet(vb, i) {
			out[i] = zero
			continue
		}
		k := choice[i]
		out[i] = vals[k][i*strides[k]]
	}
	return makeArray(dt, m, validity, buf)
}
