package logical

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
)

// SubqueryKind says what a SubqueryJoin computes from its subquery.
type SubqueryKind int

// Subquery kinds.
const (
	// SubqueryScalar: the subquery's single value; NULL when it returns no
	// row; more than one row is ErrInvalid "Subquery returns more than 1
	// row" at run time.
	SubqueryScalar SubqueryKind = iota
	// SubqueryExists: TRUE when the subquery returns at least one row,
	// else FALSE (never NULL).
	SubqueryExists
	// SubqueryIn: Probe IN (the subquery's single column), three-valued:
	// TRUE on a match; NULL when there is no match and Probe is NULL (with a
	// non-empty subquery) or the subquery holds a NULL; else FALSE.
	SubqueryIn
)

func (k SubqueryKind) String() string {
	switch k {
	case SubqueryExists:
		return "exists"
	case SubqueryIn:
		return "in"
	}
	return "scalar"
}

// SubqueryJoin extends every row of Input with one column computed from an
// uncorrelated Subquery, which runs once per execution (before Input's
// first row is produced): a scalar value, an EXISTS flag or, per row, the
// IN membership of Probe. The output is Input's columns followed by that
// column, named Name. Probe (SubqueryIn only) binds to Input's schema and
// has the same type as the subquery's single column (the plan builder
// casts both sides to their comparison type).
//
// It is a join in disguise (a cross join with a one-row side, or a mark
// join): when join-based decorrelation is available a rule may replace it.
type SubqueryJoin struct {
	Kind     SubqueryKind
	Input    Plan
	Subquery Plan
	Probe    expr.Expr
	Name     string
}

var _ Plan = (*SubqueryJoin)(nil)

// ColumnType is the type of the appended column.
func (s *SubqueryJoin) ColumnType() arrow.DataType {
	if s.Kind == SubqueryScalar {
		return s.Subquery.Schema().Field(0).Type
	}
	return arrow.FixedWidthTypes.Boolean
}

func (s *SubqueryJoin) Schema() *arrow.Schema {
	in := s.Input.Schema()
	fields := make([]arrow.Field, 0, in.NumFields()+1)
	fields = append(fields, in.Fields()...)
	fields = append(fields, arrow.Field{Name: s.Name, Type: s.ColumnType(), Nullable: s.Kind != SubqueryExists})
	return arrow.NewSchema(fields, nil)
}
func (s *SubqueryJoin) Children() []Plan { return []Plan{s.Input, s.Subquery} }
func (s *SubqueryJoin) WithChildren(c []Plan) Plan {
	return &SubqueryJoin{Kind: s.Kind, Input: c[0], Subquery: c[1], Probe: s.Probe, Name: s.Name}
}
func (s *SubqueryJoin) String() string {
	out := "SubqueryJoin: " + s.Kind.String()
	if s.Probe != nil {
		out += " probe=" + s.Probe.String()
	}
	return out + " as " + s.Name
}
