package expr

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/compute/exec"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
)

// Eval evaluates e over batch and returns an array of batch.NumRows()
// values. The caller owns (must Release) the result. mem allocates the result
// and temporaries. ctx cancellation is honoured between steps.
//
// Eval is safe for concurrent use (expressions are immutable). Errors carry
// errs kinds: ErrInvalid for data errors such as integer overflow (naming
// the expression), ErrInternal for bugs (including recovered panics).
func Eval(ctx context.Context, e Expr, batch arrow.RecordBatch, mem memory.Allocator) (out arrow.Array, err error) {
	defer func() {
		if r := recover(); r != nil {
			out = nil
			err = errs.Internalf("evaluating %s: panic: %v\n%s", e, r, debug.Stack())
		}
	}()
	n := int(batch.NumRows())
	ev := evaluator{ctx: ctx, batch: batch, mem: mem, n: n, reg: defaultRegistry}
	d, err := ev.eval(e)
	if err != nil {
		return nil, err
	}
	if d.Len() == n {
		return d, nil
	}
	defer d.Release()
	return broadcast(mem, d, n)
}

// evaluator carries the per-call state of one Eval.
type evaluator struct {
	ctx   context.Context
	batch arrow.RecordBatch // nil when folding constants
	mem   memory.Allocator
	n     int
	reg   *Registry
}

// eval returns a datum: length n, or length 1 for a constant.
func (ev *evaluator) eval(e Expr) (arrow.Array, error) {
	if err := ev.ctx.Err(); err != nil {
		return nil, err
	}
	switch x := e.(type) {
	case *Column:
		if ev.batch == nil || x.Index < 0 || x.Index >= int(ev.batch.NumCols()) {
			return nil, errs.Internalf("column %s (index %d) is not in the input batch", x.Name, x.Index)
		}
		c := ev.batch.Column(x.Index)
		c.Retain()
		return c, nil
	case *Literal:
		return literalArray(ev.mem, x)
	case *Binary:
		return ev.evalBinary(x)
	case *Not:
		in, err := ev.evalBool(x.Input)
		if err != nil {
			return nil, err
		}
		defer in.Release()
		return notBool(ev.mem, in), nil
	case *IsNull:
		in, err := ev.eval(x.Input)
		if err != nil {
			return nil, err
		}
		defer in.Release()
		return isNullArray(ev.mem, in, x.Negated), nil
	case *Negate:
		return ev.evalNegate(x)
	case *Cast:
		in, err := ev.eval(x.Input)
		if err != nil {
			return nil, err
		}
		defer in.Release()
		out, err := castDatum(ev.mem, in, x.To)
		return out, ev.wrap(x, err)
	case *Case:
		return ev.evalCase(x)
	case *In:
		return ev.evalIn(x)
	case *Like:
		return ev.evalLike(x)
	case *Call:
		return ev.evalCall(x)
	}
	return nil, errs.NotImplementedf("evaluating %T expressions", e)
}

// wrap turns kernel errors into user-facing ones naming the expression.
func (ev *evaluator) wrap(e Expr, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, errOutOfRange) {
		return errs.Invalidf("%s value is out of range in '%s'", TypeName(e.Type()), e.String())
	}
	if errors.Is(err, errs.ErrInvalid) || errors.Is(err, errs.ErrNotImplemented) || errors.Is(err, errs.ErrInternal) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return errs.Wrap(errs.ErrInternal, err, "evaluating %s", e)
}

// evalBool evaluates e and converts it to BOOL (MySQL truthiness).
func (ev *evaluator) evalBool(e Expr) (arrow.Array, error) {
	a, err := ev.eval(e)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	out, err := toBool(ev.mem, a)
	return out, ev.wrap(e, err)
}

