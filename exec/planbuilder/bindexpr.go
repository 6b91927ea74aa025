package planbuilder

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// selectAlias is a select-list item visible by name in GROUP BY, HAVING
// and ORDER BY (MySQL allows aliases there).
type selectAlias struct {
	name   string
	e      expr.Expr // bound over the select's input (aggregates as aggRef)
	hasAgg bool
}

// exprCtx binds AST expressions against one scope.
type exprCtx struct {
	s      *stmtBuilder
	sc     *scope
	clause string // MySQL clause name for messages: "field list", "where clause"...
	// aggs collects aggregate calls; nil means aggregates are not allowed
	// here (WHERE, GROUP BY, inside another aggregate).
	aggs *aggCollector
	// aliases usable by unqualified names; aliasFirst makes them win over
	// input columns (ORDER BY), otherwise they are a fallback (HAVING).
	aliases    []selectAlias
	aliasFirst bool
	depth      int
	// groupCols is set while HAVING binds: the input columns that are
	// GROUP BY keys. MySQL resolves a HAVING name in the GROUP BY list,
	// then the select list, then the FROM tables, so an unqualified name
	// of an input column that is not a group key but is also a select
	// alias means the alias (having.go).
	groupCols map[int]bool

	// inWindow is set while a window function's arguments and window are
	// bound (window functions do not nest): window.go.
	inWindow bool
}

func (c *exprCtx) bind(n ast.ExprNode) (expr.Expr, error) {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > c.s.maxExprDepth {
		return nil, errs.Exhaustedf("expression nests deeper than %d levels (%d × MaxNestingDepth)", c.s.maxExprDepth, exprDepthFactor)
	}
	switch n := n.(type) {
	case *test_driver.ValueExpr:
		return valueLiteral(n)
	case *outerValue:
		return c.bindOuterValue(n) // subquery_exists.go
	case *ast.ParenthesesExpr:
		return c.bind(n.Expr)
	case *ast.ColumnNameExpr:
		return c.bindColumn(n.Name)
	case *ast.BinaryOperationExpr:
		return c.bindBinary(n)
	case *ast.UnaryOperationExpr:
		return c.bindUnary(n)
	case *ast.IsNullExpr:
		in, err := c.bind(n.Expr)
		if err != nil {
			return nil, err
		}
		return expr.NewIsNull(in, n.Not)
	case *ast.IsTruthExpr:
		in, err := c.bind(n.Expr)
		if err != nil {
			return nil, err
		}
		// x IS TRUE is (x <=> TRUE) on x's truth value: never NULL.
		b, err := toBool(in)
		if err != nil {
			return nil, err
		}
		e, err := expr.NewBinary(expr.OpNullSafeEq, b, boolLit(n.True > 0))
		if err != nil || !n.Not {
			return e, err
		}
		return expr.NewNot(e)
	case *ast.BetweenExpr:
		return c.bindBetween(n)
	case *ast.PatternInExpr:
		return c.bindIn(n)
	case *ast.PatternLikeOrIlikeExpr:
		if !n.IsLike {
			return nil, errs.NotImplementedf("ILIKE is not supported")
		}
		in, err := c.bind(n.Expr)
		if err != nil {
			return nil, err
		}
		pat, err := c.bind(n.Pattern)
		if err != nil {
			return nil, err
		}
		return expr.NewLike(in, pat, rune(n.Escape), n.Not)
	case *ast.PatternRegexpExpr:
		return c.bindRegexp(n) // func_more.go
	case *ast.CaseExpr:
		return c.bindCase(n)
	case *ast.FuncCastExpr:
		in, err := c.bind(n.Expr)
		if err != nil {
			return nil, err
		}
		to, err := arrowType(n.Tp, true)
		if err != nil {
			return nil, err
		}
		cast, err := expr.NewCast(in, to)
		if err != nil {
			return nil, err
		}
		if flen := n.Tp.GetFlen(); to.ID() == arrow.STRING && flen >= 0 {
			// CAST(x AS CHAR(N)) keeps the first N characters.
			return expr.NewCallIn(c.s.b.Funcs, "left", []expr.Expr{cast, expr.NewLiteral(int64(flen))})
		}
		return cast, nil
	case *ast.FuncCallExpr:
		return c.bindCall(n)
	case *ast.AggregateFuncExpr:
		return c.bindAggregate(n)
	case *ast.WindowFuncExpr:
		return c.bindWindow(n)
	case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr, *ast.CompareSubqueryExpr:
		return c.bindSubquery(n)
	case *ast.RowExpr:
		return nil, errs.NotImplementedf("row constructors (a, b) are not supported yet")
	case *ast.VariableExpr:
		return c.bindVariable(n) // show.go
	case *test_driver.ParamMarkerExpr:
		return c.bindParam(n, nil) // params.go
	case *ast.DefaultExpr:
		return nil, errs.NotImplementedf("DEFAULT is not supported")
	case *ast.PositionExpr:
		return nil, errs.Invalidf("a column position is allowed only as a whole GROUP BY or ORDER BY item")
	case *ast.TimeUnitExpr, *ast.TrimDirectionExpr, *ast.GetFormatSelectorExpr:
		return keywordArg(n) // exprfuncs.go
	}
	return nil, errs.NotImplementedf("expression %s is not supported", strings.TrimPrefix(fmt.Sprintf("%T", n), "*ast."))
}

