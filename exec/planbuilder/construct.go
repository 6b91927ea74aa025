package planbuilder

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// This file is the one place the binder builds expression nodes. Binary
// operators, calls and aggregates go through exec/expr's constructors, which
// own MySQL's coercion rules; the node kinds without a constructor there are
// assembled here with the minimal casts their contract asks for.

var boolType = arrow.FixedWidthTypes.Boolean

func isBool(t arrow.DataType) bool { return t.ID() == arrow.BOOL }
func isNull(t arrow.DataType) bool { return t.ID() == arrow.NULL }

// toBool makes e boolean (MySQL truthiness: non-zero is TRUE) by casting
// when it is not already BOOL or NULL.
func toBool(e expr.Expr) expr.Expr {
	t := e.Type()
	if isBool(t) || isNull(t) {
		return e
	}
	return &expr.Cast{Input: e, To: boolType}
}

// castTo converts e to type to, or returns e when it already has it.
func castTo(e expr.Expr, to arrow.DataType) expr.Expr {
	if arrow.TypeEqual(e.Type(), to) {
		return e
	}
	if l, ok := e.(*expr.Literal); ok && l.Value == nil {
		return &expr.Literal{DataType: to}
	}
	return &expr.Cast{Input: e, To: to}
}

func newNot(e expr.Expr) expr.Expr { return &expr.Not{Input: toBool(e)} }

// newNegate negates e; numeric literals fold at once so "-1" stays a
// literal (and prints as one).
func newNegate(e expr.Expr) (expr.Expr, error) {
	if l, ok := e.(*expr.Literal); ok {
		switch v := l.Value.(type) {
		case int64:
			if v != -v || v == 0 {
				return &expr.Literal{DataType: l.DataType, Value: -v}, nil
			}
		case float64:
			return &expr.Literal{DataType: l.DataType, Value: -v}, nil
		case decimal128.Num:
			return &expr.Literal{DataType: l.DataType, Value: v.Negate()}, nil
		case uint64:
			if v <= 1<<63 {
				return &expr.Literal{DataType: arrow.PrimitiveTypes.Int64, Value: int64(-v)}, nil
			}
		}
	}
	if !isNumeric(e.Type()) && !isNull(e.Type()) {
		e = castTo(e, arrow.PrimitiveTypes.Float64)
	}
	return &expr.Negate{Input: e}, nil
}

func isNumeric(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128:
		return true
	}
	return false
}

func isInteger(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64, arrow.BOOL:
		return true
	}
	return false
}

func isStringy(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		return true
	}
	return false
}

// commonType is the type several values (CASE arms, IN items) are brought
// to, following MySQL's result-type aggregation: NULL yields to anything;
// equal types stay; integers widen to BIGINT; integers and DECIMAL give
// DECIMAL; any floating point gives DOUBLE; numbers with strings, or other
// mixes, give a string.
func commonType(ts []arrow.DataType) arrow.DataType {
	var out arrow.DataType
	for _, t := range ts {
		if isNull(t) {
			continue
		}
		if out == nil || arrow.TypeEqual(out, t) {
			out = t
			continue
		}
		switch {
		case isInteger(out) && isInteger(t):
			out = arrow.PrimitiveTypes.Int64
		case (out.ID() == arrow.DECIMAL128 && isInteger(t)) || (isInteger(out) && t.ID() == arrow.DECIMAL128) ||
			(out.ID() == arrow.DECIMAL128 && t.ID() == arrow.DECIMAL128):
			out = widerDecimal(out, t)
		case isNumeric(out) && isNumeric(t):
			out = arrow.PrimitiveTypes.Float64
		case out.ID() == arrow.BINARY || t.ID() == arrow.BINARY:
			out = arrow.BinaryTypes.Binary
		default:
			out = arrow.BinaryTypes.String
		}
	}
	if out == nil {
		return arrow.Null
	}
	return out
}

