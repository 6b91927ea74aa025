package operator

import (
	"bytes"
	"cmp"
	"context"
	"math"
	"math/big"
	"math/bits"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// accumulator holds one aggregate's state for every group.
type accumulator interface {
	// resize makes room for groups [0, n) (n never shrinks).
	resize(n int)
	// update folds row i of arg into group ids[i], for every row. arg is
	// nil for COUNT(*).
	update(ctx context.Context, ids []int32, arg arrow.Array) error
	// finish returns one value per group, of type want; the caller
	// Releases it.
	finish(mem memory.Allocator, want arrow.DataType) (arrow.Array, error)
	// size approximates the bytes held.
	size() int64
}

// defaultAggType is MySQL's result type of fn over arg (used when an
// AggregateCall arrives without a DataType).
func defaultAggType(fn expr.AggFunc, arg arrow.DataType) arrow.DataType {
	switch fn {
	case expr.AggCount:
		return arrow.PrimitiveTypes.Int64
	case expr.AggMin, expr.AggMax:
		return arg
	}
	switch kindOf(arg) {
	case kF32, kF64, kString, kLargeString:
		return arrow.PrimitiveTypes.Float64
	case kDec128:
		s := arg.(*arrow.Decimal128Type).Scale
		if fn == expr.AggAvg {
			s += 4
		}
		return &arrow.Decimal128Type{Precision: 38, Scale: min(s, 38)}
	case kNull:
		return arg
	}
	if fn == expr.AggAvg {
		return &arrow.Decimal128Type{Precision: 38, Scale: 4}
	}
	return &arrow.Decimal128Type{Precision: 38, Scale: 0}
}

// newAccumulator builds the state for one aggregate call whose argument
// has type argType (nil for COUNT(*)).
func newAccumulator(a expr.AggregateCall, argType arrow.DataType) (accumulator, error) {
	if acc, ok, err := newMoreAccumulator(a, argType); ok {
		return acc, err
	}
	var acc accumulator
	switch a.Func {
	case expr.AggCount:
		if a.Arg == nil {
			return &countAcc{star: true}, nil
		}
		acc = &countAcc{}
	case expr.AggSum, expr.AggAvg:
		s, err := newSumAcc(argType, a.Func == expr.AggAvg)
		if err != nil {
			return nil, err
		}
		acc = s
	case expr.AggMin, expr.AggMax:
		m, err := newMinMaxAcc(argType, a.Func == expr.AggMax)
		if err != nil {
			return nil, err
		}
		if a.Distinct {
			return m, nil // DISTINCT does not change MIN/MAX
		}
		acc = m
	default:
		return nil, errs.NotImplementedf("aggregate function %s", a.Func)
	}
	if a.Distinct {
		if kindOf(argType) == kUnsupported {
			return nil, errs.NotImplementedf("%s(DISTINCT ...) over %s", a.Func, argType)
		}
		return &distinctAcc{inner: acc, fixed: map[distinctFixedKey]struct{}{}, other: map[string]struct{}{}}, nil
	}
	return acc, nil
}

// castTo converts a (released) to want when its type differs.
func castTo(mem memory.Allocator, a arrow.Array, want arrow.DataType) (arrow.Array, error) {
	if want == nil || arrow.TypeEqual(a.DataType(), want) {
		return a, nil
	}
	defer a.Release()
	ctx := compute.WithAllocator(context.Background(), mem)
	out, err := compute.CastArray(ctx, a, compute.SafeCastOptions(want))
	if err != nil {
		return nil, errs.Wrap(errs.ErrInternal, err, "aggregate result of type %s cannot become %s", a.DataType(), want)
	}
	return out, nil
}

// ---- COUNT ----

type countAcc struct {
	star   bool
	counts []int64
}

func (c *countAcc) resize(n int) {
	for len(c.counts) < n {
		c.counts = append(c.counts, 0)
	}
}

func (c *countAcc) update(_ context.Context, ids []int32, arg arrow.Array) error {
	counts := c.counts
	if c.star || arg.NullN() == 0 {
		for _, g := range ids {
			counts[g]++
		}
		return nil
	}
	v := validityOf(arg)
	for i, g := range ids {
		if v.valid(i) {
			counts[g]++
		}
	}
	return nil
}

func (c *countAcc) finish(mem memory.Allocator, want arrow.DataType) (arrow.Array, error) {
	return castTo(mem, buildFixed(mem, arrow.PrimitiveTypes.Int64, c.counts, nil), want)
}

func (c *countAcc) size() int64 { return 8 * int64(cap(c.counts)) }

// ---- SUM and AVG ----

// sumAcc sums integers and decimals exactly in 128 bits (integers at scale
// 0) and floats in float64; counts non-NULL rows per group.
type sumAcc struct {
	avg   bool
	k     kind
	scale int32 // of decimal input
	dec   []decimal128.Num
	flt   []float64
	cnt   []int64
}

func newSumAcc(t arrow.DataType, avg bool) (*sumAcc, error) {
	s := &sumAcc{avg: avg, k: kindOf(t)}
	switch s.k {
	case kI8, kI16, kI32, kI64, kU8, kU16, kU32, kU64, kF32, kF64, kNull, kBool:
	case kDec128:
		s.scale = t.(*arrow.Decimal128Type).Scale
	default:
		name := "SUM"
		if avg {
			name = "AVG"
		}
		return nil, errs.NotImplementedf("%s of a %s value (cast it to a number)", name, t)
	}
	if t.ID() == arrow.DATE32 || t.ID() == arrow.TIMESTAMP || t.ID() == arrow.DATE64 || t.ID() == arrow.TIME32 || t.ID() == arrow.TIME64 {
		return nil, errs.NotImplementedf("SUM/AVG of a %s value", t)
	}
	return s, nil
}

func (s *sumAcc) isFloat() bool { return s.k == kF32 || s.k == kF64 }

func (s *sumAcc) resize(n int) {
	for len(s.cnt) < n {
		s.cnt = append(s.cnt, 0)
		if s.isFloat() {
			s.flt = append(s.flt, 0)
		} else {
			s.dec = append(s.dec, decimal128.Num{})
		}
	}
}

func (s *sumAcc) update(_ context.Context, ids []int32, arg arrow.Array) error {
	v := validityOf(arg)
	switch s.k {
	case kNull:
	case kBool: // TRUE is 1, FALSE 0 (MySQL)
		ba := arg.(*array.Boolean)
		for i, g := range ids {
			if v.valid(i) {
				if ba.Value(i) {
					s.dec[g] = add128(s.dec[g], 1)
				}
				s.cnt[g]++
			}
		}
	case kI8:
		sumSigned(s, ids, fixedValues[int8](arg), v)
	case kI16:
		sumSigned(s, ids, fixedValues[int16](arg), v)
	case kI32:
		sumSigned(s, ids, fixedValues[int32](arg), v)
	case kI64:
		sumSigned(s, ids, fixedValues[int64](arg), v)
	case kU8:
		sumUnsigned(s, ids, fixedValues[uint8](arg), v)
	case kU16:
		sumUnsigned(s, ids, fixedValues[uint16](arg), v)
	case kU32:
		sumUnsigned(s, ids, fixedValues[uint32](arg), v)
	case kU64:
		sumUnsigned(s, ids, fixedValues[uint64](arg), v)
	case kF32:
		sumFloat(s, ids, fixedValues[float32](arg), v)
	case kF64:
		sumFloat(s, ids, fixedValues[float64](arg), v)
	case kDec128:
		vals := fixedValues[decimal128.Num](arg)
		for i, g := range ids {
			if v.valid(i) {
				s.dec[g] = s.dec[g].Add(vals[i])
				s.cnt[g]++
			}
		}
	}
	return nil
}

// add128 adds a signed 64-bit value to a 128-bit sum without big.Int.
func add128(n decimal128.Num, x int64) decimal128.Num {
	lo, carry := bits.Add64(n.LowBits(), uint64(x), 0)
	hi := n.HighBits() + int64(carry) + (x >> 63) // x>>63 is -1 for negatives (sign extension)
	return decimal128.New(hi, lo)
}

func sumSigned[T arrow.IntType](s *sumAcc, ids []int32, vals []T, v validity) {
	dec, cnt := s.dec, s.cnt
	if !v.hasNulls() {
		for i, g := range ids {
			dec[g] = add128(dec[g], int64(vals[i]))
			cnt[g]++
		}
		return
	}
	for i, g := range ids {
		if v.valid(i) {
			dec[g] = add128(dec[g], int64(vals[i]))
			cnt[g]++
		}
	}
}

func sumUnsigned[T arrow.UintType](s *sumAcc, ids []int32, vals []T, v validity) {
	dec, cnt := s.dec, s.cnt
	for i, g := range ids {
		if v.valid(i) {
			lo, carry := bits.Add64(dec[g].LowBits(), uint64(vals[i]), 0)
			dec[g] = decimal128.New(dec[g].HighBits()+int64(carry), lo)
			cnt[g]++
		}
	}
}

func sumFloat[T float32 | float64](s *sumAcc, ids []int32, vals []T, v validity) {
	flt, cnt := s.flt, s.cnt
	if !v.hasNulls() {
		for i, g := range ids {
			flt[g] += float64(vals[i])
			cnt[g]++
		}
		return
	}
	for i, g := range ids {
		if v.valid(i) {
			flt[g] += float64(vals[i])
			cnt[g]++
		}
	}
}

func (s *sumAcc) finish(mem memory.Allocator, want arrow.DataType) (arrow.Array, error) {
	n := len(s.cnt)
	valid := make([]bool, n)
	for g, c := range s.cnt {
		valid[g] = c > 0
	}
	name := "SUM"
	if s.avg {
		name = "AVG"
	}
	if s.k == kNull {
		return array.MakeArrayOfNull(mem, want, n), nil
	}
	switch want.ID() {
	case arrow.FLOAT64:
		out := make([]float64, n)
		for g := range out {
			if !valid[g] {
				continue
			}
			if s.isFloat() {
				out[g] = s.flt[g]
			} else {
				out[g] = s.dec[g].ToFloat64(s.scale)
			}
			if s.avg {
				out[g] /= float64(s.cnt[g])
			}
		}
		return buildFixed(mem, want, out, valid), nil
	case arrow.DECIMAL128:
		if s.isFloat() {
			break
		}
		dt := want.(*arrow.Decimal128Type)
		out := make([]decimal128.Num, n)
		for g := range out {
			if !valid[g] {
				continue
			}
			var r decimal128.Num
			if s.avg {
				r = divRound(s.dec[g], s.scale, dt.Scale, s.cnt[g])
			} else {
				r = rescaleRound(s.dec[g], s.scale, dt.Scale)
			}
			if !r.FitsInPrecision(dt.Precision) {
				return nil, errs.Invalidf("%s value %s is out of range for %s", name, r.ToString(dt.Scale), expr.TypeName(want))
			}
			out[g] = r
		}
		return buildFixed(mem, want, out, valid), nil
	case arrow.INT64:
		if s.isFloat() || s.scale != 0 || s.avg {
			break
		}
		out := make([]int64, n)
		for g := range out {
			if !valid[g] {
				continue
			}
			d := s.dec[g]
			if d.HighBits() != int64(d.LowBits())>>63 {
				return nil, errs.Invalidf("%s value %s is out of range for BIGINT", name, d.ToString(0))
			}
			out[g] = int64(d.LowBits())
		}
		return buildFixed(mem, want, out, valid), nil
	}
	return nil, errs.Internalf("%s cannot produce %s", name, want)
}

func (s *sumAcc) size() int64 {
	return 16*int64(cap(s.dec)) + 8*int64(cap(s.flt)) + 8*int64(cap(s.cnt))
}

var pow10 = func() [39]*big.Int {
	var p [39]*big.Int
	for i := range p {
		p[i] = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(i)), nil)
	}
	return p
}()

