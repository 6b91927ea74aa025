package physopt

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/physical"
)

// BooleanResults makes a query return computed truth values the way MySQL
// does: as integers. MySQL has no boolean type (BOOLEAN is TINYINT(1)), so
// `SELECT 1 = 1` is the BIGINT 1, `SELECT a > 1` is 0, 1 or NULL and TRUE /
// FALSE are 1 / 0. Inside the plan truth values stay Arrow BOOL (filters,
// join conditions and CASE need them, and arithmetic and aggregates already
// convert BOOL to numbers); only the result columns change, at the root:
//
//   - a BOOL result column computed by the query (comparisons, logic, IN,
//     LIKE, EXISTS, IS NULL, boolean literals, aggregates of them) becomes
//     CAST(x AS BIGINT) in the root projection (a ProjectExec is added
//     above a root that is not one);
//   - a BOOL column read unchanged from a table (e.g. a Parquet BOOLEAN,
//     through filters, sorts, limits, joins and plain column projections)
//     stays BOOL: Arrow clients get the provider's type.
//
// Statements that return no query rows (DDL, INSERT) are left alone; for
// EXPLAIN the explained plan is rewritten, so EXPLAIN shows the casts. Like
// Collation, the rule decides results, so the engine runs it with the
// optimizer disabled too (it is one of SemanticRules). It is idempotent.
type BooleanResults struct{}

// Name implements Rule.
func (BooleanResults) Name() string { return "BooleanResults" }

// Rewrite implements Rule.
func (BooleanResults) Rewrite(_ context.Context, plan physical.Plan, _ Config) (physical.Plan, bool, error) {
	if ex, ok := plan.(*physical.ExplainExec); ok {
		in, changed, err := booleanResults(ex.Input)
		if err != nil || !changed {
			return plan, false, err
		}
		return ex.WithChildren([]physical.Plan{in}), true, nil
	}
	return booleanResults(plan)
}

func booleanResults(p physical.Plan) (physical.Plan, bool, error) {
	switch p.(type) {
	case *physical.CreateTableExec, *physical.DropTableExec, *physical.InsertExec, *physical.ExplainExec:
		return p, false, nil
	}
	schema := p.Schema()
	var convert []int
	for i, f := range schema.Fields() {
		if f.Type.ID() == arrow.BOOL && !readFromTable(p, i, 0) {
			convert = append(convert, i)
		}
	}
	if len(convert) == 0 {
		return p, false, nil
	}
	var proj *physical.ProjectExec
	if root, ok := p.(*physical.ProjectExec); ok {
		proj = &physical.ProjectExec{Input: root.Input, Exprs: append([]expr.Expr(nil), root.Exprs...), Names: root.Names}
	} else {
		proj = &physical.ProjectExec{Input: p, Exprs: make([]expr.Expr, schema.NumFields()), Names: make([]string, schema.NumFields())}
		for i, f := range schema.Fields() {
			proj.Exprs[i] = &expr.Column{Index: i, Name: f.Name, DataType: f.Type}
			proj.Names[i] = f.Name
		}
	}
	for _, i := range convert {
		e, err := expr.NewCast(proj.Exprs[i], expr.TypeInt64)
		if err != nil {
			return nil, false, errs.Wrap(errs.ErrInternal, err, "boolean result column %s", proj.Names[i])
		}
		proj.Exprs[i] = e
	}
	return proj, true, nil
}

// maxTraceDepth bounds readFromTable's descent; deeper columns count as
// computed (converted), which is always a valid answer.
const maxTraceDepth = 256

// readFromTable reports whether column i of p is a table column passed
// through unchanged: traced through row-preserving and row-selecting nodes
// and plain column references down to a ScanExec.
func readFromTable(p physical.Plan, i, depth int) bool {
	if depth > maxTraceDepth {
		return false
	}
	depth++
	switch n := p.(type) {
	case *physical.ScanExec:
		return true
	case *physical.FilterExec:
		return readFromTable(n.Input, i, depth)
	case *physical.SortExec:
		return readFromTable(n.Input, i, depth)
	case *physical.LimitExec:
		return readFromTable(n.Input, i, depth)
	case *physical.ProjectExec:
		if c, ok := n.Exprs[i].(*expr.Column); ok {
			return readFromTable(n.Input, c.Index, depth)
		}
		return false
	case *physical.HashJoinExec:
		return joinSideFromTable(n.Type, n.Left, n.Right, i, depth)
	case *physical.NestedLoopJoinExec:
		return joinSideFromTable(n.Type, n.Left, n.Right, i, depth)
	case *physical.UnionExec:
		for _, in := range n.Inputs {
			if !readFromTable(in, i, depth) {
				return false
			}
		}
		return len(n.Inputs) > 0
	case *physical.SetOpExec:
		return readFromTable(n.Left, i, depth)
	case *physical.SubqueryJoinExec:
		return i < n.Input.Schema().NumFields() && readFromTable(n.Input, i, depth)
	case *physical.WindowExec:
		return i < n.Input.Schema().NumFields() && readFromTable(n.Input, i, depth)
	case *physical.HashAggregateExec:
		if i < len(n.GroupBy) {
			if c, ok := n.GroupBy[i].(*expr.Column); ok {
				return readFromTable(n.Input, c.Index, depth)
			}
		}
		return false
	}
	return false
}

func joinSideFromTable(t logical.JoinType, l, r physical.Plan, i, depth int) bool {
	nl := l.Schema().NumFields()
	if i < nl {
		return readFromTable(l, i, depth)
	}
	if t.LeftOnly() {
		return false
	}
	return readFromTable(r, i-nl, depth)
}
