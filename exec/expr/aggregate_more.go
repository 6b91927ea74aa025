package expr

import (
	"strings"

	"github.com/quiverdb/quiver/errs"
)

// The rest of MySQL's aggregate set (see NewAggregate and NewAggregateCall
// for their result types). The parser spells STD and STDDEV as stddev_pop
// and VARIANCE as var_pop.
const (
	AggGroupConcat AggFunc = "group_concat"
	AggBitAnd      AggFunc = "bit_and"
	AggBitOr       AggFunc = "bit_or"
	AggBitXor      AggFunc = "bit_xor"
	AggStddevPop   AggFunc = "stddev_pop"
	AggStddevSamp  AggFunc = "stddev_samp"
	AggVarPop      AggFunc = "var_pop"
	AggVarSamp     AggFunc = "var_samp"
	AggAnyValue    AggFunc = "any_value"
)

// AggOrderKey is one ORDER BY item inside GROUP_CONCAT. NULLs sort first
// ascending and last descending, as in MySQL.
type AggOrderKey struct {
	Expr Expr
	Desc bool
}

// Exprs returns every expression the call reads, in a fixed order: Arg (if
// any), MoreArgs, then the OrderBy expressions. Optimizer rules that rebind
// or fold expressions use it with WithExprs so that no argument is missed.
func (a AggregateCall) Exprs() []Expr {
	var out []Expr
	if a.Arg != nil {
		out = append(out, a.Arg)
	}
	out = append(out, a.MoreArgs...)
	for _, k := range a.OrderBy {
		out = append(out, k.Expr)
	}
	return out
}

// WithExprs returns a copy of a whose expressions are replaced by es (same
// count and order as Exprs). The receiver is not modified.
func (a AggregateCall) WithExprs(es []Expr) AggregateCall {
	if len(es) == 0 {
		return a
	}
	i := 0
	if a.Arg != nil {
		a.Arg = es[0]
		i = 1
	}
	if len(a.MoreArgs) > 0 {
		a.MoreArgs = append([]Expr(nil), es[i:i+len(a.MoreArgs)]...)
		i += len(a.MoreArgs)
	}
	if len(a.OrderBy) > 0 {
		keys := make([]AggOrderKey, len(a.OrderBy))
		for j, k := range a.OrderBy {
			keys[j] = AggOrderKey{Expr: es[i+j], Desc: k.Desc}
		}
		a.OrderBy = keys
	}
	return a
}

// NewAggregateCall resolves any aggregate form, including the
// multi-argument ones NewAggregate cannot express:
//
//   - COUNT(DISTINCT a, b, ...): BIGINT, the number of distinct tuples
//     with no NULL member. Several arguments need DISTINCT (as in MySQL).
//   - GROUP_CONCAT([DISTINCT] a, b, ... [ORDER BY ...] [SEPARATOR s]):
//     VARCHAR; each row contributes its arguments' text concatenated, rows
//     with a NULL argument are skipped, NULL when no row contributes. The
//     arguments are converted to VARCHAR (Casts are inserted). sep is the
//     separator (pass "," for MySQL's default).
//
// Every other aggregate takes exactly one argument (nil for COUNT(*)) and
// no order or separator; see NewAggregate.
func NewAggregateCall(fn AggFunc, args []Expr, distinct bool, order []AggOrderKey, sep string) (AggregateCall, error) {
	name := strings.ToUpper(string(fn))
	if fn != AggGroupConcat && (len(order) > 0 || sep != "") {
		return AggregateCall{}, errs.Invalidf("%s does not take ORDER BY or SEPARATOR", name)
	}
	switch {
	case fn == AggGroupConcat:
		if len(args) == 0 {
			return AggregateCall{}, errs.Invalidf("GROUP_CONCAT needs at least one argument")
		}
		conv := make([]Expr, len(args))
		for i, a := range args {
			c, err := toText(a)
			if err != nil {
				return AggregateCall{}, err
			}
			conv[i] = c
		}
		for _, k := range order {
			if k.Expr == nil {
				return AggregateCall{}, errs.Invalidf("GROUP_CONCAT ORDER BY item is missing")
			}
		}
		return AggregateCall{
			Func: fn, Arg: conv[0], MoreArgs: conv[1:len(conv):len(conv)], Distinct: distinct,
			OrderBy: order, Separator: sep, DataType: TypeString,
		}, nil
	case len(args) > 1:
		if fn != AggCount {
			return AggregateCall{}, errs.Invalidf("%s takes one argument, got %d", name, len(args))
		}
		if !distinct {
			return AggregateCall{}, errs.Invalidf("COUNT with %d arguments needs DISTINCT (COUNT(DISTINCT a, b))", len(args))
		}
		call, err := NewAggregate(AggCount, args[0], true)
		if err != nil {
			return AggregateCall{}, err
		}
		call.MoreArgs = append([]Expr(nil), args[1:]...)
		return call, nil
	case len(args) == 0:
		return NewAggregate(fn, nil, distinct)
	}
	return NewAggregate(fn, args[0], distinct)
}