// rescaleRound changes n's scale from `from` to `to`, rounding half away
// from zero when digits are dropped.
func rescaleRound(n decimal128.Num, from, to int32) decimal128.Num {
	if from == to {
		return n
	}
	return divRound(n, from, to, 1)
}

// divRound computes n (at scale `from`) / d as a decimal at scale `to`,
// rounding half away from zero (MySQL's rule for DECIMAL results). It uses
// 64-bit arithmetic when the values allow and big.Int otherwise.
func divRound(n decimal128.Num, from, to int32, d int64) decimal128.Num {
	shift := to - from
	if x, ok := num64(n); ok && shift >= 0 && shift <= 18 && d > 0 {
		neg := x < 0
		ax := uint64(x)
		if neg {
			ax = uint64(-x)
		}
		hi, lo := bits.Mul64(ax, uint64(math.Pow10(int(shift))))
		if hi == 0 {
			q, r := lo/uint64(d), lo%uint64(d)
			if r >= uint64(d)-r { // 2r >= d without overflow
				q++
			}
			if q <= math.MaxInt64 {
				if neg {
					return decimal128.FromI64(-int64(q))
				}
				return decimal128.FromI64(int64(q))
			}
		}
	}
	num := n.BigInt()
	den := big.NewInt(d)
	if shift >= 0 {
		num.Mul(num, pow10[min(shift, 38)])
	} else {
		den.Mul(den, pow10[min(-shift, 38)])
	}
	neg := num.Sign() < 0
	num.Abs(num)
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	r.Lsh(r, 1)
	if r.Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return decimal128.FromBigInt(q)
}

