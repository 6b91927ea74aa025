package operator

import (
	"context"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// gatherArray returns a new array (allocated from mem; the caller Releases
// it) holding a's values at rows idx; idx[i] < 0 makes row i NULL. It
// handles fixed-width numeric, temporal, decimal and BOOL types and
// STRING/BINARY (32-bit offsets) in typed loops, and returns ok=false for
// other types, which the caller gathers with compute.Take. Compared with
// compute.Take it builds no index array and, for decimals and strings,
// appends no value at a time through a builder.
func gatherArray(mem memory.Allocator, a arrow.Array, idx []int32) (arrow.Array, bool) {
	switch kindOf(a.DataType()) {
	case kI8, kU8:
		return gatherFixed[uint8](mem, a, idx), true
	case kI16, kU16:
		return gatherFixed[uint16](mem, a, idx), true
	case kI32, kU32, kF32:
		return gatherFixed[uint32](mem, a, idx), true
	case kI64, kU64, kF64:
		return gatherFixed[uint64](mem, a, idx), true
	case kDec128:
		return gatherFixed[decimal128.Num](mem, a, idx), true
	case kString:
		return gatherBinary(mem, a, idx)
	case kBool:
		return gatherBool(mem, a, idx), true
	}
	return nil, false
}

// withGatheredValidity assembles the gathered array of a's type from its
// values buffer (taking ownership of it) and the validity of a at idx.
func withGatheredValidity(mem memory.Allocator, a arrow.Array, idx []int32, values *memory.Buffer) arrow.Array {
	validity, nulls := gatherValidity(mem, a, idx)
	data := array.NewData(a.DataType(), len(idx), []*memory.Buffer{validity, values}, nil, nulls, 0)
	values.Release()
	if validity != nil {
		validity.Release()
	}
	defer data.Release()
	return array.MakeFromData(data)
}

// gatherBool gathers a BOOL array bit by bit.
func gatherBool(mem memory.Allocator, a arrow.Array, idx []int32) arrow.Array {
	n := len(idx)
	d := a.Data()
	off := d.Offset()
	src := d.Buffers()[1].Bytes()
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(n))))
	dst := buf.Bytes()
	clear(dst)
	for i, r := range idx {
		if r >= 0 && bitutil.BitIsSet(src, off+int(r)) {
			bitutil.SetBit(dst, i)
		}
	}
	return withGatheredValidity(mem, a, idx, buf)
}

// gatherValidity returns the output validity bitmap (nil when every row is
// valid) and the NULL count.
func gatherValidity(mem memory.Allocator, a arrow.Array, idx []int32) (*memory.Buffer, int) {
	n := len(idx)
	srcNulls := a.NullN() > 0
	var srcBits []byte
	if srcNulls {
		srcBits = a.NullBitmapBytes()
	}
	off := a.Data().Offset()
	anyNeg := false
	for _, r := range idx {
		if r < 0 {
			anyNeg = true
			break
		}
	}
	if !srcNulls && !anyNeg {
		return nil, 0
	}
	vb := memory.NewResizableBuffer(mem)
	vb.Resize(int(bitutil.BytesForBits(int64(n))))
	bits := vb.Bytes()
	clear(bits)
	nulls := 0
	for i, r := range idx {
		if r >= 0 && (!srcNulls || bitutil.BitIsSet(srcBits, off+int(r))) {
			bitutil.SetBit(bits, i)
		} else {
			nulls++
		}
	}
	if nulls == 0 {
		vb.Release()
		return nil, 0
	}
	return vb, nulls
}

func gatherFixed[T arrow.FixedWidthType](mem memory.Allocator, a arrow.Array, idx []int32) arrow.Array {
	n := len(idx)
	src := arrow.GetValues[T](a.Data(), 1)
	var zero T
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * int(unsafe.Sizeof(zero)))
	dst := arrow.GetData[T](buf.Bytes())[:n]
	for i, r := range idx {
		if r >= 0 {
			dst[i] = src[r]
		} else {
			dst[i] = zero
		}
	}
	return withGatheredValidity(mem, a, idx, buf)
}

// gatherBinary gathers a STRING/BINARY array with 32-bit offsets. Output
// lengths are those of valid source rows, so the total fits 32-bit offsets
// unless the gathered bytes exceed 2 GiB (rows repeated many times); then
// it returns ok=false and the caller falls back.
func gatherBinary(mem memory.Allocator, a arrow.Array, idx []int32) (arrow.Array, bool) {
	n := len(idx)
	d := a.Data()
	off := d.Offset()
	offs := arrow.Int32Traits.CastFromBytes(d.Buffers()[1].Bytes())[off : off+d.Len()+1]
	var data []byte
	if b := d.Buffers()[2]; b != nil {
		data = b.Bytes()
	}
	validity, nulls := gatherValidity(mem, a, idx)
	var vbits []byte
	if validity != nil {
		vbits = validity.Bytes()
	}
	total := 0
	for i, r := range idx {
		if r >= 0 && (vbits == nil || bitutil.BitIsSet(vbits, i)) {
			total += int(offs[r+1] - offs[r])
		}
	}
	if total > math.MaxInt32 {
		if validity != nil {
			validity.Release()
		}
		return nil, false
	}
	ob := memory.NewResizableBuffer(mem)
	ob.Resize((n + 1) * 4)
	outOffs := arrow.Int32Traits.CastFromBytes(ob.Bytes())[:n+1]
	db := memory.NewResizableBuffer(mem)
	db.Resize(total)
	out := db.Bytes()[:total]
	pos := 0
	outOffs[0] = 0
	for i, r := range idx {
		if r >= 0 && (vbits == nil || bitutil.BitIsSet(vbits, i)) {
			pos += copy(out[pos:], data[offs[r]:offs[r+1]])
		}
		outOffs[i+1] = int32(pos)
	}
	ad := array.NewData(a.DataType(), n, []*memory.Buffer{validity, ob, db}, nil, nulls, 0)
	ob.Release()
	db.Release()
	if validity != nil {
		validity.Release()
	}
	defer ad.Release()
	return array.MakeFromData(ad), true
}

// gatherRows returns a new batch (the caller Releases it) of b's rows at
// rows (all >= 0): gatherArray for the columns it handles, compute.Take
// (takeRows) for the batch when some column is of another type.
func gatherRows(ctx context.Context, mem memory.Allocator, b arrow.RecordBatch, rows []int32) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, b.NumCols())
	for i, c := range b.Columns() {
		g, ok := gatherArray(mem, c, rows)
		if !ok {
			releaseArrays(cols)
			return takeRows(ctx, mem, b, rows)
		}
		cols[i] = g
	}
	defer releaseArrays(cols)
	return array.NewRecordBatch(b.Schema(), cols, int64(len(rows))), nil
}
