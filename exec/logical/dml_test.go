package logical_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

func TestRewriteAndCommandPrint(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "qty", Type: arrow.PrimitiveTypes.Int64}}, nil)
	id := &expr.Column{Index: 0, Name: "id", DataType: arrow.PrimitiveTypes.Int64}
	where, err := expr.NewBinary(expr.OpGt, id, expr.NewLiteral(int64(3)))
	if err != nil {
		t.Fatal(err)
	}
	name := catalog.Name{Catalog: "c", Schema: "s", Table: "t"}
	plus, err := expr.NewBinary(expr.OpAdd, id, expr.NewLiteral(int64(1)))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		plan logical.Plan
		want string
	}{
		{&logical.Rewrite{Kind: logical.RewriteDelete, Name: name, TableSchema: schema, Limit: -1}, "Delete: c.s.t"},
		{&logical.Rewrite{Kind: logical.RewriteDelete, Name: name, TableSchema: schema, Where: where, Limit: 2}, "Delete: c.s.t where=id > 3 limit=2"},
		{&logical.Rewrite{Kind: logical.RewriteUpdate, Name: name, TableSchema: schema, Where: where, Limit: -1,
			Sets: []logical.Assignment{{Column: 1, Name: "qty", Value: plus}, {Column: 0, Name: "id", Value: expr.NewLiteral(int64(7))}}},
			"Update: c.s.t set=[qty = id + 1, id = 7] where=id > 3"},
		{&logical.Rewrite{Kind: logical.RewriteTruncate, Name: name, TableSchema: schema, Limit: -1}, "Truncate: c.s.t"},
		{&logical.Command{Verb: "CreateView", Object: "c.s.v (a)", Run: func(context.Context) error { return nil }}, "CreateView: c.s.v (a)"},
	}
	for _, c := range cases {
		if got := c.plan.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
		if got := logical.Format(c.plan); got != c.want+"\n" {
			t.Errorf("Format() = %q, want %q", got, c.want+"\n")
		}
		if !c.plan.Schema().Equal(logical.DMLSchema) || len(c.plan.Children()) != 0 {
			t.Errorf("%s: schema %s, %d children", c.want, c.plan.Schema(), len(c.plan.Children()))
		}
		cp := c.plan.WithChildren(nil)
		if cp == c.plan || cp.String() != c.plan.String() {
			t.Errorf("%s: WithChildren must return a new, equal node", c.want)
		}
	}
}
