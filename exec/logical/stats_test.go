package logical_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// An aggregate is unique on its GROUP BY columns, also seen through a
// Project that passes them on; anything else is unknown.
func TestUniqueOn(t *testing.T) {
	i64 := arrow.PrimitiveTypes.Int64
	col := func(i int) expr.Expr { return &expr.Column{Index: i, Name: "c", DataType: i64} }
	in := &logical.Values{Out: arrow.NewSchema([]arrow.Field{{Name: "k", Type: i64}, {Name: "v", Type: i64}}, nil)}
	agg := &logical.Aggregate{Input: in, GroupBy: []expr.Expr{col(0)}, GroupNames: []string{"k"}}
	proj := &logical.Project{Input: agg, Exprs: []expr.Expr{col(0)}, Names: []string{"k"}}
	for _, c := range []struct {
		name string
		p    logical.Plan
		keys []expr.Expr
		want bool
	}{
		{"aggregate on its key", agg, []expr.Expr{col(0)}, true},
		{"project over it", proj, []expr.Expr{col(0)}, true},
		{"filter over it", &logical.Filter{Input: agg, Predicate: expr.NewLiteral(true)}, []expr.Expr{col(0)}, true},
		{"not on the key", agg, nil, false},
		{"plain input", in, []expr.Expr{col(0)}, false},
	} {
		if got := logical.UniqueOn(c.p, c.keys); got != c.want {
			t.Errorf("%s: UniqueOn = %v, want %v", c.name, got, c.want)
		}
	}
}