func (c *exprCtx) bindColumn(cn *ast.ColumnName) (expr.Expr, error) {
	unqualified := cn.Table.O == "" && cn.Schema.O == ""
	if unqualified && c.aliasFirst {
		if a, ok, err := c.alias(cn.Name.O); ok || err != nil {
			return a, err
		}
	}
	i, err := c.sc.resolve(cn, c.clause)
	if err != nil {
		if unqualified && !c.aliasFirst && errorsIsNotFound(err) {
			if a, ok, aerr := c.alias(cn.Name.O); ok || aerr != nil {
				return a, aerr
			}
		}
		if errorsIsNotFound(err) {
			if e, ok, oerr := c.outerColumn(cn); ok {
				return e, oerr
			}
		}
		return nil, err
	}
	if unqualified && c.groupCols != nil && !c.groupCols[i] {
		if a, ok, aerr := c.alias(cn.Name.O); ok || aerr != nil {
			return a, aerr
		}
	}
	col := c.sc.cols[i]
	return &expr.Column{Index: i, Name: col.name, DataType: col.typ}, nil
}

// alias returns the select expression an alias names. An alias of an
// aggregate where aggregates are not allowed (GROUP BY) is an error.
func (c *exprCtx) alias(name string) (expr.Expr, bool, error) {
	for _, a := range c.aliases {
		if strings.EqualFold(a.name, name) {
			if a.hasAgg && c.aggs == nil {
				return nil, false, errs.Invalidf("can't group on '%s'", a.name)
			}
			return a.e, true, nil
		}
	}
	return nil, false, nil
}

var binaryOps = map[opcode.Op]expr.Op{
	opcode.EQ: expr.OpEq, opcode.NE: expr.OpNotEq, opcode.LT: expr.OpLt, opcode.LE: expr.OpLtEq,
	opcode.GT: expr.OpGt, opcode.GE: expr.OpGtEq, opcode.NullEQ: expr.OpNullSafeEq,
	opcode.LogicAnd: expr.OpAnd, opcode.LogicOr: expr.OpOr,
	opcode.Plus: expr.OpAdd, opcode.Minus: expr.OpSub, opcode.Mul: expr.OpMul,
	opcode.Div: expr.OpDiv, opcode.IntDiv: expr.OpIntDiv, opcode.Mod: expr.OpMod,
}

func (c *exprCtx) bindBinary(n *ast.BinaryOperationExpr) (expr.Expr, error) {
	l, r, err := c.bindOperands(n.L, n.R) // params.go: types a lone ?
	if err != nil {
		return nil, err
	}
	if n.Op == opcode.LogicXor {
		// a XOR b is NULL when either is NULL, else their truth values
		// differ: exactly != over booleans.
		if l, err = toBool(l); err != nil {
			return nil, err
		}
		if r, err = toBool(r); err != nil {
			return nil, err
		}
		return expr.NewBinary(expr.OpNotEq, l, r)
	}
	if fn, ok := bitOps[n.Op]; ok {
		return expr.NewCallIn(c.s.b.Funcs, fn, []expr.Expr{l, r})
	}
	op, ok := binaryOps[n.Op]
	if !ok {
		return nil, errs.NotImplementedf("operator %s is not supported yet", n.Op.String())
	}
	return expr.NewBinary(op, l, r)
}

// bitOps are MySQL's bit operators, evaluated by built-in functions (see
// exec/expr/func_bits.go).
var bitOps = map[opcode.Op]string{
	opcode.And: expr.BitAndFunc, opcode.Or: expr.BitOrFunc, opcode.Xor: expr.BitXorFunc,
	opcode.LeftShift: expr.ShiftLeftFunc, opcode.RightShift: expr.ShiftRightFunc,
}

