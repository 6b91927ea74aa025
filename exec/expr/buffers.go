package expr

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// A "datum" inside the evaluator is an arrow.Array whose length is either
// the batch length n or 1 (a constant, broadcast on use). Kernels index
// their inputs with a stride of 1 or 0 so constants never get materialized;
// Eval broadcasts a length-1 result at the very end.

// strideOf returns 1 when a has n values and 0 when it is a constant.
func strideOf(a arrow.Array, n int) int {
	if a.Len() == n {
		return 1
	}
	return 0
}

// outLen is the length of a kernel's output: n if any input has n values,
// else 1 (all inputs constant).
func outLen(n int, ins ...arrow.Array) int {
	for _, a := range ins {
		if a.Len() != 1 {
			return a.Len()
		}
	}
	if n == 0 {
		return 0
	}
	return 1
}

// fixedVals returns the typed value slice of a fixed-width array (offset
// applied). The slice aliases the array's buffer.
func fixedVals[T arrow.FixedWidthType](a arrow.Array) []T {
	d := a.Data()
	bufs := d.Buffers()
	if len(bufs) < 2 || bufs[1] == nil || d.Len() == 0 {
		return nil
	}
	return arrow.GetData[T](bufs[1].Bytes())[d.Offset() : d.Offset()+d.Len()]
}

// allNull reports whether every value of a is NULL.
func allNull(a arrow.Array) bool {
	return a.DataType().ID() == arrow.NULL || (a.Len() > 0 && a.NullN() == a.Len())
}

// validAt reports whether a[i] is non-NULL, fast when a has no nulls.
func validAt(a arrow.Array, i int) bool {
	if a.NullN() == 0 {
		return true
	}
	if a.DataType().ID() == arrow.NULL {
		return false
	}
	return a.IsValid(i)
}

// newBitmap allocates a zeroed bitmap of n bits.
func newBitmap(mem memory.Allocator, n int) *memory.Buffer {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(n))))
	memory.Set(buf.Bytes(), 0)
	return buf
}

// combineValidity returns the validity bitmap of an n-row output whose row
// is valid when every input row is valid (NULL in, NULL out). It returns nil
// when no input has nulls. A constant NULL input makes every row NULL.
func combineValidity(mem memory.Allocator, n int, ins ...arrow.Array) *memory.Buffer {
	var out *memory.Buffer
	for _, a := range ins {
		if a.NullN() == 0 && a.DataType().ID() != arrow.NULL {
			continue
		}
		if out == nil {
			out = newBitmap(mem, n)
			bitutil.SetBitsTo(out.Bytes(), 0, int64(n), true)
		}
		if a.Len() != n || a.DataType().ID() == arrow.NULL { // constant (or NULL type)
			if a.DataType().ID() == arrow.NULL || a.IsNull(0) {
				bitutil.SetBitsTo(out.Bytes(), 0, int64(n), false)
			}
			continue
		}
		d := a.Data()
		bitutil.BitmapAnd(out.Bytes(), d.Buffers()[0].Bytes(), 0, int64(d.Offset()), out.Bytes(), 0, int64(n))
	}
	return out
}

// ensureValidity returns v, or a fresh all-valid bitmap when v is nil, so a
// kernel can clear bits (division by zero → NULL).
func ensureValidity(mem memory.Allocator, v *memory.Buffer, n int) *memory.Buffer {
	if v != nil {
		return v
	}
	out := newBitmap(mem, n)
	bitutil.SetBitsTo(out.Bytes(), 0, int64(n), true)
	return out
}

// newFixed allocates a value buffer for n values of T.
func newFixed[T arrow.FixedWidthType](mem memory.Allocator, n int) (*memory.Buffer, []T) {
	var z T
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * sizeOf(z))
	vals := arrow.GetData[T](buf.Bytes())
	return buf, vals[:n:n]
}

func sizeOf[T arrow.FixedWidthType](z T) int { return int(unsafe.Sizeof(z)) }

// makeArray assembles an array from a validity bitmap (may be nil) and a
// values buffer, taking ownership of both buffers (they are released here;
// the array holds its own references).
func makeArray(dt arrow.DataType, n int, validity, values *memory.Buffer) arrow.Array {
	nulls := 0
	if validity != nil {
		nulls = n - bitutil.CountSetBits(validity.Bytes(), 0, n)
		if nulls == 0 {
			validity.Release()
			validity = nil
		}
	}
	d := array.NewData(dt, n, []*memory.Buffer{validity, values}, nil, nulls, 0)
	if validity != nil {
		validity.Release()
	}
	if values != nil {
		values.Release()
	}
	defer d.Release()
	return array.MakeFromData(d)
}

// nullArray returns n NULLs of type dt.
func nullArray(mem memory.Allocator, dt arrow.DataType, n int) arrow.Array {
	return array.MakeArrayOfNull(mem, dt, n)
}

// releaseAll releases every non-nil array.
func releaseAll(as ...arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}