// toText converts a GROUP_CONCAT argument to VARCHAR. Binary values keep
// their bytes.
func toText(e Expr) (Expr, error) {
	switch classOf(e.Type()) {
	case clsString:
		if e.Type().ID() == TypeString.ID() {
			return e, nil
		}
	case clsNull:
		return Null(TypeString), nil
	}
	return implicitCast(e, TypeString)
}

// newMoreAggregate types the single-argument aggregates beyond
// COUNT/SUM/AVG/MIN/MAX (call.Arg is not nil):
//
//   - BIT_AND, BIT_OR, BIT_XOR: BIGINT UNSIGNED, never NULL (an empty
//     group gives all ones for BIT_AND and 0 for the others); the argument
//     is an integer (others are converted to BIGINT) whose 64-bit pattern
//     is used: negative values wrap, as in MySQL.
//   - STDDEV_POP (STD, STDDEV), STDDEV_SAMP, VAR_POP (VARIANCE), VAR_SAMP:
//     DOUBLE, NULL without values (the _SAMP forms also with one value);
//     the argument is converted to DOUBLE.
//   - ANY_VALUE: the argument's type; some non-NULL value of the group
//     (the first one met), NULL when there is none.
//   - GROUP_CONCAT of one argument: VARCHAR (see NewAggregateCall).
func newMoreAggregate(call AggregateCall) (AggregateCall, error) {
	arg := call.Arg
	switch call.Func {
	case AggBitAnd, AggBitOr, AggBitXor:
		if c := classOf(arg.Type()); !(isNumericClass(c) || c == clsString || c == clsNull) {
			return AggregateCall{}, errs.Invalidf("%s of %s (%s) is not supported", strings.ToUpper(string(call.Func)), arg, TypeName(arg.Type()))
		}
		if c := classOf(arg.Type()); !isIntegerClass(c) && c != clsNull {
			// Non-integers become integers (MySQL rounds); the aggregate
			// reinterprets signed values as their 64-bit pattern.
			a, err := implicitCast(arg, TypeInt64)
			if err != nil {
				return AggregateCall{}, err
			}
			call.Arg = a
		}
		call.DataType = TypeUint64
	case AggStddevPop, AggStddevSamp, AggVarPop, AggVarSamp:
		if c := classOf(arg.Type()); !(isNumericClass(c) || c == clsString || c == clsNull) {
			return AggregateCall{}, errs.Invalidf("%s of %s (%s) is not supported", strings.ToUpper(string(call.Func)), arg, TypeName(arg.Type()))
		}
		a, err := implicitCast(arg, TypeFloat64)
		if err != nil {
			return AggregateCall{}, err
		}
		call.Arg, call.DataType = a, TypeFloat64
	case AggAnyValue:
		call.DataType = arg.Type()
	case AggGroupConcat:
		return NewAggregateCall(AggGroupConcat, []Expr{arg}, call.Distinct, nil, ",")
	}
	return call, nil
}
