package physical

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/operator"
)

// UnionExec streams its inputs one after another (UNION ALL). Every input
// produces Out's column types.
type UnionExec struct {
	Inputs []Plan
	Out    *arrow.Schema
}

// SetOpExec is Left INTERSECT/EXCEPT Right [ALL] by hashing the right side
// (see logical.SetOp for the semantics).
type SetOpExec struct {
	Kind        logical.SetOpKind
	All         bool
	Left, Right Plan
	Out         *arrow.Schema
}

// SubqueryJoinExec appends to Input's rows one column computed from an
// uncorrelated Subquery run once per execution (see logical.SubqueryJoin).
type SubqueryJoinExec struct {
	Kind     logical.SubqueryKind
	Input    Plan
	Subquery Plan
	Probe    expr.Expr // SubqueryIn: over Input's schema
	Name     string
}

var (
	_ Plan = (*UnionExec)(nil)
	_ Plan = (*SetOpExec)(nil)
	_ Plan = (*SubqueryJoinExec)(nil)
)

func (u *UnionExec) Schema() *arrow.Schema { return u.Out }
func (u *UnionExec) Children() []Plan      { return u.Inputs }
func (u *UnionExec) WithChildren(c []Plan) Plan {
	return &UnionExec{Inputs: append([]Plan(nil), c...), Out: u.Out}
}
func (u *UnionExec) String() string { return fmt.Sprintf("UnionExec: inputs=%d", len(u.Inputs)) }

func (s *SetOpExec) Schema() *arrow.Schema { return s.Out }
func (s *SetOpExec) Children() []Plan      { return []Plan{s.Left, s.Right} }
func (s *SetOpExec) WithChildren(c []Plan) Plan {
	return &SetOpExec{Kind: s.Kind, All: s.All, Left: c[0], Right: c[1], Out: s.Out}
}
func (s *SetOpExec) String() string {
	mode := "distinct"
	if s.All {
		mode = "all"
	}
	return "SetOpExec: " + s.Kind.String() + " " + mode
}

// Schema is Input's columns then the subquery's column.
func (s *SubqueryJoinExec) Schema() *arrow.Schema {
	typ := arrow.DataType(arrow.FixedWidthTypes.Boolean)
	if s.Kind == logical.SubqueryScalar {
		typ = s.Subquery.Schema().Field(0).Type
	}
	in := s.Input.Schema()
	fields := make([]arrow.Field, 0, in.NumFields()+1)
	fields = append(fields, in.Fields()...)
	fields = append(fields, arrow.Field{Name: s.Name, Type: typ, Nullable: s.Kind != logical.SubqueryExists})
	return arrow.NewSchema(fields, nil)
}
func (s *SubqueryJoinExec) Children() []Plan { return []Plan{s.Input, s.Subquery} }
func (s *SubqueryJoinExec) WithChildren(c []Plan) Plan {
	n := *s
	n.Input, n.Subquery = c[0], c[1]
	return &n
}
func (s *SubqueryJoinExec) String() string {
	out := "SubqueryJoinExec: " + s.Kind.String()
	if s.Probe != nil {
		out += " probe=" + s.Probe.String()
	}
	return out + " as " + s.Name
}

// lowerSetOps lowers the set-operation and subquery nodes; ok is false for
// other nodes.
func lowerSetOps(p logical.Plan, child func(logical.Plan) (Plan, error)) (Plan, bool, error) {
	switch n := p.(type) {
	case *logical.Union:
		ins := make([]Plan, len(n.Inputs))
		for i, in := range n.Inputs {
			c, err := child(in)
			if err != nil {
				return nil, true, err
			}
			ins[i] = c
		}
		return &UnionExec{Inputs: ins, Out: n.Out}, true, nil
	case *logical.SetOp:
		l, err := child(n.Left)
		if err != nil {
			return nil, true, err
		}
		r, err := child(n.Right)
		if err != nil {
			return nil, true, err
		}
		return &SetOpExec{Kind: n.Kind, All: n.All, Left: l, Right: r, Out: n.Out}, true, nil
	case *logical.SubqueryJoin:
		in, err := child(n.Input)
		if err != nil {
			return nil, true, err
		}
		sub, err := child(n.Subquery)
		if err != nil {
			return nil, true, err
		}
		return &SubqueryJoinExec{Kind: n.Kind, Input: in, Subquery: sub, Probe: n.Probe, Name: n.Name}, true, nil
	}
	return nil, false, nil
}

// instantiateSetOps builds the operators of the nodes lowerSetOps makes;
// ok is false for other nodes.
func instantiateSetOps(_ context.Context, p Plan, ins []operator.Operator, mem memory.Allocator, budget *operator.Budget) (operator.Operator, bool, error) {
	switch n := p.(type) {
	case *UnionExec:
		return operator.NewUnion(ins, n.Out), true, nil
	case *SetOpExec:
		kind := operator.Intersect
		if n.Kind == logical.SetExcept {
			kind = operator.Except
		}
		return operator.NewSetOp(ins[0], ins[1], kind, n.All, n.Out, mem, budget), true, nil
	case *SubqueryJoinExec:
		var mode operator.SubqueryMode
		switch n.Kind {
		case logical.SubqueryScalar:
			mode = operator.SubqueryScalar
		case logical.SubqueryExists:
			mode = operator.SubqueryExists
		case logical.SubqueryIn:
			mode = operator.SubqueryIn
		default:
			return nil, true, errs.Internalf("unknown subquery kind %d", n.Kind)
		}
		return operator.NewSubqueryJoin(ins[0], ins[1], mode, n.Probe, n.Schema(), mem, budget), true, nil
	}
	return nil, false, nil
}