// num64 returns n as an int64 when it fits.
func num64(n decimal128.Num) (int64, bool) {
	lo := int64(n.LowBits())
	return lo, n.HighBits() == lo>>63
}

// ---- MIN and MAX ----

func newMinMaxAcc(t arrow.DataType, isMax bool) (accumulator, error) {
	switch kindOf(t) {
	case kNull:
		return &nullAcc{}, nil
	case kBool:
		return &minMaxBool{isMax: isMax, t: t}, nil
	case kI8:
		return &minMaxOrdered[int8]{isMax: isMax, t: t}, nil
	case kI16:
		return &minMaxOrdered[int16]{isMax: isMax, t: t}, nil
	case kI32:
		return &minMaxOrdered[int32]{isMax: isMax, t: t}, nil
	case kI64:
		return &minMaxOrdered[int64]{isMax: isMax, t: t}, nil
	case kU8:
		return &minMaxOrdered[uint8]{isMax: isMax, t: t}, nil
	case kU16:
		return &minMaxOrdered[uint16]{isMax: isMax, t: t}, nil
	case kU32:
		return &minMaxOrdered[uint32]{isMax: isMax, t: t}, nil
	case kU64:
		return &minMaxOrdered[uint64]{isMax: isMax, t: t}, nil
	case kF32:
		return &minMaxOrdered[float32]{isMax: isMax, t: t}, nil
	case kF64:
		return &minMaxOrdered[float64]{isMax: isMax, t: t}, nil
	case kDec128:
		return &minMaxDec{isMax: isMax, t: t}, nil
	case kString, kLargeString:
		return &minMaxBin{isMax: isMax, t: t, collated: expr.IsCollatedString(t)}, nil
	}
	return nil, errs.NotImplementedf("MIN/MAX of a %s value", t)
}

