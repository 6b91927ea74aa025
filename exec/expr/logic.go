package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
)

func invalidf(format string, args ...any) error  { return errs.Invalidf(format, args...) }
func internalf(format string, args ...any) error { return errs.Internalf(format, args...) }
func notImplementedf(format string, args ...any) error {
	return errs.NotImplementedf(format, args...)
}

// boolBits returns the (value, validity) bitmaps of a BOOL datum as bit
// readers at the array's offset: value(i) and valid(i). For NULL-typed
// arrays every row is NULL.
type boolView struct {
	vals, valid []byte
	off         int
	stride      int
	null        bool // NULL type: every row NULL
}

func viewBool(a arrow.Array, m int) boolView {
	v := boolView{stride: strideOf(a, m)}
	if a.DataType().ID() == arrow.NULL {
		v.null = true
		return v
	}
	d := a.Data()
	v.off = d.Offset()
	if b := d.Buffers()[1]; b != nil {
		v.vals = b.Bytes()
	}
	if a.NullN() > 0 {
		v.valid = d.Buffers()[0].Bytes()
	}
	return v
}

func (v *boolView) at(i int) (val, ok bool) {
	if v.null {
		return false, false
	}
	j := i*v.stride + v.off
	if v.valid != nil && !bitutil.BitIsSet(v.valid, j) {
		return false, false
	}
	return bitutil.BitIsSet(v.vals, j), true
}

// kleene evaluates AND/OR with SQL three-valued logic over BOOL datums.
func kleene(mem memory.Allocator, and bool, l, r arrow.Array, n int) arrow.Array {
	m := outLen(n, l, r)
	lv, rv := viewBool(l, m), viewBool(r, m)
	valsBuf, validBuf := newBitmap(mem, m), newBitmap(mem, m)
	vals, valid := valsBuf.Bytes(), validBuf.Bytes()
	if !lv.null && !rv.null && lv.valid == nil && rv.valid == nil && lv.stride == 1 && rv.stride == 1 {
		// Fast path: no NULLs, both full arrays: plain bitmap op.
		if and {
			bitutil.BitmapAnd(lv.vals, rv.vals, int64(lv.off), int64(rv.off), vals, 0, int64(m))
		} else {
			bitutil.BitmapOr(lv.vals, rv.vals, int64(lv.off), int64(rv.off), vals, 0, int64(m))
		}
		validBuf.Release()
		return makeBoolArray(m, nil, valsBuf)
	}
	for i := 0; i < m; i++ {
		a, aok := lv.at(i)
		b, bok := rv.at(i)
		var res, ok bool
		if and {
			switch {
			case (aok && !a) || (bok && !b):
				res, ok = false, true
			case aok && bok:
				res, ok = true, true
			}
		} else {
			switch {
			case (aok && a) || (bok && b):
				res, ok = true, true
			case aok && bok:
				res, ok = false, true
			}
		}
		if ok {
			valid[i>>3] |= 1 << (i & 7)
			if res {
				vals[i>>3] |= 1 << (i & 7)
			}
		}
	}
	return makeBoolArray(m, validBuf, valsBuf)
}

// notBool negates a BOOL datum (NOT NULL is NULL).
func notBool(mem memory.Allocator, a arrow.Array) arrow.Array {
	m := a.Len()
	if a.DataType().ID() == arrow.NULL {
		return nullArray(mem, TypeBool, m)
	}
	d := a.Data()
	vals := newBitmap(mem, m)
	bitutil.InvertBitmap(d.Buffers()[1].Bytes(), d.Offset(), m, vals.Bytes(), 0)
	validity := combineValidity(mem, m, a)
	return makeBoolArray(m, validity, vals)
}

// isNullArray evaluates IS [NOT] NULL: never NULL.
func isNullArray(mem memory.Allocator, a arrow.Array, negated bool) arrow.Array {
	m := a.Len()
	vals := newBitmap(mem, m)
	switch {
	case a.DataType().ID() == arrow.NULL:
		bitutil.SetBitsTo(vals.Bytes(), 0, int64(m), !negated)
	case a.NullN() == 0:
		bitutil.SetBitsTo(vals.Bytes(), 0, int64(m), negated)
	default:
		d := a.Data()
		if negated {
			bitutil.CopyBitmap(d.Buffers()[0].Bytes(), d.Offset(), m, vals.Bytes(), 0)
		} else {
			bitutil.InvertBitmap(d.Buffers()[0].Bytes(), d.Offset(), m, vals.Bytes(), 0)
		}
	}
	return makeBoolArray(m, nil, vals)
}

// toBool converts a datum to BOOL with MySQL truthiness (non-zero is true;
// strings parse leniently as numbers). BOOL input is retained and returned.
func toBool(mem memory.Allocator, a arrow.Array) (arrow.Array, error) {
	if a.DataType().ID() == arrow.BOOL {
		a.Retain()
		return a, nil
	}
	if a.DataType().ID() == arrow.NULL {
		return nullArray(mem, TypeBool, a.Len()), nil
	}
	return castDatum(mem, a, TypeBool)
}