func (ev *evaluator) evalBinary(b *Binary) (arrow.Array, error) {
	if b.Op == OpAnd || b.Op == OpOr {
		l, err := ev.evalBool(b.Left)
		if err != nil {
			return nil, err
		}
		defer l.Release()
		r, err := ev.evalBool(b.Right)
		if err != nil {
			return nil, err
		}
		defer r.Release()
		return kleene(ev.mem, b.Op == OpAnd, l, r, ev.n), nil
	}
	l, err := ev.eval(b.Left)
	if err != nil {
		return nil, err
	}
	defer l.Release()
	r, err := ev.eval(b.Right)
	if err != nil {
		return nil, err
	}
	defer r.Release()
	if b.Op.IsComparison() {
		out, err := compareArrays(ev.mem, b.Op, l, r, ev.n)
		return out, ev.wrap(b, err)
	}
	out, err := arith(ev.mem, b.Op, l, r, b.DataType, ev.n)
	return out, ev.wrap(b, err)
}

func (ev *evaluator) evalNegate(x *Negate) (arrow.Array, error) {
	in, err := ev.eval(x.Input)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	t := x.Type()
	if classOf(in.DataType()) == clsUint {
		out, err := negateUnsigned(ev.mem, in)
		return out, ev.wrap(x, err)
	}
	var wide arrow.DataType
	switch classOf(t) {
	case clsInt, clsBool:
		wide = TypeInt64
	case clsUint:
		wide = TypeInt64 // -(unsigned) is signed in MySQL
	case clsFloat:
		wide = TypeFloat64
	case clsDecimal:
		wide = t
	case clsNull:
		in.Retain()
		return in, nil
	default:
		return nil, errs.Invalidf("cannot negate %s value in '%s'", TypeName(t), x)
	}
	zero, err := literalArray(ev.mem, zeroLiteral(wide))
	if err != nil {
		return nil, err
	}
	defer zero.Release()
	out, err := arith(ev.mem, OpSub, zero, in, wide, ev.n)
	if err != nil {
		return nil, ev.wrap(x, err)
	}
	if arrow.TypeEqual(wide, t) {
		return out, nil
	}
	defer out.Release()
	res, err := castDatum(ev.mem, out, t)
	return res, ev.wrap(x, err)
}

func zeroLiteral(t arrow.DataType) *Literal {
	switch t.ID() {
	case arrow.FLOAT64:
		return &Literal{DataType: t, Value: float64(0)}
	case arrow.DECIMAL128:
		return &Literal{DataType: t, Value: decimal128.Num{}}
	case arrow.UINT64:
		return &Literal{DataType: t, Value: uint64(0)}
	}
	return &Literal{DataType: TypeInt64, Value: int64(0)}
}