type minMaxOrdered[T interface {
	cmp.Ordered
	arrow.FixedWidthType
}] struct {
	isMax bool
	t     arrow.DataType
	vals  []T
	has   []bool
}

func (m *minMaxOrdered[T]) resize(n int) {
	var zero T
	for len(m.vals) < n {
		m.vals = append(m.vals, zero)
		m.has = append(m.has, false)
	}
}

func (m *minMaxOrdered[T]) update(_ context.Context, ids []int32, arg arrow.Array) error {
	vals := fixedValues[T](arg)
	v := validityOf(arg)
	cur, has := m.vals, m.has
	if m.isMax {
		for i, g := range ids {
			if v.valid(i) && (!has[g] || vals[i] > cur[g]) {
				cur[g] = vals[i]
				has[g] = true
			}
		}
		return nil
	}
	for i, g := range ids {
		if v.valid(i) && (!has[g] || vals[i] < cur[g]) {
			cur[g] = vals[i]
			has[g] = true
		}
	}
	return nil
}

func (m *minMaxOrdered[T]) finish(mem memory.Allocator, want arrow.DataType) (arrow.Array, error) {
	return castTo(mem, buildFixed(mem, m.t, m.vals, m.has), want)
}

func (m *minMaxOrdered[T]) size() int64 {
	var zero T
	return int64(cap(m.vals))*int64(unsafe.Sizeof(zero)) + int64(cap(m.has))
}

type minMaxDec struct {
	isMax bool
	t     arrow.DataType
	vals  []decimal128.Num
	has   []bool
}

func (m *minMaxDec) resize(n int) {
	for len(m.vals) < n {
		m.vals = append(m.vals, decimal128.Num{})
		m.has = append(m.has, false)
	}
}

func (m *minMaxDec) update(_ context.Context, ids []int32, arg arrow.Array) error {
	vals := fixedValues[decimal128.Num](arg)
	v := validityOf(arg)
	want := 1
	if !m.isMax {
		want = -1
	}
	for i, g := range ids {
		if v.valid(i) && (!m.has[g] || vals[i].Cmp(m.vals[g]) == want) {
			m.vals[g] = vals[i]
			m.has[g] = true
		}
	}
	return nil
}

func (m *minMaxDec) finish(mem memory.Allocator, want arrow.DataType) (arrow.Array, error) {
	return castTo(mem, buildFixed(mem, m.t, m.vals, m.has), want)
}

