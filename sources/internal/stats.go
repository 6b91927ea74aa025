package internal

import (
	"bytes"
	"cmp"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/quiverdb/quiver/catalog"
)

// ColumnStats accumulates the exact null count, minimum and maximum of one
// column over the arrays added to it. Min/Max are Go values in expr.Literal's
// convention (int64 for signed integers, string for strings, ...), nil while
// no non-null value was seen. NaN is never a bound. The zero value is not
// usable: build with NewColumnStats. Not safe for concurrent use; values are
// immutable once built, so copies may be shared.
type ColumnStats struct {
	typ      arrow.DataType
	nulls    int64
	min, max any
	// bounded is false for types without min/max support (lists, ...).
	bounded bool
}

// NewColumnStats returns an empty accumulator for a column of type t.
func NewColumnStats(t arrow.DataType) ColumnStats {
	switch t.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.STRING, arrow.LARGE_STRING, arrow.BINARY,
		arrow.DECIMAL128, arrow.DATE32, arrow.TIMESTAMP, arrow.TIME64:
		return ColumnStats{typ: t, bounded: true}
	}
	return ColumnStats{typ: t}
}

// Add folds array a (of the accumulator's type) into the statistics. It
// loops over the typed values; only the batch's own min and max are boxed.
func (s *ColumnStats) Add(a arrow.Array) {
	s.nulls += int64(a.NullN())
	if !s.bounded || a.Len() == int(a.NullN()) {
		return
	}
	var lo, hi any
	switch v := a.(type) {
	case *array.Boolean:
		sawF, sawT := false, false
		for i := 0; i < v.Len(); i++ {
			if v.IsValid(i) {
				if v.Value(i) {
					sawT = true
				} else {
					sawF = true
				}
			}
		}
		lo, hi = !sawF, sawT
	case *array.Int8:
		lo, hi = widenI(minMax(v, v.Int8Values()))
	case *array.Int16:
		lo, hi = widenI(minMax(v, v.Int16Values()))
	case *array.Int32:
		lo, hi = widenI(minMax(v, v.Int32Values()))
	case *array.Int64:
		lo, hi = widenI(minMax(v, v.Int64Values()))
	case *array.Uint8:
		lo, hi = widenU(minMax(v, v.Uint8Values()))
	case *array.Uint16:
		lo, hi = widenU(minMax(v, v.Uint16Values()))
	case *array.Uint32:
		lo, hi = widenU(minMax(v, v.Uint32Values()))
	case *array.Uint64:
		lo, hi = widenU(minMax(v, v.Uint64Values()))
	case *array.Float32:
		lo, hi = widenF(minMaxFloat(v, v.Float32Values()))
	case *array.Float64:
		lo, hi = widenF(minMaxFloat(v, v.Float64Values()))
	case *array.Date32:
		l, h, ok := minMax(v, v.Date32Values())
		if ok {
			lo, hi = l, h
		}
	case *array.Timestamp:
		l, h, ok := minMax(v, v.TimestampValues())
		if ok {
			lo, hi = l, h
		}
	case *array.Time64:
		l, h, ok := minMax(v, v.Time64Values())
		if ok {
			lo, hi = l, h
		}
	case *array.String:
		lo, hi = minMaxStrings(v.Len(), v.IsValid, v.Value)
	case *array.LargeString:
		lo, hi = minMaxStrings(v.Len(), v.IsValid, v.Value)
	case *array.Binary:
		var l, h []byte
		for i := 0; i < v.Len(); i++ {
			if !v.IsValid(i) {
				continue
			}
			x := v.Value(i)
			if l == nil || bytes.Compare(x, l) < 0 {
				l = x
			}
			if h == nil || bytes.Compare(x, h) > 0 {
				h = x
			}
		}
		if l != nil {
			lo, hi = bytes.Clone(l), bytes.Clone(h)
		}
	case *array.Decimal128:
		vals := v.Values()
		first := true
		var l, h decimal128.Num
		for i, x := range vals {
			if !v.IsValid(i) {
				continue
			}
			if first || x.Less(l) {
				l = x
			}
			if first || h.Less(x) {
				h = x
			}
			first = false
		}
		if !first {
			lo, hi = l, h
		}
	default:
		s.bounded = false
		s.min, s.max = nil, nil
		return
	}
	if lo == nil {
		return
	}
	if s.min == nil || CompareValues(lo, s.min) < 0 {
		s.min = lo
	}
	if s.max == nil || CompareValues(hi, s.max) > 0 {
		s.max = hi
	}
}

