package expr

import (
	"context"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/quiverdb/quiver/errs"
)

// implicitCast converts e to type t: unchanged when the types agree, a
// folded Literal when e is a literal (so pushed-down filters stay simple),
// else a *Cast node. Literal conversion errors are ErrInvalid.
func implicitCast(e Expr, t arrow.DataType) (Expr, error) {
	e = hexAsNumber(e, t)
	if arrow.TypeEqual(e.Type(), t) {
		return e, nil
	}
	if l, ok := e.(*Literal); ok {
		if l.Value == nil {
			return Null(t), nil
		}
		out, err := evalConstant(context.Background(), &Cast{Input: l, To: t})
		if err != nil {
			return nil, errs.Invalidf("cannot convert %s to %s", l, TypeName(t))
		}
		return out, nil
	}
	if !canCast(e.Type(), t) {
		return nil, errs.Invalidf("cannot convert %s (%s) to %s", e, TypeName(e.Type()), TypeName(t))
	}
	return &Cast{Input: e, To: t}, nil
}

// NewCast builds CAST(e AS to), checking that the conversion exists.
// A literal operand is folded. ErrInvalid when it cannot be converted.
func NewCast(e Expr, to arrow.DataType) (Expr, error) {
	e = hexAsNumber(e, to)
	if arrow.TypeEqual(e.Type(), to) {
		return e, nil
	}
	if !canCast(e.Type(), to) {
		return nil, errs.Invalidf("cannot CAST %s (%s) AS %s", e, TypeName(e.Type()), TypeName(to))
	}
	if _, ok := e.(*Literal); ok {
		out, err := evalConstant(context.Background(), &Cast{Input: e, To: to})
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	return &Cast{Input: e, To: to}, nil
}

// commonIntType is the type two integer types compare in.
func commonIntType(a, b arrow.DataType) arrow.DataType {
	ac, bc := classOf(a), classOf(b)
	wa, wb := a.(arrow.FixedWidthDataType).BitWidth(), b.(arrow.FixedWidthDataType).BitWidth()
	if ac == bc {
		if wa >= wb {
			return a
		}
		return b
	}
	// Mixed signedness: signed wider than the unsigned one holds both.
	s, u, ws, wu := a, b, wa, wb
	if ac == clsUint {
		s, u, ws, wu = b, a, wb, wa
	}
	_ = u
	if ws > wu {
		return s
	}
	switch wu {
	case 8:
		return arrow.PrimitiveTypes.Int16
	case 16:
		return arrow.PrimitiveTypes.Int32
	case 32:
		return arrow.PrimitiveTypes.Int64
	}
	return Decimal(20, 0)
}

// comparisonType is the type MySQL compares two operand types in.
func comparisonType(l, r arrow.DataType) (arrow.DataType, bool) {
	lc, rc := classOf(l), classOf(r)
	if lc == clsBool {
		lc, l = clsInt, arrow.PrimitiveTypes.Int8
		if rc == clsBool {
			return TypeBool, true
		}
	}
	if rc == clsBool {
		rc, r = clsInt, arrow.PrimitiveTypes.Int8
	}
	switch {
	case lc == clsNull:
		return r, true
	case rc == clsNull:
		return l, true
	case isIntegerClass(lc) && isIntegerClass(rc):
		return commonIntType(l, r), true
	case lc == clsFloat && rc == clsFloat:
		if l.ID() == arrow.FLOAT32 && r.ID() == arrow.FLOAT32 {
			return l, true
		}
		return TypeFloat64, true
	case (lc == clsDecimal || isIntegerClass(lc)) && (rc == clsDecimal || isIntegerClass(rc)):
		lp, ls := decimalOf(l)
		rp, rs := decimalOf(r)
		s := max(ls, rs)
		return Decimal(max(lp-ls, rp-rs)+s, s), true
	case isNumericClass(lc) && isNumericClass(rc):
		return TypeFloat64, true
	case isNumericClass(lc) && (rc == clsString || rc == clsBinary),
		isNumericClass(rc) && (lc == clsString || lc == clsBinary):
		return TypeFloat64, true
	case lc == clsString && rc == clsString:
		return TypeString, true
	case (lc == clsBinary || lc == clsString) && (rc == clsBinary || rc == clsString):
		return TypeBinary, true
	case lc == rc && isTemporalClass(lc):
		return l, true
	case (lc == clsDate && rc == clsTimestamp) || (lc == clsTimestamp && rc == clsDate):
		if lc == clsTimestamp {
			return l, true
		}
		return r, true
	case isTemporalClass(lc) && (rc == clsString || rc == clsBinary):
		return l, true
	case isTemporalClass(rc) && (lc == clsString || lc == clsBinary):
		return r, true
	case isTemporalClass(lc) && isNumericClass(rc):
		// MySQL reads the number as a date/time (DATE '2001-01-01' =
		// 20010101 is 1; see numberToDateTime and numberToTime).
		return l, true
	case isTemporalClass(rc) && isNumericClass(lc):
		return r, true
	}
	return nil, false
}

// coerceComparison makes l and r the same comparable type. A literal side
// is converted to the other side's type when that is lossless, so
// `int_col > 10` or `date_col = '2024-01-02'` keep the column uncast.
func coerceComparison(l, r Expr, what string) (Expr, Expr, error) {
	// A hex literal compared with a number is a number (0x31 = 49).
	if isNumericClass(classOf(r.Type())) {
		l = hexAsNumber(l, r.Type())
	}
	if isNumericClass(classOf(l.Type())) {
		r = hexAsNumber(r, l.Type())
	}
	lt, rt := l.Type(), r.Type()
	if arrow.TypeEqual(lt, rt) {
		return l, r, nil
	}
	if classOf(lt) == clsString && classOf(rt) == clsString {
		return l, r, nil // STRING vs LARGE_STRING compare directly
	}
	t, ok := comparisonType(lt, rt)
	if !ok {
		return nil, nil, errs.Invalidf("cannot compare %s with %s in %s", TypeName(lt), TypeName(rt), what)
	}
	for _, pair := range [][2]Expr{{l, r}, {r, l}} {
		if lit, ok := pair[1].(*Literal); ok && lit.Value != nil && isTemporalClass(classOf(pair[0].Type())) && classOf(lit.Type()) == clsString {
			conv, err := evalConstant(context.Background(), &Cast{Input: lit, To: pair[0].Type()})
			if err != nil || conv.Value == nil {
				return nil, nil, errs.Invalidf("incorrect %s value %s in %s", TypeName(pair[0].Type()), lit, what)
			}
		}
	}
	if lit, ok := r.(*Literal); ok {
		if _, isLit := l.(*Literal); !isLit {
			if conv, ok := losslessLiteral(lit, lt, t); ok {
				return l, conv, nil
			}
		}
	}
	if lit, ok := l.(*Literal); ok {
		if _, isLit := r.(*Literal); !isLit {
			if conv, ok := losslessLiteral(lit, rt, t); ok {
				return conv, r, nil
			}
		}
	}
	var err error
	if l, err = implicitCast(l, t); err != nil {
		return nil, nil, errs.Wrap(errs.ErrInvalid, err, "in %s", what)
	}
	if r, err = implicitCast(r, t); err != nil {
		return nil, nil, errs.Wrap(errs.ErrInvalid, err, "in %s", what)
	}
	return l, r, nil
}

// losslessLiteral converts lit to type `to` when comparing in `to` gives the
// same answer as comparing in `common`: the value must survive the trip
// to → common unchanged. Temporal targets accept any parseable string.
func losslessLiteral(lit *Literal, to, common arrow.DataType) (*Literal, bool) {
	if lit.Value == nil {
		return Null(to), true
	}
	tc := classOf(to)
	if tc == clsBool || tc == clsOther || tc == clsNull {
		return nil, false
	}
	conv, err := evalConstant(context.Background(), &Cast{Input: lit, To: to})
	if err != nil || conv.Value == nil {
		return nil, false
	}
	if isTemporalClass(tc) && arrow.TypeEqual(to, common) {
		return conv, true
	}
	a, err1 := evalConstant(context.Background(), &Cast{Input: conv, To: common})
	b, err2 := evalConstant(context.Background(), &Cast{Input: lit, To: common})
	if err1 != nil || err2 != nil || a.Value == nil || b.Value == nil {
		return nil, false
	}
	if !literalValueEqual(a, b) {
		return nil, false
	}
	// A string literal must also round-trip textually ('05' is not 5 for
	// string comparisons, but here common is numeric so equality suffices).
	return conv, true
}

func literalValueEqual(a, b *Literal) bool {
	switch av := a.Value.(type) {
	case []byte:
		bv, ok := b.Value.([]byte)
		return ok && string(av) == string(bv)
	}
	return a.Value == b.Value
}

// arithType is the MySQL result type of l op r for arithmetic operators, and
// the operand types the operands are cast to (across families only).
func arithType(op Op, lt, rt arrow.DataType) (res, lTo, rTo arrow.DataType, ok bool) {
	norm := func(t arrow.DataType) arrow.DataType {
		switch classOf(t) {
		case clsString, clsBinary:
			return TypeFloat64
		case clsBool:
			return TypeInt64
		case clsDate, clsTimestamp, clsTime:
			// MySQL: temporal values in arithmetic are the numbers
			// YYYYMMDD, YYYYMMDDhhmmss and hhmmss (DATE '2001-02-03' + 0
			// = 20010203); fractions are dropped (no fsp is tracked).
			return TypeInt64
		case clsNull:
			return nil
		}
		return t
	}
	l, r := norm(lt), norm(rt)
	if l == nil && r == nil {
		l, r = TypeInt64, TypeInt64
	} else if l == nil {
		l = r
	} else if r == nil {
		r = l
	}
	lc, rc := classOf(l), classOf(r)
	if !isNumericClass(lc) || !isNumericClass(rc) {
		return nil, nil, nil, false
	}
	switch {
	case lc == clsFloat || rc == clsFloat:
		if op == OpIntDiv {
			return TypeInt64, castTo(l, TypeFloat64, lc != clsFloat), castTo(r, TypeFloat64, rc != clsFloat), true
		}
		return TypeFloat64, castTo(l, TypeFloat64, lc != clsFloat), castTo(r, TypeFloat64, rc != clsFloat), true
	case lc == clsDecimal || rc == clsDecimal || op == OpDiv:
		lp, ls := decimalOf(l)
		rp, rs := decimalOf(r)
		lTo, rTo = l, r
		if lc != clsDecimal {
			lTo = Decimal(lp, 0)
		}
		if rc != clsDecimal {
			rTo = Decimal(rp, 0)
		}
		switch op {
		case OpAdd, OpSub:
			s := max(ls, rs)
			res = decimalResult(max(lp-ls, rp-rs)+s+1, s)
		case OpMul:
			res = decimalResult(lp+rp, min(ls+rs, 30))
		case OpDiv:
			s := min(ls+4, 30)
			res = decimalResult(lp-ls+rs+s, s)
		case OpMod:
			s := max(ls, rs)
			res = decimalResult(max(lp-ls, rp-rs)+s, s)
		case OpIntDiv:
			res = TypeInt64
		}
		return res, lTo, rTo, true
	default: // integers
		if op == OpIntDiv || op == OpMod || op == OpAdd || op == OpSub || op == OpMul {
			// MySQL: an integer operation with an UNSIGNED operand is
			// UNSIGNED (a negative result is an out-of-range error).
			if lc == clsUint || rc == clsUint {
				return TypeUint64, l, r, true
			}
			return TypeInt64, l, r, true
		}
	}
	return nil, nil, nil, false
}

func castTo(t, to arrow.DataType, cast bool) arrow.DataType {
	if cast {
		return to
	}
	return t
}

// NewBinary builds op(l, r) applying MySQL's coercion rules (inserting Casts)
// and computing the result type. ErrInvalid when the types cannot combine.
func NewBinary(op Op, l, r Expr) (Expr, error) {
	if l == nil || r == nil {
		return nil, errs.Invalidf("operator %s needs two operands", op)
	}
	what := func() string { return "'" + paren(l) + " " + op.String() + " " + paren(r) + "'" }
	switch {
	case op.IsComparison():
		cl, cr, err := coerceComparison(l, r, what())
		if err != nil {
			return nil, err
		}
		return &Binary{Op: op, Left: cl, Right: cr, DataType: TypeBool}, nil
	case op == OpAnd || op == OpOr:
		cl, err := asCondition(l, what())
		if err != nil {
			return nil, err
		}
		cr, err := asCondition(r, what())
		if err != nil {
			return nil, err
		}
		return &Binary{Op: op, Left: cl, Right: cr, DataType: TypeBool}, nil
	case op >= OpAdd && op <= OpMod:
		l, r = hexAsNumber(l, TypeUint64), hexAsNumber(r, TypeUint64) // 0x10 + 1 = 17
		if classOf(r.Type()) == clsDecimal {
			l = narrowIntLiteral(l)
		}
		if classOf(l.Type()) == clsDecimal {
			r = narrowIntLiteral(r)
		}
		res, lTo, rTo, ok := arithType(op, l.Type(), r.Type())
		if !ok {
			return nil, errs.Invalidf("operator %s cannot be applied to %s and %s in %s", op, TypeName(l.Type()), TypeName(r.Type()), what())
		}
		var err error
		if classOf(l.Type()) != clsNull {
			if l, err = implicitCast(l, lTo); err != nil {
				return nil, err
			}
		}
		if classOf(r.Type()) != clsNull {
			if r, err = implicitCast(r, rTo); err != nil {
				return nil, err
			}
		}
		return &Binary{Op: op, Left: l, Right: r, DataType: res}, nil
	}
	return nil, errs.Invalidf("unknown binary operator %d", int(op))
}

// asCondition makes e usable as a boolean operand: BOOL as is, numbers and
// strings via MySQL truthiness (non-zero is true), handled by the evaluator.
func asCondition(e Expr, what string) (Expr, error) {
	switch c := classOf(e.Type()); {
	case c == clsBool || c == clsNull || isNumericClass(c) || c == clsString || c == clsBinary:
		return e, nil
	}
	return nil, errs.Invalidf("%s (%s) is not a valid condition in %s", e, TypeName(e.Type()), what)
}

// NewNot builds NOT e (numbers are conditions: non-zero is true).
func NewNot(e Expr) (Expr, error) {
	if _, err := asCondition(e, "NOT "+paren(e)); err != nil {
		return nil, err
	}
	return &Not{Input: e}, nil
}

// NewNegate builds -e for numeric e (strings convert to DOUBLE).
func NewNegate(e Expr) (Expr, error) {
	switch c := classOf(e.Type()); {
	case c == clsString || c == clsBinary:
		ce, err := implicitCast(e, TypeFloat64)
		if err != nil {
			return nil, err
		}
		return &Negate{Input: ce}, nil
	case c == clsBool:
		ce, err := implicitCast(e, TypeInt64)
		if err != nil {
			return nil, err
		}
		return &Negate{Input: ce}, nil
	case c == clsUint:
		// MySQL: negating an unsigned constant above BIGINT's range gives
		// a DECIMAL (-9999999999999999991); any other unsigned value
		// gives a BIGINT, an error when it does not fit.
		if l, ok := e.(*Literal); ok {
			if u, ok := l.Value.(uint64); ok && u > math.MaxInt64 {
				return &Literal{DataType: Decimal(20, 0), Value: decimal128.FromU64(u).Negate()}, nil
			}
		}
		return &Negate{Input: e}, nil
	case isNumericClass(c) || c == clsNull:
		return &Negate{Input: e}, nil
	}
	return nil, errs.Invalidf("cannot negate %s (%s)", e, TypeName(e.Type()))
}

// NewIsNull builds e IS [NOT] NULL.
func NewIsNull(e Expr, negated bool) (Expr, error) {
	if e == nil {
		return nil, errs.Invalidf("IS NULL needs an operand")
	}
	return &IsNull{Input: e, Negated: negated}, nil
}

// NewIn builds x [NOT] IN (list), coercing x and the items to their common
// comparison type. Constant items are converted (folded) to that type.
func NewIn(x Expr, list []Expr, negated bool) (Expr, error) {
	if len(list) == 0 {
		return nil, errs.Invalidf("IN needs at least one value")
	}
	what := paren(x) + " IN (...)"
	t := x.Type()
	for _, it := range list {
		ct, ok := comparisonType(t, it.Type())
		if !ok {
			return nil, errs.Invalidf("cannot compare %s with %s in %s", TypeName(t), TypeName(it.Type()), what)
		}
		t = ct
	}
	// Keep x uncast when every literal item converts losslessly to x's type.
	if _, isLit := x.(*Literal); !isLit && !arrow.TypeEqual(t, x.Type()) {
		items := make([]Expr, len(list))
		ok := true
		for i, it := range list {
			lit, isLit := it.(*Literal)
			if !isLit {
				ok = false
				break
			}
			conv, fine := losslessLiteral(lit, x.Type(), t)
			if !fine {
				ok = false
				break
			}
			items[i] = conv
		}
		if ok {
			return &In{Input: x, List: items, Negated: negated}, nil
		}
	}
	cx, err := implicitCast(x, t)
	if err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "in %s", what)
	}
	items := make([]Expr, len(list))
	for i, it := range list {
		if items[i], err = implicitCast(it, t); err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "in %s", what)
		}
	}
	return &In{Input: cx, List: items, Negated: negated}, nil
}