// widerDecimal is a DECIMAL holding both a and b (integers count as
// DECIMAL(20,0)), capped at precision 38.
func widerDecimal(a, b arrow.DataType) arrow.DataType {
	ps := func(t arrow.DataType) (int32, int32) {
		if d, ok := t.(*arrow.Decimal128Type); ok {
			return d.Precision, d.Scale
		}
		return 20, 0
	}
	pa, sa := ps(a)
	pb, sb := ps(b)
	s := max(sa, sb)
	p := max(pa-sa, pb-sb) + s
	if p > maxDecimalPrecision {
		p = maxDecimalPrecision
	}
	return &arrow.Decimal128Type{Precision: p, Scale: s}
}

// comparisonType is the type both sides of an IN comparison are brought to:
// MySQL compares numbers with strings as DOUBLE.
func comparisonType(ts []arrow.DataType) arrow.DataType {
	hasNum, hasStr := false, false
	for _, t := range ts {
		hasNum = hasNum || isNumeric(t)
		hasStr = hasStr || isStringy(t)
	}
	if hasNum && hasStr {
		return arrow.PrimitiveTypes.Float64
	}
	return commonType(ts)
}

func newIn(input expr.Expr, list []expr.Expr, negated bool) expr.Expr {
	ts := make([]arrow.DataType, 0, len(list)+1)
	ts = append(ts, input.Type())
	for _, e := range list {
		ts = append(ts, e.Type())
	}
	ct := comparisonType(ts)
	out := make([]expr.Expr, len(list))
	for i, e := range list {
		out[i] = castTo(e, ct)
	}
	return &expr.In{Input: castTo(input, ct), List: out, Negated: negated}
}

func newLike(input, pattern expr.Expr, escape rune, negated bool) expr.Expr {
	if !isStringy(input.Type()) && !isNull(input.Type()) {
		input = castTo(input, arrow.BinaryTypes.String)
	}
	if !isStringy(pattern.Type()) && !isNull(pattern.Type()) {
		pattern = castTo(pattern, arrow.BinaryTypes.String)
	}
	return &expr.Like{Input: input, Pattern: pattern, Escape: escape, Negated: negated}
}

// newCase builds a searched CASE whose arms are brought to one type.
func newCase(whens []expr.When, els expr.Expr) expr.Expr {
	ts := make([]arrow.DataType, 0, len(whens)+1)
	for _, w := range whens {
		ts = append(ts, w.Then.Type())
	}
	if els != nil {
		ts = append(ts, els.Type())
	}
	ct := commonType(ts)
	out := make([]expr.When, len(whens))
	for i, w := range whens {
		out[i] = expr.When{Cond: toBool(w.Cond), Then: castTo(w.Then, ct)}
	}
	if els != nil {
		els = castTo(els, ct)
	}
	return &expr.Case{Whens: out, Else: els, DataType: ct}
}

func boolLit(v bool) expr.Expr { return &expr.Literal{DataType: boolType, Value: v} }

func nullLit(t arrow.DataType) expr.Expr { return &expr.Literal{DataType: t} }

// decimalLiteral parses a DECIMAL literal's text ("12.50") keeping its
// digits as precision and scale; wider than Decimal128 becomes DOUBLE as in
// MySQL.
func decimalLiteral(s string) (expr.Expr, error) {
	digits := strings.TrimLeft(strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+"), "0")
	scale := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		scale = len(s) - i - 1
	}
	prec := len(strings.ReplaceAll(digits, ".", ""))
	if prec < scale {
		prec = scale
	}
	if prec == 0 {
		prec = 1
	}
	if prec > maxDecimalPrecision {
		f, err := parseFloat(s)
		if err != nil {
			return nil, err
		}
		return &expr.Literal{DataType: arrow.PrimitiveTypes.Float64, Value: f}, nil
	}
	n, err := decimal128.FromString(s, int32(prec), int32(scale))
	if err != nil {
		return nil, errs.Invalidf("bad DECIMAL literal %s: %v", s, err)
	}
	return &expr.Literal{DataType: &arrow.Decimal128Type{Precision: int32(prec), Scale: int32(scale)}, Value: n}, nil
}
