package parquet

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// Direct decimal reading: pqarrow turns a FIXED_LEN_BYTE_ARRAY decimal
// column into Arrow by appending every value to a FixedSizeBinary builder
// and then converting each big-endian value to a decimal128 — two passes
// with per-value calls that dominate scans of DECIMAL-heavy tables (TPC-H's
// prices, discounts, taxes). decimalColumn reads such a column with the
// column chunk reader, page by page without copying the values, and
// decodes them straight into the decimal128 buffer.

// directDecimal reports whether top-level column c of file f is read
// directly: an Arrow DECIMAL128 stored as one flat (non-repeated)
// FIXED_LEN_BYTE_ARRAY leaf of at most 16 bytes.
func directDecimal(dt arrow.DataType, f *fileInfo, c int) (*arrow.Decimal128Type, bool) {
	d, ok := dt.(*arrow.Decimal128Type)
	if !ok || c >= len(f.leaves) || len(f.leaves[c]) != 1 || f.md == nil {
		return nil, false
	}
	col := f.md.Schema.Column(f.leaves[c][0])
	if col.PhysicalType() != pq.Types.FixedLenByteArray || col.MaxRepetitionLevel() != 0 ||
		col.TypeLength() < 1 || col.TypeLength() > 16 {
		return nil, false
	}
	return d, true
}

// decimalColumn reads one directly read decimal column of a row group, in
// batches of rows aligned with the other columns. Not safe for concurrent
// use (one per partition reader).
type decimalColumn struct {
	cr     *file.FixedLenByteArrayColumnChunkReader
	typ    *arrow.Decimal128Type
	width  int
	maxDef int16
	vals   []pq.FixedLenByteArray
	defs   []int16
}

func newDecimalColumn(fr *file.Reader, rg, leaf int, typ *arrow.Decimal128Type) (*decimalColumn, error) {
	cc, err := fr.RowGroup(rg).Column(leaf)
	if err != nil {
		return nil, err
	}
	cr, ok := cc.(*file.FixedLenByteArrayColumnChunkReader)
	if !ok {
		return nil, fmt.Errorf("column %d is a %T, not FIXED_LEN_BYTE_ARRAY", leaf, cc)
	}
	descr := cr.Descriptor()
	return &decimalColumn{cr: cr, typ: typ, width: descr.TypeLength(), maxDef: descr.MaxDefinitionLevel()}, nil
}

var errShortColumn = errors.New("decimal column ended before the row group's row count")

// read decodes the next n rows into a new array allocated from mem (the
// caller Releases it).
func (d *decimalColumn) read(mem memory.Allocator, n int64) (arrow.Array, error) {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(n) * arrow.Decimal128SizeBytes)
	out := arrow.GetData[decimal128.Num](buf.Bytes())[:n]
	var validity *memory.Buffer
	var vbits []byte
	if d.maxDef > 0 {
		validity = memory.NewResizableBuffer(mem)
		validity.Resize(int(bitutil.BytesForBits(n)))
		vbits = validity.Bytes()
		clear(vbits)
	}
	fail := func(err error) (arrow.Array, error) {
		buf.Release()
		if validity != nil {
			validity.Release()
		}
		return nil, err
	}
	if int64(cap(d.vals)) < n {
		d.vals = make([]pq.FixedLenByteArray, n)
		d.defs = make([]int16, n)
	}
	nulls := 0
	for got := int64(0); got < n; {
		want := n - got
		var defs []int16
		if d.maxDef > 0 {
			defs = d.defs[:want]
		}
		// Values alias the page (or dictionary) buffers until the next
		// read: decode them now.
		lvls, nv, err := d.cr.ReadBatchInPage(want, d.vals[:want], defs, nil)
		if err != nil {
			return fail(err)
		}
		if lvls == 0 {
			if err := d.cr.Err(); err != nil {
				return fail(err)
			}
			return fail(errShortColumn)
		}
		dst := out[got : got+lvls]
		vals := d.vals[:nv]
		if d.maxDef == 0 {
			if int64(nv) != lvls {
				return fail(fmt.Errorf("decimal column: %d values for %d rows", nv, lvls))
			}
			decodeBE(dst, vals, d.width)
		} else {
			vi := 0
			for k := int64(0); k < lvls; k++ {
				if defs[k] < d.maxDef {
					dst[k] = decimal128.Num{}
					nulls++
					continue
				}
				if vi >= len(vals) {
					return fail(fmt.Errorf("decimal column: definition levels promise more than %d values", nv))
				}
				dst[k] = beToNum(vals[vi], d.width)
				vi++
				bitutil.SetBit(vbits, int(got+k))
			}
		}
		got += lvls
	}
	if validity != nil && nulls == 0 {
		validity.Release()
		validity = nil
	}
	data := array.NewData(d.typ, int(n), []*memory.Buffer{validity, buf}, nil, nulls, 0)
	buf.Release()
	if validity != nil {
		validity.Release()
	}
	defer data.Release()
	return array.MakeFromData(data), nil
}

// decodeBE decodes big-endian two's complement values of width bytes.
func decodeBE(dst []decimal128.Num, vals []pq.FixedLenByteArray, width int) {
	if width <= 8 {
		shift := uint(64 - 8*width)
		for i, v := range vals {
			var x int64
			if cap(v) >= 8 {
				// One 8-byte load: the value's bytes are the top of the
				// word; an arithmetic shift drops the bytes after it and
				// sign-extends. (Values decoded from a page slice its
				// buffer, so all but the last few have 8 bytes of room.)
				x = int64(binary.BigEndian.Uint64(v[:8])) >> shift
			} else {
				var u uint64
				for _, b := range v[:width] {
					u = u<<8 | uint64(b)
				}
				x = int64(u<<shift) >> shift
			}
			dst[i] = decimal128.New(x>>63, uint64(x))
		}
		return
	}
	for i, v := range vals {
		dst[i] = beToNum(v, width)
	}
}

// beToNum decodes one big-endian two's complement value of width (1..16)
// bytes.
func beToNum(v pq.FixedLenByteArray, width int) decimal128.Num {
	n, _ := decimalFromBE(v[:width])
	return n
}