// NewLike builds x [NOT] LIKE pattern [ESCAPE escape] (escape 0 means the
// default '\\'). Non-string operands are converted to VARCHAR.
// Matching is case-insensitive (MySQL's default collation).
func NewLike(x, pattern Expr, escape rune, negated bool) (Expr, error) {
	if escape == 0 {
		escape = '\\'
	}
	var err error
	// A binary operand (BINARY 'x', a VARBINARY column) makes the match
	// bytewise and case-sensitive, as in MySQL: 'abc' LIKE BINARY 'ABC'
	// is 0. Both sides are then VARBINARY.
	strType := TypeString
	if classOf(x.Type()) == clsBinary || classOf(pattern.Type()) == clsBinary {
		strType = TypeBinary
	}
	toStr := func(e Expr) (Expr, error) {
		switch c := classOf(e.Type()); {
		case c == clsNull, c == clsString && strType == TypeString, c == clsBinary:
			return e, nil
		}
		return implicitCast(e, strType)
	}
	if x, err = toStr(x); err != nil {
		return nil, err
	}
	if pattern, err = toStr(pattern); err != nil {
		return nil, err
	}
	return &Like{Input: x, Pattern: pattern, Escape: escape, Negated: negated}, nil
}

// commonType is the type of values merged from several branches (CASE,
// COALESCE, IF, GREATEST...): MySQL's aggregation of types.
func commonType(ts []arrow.DataType) (arrow.DataType, bool) {
	var out arrow.DataType
	for _, t := range ts {
		if classOf(t) == clsNull {
			continue
		}
		if out == nil {
			out = t
			continue
		}
		if arrow.TypeEqual(out, t) {
			continue
		}
		oc, tc := classOf(out), classOf(t)
		switch {
		case (isIntegerClass(oc) || oc == clsBool) && (isIntegerClass(tc) || tc == clsBool):
			if oc == clsBool {
				out = arrow.PrimitiveTypes.Int8
			}
			if tc == clsBool {
				t = arrow.PrimitiveTypes.Int8
			}
			out = commonIntType(out, t)
		case isNumericClass(oc) && isNumericClass(tc):
			if oc == clsFloat || tc == clsFloat {
				out = TypeFloat64
			} else {
				op, os := decimalOf(out)
				tp, ts := decimalOf(t)
				s := max(os, ts)
				out = Decimal(max(op-os, tp-ts)+s, s)
			}
		case (oc == clsDate && tc == clsTimestamp) || (oc == clsTimestamp && tc == clsDate):
			out = TypeTimestamp
		case oc == clsBinary || tc == clsBinary:
			out = TypeBinary
		default:
			out = TypeString
		}
	}
	if out == nil {
		return TypeNull, true
	}
	return out, true
}