func (m *minMaxDec) size() int64 { return 17 * int64(cap(m.vals)) }

type minMaxBool struct {
	isMax bool
	t     arrow.DataType
	vals  []bool
	has   []bool
}

func (m *minMaxBool) resize(n int) {
	for len(m.vals) < n {
		m.vals = append(m.vals, false)
		m.has = append(m.has, false)
	}
}

func (m *minMaxBool) update(_ context.Context, ids []int32, arg arrow.Array) error {
	ba := arg.(*array.Boolean)
	v := validityOf(arg)
	for i, g := range ids {
		if !v.valid(i) {
			continue
		}
		x := ba.Value(i)
		if !m.has[g] || (m.isMax && x && !m.vals[g]) || (!m.isMax && !x && m.vals[g]) {
			m.vals[g] = x
			m.has[g] = true
		}
	}
	return nil
}

func (m *minMaxBool) finish(mem memory.Allocator, want arrow.DataType) (arrow.Array, error) {
	return castTo(mem, buildBool(mem, m.vals, m.has), want)
}

func (m *minMaxBool) size() int64 { return 2 * int64(cap(m.vals)) }

// minMaxBin keeps a copy of each group's current extreme; a replaced value
// reuses the group's buffer when it fits. VARCHAR values (collated) compare
// under the string collation (expr.CompareCollated), so MIN('b', 'A') is
// 'A'; among values equal under it the first one seen stays. VARBINARY
// compares bytewise.
type minMaxBin struct {
	isMax    bool
	collated bool
	t        arrow.DataType
	vals     [][]byte
	has      []bool
	bytes    int64
}

func (m *minMaxBin) resize(n int) {
	for len(m.vals) < n {
		m.vals = append(m.vals, nil)
		m.has = append(m.has, false)
	}
}

func (m *minMaxBin) update(_ context.Context, ids []int32, arg arrow.Array) error {
	bv := newBinView(arg)
	v := validityOf(arg)
	want := 1
	if !m.isMax {
		want = -1
	}
	for i, g := range ids {
		if !v.valid(i) {
			continue
		}
		b := bv.at(i)
		if !m.has[g] || m.compare(b, m.vals[g]) == want {
			old := cap(m.vals[g])
			m.vals[g] = append(m.vals[g][:0], b...)
			m.bytes += int64(cap(m.vals[g]) - old)
			m.has[g] = true
		}
	}
	return nil
}

// compare orders two values under the accumulator's collation. Identical
// bytes are equal under any collation: that check (a memcmp) settles the
// common case of ANY_VALUE over a collation group (see physopt.Collation)
// without walking the characters.
func (m *minMaxBin) compare(a, b []byte) int {
	if m.collated {
		if bytes.Equal(a, b) {
			return 0
		}
		return expr.CompareCollated(bytesAsString(a), bytesAsString(b))
	}
	return compareBytes(a, b)
}

// bytesAsString views b as a string without copying; b must not change
// while the string is in use.
func bytesAsString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func (m *minMaxBin) finish(mem memory.Allocator, want arrow.DataType) (arrow.Array, error) {
	a, err := buildVarWidth(mem, m.t, m.vals, m.has)
	if err != nil {
		return nil, err
	}
	return castTo(mem, a, want)
}

func (m *minMaxBin) size() int64 { return m.bytes + 25*int64(cap(m.vals)) }

// nullAcc is SUM/AVG/MIN/MAX over the NULL type: always NULL.
type nullAcc struct{ n int }

func (a *nullAcc) resize(n int) { a.n = max(a.n, n) }
func (a *nullAcc) update(context.Context, []int32, arrow.Array) error {
	return nil
}
func (a *nullAcc) finish(mem memory.Allocator, want arrow.DataType) (arrow.Array, error) {
	return array.MakeArrayOfNull(mem, want, a.n), nil
}
func (a *nullAcc) size() int64 { return 0 }

// ---- DISTINCT ----

// distinctFixedKey is a (group, value) pair for values of at most 64 bits.
type distinctFixedKey struct {
	g int32
	v uint64
}

// distinctAcc feeds inner only the first occurrence of each (group, value)
// pair; NULLs are dropped (no aggregate counts them under DISTINCT).
type distinctAcc struct {
	inner    accumulator
	fixed    map[distinctFixedKey]struct{}
	other    map[string]struct{}
	keyBytes int64
	sel      []int32
	subIDs   []int32
	keys     [][]byte
}

