package planbuilder

import (
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// This file holds the few expression-building steps the binder adds on top
// of exec/expr's constructors, which own MySQL's coercion rules.

// toBool makes e a BOOLEAN (MySQL truthiness: non-zero is TRUE) for places
// that need a real boolean: Filter predicates, XOR, IS TRUE.
func toBool(e expr.Expr) (expr.Expr, error) {
	switch e.Type().ID() {
	case arrow.BOOL, arrow.NULL:
		return e, nil
	}
	return expr.NewCast(e, expr.TypeBool)
}

// newNegate negates e; numeric literals fold at once so "-1" stays a
// literal.
func newNegate(e expr.Expr) (expr.Expr, error) {
	if l, ok := e.(*expr.Literal); ok {
		switch v := l.Value.(type) {
		case int64:
			if v != math.MinInt64 {
				return &expr.Literal{DataType: l.DataType, Value: -v}, nil
			}
		case float64:
			return &expr.Literal{DataType: l.DataType, Value: -v}, nil
		case decimal128.Num:
			return &expr.Literal{DataType: l.DataType, Value: v.Negate()}, nil
		case uint64:
			if v == 1<<63 {
				return &expr.Literal{DataType: expr.TypeInt64, Value: int64(math.MinInt64)}, nil
			}
		}
	}
	return expr.NewNegate(e)
}

func boolLit(v bool) expr.Expr { return &expr.Literal{DataType: expr.TypeBool, Value: v} }

// decimalLiteral parses a DECIMAL literal's text ("12.50") keeping its
// digits as precision and scale; one too wide for DECIMAL(38) becomes a
// DOUBLE, as MySQL does past its own limit.
func decimalLiteral(s string) (expr.Expr, error) {
	l, err := expr.NewDecimalLiteral(s)
	if err == nil {
		return l, nil
	}
	f, ferr := strconv.ParseFloat(s, 64)
	if ferr != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "bad number literal %s", s)
	}
	return &expr.Literal{DataType: expr.TypeFloat64, Value: f}, nil
}
