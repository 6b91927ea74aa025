package logical

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
)

func TestSetOpAndSubqueryNodes(t *testing.T) {
	one := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	v := &Values{Out: one, Rows: [][]expr.Expr{{expr.NewLiteral(int64(1))}}}
	out := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	u := &Union{Inputs: []Plan{v, v, v}, Out: out}
	s := &SetOp{Kind: SetExcept, All: true, Left: u, Right: v, Out: out}
	probe := &expr.Column{Index: 0, Name: "a", DataType: arrow.PrimitiveTypes.Int64}
	j := &SubqueryJoin{Kind: SubqueryIn, Input: s, Subquery: v, Probe: probe, Name: "subquery1"}
	sc := &SubqueryJoin{Kind: SubqueryScalar, Input: j, Subquery: v, Name: "subquery2"}
	want := `SubqueryJoin: scalar as subquery2
  SubqueryJoin: in probe=a as subquery1
    SetOp: EXCEPT all columns=[a]
      Union: all inputs=3 columns=[a]
        Values: rows=1 columns=1
        Values: rows=1 columns=1
        Values: rows=1 columns=1
      Values: rows=1 columns=1
    Values: rows=1 columns=1
  Values: rows=1 columns=1
`
	if got := Format(sc); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	// Schemas: the joins append one column each, typed by kind.
	sch := sc.Schema()
	if sch.NumFields() != 3 || sch.Field(1).Name != "subquery1" || sch.Field(1).Type.ID() != arrow.BOOL ||
		sch.Field(2).Type.ID() != arrow.INT64 || !sch.Field(2).Nullable {
		t.Fatalf("schema %s", sch)
	}
	// WithChildren copies and replaces.
	r := u.WithChildren([]Plan{v, v}).(*Union)
	if len(r.Inputs) != 2 || len(u.Inputs) != 3 {
		t.Fatalf("Union.WithChildren changed the original or kept the inputs")
	}
	if s2 := s.WithChildren([]Plan{v, u}).(*SetOp); s2.Left != Plan(v) || s2.Right != Plan(u) || !s2.All || s2.Kind != SetExcept {
		t.Fatalf("SetOp.WithChildren: %+v", s2)
	}
	if j2 := j.WithChildren([]Plan{v, v}).(*SubqueryJoin); j2.Input != Plan(v) || j2.Probe != expr.Expr(probe) || j.Input != Plan(s) {
		t.Fatalf("SubqueryJoin.WithChildren: %+v", j2)
	}
	if e := (&SubqueryJoin{Kind: SubqueryExists, Input: v, Subquery: v, Name: "x"}).Schema().Field(1); e.Nullable {
		t.Fatalf("EXISTS column must not be nullable")
	}
}