// NewCase builds a searched CASE; conditions are MySQL conditions, the
// THEN/ELSE branches are cast to their common type. els may be nil.
func NewCase(whens []When, els Expr) (Expr, error) {
	if len(whens) == 0 {
		return nil, errs.Invalidf("CASE needs at least one WHEN")
	}
	ts := make([]arrow.DataType, 0, len(whens)+1)
	for _, w := range whens {
		ts = append(ts, w.Then.Type())
	}
	if els != nil {
		ts = append(ts, els.Type())
	}
	t, _ := commonType(ts)
	out := &Case{DataType: t, Whens: make([]When, len(whens))}
	for i, w := range whens {
		cond, err := asCondition(w.Cond, "CASE")
		if err != nil {
			return nil, err
		}
		th, err := implicitCast(w.Then, t)
		if err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "in CASE")
		}
		out.Whens[i] = When{Cond: cond, Then: th}
	}
	if els != nil {
		e, err := implicitCast(els, t)
		if err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "in CASE")
		}
		out.Else = e
	}
	return out, nil
}

// NewSimpleCase builds CASE x WHEN v1 THEN r1 ... as a searched CASE with
// x = v conditions.
func NewSimpleCase(x Expr, values, results []Expr, els Expr) (Expr, error) {
	if len(values) != len(results) {
		return nil, errs.Invalidf("CASE: %d WHEN values but %d THEN results", len(values), len(results))
	}
	whens := make([]When, len(values))
	for i := range values {
		c, err := NewBinary(OpEq, x, values[i])
		if err != nil {
			return nil, err
		}
		whens[i] = When{Cond: c, Then: results[i]}
	}
	return NewCase(whens, els)
}

