package expr

// PLACEHOLDER FILE: the signatures below are the package's public API; the
// bodies are being written. Replace this file (keep the signatures).

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
)

// Eval evaluates e over batch and returns an array of batch.NumRows()
// values. The caller owns (must Release) the result. mem allocates the result
// and temporaries. ctx cancellation is honoured between steps.
func Eval(ctx context.Context, e Expr, batch arrow.RecordBatch, mem memory.Allocator) (arrow.Array, error) {
	return nil, errs.NotImplementedf("expr.Eval")
}

// String renders a Literal as SQL text (strings quoted, NULL as NULL).
func (l *Literal) String() string { return "?" }

// TypeName is the SQL (MySQL) name of an Arrow type: BIGINT, DOUBLE,
// DECIMAL(p,s), VARCHAR, DATE, DATETIME, BOOLEAN...
func TypeName(t arrow.DataType) string { return t.String() }

// NewBinary builds op(l, r) applying MySQL's coercion rules (inserting Casts)
// and computing the result type. ErrInvalid when the types cannot combine.
func NewBinary(op Op, l, r Expr) (Expr, error) {
	return nil, errs.NotImplementedf("expr.NewBinary")
}

// NewCall resolves a scalar function by (case-insensitive) name and argument
// types. ErrNotFound for an unknown function, ErrInvalid for bad arguments.
func NewCall(name string, args []Expr) (Expr, error) {
	return nil, errs.NotImplementedf("expr.NewCall")
}

// NewAggregate resolves an aggregate and its MySQL result type. arg is nil
// for COUNT(*).
func NewAggregate(fn AggFunc, arg Expr, distinct bool) (AggregateCall, error) {
	return AggregateCall{}, errs.NotImplementedf("expr.NewAggregate")
}
