package expr

import (
	"github.com/quiverdb/quiver/errs"
)

// NewAggregate resolves an aggregate and its MySQL result type. arg is nil
// for COUNT(*). Result types: COUNT → BIGINT (never NULL); SUM of integers
// → DECIMAL(38,0), of DECIMAL(p,s) → DECIMAL(38,s), of floats → DOUBLE;
// AVG of integers → DECIMAL(38,4), of DECIMAL(p,s) → DECIMAL(38,min(s+4,30)),
// of floats → DOUBLE; MIN/MAX → the argument's type. SUM/AVG of strings
// convert the argument to DOUBLE (a Cast is inserted).
func NewAggregate(fn AggFunc, arg Expr, distinct bool) (AggregateCall, error) {
	call := AggregateCall{Func: fn, Arg: arg, Distinct: distinct}
	if arg == nil {
		if fn != AggCount {
			return AggregateCall{}, errs.Invalidf("%s(*) is not valid; only COUNT(*) takes *", fn)
		}
		if distinct {
			return AggregateCall{}, errs.Invalidf("COUNT(DISTINCT *) is not valid")
		}
		call.DataType = TypeInt64
		return call, nil
	}
	t := arg.Type()
	switch fn {
	case AggCount:
		call.DataType = TypeInt64
	case AggMin, AggMax:
		call.DataType = t
	case AggSum, AggAvg:
		c := classOf(t)
		switch {
		case c == clsString || c == clsBinary:
			a, err := implicitCast(arg, TypeFloat64)
			if err != nil {
				return AggregateCall{}, err
			}
			call.Arg = a
			call.DataType = TypeFloat64
		case c == clsFloat:
			call.DataType = TypeFloat64
		case c == clsDecimal:
			_, s := decimalOf(t)
			if fn == AggAvg {
				s = min(s+4, 30)
			}
			call.DataType = Decimal(38, s)
		case isIntegerClass(c) || c == clsBool || c == clsNull:
			if fn == AggAvg {
				call.DataType = Decimal(38, 4)
			} else {
				call.DataType = Decimal(38, 0)
			}
		default:
			return AggregateCall{}, errs.Invalidf("%s of %s (%s) is not supported", fn, arg, TypeName(t))
		}
	case AggBitAnd, AggBitOr, AggBitXor, AggStddevPop, AggStddevSamp, AggVarPop, AggVarSamp, AggAnyValue, AggGroupConcat:
		return newMoreAggregate(call)
	default:
		return AggregateCall{}, errs.NotFoundf("aggregate function %s does not exist", fn)
	}
	return call, nil
}
