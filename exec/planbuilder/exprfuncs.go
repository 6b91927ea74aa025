package planbuilder

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// keywordArg binds the keyword arguments the parser gives some functions
// (the unit of INTERVAL / EXTRACT / TIMESTAMPDIFF, TRIM's LEADING /
// TRAILING / BOTH, GET_FORMAT's DATE / TIME) as constant upper-case string
// literals; exec/expr's functions read them at bind time (ScalarFunc.Bind)
// or as constant arguments.
func keywordArg(n ast.ExprNode) (expr.Expr, error) {
	var kw string
	switch k := n.(type) {
	case *ast.TimeUnitExpr:
		kw = k.Unit.String()
	case *ast.TrimDirectionExpr:
		kw = k.Direction.String()
	case *ast.GetFormatSelectorExpr:
		kw = k.Selector.String()
	default:
		return nil, errs.Internalf("keywordArg: unexpected %T", n)
	}
	return &expr.Literal{DataType: arrow.BinaryTypes.String, Value: strings.ToUpper(kw)}, nil
}

// bindConvertUsing binds CONVERT(x USING charset): a character set
// conversion. Every non-binary charset maps to VARCHAR (Quiver strings are
// UTF-8); USING binary gives VARBINARY.
func (c *exprCtx) bindConvertUsing(n *ast.FuncCallExpr) (expr.Expr, error) {
	if len(n.Args) != 2 {
		return nil, errs.Invalidf("CONVERT(expr USING charset) takes an expression and a character set")
	}
	cs, ok := n.Args[1].(*test_driver.ValueExpr)
	if !ok || cs.Kind() != test_driver.KindString {
		return nil, errs.Invalidf("CONVERT(expr USING charset): the character set must be a name")
	}
	in, err := c.bind(n.Args[0])
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(cs.GetString()) {
	case "binary":
		return expr.NewCast(in, arrow.BinaryTypes.Binary)
	case "utf8", "utf8mb4", "utf8mb3", "latin1", "ascii":
		return expr.NewCast(in, arrow.BinaryTypes.String)
	}
	return nil, errs.NotImplementedf("CONVERT(... USING %s): only utf8mb4, utf8, latin1, ascii and binary are supported", cs.GetString())
}