func (c *exprCtx) bindUnary(n *ast.UnaryOperationExpr) (expr.Expr, error) {
	in, err := c.bind(n.V)
	if err != nil {
		return nil, err
	}
	switch n.Op {
	case opcode.Minus:
		return newNegate(in)
	case opcode.Plus:
		return in, nil
	case opcode.Not, opcode.Not2:
		return expr.NewNot(in)
	case opcode.BitNeg:
		return expr.NewCallIn(c.s.b.Funcs, expr.BitNegFunc, []expr.Expr{in})
	}
	return nil, errs.NotImplementedf("operator %s is not supported yet", n.Op.String())
}

func (c *exprCtx) bindBetween(n *ast.BetweenExpr) (expr.Expr, error) {
	x, bounds, err := c.bindTested(n.Expr, []ast.ExprNode{n.Left, n.Right}) // params.go
	if err != nil {
		return nil, err
	}
	lo, hi := bounds[0], bounds[1]
	// x BETWEEN lo AND hi is x >= lo AND x <= hi; NOT BETWEEN is x < lo OR x > hi.
	lop, hop, join := expr.OpGtEq, expr.OpLtEq, expr.OpAnd
	if n.Not {
		lop, hop, join = expr.OpLt, expr.OpGt, expr.OpOr
	}
	a, err := expr.NewBinary(lop, x, lo)
	if err != nil {
		return nil, err
	}
	b, err := expr.NewBinary(hop, x, hi)
	if err != nil {
		return nil, err
	}
	return expr.NewBinary(join, a, b)
}

func (c *exprCtx) bindIn(n *ast.PatternInExpr) (expr.Expr, error) {
	if n.Sel != nil {
		return c.bindInSubquery(n)
	}
	if len(n.List) > c.s.lim.MaxInListItems {
		return nil, errs.Exhaustedf("IN list has %d items, over the limit of %d (MaxInListItems)", len(n.List), c.s.lim.MaxInListItems)
	}
	in, list, err := c.bindTested(n.Expr, n.List) // params.go
	if err != nil {
		return nil, err
	}
	return expr.NewIn(in, list, n.Not)
}

func (c *exprCtx) bindCase(n *ast.CaseExpr) (expr.Expr, error) {
	var value expr.Expr
	var err error
	if n.Value != nil {
		if value, err = c.bind(n.Value); err != nil {
			return nil, err
		}
	}
	whens := make([]expr.When, len(n.WhenClauses))
	for i, w := range n.WhenClauses {
		cond, err := c.bind(w.Expr)
		if err != nil {
			return nil, err
		}
		if value != nil { // simple CASE: value = when
			if cond, err = expr.NewBinary(expr.OpEq, value, cond); err != nil {
				return nil, err
			}
		}
		then, err := c.bind(w.Result)
		if err != nil {
			return nil, err
		}
		whens[i] = expr.When{Cond: cond, Then: then}
	}
	var els expr.Expr
	if n.ElseClause != nil {
		if els, err = c.bind(n.ElseClause); err != nil {
			return nil, err
		}
	}
	return expr.NewCase(whens, els)
}

func (c *exprCtx) bindCall(n *ast.FuncCallExpr) (expr.Expr, error) {
	switch n.FnName.L {
	case ast.DateLiteral, ast.TimeLiteral, ast.TimestampLiteral:
		return temporalLiteral(n)
	case "convert":
		return c.bindConvertUsing(n) // exprfuncs.go
	case "any_value":
		return c.bindAnyValue(n)
	case "grouping":
		return c.bindGrouping(n) // rollup.go
	}
	if n.Schema.O != "" {
		return nil, errs.NotImplementedf("schema-qualified function %s.%s is not supported", n.Schema.O, n.FnName.O)
	}
	if e, ok := c.sessionFunc(n); ok { // func_more.go
		return e, nil
	}
	args := make([]expr.Expr, len(n.Args))
	for i, a := range n.Args {
		var err error
		if args[i], err = c.bind(a); err != nil {
			return nil, err
		}
	}
	return expr.NewCallIn(c.s.b.Funcs, n.FnName.L, args)
}