// literalArray builds a length-1 array holding the literal's value.
func literalArray(mem memory.Allocator, l *Literal) (arrow.Array, error) {
	t := l.DataType
	if t == nil {
		t = TypeNull
	}
	if l.Value == nil {
		return nullArray(mem, t, 1), nil
	}
	b := array.NewBuilder(mem, t)
	defer b.Release()
	ok := true
	switch bb := b.(type) {
	case *array.BooleanBuilder:
		v, k := l.Value.(bool)
		bb.Append(v)
		ok = k
	case *array.Int8Builder:
		v, k := l.Value.(int64)
		bb.Append(int8(v))
		ok = k && v == int64(int8(v))
	case *array.Int16Builder:
		v, k := l.Value.(int64)
		bb.Append(int16(v))
		ok = k && v == int64(int16(v))
	case *array.Int32Builder:
		v, k := l.Value.(int64)
		bb.Append(int32(v))
		ok = k && v == int64(int32(v))
	case *array.Int64Builder:
		v, k := l.Value.(int64)
		bb.Append(v)
		ok = k
	case *array.Uint8Builder:
		v, k := l.Value.(uint64)
		bb.Append(uint8(v))
		ok = k && v == uint64(uint8(v))
	case *array.Uint16Builder:
		v, k := l.Value.(uint64)
		bb.Append(uint16(v))
		ok = k && v == uint64(uint16(v))
	case *array.Uint32Builder:
		v, k := l.Value.(uint64)
		bb.Append(uint32(v))
		ok = k && v == uint64(uint32(v))
	case *array.Uint64Builder:
		v, k := l.Value.(uint64)
		bb.Append(v)
		ok = k
	case *array.Float32Builder:
		v, k := l.Value.(float64)
		bb.Append(float32(v))
		ok = k
	case *array.Float64Builder:
		v, k := l.Value.(float64)
		bb.Append(v)
		ok = k
	case *array.StringBuilder:
		v, k := l.Value.(string)
		bb.Append(v)
		ok = k
	case *array.LargeStringBuilder:
		v, k := l.Value.(string)
		bb.Append(v)
		ok = k
	case *array.BinaryBuilder:
		switch v := l.Value.(type) {
		case []byte:
			bb.Append(v)
		case string:
			bb.AppendString(v)
		default:
			ok = false
		}
	case *array.Decimal128Builder:
		v, k := l.Value.(decimal128.Num)
		bb.Append(v)
		ok = k
	case *array.Date32Builder:
		v, k := l.Value.(arrow.Date32)
		bb.Append(v)
		ok = k
	case *array.TimestampBuilder:
		v, k := l.Value.(arrow.Timestamp)
		bb.Append(v)
		ok = k
	case *array.Time64Builder:
		v, k := l.Value.(arrow.Time64)
		bb.Append(v)
		ok = k
	default:
		return nil, errs.NotImplementedf("literals of type %s", TypeName(t))
	}
	if !ok {
		return nil, errs.Internalf("literal %v (Go %T) does not match its type %s", l.Value, l.Value, TypeName(t))
	}
	return b.NewArray(), nil
}

// broadcast expands a length-1 datum to n rows.
func broadcast(mem memory.Allocator, a arrow.Array, n int) (arrow.Array, error) {
	if a.Len() == n {
		a.Retain()
		return a, nil
	}
	if a.Len() != 1 {
		return nil, errs.Internalf("cannot broadcast %d values to %d rows", a.Len(), n)
	}
	if allNull(a) {
		return nullArray(mem, a.DataType(), n), nil
	}
	choice := make([]int32, n) // all zero: row 0 of branch 0
	return selectRows(mem, a.DataType(), []arrow.Array{a}, choice, n)
}

// EvalMask evaluates pred over batch as a filter mask: a BOOL array of
// batch's length, MySQL's truthiness applied when pred is not BOOL (a
// number is TRUE when non-zero). A row passes when its value is TRUE (not
// NULL). The caller releases the mask.
func EvalMask(ctx context.Context, pred Expr, batch arrow.RecordBatch, mem memory.Allocator) (arrow.Array, error) {
	mask, err := Eval(ctx, pred, batch, mem)
	if err != nil {
		return nil, err
	}
	if mask.DataType().ID() == arrow.BOOL {
		return mask, nil
	}
	defer mask.Release()
	return toBool(mem, mask)
}

// FilterBatch evaluates pred and keeps the rows where it is TRUE (NULL and
// FALSE rows are dropped). The caller releases the result; when every row
// passes, the input batch itself is returned retained.
func FilterBatch(ctx context.Context, pred Expr, batch arrow.RecordBatch, mem memory.Allocator) (out arrow.RecordBatch, err error) {
	defer func() {
		if r := recover(); r != nil {
			out = nil
			err = errs.Internalf("filtering by %s: panic: %v\n%s", pred, r, debug.Stack())
		}
	}()
	mask, err := EvalMask(ctx, pred, batch, mem)
	if err != nil {
		return nil, err
	}
	defer mask.Release()
	n := mask.Len()
	d := mask.Data()
	if mask.NullN() == 0 && bitutil.CountSetBits(d.Buffers()[1].Bytes(), d.Offset(), n) == n {
		batch.Retain()
		return batch, nil
	}
	cctx := exec.WithAllocator(ctx, mem)
	res, err := compute.FilterRecordBatch(cctx, batch, mask, &compute.FilterOptions{NullSelection: compute.SelectionDropNulls})
	if err != nil {
		return nil, errs.Wrap(errs.ErrInternal, err, "filtering by %s", pred)
	}
	return res, nil
}

