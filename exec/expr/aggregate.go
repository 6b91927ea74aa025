package expr

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

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
	// MoreArgs are the arguments after Arg of the multi-argument forms
	// COUNT(DISTINCT a, b, ...) and GROUP_CONCAT(a, b, ...); nil otherwise.
	MoreArgs []Expr
	// OrderBy orders the values GROUP_CONCAT concatenates (nil: in no
	// particular order); unused by the other aggregates.
	OrderBy []AggOrderKey
	// Separator is what GROUP_CONCAT puts between values. NewGroupConcat
	// sets MySQL's default ","; unused by the other aggregates.
	Separator string
}

// String renders e.g. "count(DISTINCT a)", "count(*)" or
// "group_concat(a, b ORDER BY b DESC SEPARATOR ';')".
func (a AggregateCall) String() string {
	if a.Arg == nil {
		return string(a.Func) + "(*)"
	}
	var sb strings.Builder
	sb.WriteString(string(a.Func) + "(")
	if a.Distinct {
		sb.WriteString("DISTINCT ")
	}
	sb.WriteString(a.Arg.String())
	for _, e := range a.MoreArgs {
		sb.WriteString(", " + e.String())
	}
	for i, k := range a.OrderBy {
		if i == 0 {
			sb.WriteString(" ORDER BY ")
		} else {
			sb.WriteString(", ")
		}
		sb.WriteString(k.Expr.String())
		if k.Desc {
			sb.WriteString(" DESC")
		}
	}
	if a.Func == AggGroupConcat && a.Separator != "," {
		sb.WriteString(" SEPARATOR " + quoteString(a.Separator))
	}
	sb.WriteString(")")
	return sb.String()
}
