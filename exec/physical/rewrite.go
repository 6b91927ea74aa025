package physical

import (
	"context"
	"strings"

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
	// Subqueries run first, each to completion; their results replace the
	// virtual columns TableSchema.NumFields()+k (see logical.Rewrite).
	Subqueries []RewriteSubqueryExec
}

// RewriteSubqueryExec is a lowered logical.RewriteSubquery.
type RewriteSubqueryExec struct {
	Kind  logical.SubqueryKind
	Plan  Plan
	Probe expr.Expr
	Name  string
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

// Children are the subqueries' plans, in order.
func (r *RewriteExec) Children() []Plan {
	if len(r.Subqueries) == 0 {
		return nil
	}
	out := make([]Plan, len(r.Subqueries))
	for i, s := range r.Subqueries {
		out[i] = s.Plan
	}
	return out
}

func (r *RewriteExec) WithChildren(c []Plan) Plan {
	n := *r
	n.Sets = append([]logical.Assignment(nil), r.Sets...)
	n.Subqueries = append([]RewriteSubqueryExec(nil), r.Subqueries...)
	for i := range n.Subqueries {
		n.Subqueries[i].Plan = c[i]
	}
	return &n
}
func (r *RewriteExec) String() string {
	subs := make([]string, len(r.Subqueries))
	for i, sq := range r.Subqueries {
		subs[i] = logical.FormatSubquery(sq.Name, sq.Kind, sq.Probe)
	}
	return r.Kind.String() + "Exec: " + r.Name.String() + logical.FormatRewrite(r.Where, r.Sets, r.Limit, subs...)
}

func (c *CommandExec) Schema() *arrow.Schema    { return logical.DMLSchema }
func (c *CommandExec) Children() []Plan         { return nil }
func (c *CommandExec) WithChildren([]Plan) Plan { n := *c; return &n }
func (c *CommandExec) String() string           { return c.Verb + "Exec: " + c.Object }

// lowerDML lowers the logical DML/DDL nodes of this file; ok is false for
// any other node.
func lowerDML(p logical.Plan, child func(logical.Plan) (Plan, error)) (Plan, bool, error) {
	switch n := p.(type) {
	case *logical.Rewrite:
		if n.Target == nil || n.TableSchema == nil {
			return nil, true, errs.Internalf("%s of %s without a target table", n.Kind, n.Name)
		}
		out := &RewriteExec{Kind: n.Kind, Name: n.Name, Target: n.Target, TableSchema: n.TableSchema,
			Where: n.Where, Sets: append([]logical.Assignment(nil), n.Sets...), Limit: n.Limit}
		for _, sq := range n.Subqueries {
			c, err := child(sq.Plan)
			if err != nil {
				return nil, true, err
			}
			out.Subqueries = append(out.Subqueries, RewriteSubqueryExec{Kind: sq.Kind, Plan: c, Probe: sq.Probe, Name: sq.Name})
		}
		return out, true, nil
	case *logical.Command:
		if n.Run == nil {
			return nil, true, errs.Internalf("%s %s without an action", n.Verb, n.Object)
		}
		return &CommandExec{Verb: n.Verb, Object: n.Object, Run: n.Run}, true, nil
	}
	return nil, false, nil
}

// instantiateDML builds the operators of this file's nodes over their
// already built children (a Rewrite's subqueries), which the operator owns;
// ok is false for any other node.
func instantiateDML(p Plan, ins []operator.Operator, mem memory.Allocator) (operator.Operator, bool) {
	switch n := p.(type) {
	case *RewriteExec:
		o := &countOp{mem: mem, children: ins}
		o.closeFn = func() error { // Close is idempotent: drained ones too
			var first error
			for _, in := range ins {
				if err := in.Close(); err != nil && first == nil {
					first = err
				}
			}
			return first
		}
		o.run = func(ctx context.Context) (int64, error) { return runRewrite(ctx, n, ins, mem) }
		return o, true
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

func runRewrite(ctx context.Context, n *RewriteExec, subs []operator.Operator, mem memory.Allocator) (int64, error) {
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
	where, sets := n.Where, make([]expr.Expr, len(n.Sets))
	for i, a := range n.Sets {
		sets[i] = a.Value
	}
	if len(n.Subqueries) > 0 {
		resolve, err := subqueryValues(ctx, n, subs)
		if err != nil {
			return 0, err
		}
		if where != nil {
			where = resolve(where)
		}
		for i := range sets {
			sets[i] = resolve(sets[i])
		}
	}
	edit := operator.RowEdit{Where: where, Limit: n.Limit, SetValues: sets}
	for _, a := range n.Sets {
		edit.SetColumns = append(edit.SetColumns, a.Column)
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

// subqueryValues runs a Rewrite's subqueries (subs, one operator each) and
// returns the function that replaces their virtual columns with the
// results: a scalar subquery's value (NULL without rows; more than one row
// is an error, as in MySQL), an EXISTS flag, or Probe IN (values).
func subqueryValues(ctx context.Context, n *RewriteExec, subs []operator.Operator) (func(expr.Expr) expr.Expr, error) {
	if len(subs) != len(n.Subqueries) {
		return nil, errs.Internalf("%s has %d subqueries but %d operators", n.Name, len(n.Subqueries), len(subs))
	}
	width := n.TableSchema.NumFields()
	repl := make([]expr.Expr, len(subs))
	resolve := func(e expr.Expr) expr.Expr {
		return expr.Transform(e, func(x expr.Expr) expr.Expr {
			if c, ok := x.(*expr.Column); ok && c.Index >= width && c.Index-width < len(repl) && repl[c.Index-width] != nil {
				return repl[c.Index-width]
			}
			return x
		})
	}
	for k, sq := range n.Subqueries {
		batches, err := operator.Drain(ctx, subs[k])
		if err != nil {
			return nil, err
		}
		repl[k], err = subqueryResult(sq, batches, resolve)
		for _, b := range batches {
			b.Release()
		}
		if err != nil {
			return nil, err
		}
	}
	return resolve, nil
}

// subqueryResult turns a subquery's rows into the expression that replaces
// its virtual column. Values are copied out of batches.
func subqueryResult(sq RewriteSubqueryExec, batches []arrow.RecordBatch, resolve func(expr.Expr) expr.Expr) (expr.Expr, error) {
	var rows int64
	for _, b := range batches {
		rows += b.NumRows()
	}
	switch sq.Kind {
	case logical.SubqueryExists:
		return expr.NewLiteral(rows > 0), nil
	case logical.SubqueryScalar:
		typ := sq.Plan.Schema().Field(0).Type
		switch {
		case rows == 0:
			return expr.Null(typ), nil
		case rows > 1:
			return nil, errs.Invalidf("subquery returns more than 1 row (%s)", sq.Name)
		}
		for _, b := range batches {
			if b.NumRows() > 0 {
				return ownedLiteral(b.Column(0), 0), nil
			}
		}
	case logical.SubqueryIn:
		if rows == 0 {
			return expr.NewLiteral(false), nil // x IN (empty) is FALSE, even for a NULL x
		}
		items := make([]expr.Expr, 0, rows)
		for _, b := range batches {
			col := b.Column(0)
			for i := 0; i < col.Len(); i++ {
				items = append(items, ownedLiteral(col, i))
			}
		}
		in, err := expr.NewIn(resolve(sq.Probe), items, false)
		if err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "IN (%s)", sq.Name)
		}
		return in, nil
	}
	return nil, errs.Internalf("subquery %s of kind %s", sq.Name, sq.Kind)
}

// ownedLiteral is expr.LiteralAt with string values copied: they must
// outlive the batch, which is released before the rewrite runs.
func ownedLiteral(a arrow.Array, i int) *expr.Literal {
	l := expr.LiteralAt(a, i)
	if str, ok := l.Value.(string); ok {
		l.Value = strings.Clone(str)
	}
	return l
}
