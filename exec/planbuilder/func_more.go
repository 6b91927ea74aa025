package planbuilder

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/quiverdb/quiver/exec/expr"
)

// bindRegexp binds x [NOT] REGEXP pattern (and RLIKE) as REGEXP_LIKE(x,
// pattern), negated for NOT: exec/expr's func_regexp.go has the semantics
// (case-insensitive for VARCHAR, as MySQL's default collation).
func (c *exprCtx) bindRegexp(n *ast.PatternRegexpExpr) (expr.Expr, error) {
	in, err := c.bind(n.Expr)
	if err != nil {
		return nil, err
	}
	pat, err := c.bind(n.Pattern)
	if err != nil {
		return nil, err
	}
	e, err := expr.NewCallIn(c.s.b.Funcs, "regexp_like", []expr.Expr{in, pat})
	if err != nil || !n.Not {
		return e, err
	}
	return expr.NewNot(e)
}

// sessionFunc folds the functions that read the session at bind time:
// DATABASE() and SCHEMA() are the current schema (NULL when none is
// selected, as in MySQL). ok=false for other functions.
func (c *exprCtx) sessionFunc(n *ast.FuncCallExpr) (expr.Expr, bool) {
	switch n.FnName.L {
	case "database", "schema":
		if len(n.Args) != 0 {
			return nil, false // let the registry report the arity
		}
		if s := c.s.b.Options.Schema; s != "" {
			return &expr.Literal{DataType: arrow.BinaryTypes.String, Value: s}, true
		}
		return &expr.Literal{DataType: arrow.BinaryTypes.String}, true
	}
	return nil, false
}