// Merge folds o (statistics of more rows of the same column) into s.
func (s *ColumnStats) Merge(o ColumnStats) {
	s.nulls += o.nulls
	if !o.bounded {
		s.bounded = false
	}
	if !s.bounded {
		s.min, s.max = nil, nil
		return
	}
	if o.min != nil && (s.min == nil || CompareValues(o.min, s.min) < 0) {
		s.min = o.min
	}
	if o.max != nil && (s.max == nil || CompareValues(o.max, s.max) > 0) {
		s.max = o.max
	}
}

// Catalog returns the statistics as Exact catalog statistics (bounds are
// Absent for unsupported types and for all-null columns). Distinct counts
// are Absent.
func (s ColumnStats) Catalog() catalog.ColumnStatistics {
	cs := catalog.ColumnStatistics{NullCount: catalog.Count{Value: s.nulls, Precision: catalog.Exact}}
	if s.bounded && s.min != nil {
		cs.Min = catalog.Bound{Value: s.min, Precision: catalog.Exact}
		cs.Max = catalog.Bound{Value: s.max, Precision: catalog.Exact}
	}
	return cs
}

type validator interface{ IsValid(i int) bool }

func minMax[T cmp.Ordered](a validator, vals []T) (lo, hi T, ok bool) {
	for i, x := range vals {
		if !a.IsValid(i) {
			continue
		}
		if !ok || x < lo {
			lo = x
		}
		if !ok || x > hi {
			hi = x
		}
		ok = true
	}
	return lo, hi, ok
}

func minMaxFloat[T float32 | float64](a validator, vals []T) (lo, hi T, ok bool) {
	for i, x := range vals {
		if !a.IsValid(i) || math.IsNaN(float64(x)) {
			continue
		}
		if !ok || x < lo {
			lo = x
		}
		if !ok || x > hi {
			hi = x
		}
		ok = true
	}
	return lo, hi, ok
}

func minMaxStrings(n int, valid func(int) bool, value func(int) string) (lo, hi any) {
	var l, h string
	ok := false
	for i := 0; i < n; i++ {
		if !valid(i) {
			continue
		}
		x := value(i)
		if !ok || x < l {
			l = x
		}
		if !ok || x > h {
			h = x
		}
		ok = true
	}
	if !ok {
		return nil, nil
	}
	// Value aliases the array's buffer: copy the two we keep.
	return strings.Clone(l), strings.Clone(h)
}

func widenI[T int8 | int16 | int32 | int64](lo, hi T, ok bool) (any, any) {
	if !ok {
		return nil, nil
	}
	return int64(lo), int64(hi)
}

func widenU[T uint8 | uint16 | uint32 | uint64](lo, hi T, ok bool) (any, any) {
	if !ok {
		return nil, nil
	}
	return uint64(lo), uint64(hi)
}

func widenF[T float32 | float64](lo, hi T, ok bool) (any, any) {
	if !ok {
		return nil, nil
	}
	return float64(lo), float64(hi)
}

// CompareValues orders two non-nil values of the same expr.Literal Go type
// (as produced by ColumnStats). Values of different types compare equal.
func CompareValues(a, b any) int {
	switch x := a.(type) {
	case bool:
		y, _ := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case int64:
		y, _ := b.(int64)
		return cmp.Compare(x, y)
	case uint64:
		y, _ := b.(uint64)
		return cmp.Compare(x, y)
	case float64:
		y, _ := b.(float64)
		return cmp.Compare(x, y)
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	case []byte:
		y, _ := b.([]byte)
		return bytes.Compare(x, y)
	case decimal128.Num:
		y, _ := b.(decimal128.Num)
		return x.Cmp(y)
	case arrow.Date32:
		y, _ := b.(arrow.Date32)
		return cmp.Compare(x, y)
	case arrow.Timestamp:
		y, _ := b.(arrow.Timestamp)
		return cmp.Compare(x, y)
	case arrow.Time64:
		y, _ := b.(arrow.Time64)
		return cmp.Compare(x, y)
	}
	return 0
}
