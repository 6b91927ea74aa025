package physopt_test

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/physical"
	"github.com/quiverdb/quiver/exec/physopt"
)

func TestSanityCheckJoins(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	strSchema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	in := &physical.ValuesExec{Out: schema}
	strIn := &physical.ValuesExec{Out: strSchema}
	k := &expr.Column{Index: 0, Name: "k", DataType: arrow.PrimitiveTypes.Int64}
	bad := &expr.Column{Index: 1, Name: "k", DataType: arrow.PrimitiveTypes.Int64}
	s := &expr.Column{Index: 0, Name: "s", DataType: arrow.BinaryTypes.String}
	cond, err := expr.NewBinary(expr.OpLt, k, &expr.Column{Index: 1, Name: "k", DataType: arrow.PrimitiveTypes.Int64})
	if err != nil {
		t.Fatal(err)
	}
	good := []physical.Plan{
		&physical.HashJoinExec{Type: logical.JoinLeft, Left: in, Right: in, Keys: []logical.EquiKey{{Left: k, Right: k}}, Condition: cond},
		&physical.HashJoinExec{Type: logical.JoinAnti, Left: in, Right: in, Keys: []logical.EquiKey{{Left: k, Right: k}}, NullAware: true},
		&physical.NestedLoopJoinExec{Type: logical.JoinInner, Left: in, Right: in, Condition: cond, BuildLeft: true},
	}
	for _, p := range good {
		if err := physopt.Validate(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	broken := []physical.Plan{
		&physical.HashJoinExec{Type: logical.JoinInner, Left: in, Right: in},
		&physical.HashJoinExec{Type: logical.JoinInner, Left: in, Right: in, Keys: []logical.EquiKey{{Left: bad, Right: k}}},
		&physical.HashJoinExec{Type: logical.JoinInner, Left: in, Right: strIn, Keys: []logical.EquiKey{{Left: k, Right: s}}},
		&physical.HashJoinExec{Type: logical.JoinSemi, Left: in, Right: in, Keys: []logical.EquiKey{{Left: k, Right: k}}, NullAware: true},
		&physical.NestedLoopJoinExec{Type: logical.JoinInner, Left: in, Right: in, Condition: k},
	}
	for _, p := range broken {
		if err := physopt.Validate(p); !errors.Is(err, errs.ErrInternal) {
			t.Errorf("%s: got %v, want an internal error", p, err)
		}
	}
}