func (c *exprCtx) bindAggregate(n *ast.AggregateFuncExpr) (expr.Expr, error) {
	if isMoreAggregate(n) {
		return c.bindMoreAggregate(n)
	}
	fn := expr.AggFunc(strings.ToLower(n.F))
	switch fn {
	case expr.AggCount, expr.AggSum, expr.AggAvg, expr.AggMin, expr.AggMax:
	default:
		return nil, errs.NotImplementedf("aggregate function %s is not supported yet", strings.ToUpper(n.F))
	}
	if c.aggs == nil {
		return nil, errs.Invalidf("Invalid use of group function %s in %s", strings.ToUpper(n.F), c.clause)
	}
	if n.Order != nil {
		return nil, errs.NotImplementedf("ORDER BY inside %s is not supported", strings.ToUpper(n.F))
	}
	if len(n.Args) != 1 {
		return nil, errs.Invalidf("%s takes one argument, got %d", strings.ToUpper(n.F), len(n.Args))
	}
	var arg expr.Expr
	// COUNT(*) parses as COUNT(1); any non-NULL constant counts every row.
	if v, ok := n.Args[0].(*test_driver.ValueExpr); !(fn == expr.AggCount && !n.Distinct && ok && v.Kind() != test_driver.KindNull) {
		inner := *c
		inner.aggs = nil // aggregates do not nest
		inner.aliases = nil
		inner.clause = c.clause
		var err error
		if arg, err = inner.bind(n.Args[0]); err != nil {
			return nil, err
		}
	}
	call, err := expr.NewAggregate(fn, arg, n.Distinct)
	if err != nil {
		return nil, err
	}
	return c.aggs.add(call), nil
}

// valueLiteral converts a parsed literal to a typed expr.Literal.
func valueLiteral(v *test_driver.ValueExpr) (expr.Expr, error) {
	switch v.Kind() {
	case test_driver.KindNull:
		return &expr.Literal{DataType: arrow.Null}, nil
	case test_driver.KindInt64:
		if mysql.HasIsBooleanFlag(v.GetType().GetFlag()) {
			return boolLit(v.GetInt64() != 0), nil
		}
		return &expr.Literal{DataType: arrow.PrimitiveTypes.Int64, Value: v.GetInt64()}, nil
	case test_driver.KindUint64:
		u := v.GetUint64()
		if u <= math.MaxInt64 {
			return &expr.Literal{DataType: arrow.PrimitiveTypes.Int64, Value: int64(u)}, nil
		}
		return &expr.Literal{DataType: arrow.PrimitiveTypes.Uint64, Value: u}, nil
	case test_driver.KindFloat32, test_driver.KindFloat64:
		return &expr.Literal{DataType: arrow.PrimitiveTypes.Float64, Value: v.GetFloat64()}, nil
	case test_driver.KindString:
		return &expr.Literal{DataType: arrow.BinaryTypes.String, Value: v.GetString()}, nil
	case test_driver.KindBytes:
		return &expr.Literal{DataType: arrow.BinaryTypes.Binary, Value: append([]byte(nil), v.GetBytes()...)}, nil
	case test_driver.KindBinaryLiteral:
		return expr.NewHexLiteral(v.GetBinaryLiteral()), nil
	case test_driver.KindMysqlDecimal:
		return decimalLiteral(v.GetMysqlDecimal().String())
	}
	return nil, errs.NotImplementedf("literal of kind %d is not supported", v.Kind())
}

// temporalLiteral converts DATE '...', TIME '...' and TIMESTAMP '...'.
func temporalLiteral(n *ast.FuncCallExpr) (expr.Expr, error) {
	if len(n.Args) != 1 {
		return nil, errs.Invalidf("bad temporal literal")
	}
	v, ok := n.Args[0].(*test_driver.ValueExpr)
	if !ok || v.Kind() != test_driver.KindString {
		return nil, errs.Invalidf("bad temporal literal: expected a quoted string")
	}
	s := strings.TrimSpace(v.GetString())
	switch n.FnName.L {
	case ast.DateLiteral:
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return nil, errs.Invalidf("incorrect DATE value: '%s' (expected 'YYYY-MM-DD')", s)
		}
		return &expr.Literal{DataType: arrow.FixedWidthTypes.Date32, Value: arrow.Date32FromTime(t)}, nil
	case ast.TimestampLiteral:
		for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02T15:04:05.999999", "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return &expr.Literal{DataType: &arrow.TimestampType{Unit: arrow.Microsecond}, Value: arrow.Timestamp(t.UnixMicro())}, nil
			}
		}
		return nil, errs.Invalidf("incorrect DATETIME value: '%s' (expected 'YYYY-MM-DD hh:mm:ss[.ffffff]')", s)
	default: // TIME
		t, err := time.Parse("15:04:05.999999", s)
		if err != nil {
			return nil, errs.Invalidf("incorrect TIME value: '%s' (expected 'hh:mm:ss[.ffffff]')", s)
		}
		us := int64(t.Hour())*3600e6 + int64(t.Minute())*60e6 + int64(t.Second())*1e6 + int64(t.Nanosecond())/1e3
		return &expr.Literal{DataType: arrow.FixedWidthTypes.Time64us, Value: arrow.Time64(us)}, nil
	}
}