// NewCall resolves a scalar function by (case-insensitive) name and argument
// types against the default registry. ErrNotFound for an unknown function,
// ErrInvalid for bad arguments.
func NewCall(name string, args []Expr) (Expr, error) {
	return NewCallIn(defaultRegistry, name, args)
}

// NewCallIn is NewCall against a specific registry (one holding user
// functions, for instance).
func NewCallIn(reg *Registry, name string, args []Expr) (Expr, error) {
	if reg == nil {
		reg = defaultRegistry
	}
	lname := strings.ToLower(name)
	f, ok := reg.lookup(lname)
	if !ok {
		return nil, errs.NotFoundf("FUNCTION %s does not exist", name)
	}
	if len(args) < f.MinArgs || (f.MaxArgs >= 0 && len(args) > f.MaxArgs) {
		return nil, errs.Invalidf("incorrect parameter count in the call to %s: got %d, %s", lname, len(args), f.arity())
	}
	ts := make([]arrow.DataType, len(args))
	for i, a := range args {
		ts[i] = a.Type()
	}
	var argTypes []arrow.DataType
	var res arrow.DataType
	var err error
	if f.Bind != nil {
		argTypes, res, err = f.Bind(args)
	} else {
		argTypes, res, err = f.Resolve(ts)
	}
	if err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "in %s(...)", lname)
	}
	if len(argTypes) != len(args) {
		return nil, errs.Internalf("function %s resolved %d argument types for %d arguments", lname, len(argTypes), len(args))
	}
	cargs := make([]Expr, len(args))
	for i, a := range args {
		if argTypes[i] == nil || classOf(argTypes[i]) == clsNull {
			cargs[i] = a
			continue
		}
		if cargs[i], err = implicitCast(saturateIntLiteral(a, argTypes[i]), argTypes[i]); err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "in %s(...)", lname)
		}
	}
	return &Call{Name: lname, Args: cargs, DataType: res, Func: f}, nil
}