func (d *distinctAcc) resize(n int) { d.inner.resize(n) }

func (d *distinctAcc) update(ctx context.Context, ids []int32, arg arrow.Array) error {
	d.sel, d.subIDs = d.sel[:0], d.subIDs[:0]
	v := validityOf(arg)
	switch kindOf(arg.DataType()) {
	case kNull:
		return nil
	case kI8:
		distinctFixed(d, ids, fixedValues[int8](arg), v, widenInt)
	case kI16:
		distinctFixed(d, ids, fixedValues[int16](arg), v, widenInt)
	case kI32:
		distinctFixed(d, ids, fixedValues[int32](arg), v, widenInt)
	case kI64:
		distinctFixed(d, ids, fixedValues[int64](arg), v, widenInt)
	case kU8:
		distinctFixed(d, ids, fixedValues[uint8](arg), v, widenInt)
	case kU16:
		distinctFixed(d, ids, fixedValues[uint16](arg), v, widenInt)
	case kU32:
		distinctFixed(d, ids, fixedValues[uint32](arg), v, widenInt)
	case kU64:
		distinctFixed(d, ids, fixedValues[uint64](arg), v, widenInt)
	case kF32:
		distinctFixed(d, ids, fixedValues[float32](arg), v, widenFloat)
	case kF64:
		distinctFixed(d, ids, fixedValues[float64](arg), v, widenFloat)
	default:
		n := len(ids)
		if cap(d.keys) < n {
			d.keys = make([][]byte, n)
		}
		d.keys = d.keys[:n]
		for i, g := range ids {
			d.keys[i] = append(d.keys[i][:0], byte(g), byte(g>>8), byte(g>>16), byte(g>>24))
		}
		// VARCHAR values are distinct under the string collation ('a' and
		// 'A' count once): key them by their collation keys. The inner
		// aggregate still sees the first spelling of each.
		keyCol := expr.CollationKeys(compute.GetAllocator(ctx), arg)
		err := appendKeyColumn(d.keys, keyCol)
		keyCol.Release()
		if err != nil {
			return err
		}
		for i, k := range d.keys {
			if !v.valid(i) {
				continue
			}
			if _, seen := d.other[string(k)]; !seen {
				d.other[string(k)] = struct{}{}
				d.keyBytes += int64(len(k))
				d.sel = append(d.sel, int32(i))
				d.subIDs = append(d.subIDs, ids[i])
			}
		}
	}
	if len(d.sel) == 0 {
		return nil
	}
	if len(d.sel) == len(ids) {
		return d.inner.update(ctx, ids, arg)
	}
	sub, err := takeArray(ctx, arg, d.sel)
	if err != nil {
		return err
	}
	defer sub.Release()
	return d.inner.update(ctx, d.subIDs, sub)
}

func distinctFixed[T arrow.FixedWidthType](d *distinctAcc, ids []int32, vals []T, v validity, widen func(T) uint64) {
	for i, g := range ids {
		if !v.valid(i) {
			continue
		}
		k := distinctFixedKey{g: g, v: widen(vals[i])}
		if _, seen := d.fixed[k]; !seen {
			d.fixed[k] = struct{}{}
			d.sel = append(d.sel, int32(i))
			d.subIDs = append(d.subIDs, g)
		}
	}
}

// takeArray gathers rows of a into a new array allocated with ctx's compute
// allocator (compute.WithAllocator).
func takeArray(ctx context.Context, a arrow.Array, rows []int32) (arrow.Array, error) {
	mem := compute.GetAllocator(ctx)
	idx := buildFixed(mem, arrow.PrimitiveTypes.Int32, rows, nil)
	defer idx.Release()
	out, err := compute.TakeArrayOpts(ctx, a, idx, compute.TakeOptions{BoundsCheck: false})
	if err != nil {
		return nil, errs.Wrap(errs.ErrInternal, err, "gathering distinct values")
	}
	return out, nil
}

func (d *distinctAcc) finish(mem memory.Allocator, want arrow.DataType) (arrow.Array, error) {
	return d.inner.finish(mem, want)
}

func (d *distinctAcc) size() int64 {
	return d.inner.size() + int64(len(d.fixed))*(16+mapEntryOverhead) + d.keyBytes + int64(len(d.other))*(16+mapEntryOverhead)
}

// compareBytes compares bytewise (binary collation; see NewSort).
func compareBytes(a, b []byte) int { return bytes.Compare(a, b) }
