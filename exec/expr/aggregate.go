package expr

import "github.com/apache/arrow-go/v18/arrow"

// AggFunc names an aggregate function.
type AggFunc string

// The aggregates the engine implements.
const (
	AggCount AggFunc = "count"
	AggSum   AggFunc = "sum"
	AggAvg   AggFunc = "avg"
	AggMin   AggFunc = "min"
	AggMax   AggFunc = "max"
)

// AggregateCall is one aggregate in a GROUP BY (it is not an Expr: it
// consumes many rows). Arg is nil for COUNT(*). Its result type follows
// MySQL: COUNT → INT64, SUM of integers → DECIMAL(38,0)... see AggregateType.
type AggregateCall struct {
	Func     AggFunc
	Arg      Expr // nil for COUNT(*)
	Distinct bool
	DataType arrow.DataType
}

// String renders e.g. "count(DISTINCT a)" or "count(*)".
func (a AggregateCall) String() string {
	if a.Arg == nil {
		return string(a.Func) + "(*)"
	}
	if a.Distinct {
		return string(a.Func) + "(DISTINCT " + a.Arg.String() + ")"
	}
	return string(a.Func) + "(" + a.Arg.String() + ")"
}
