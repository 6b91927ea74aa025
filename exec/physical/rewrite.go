package physical

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/operator"
)

// RewriteExec deletes, updates or truncates the rows of a Rewritable table
// when run (see logical.Rewrite); its output is one logical.DMLSchema row
// with the rows affected.
type RewriteExec struct {
	Kind        logical.RewriteKind
	Name        catalog.Name
	Target      catalog.Rewritable
	TableSchema *arrow.Schema
	Where       expr.Expr
	Sets        []logical.Assignment
	Limit       int64
}

// CommandExec runs a logical.Command (a catalog change counting no rows).
type CommandExec struct {
	Verb   string
	Object string
	Run    func(ctx context.Context) error
}

var (
	_ Plan = (*RewriteExec)(nil)
	_ Plan = (*CommandExec)(nil)
)

func (r *RewriteExec) Schema() *arrow.Schema { return logical.DMLSchema }
func (r *RewriteExec) Children() []Plan      { return nil }
func (r *RewriteExec) WithChildren([]Plan) Plan {
	n := *r
	n.Sets = append([]logical.Assignment(nil), r.Sets...)
	return &n
}
func (r *RewriteExec) String() string {
	return r.Kind.String() + "Exec: " + r.Name.String() + logical.FormatRewrite(r.Where, r.Sets, r.Limit)
}

func (c *CommandExec) Schema() *arrow.Schema    { return logical.DMLSchema }
func (c *CommandExec) Children() []Plan         { return nil }
func (c *CommandExec) WithChildren([]Plan) Plan { n := *c; return &n }
func (c *CommandExec) String() string           { return c.Verb + "Exec: " + c.Object }

// lowerDML lowers the logical DML/DDL nodes of this file; ok is false for
// any other node.
func lowerDML(p logical.Plan) (Plan, bool, error) {
	switch n := p.(type) {
	case *logical.Rewrite:
		if n.Target == nil || n.TableSchema == nil {
			return nil, true, errs.Internalf("%s of %s without a target table", n.Kind, n.Name)
		}
		return &RewriteExec{Kind: n.Kind, Name: n.Name, Target: n.Target, TableSchema: n.TableSchema,
			Where: n.Where, Sets: append([]logical.Assignment(nil), n.Sets...), Limit: n.Limit}, true, nil
	case *logical.Command:
		if n.Run == nil {
			return nil, true, errs.Internalf("%s %s without an action", n.Verb, n.Object)
		}
		return &CommandExec{Verb: n.Verb, Object: n.Object, Run: n.Run}, true, nil
	}
	return nil, false, nil
}

// instantiateDML builds the operators of this file's nodes; ok is false
// for any other node.
func instantiateDML(p Plan, mem memory.Allocator) (operator.Operator, bool) {
	switch n := p.(type) {
	case *RewriteExec:
		return newDDL(mem, func(ctx context.Context) (int64, error) {
			return runRewrite(ctx, n, mem)
		}), true
	case *CommandExec:
		return newDDL(mem, func(ctx context.Context) (int64, error) {
			if err := n.Run(ctx); err != nil {
				return 0, wrapKind(err, "%s %s", n.Verb, n.Object)
			}
			return 0, nil
		}), true
	}
	return nil, false
}

func runRewrite(ctx context.Context, n *RewriteExec, mem memory.Allocator) (int64, error) {
	if n.Kind == logical.RewriteTruncate {
		if t, ok := n.Target.(catalog.Truncatable); ok {
			if err := t.Truncate(ctx); err != nil {
				return 0, wrapKind(err, "TRUNCATE TABLE %s", n.Name)
			}
			return 0, nil
		}
		if _, err := n.Target.Rewrite(ctx, operator.NewRowEditor(n.TableSchema, operator.RowEdit{Limit: -1}, mem)); err != nil {
			return 0, wrapKind(err, "TRUNCATE TABLE %s", n.Name)
		}
		return 0, nil
	}
	edit := operator.RowEdit{Where: n.Where, Limit: n.Limit}
	for _, a := range n.Sets {
		edit.SetColumns = append(edit.SetColumns, a.Column)
		edit.SetValues = append(edit.SetValues, a.Value)
	}
	cnt, err := n.Target.Rewrite(ctx, operator.NewRowEditor(n.TableSchema, edit, mem))
	if err != nil {
		verb := "DELETE FROM"
		if n.Kind == logical.RewriteUpdate {
			verb = "UPDATE"
		}
		return 0, wrapKind(err, "%s %s", verb, n.Name)
	}
	return cnt, nil
}
