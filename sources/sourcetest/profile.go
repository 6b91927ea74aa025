package sourcetest

import (
	"bytes"
	"cmp"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// columnProfile is what the kit computes itself to check Exact statistics.
// It is deliberately naive (boxed values, one row at a time): it is the
// reference the providers' fast code is compared against.
type columnProfile struct {
	typ        arrow.DataType
	nulls      int64
	distinct   map[string]struct{}
	min, max   any // Go values as in expr.Literal; nil when no non-null value
	comparable bool
}

func profileColumn(batches []arrow.RecordBatch, col int) columnProfile {
	p := columnProfile{distinct: map[string]struct{}{}, comparable: true}
	for _, b := range batches {
		a := b.Column(col)
		p.typ = a.DataType()
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				p.nulls++
				continue
			}
			p.distinct[cellString(a, i)] = struct{}{}
			v, ok := literalValue(a, i)
			if !ok {
				p.comparable = false
				continue
			}
			if f, isF := v.(float64); isF && math.IsNaN(f) {
				continue // NaN orders nowhere; providers must not report it as a bound
			}
			if p.min == nil {
				p.min, p.max = v, v
				continue
			}
			if c, _ := compareValues(v, p.min); c < 0 {
				p.min = v
			}
			if c, _ := compareValues(v, p.max); c > 0 {
				p.max = v
			}
		}
	}
	return p
}

// literalValue returns a[i] as the Go value expr.Literal uses for its type.
func literalValue(a arrow.Array, i int) (any, bool) {
	switch v := a.(type) {
	case *array.Boolean:
		return v.Value(i), true
	case *array.Int8:
		return int64(v.Value(i)), true
	case *array.Int16:
		return int64(v.Value(i)), true
	case *array.Int32:
		return int64(v.Value(i)), true
	case *array.Int64:
		return v.Value(i), true
	case *array.Uint8:
		return uint64(v.Value(i)), true
	case *array.Uint16:
		return uint64(v.Value(i)), true
	case *array.Uint32:
		return uint64(v.Value(i)), true
	case *array.Uint64:
		return v.Value(i), true
	case *array.Float32:
		return float64(v.Value(i)), true
	case *array.Float64:
		return v.Value(i), true
	case *array.String:
		return v.Value(i), true
	case *array.LargeString:
		return v.Value(i), true
	case *array.Binary:
		return append([]byte(nil), v.Value(i)...), true
	case *array.Decimal128:
		return v.Value(i), true
	case *array.Date32:
		return v.Value(i), true
	case *array.Timestamp:
		return v.Value(i), true
	case *array.Time64:
		return v.Value(i), true
	}
	return nil, false
}

// compareValues orders two Literal-convention values of the same Go type.
// ok is false when they are of different or unknown types.
func compareValues(a, b any) (int, bool) {
	switch x := a.(type) {
	case bool:
		y, ok := b.(bool)
		if !ok {
			return 0, false
		}
		switch {
		case x == y:
			return 0, true
		case !x:
			return -1, true
		default:
			return 1, true
		}
	case int64:
		y, ok := b.(int64)
		return cmp.Compare(x, y), ok
	case uint64:
		y, ok := b.(uint64)
		return cmp.Compare(x, y), ok
	case float64:
		y, ok := b.(float64)
		return cmp.Compare(x, y), ok
	case string:
		y, ok := b.(string)
		return cmp.Compare(x, y), ok
	case []byte:
		y, ok := b.([]byte)
		return bytes.Compare(x, y), ok
	case decimal128.Num:
		y, ok := b.(decimal128.Num)
		return x.Cmp(y), ok
	case arrow.Date32:
		y, ok := b.(arrow.Date32)
		return cmp.Compare(x, y), ok
	case arrow.Timestamp:
		y, ok := b.(arrow.Timestamp)
		return cmp.Compare(x, y), ok
	case arrow.Time64:
		y, ok := b.(arrow.Time64)
		return cmp.Compare(x, y), ok
	}
	return 0, false
}