// LiteralAt returns the i-th value of arr as a Literal (NULL literal of the
// array's type when the value is NULL). LARGE_STRING values become strings
// typed LARGE_STRING. It panics if i is out of range.
func LiteralAt(arr arrow.Array, i int) *Literal {
	t := arr.DataType()
	if arr.IsNull(i) || t.ID() == arrow.NULL {
		return Null(t)
	}
	var v any
	switch a := arr.(type) {
	case *array.Boolean:
		v = a.Value(i)
	case *array.Int8:
		v = int64(a.Value(i))
	case *array.Int16:
		v = int64(a.Value(i))
	case *array.Int32:
		v = int64(a.Value(i))
	case *array.Int64:
		v = a.Value(i)
	case *array.Uint8:
		v = uint64(a.Value(i))
	case *array.Uint16:
		v = uint64(a.Value(i))
	case *array.Uint32:
		v = uint64(a.Value(i))
	case *array.Uint64:
		v = a.Value(i)
	case *array.Float32:
		v = float64(a.Value(i))
	case *array.Float64:
		v = a.Value(i)
	case *array.String:
		v = a.Value(i)
	case *array.LargeString:
		v = a.Value(i)
	case *array.Binary:
		v = append([]byte(nil), a.Value(i)...)
	case *array.LargeBinary:
		v = append([]byte(nil), a.Value(i)...)
	case *array.Decimal128:
		v = a.Value(i)
	case *array.Date32:
		v = a.Value(i)
	case *array.Timestamp:
		v = a.Value(i)
	case *array.Time64:
		v = a.Value(i)
	default:
		panic(fmt.Sprintf("expr.LiteralAt: unsupported type %s", t))
	}
	return &Literal{DataType: t, Value: v}
}

// Fold evaluates a constant expression (one that reads no column) once and
// returns it as a Literal with changed=true. Non-constant expressions and
// literals are returned unchanged with changed=false. Evaluation errors
// (overflow...) are returned as ErrInvalid. Fold allocates from the Go heap.
func Fold(ctx context.Context, e Expr) (Expr, bool, error) {
	if _, ok := e.(*Literal); ok || !IsConstant(e) {
		return e, false, nil
	}
	volatile := false
	Walk(e, func(n Expr) bool {
		if c, ok := n.(*Call); ok {
			if (c.Func != nil && c.Func.Volatile) || (c.Func == nil && !defaultRegistry.deterministic(c.Name)) {
				volatile = true
			}
		}
		return !volatile
	})
	if volatile {
		return e, false, nil
	}
	lit, err := evalConstant(ctx, e)
	if err != nil {
		return e, false, err
	}
	return lit, true, nil
}

// evalConstant evaluates a column-free expression to a Literal.
func evalConstant(ctx context.Context, e Expr) (lit *Literal, err error) {
	defer func() {
		if r := recover(); r != nil {
			lit = nil
			err = errs.Internalf("folding %s: panic: %v\n%s", e, r, debug.Stack())
		}
	}()
	mem := memory.DefaultAllocator
	ev := evaluator{ctx: ctx, mem: mem, n: 1, reg: defaultRegistry}
	a, err := ev.eval(e)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	l := LiteralAt(a, 0)
	if !arrow.TypeEqual(l.DataType, e.Type()) && e.Type() != nil {
		// Keep the declared type (e.g. NULL literal typed as the expression).
		if l.Value == nil {
			return Null(e.Type()), nil
		}
	}
	return l, nil
}
