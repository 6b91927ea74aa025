package physopt

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/physical"
)

// SanityCheck validates a plan and never rewrites it. It must be the last
// rule. It checks:
//   - every expression binds to its node's input: column indexes in range and
//     each Column's type equal to the input field's type; predicates are
//     boolean; name lists match expression lists;
//   - scans: projection in range, the planned scan's schema matches the
//     projection, filters bind to the table's full schema, and a limit is
//     pushed only when no filter is Inexact or Unsupported;
//   - every Exact (full) filter really left the plan: no Filter directly
//     above a scan still evaluates it;
//   - INSERT input matches the target table's column types;
//   - EXPLAIN appears only at the root.
//
// A violation is an engine bug: the error is errs.ErrInternal and names the
// node.
type SanityCheck struct{}

// Name implements Rule.
func (SanityCheck) Name() string { return "SanityCheck" }

// Rewrite implements Rule; it returns plan unchanged or an error.
func (SanityCheck) Rewrite(_ context.Context, plan physical.Plan, _ Config) (physical.Plan, bool, error) {
	if err := Validate(plan); err != nil {
		return nil, false, err
	}
	return plan, false, nil
}

// Validate runs SanityCheck's checks on plan.
func Validate(plan physical.Plan) error {
	if plan == nil {
		return errs.Internalf("sanity check: nil plan")
	}
	return validate(plan, true)
}

func validate(p physical.Plan, root bool) error {
	for _, c := range p.Children() {
		if c == nil {
			return bad(p, "nil input")
		}
	}
	if err := validateNode(p, root); err != nil {
		return err
	}
	for _, c := range p.Children() {
		if err := validate(c, false); err != nil {
			return err
		}
	}
	return nil
}

func validateNode(p physical.Plan, root bool) error {
	switch n := p.(type) {
	case *physical.ScanExec:
		return validateScan(n)
	case *physical.FilterExec:
		if err := checkBoolean(p, n.Predicate, n.Input.Schema()); err != nil {
			return err
		}
		return checkExactFiltersRemoved(n)
	case *physical.ProjectExec:
		if len(n.Exprs) != len(n.Names) {
			return bad(p, "%d expressions but %d names", len(n.Exprs), len(n.Names))
		}
		return checkExprs(p, n.Input.Schema(), n.Exprs...)
	case *physical.HashAggregateExec:
		if len(n.GroupBy) != len(n.GroupNames) || len(n.Aggs) != len(n.AggNames) {
			return bad(p, "name lists do not match the group-by/aggregate lists")
		}
		in := n.Input.Schema()
		if err := checkExprs(p, in, n.GroupBy...); err != nil {
			return err
		}
		for _, a := range n.Aggs {
			if a.DataType == nil {
				return bad(p, "aggregate %s has no result type", a)
			}
			if a.Arg == nil {
				if a.Func != expr.AggCount {
					return bad(p, "aggregate %s needs an argument", a)
				}
				continue
			}
			if err := checkExprs(p, in, a.Exprs()...); err != nil {
				return err
			}
		}
		return nil
	case *physical.SortExec:
		if len(n.Keys) == 0 {
			return bad(p, "sort without keys")
		}
		if n.Fetch < -1 {
			return bad(p, "negative fetch %d", n.Fetch)
		}
		for _, k := range n.Keys {
			if err := checkExprs(p, n.Input.Schema(), k.Expr); err != nil {
				return err
			}
		}
		return nil
	case *physical.LimitExec:
		if n.Offset < 0 || n.Count < -1 {
			return bad(p, "invalid offset/count")
		}
		return nil
	case *physical.ValuesExec:
		if n.Out == nil {
			return bad(p, "no output schema")
		}
		for r, row := range n.Rows {
			if len(row) != n.Out.NumFields() {
				return bad(p, "row %d has %d values, expected %d", r, len(row), n.Out.NumFields())
			}
			for c, e := range row {
				if !expr.IsConstant(e) {
					return bad(p, "row %d value %s reads a column", r, e)
				}
				if t := e.Type(); t.ID() != arrow.NULL && !arrow.TypeEqual(t, n.Out.Field(c).Type) {
					return bad(p, "row %d column %d is %s, schema says %s", r, c, t, n.Out.Field(c).Type)
				}
			}
		}
		return nil
	case *physical.HashJoinExec, *physical.NestedLoopJoinExec:
		return validateJoin(p)
	case *physical.ExplainExec:
		if !root {
			return bad(p, "EXPLAIN below the root")
		}
		return nil
	case *physical.CreateTableExec:
		if n.Target == nil || n.TableSchema == nil {
			return bad(p, "missing target or schema")
		}
		return nil
	case *physical.DropTableExec:
		if n.Target == nil {
			return bad(p, "missing target")
		}
		return nil
	case *physical.InsertExec:
		if n.Target == nil {
			return bad(p, "missing target")
		}
		if t, ok := n.Target.(interface{ Schema() *arrow.Schema }); ok {
			want, got := t.Schema(), n.Input.Schema()
			if want.NumFields() != got.NumFields() {
				return bad(p, "input has %d columns, table has %d", got.NumFields(), want.NumFields())
			}
			for i := 0; i < want.NumFields(); i++ {
				if !arrow.TypeEqual(want.Field(i).Type, got.Field(i).Type) {
					return bad(p, "input column %d is %s, table column %s is %s", i, got.Field(i).Type, want.Field(i).Name, want.Field(i).Type)
				}
			}
		}
		return nil
	default:
		// A user's node: it must at least have a schema.
		if p.Schema() == nil {
			return bad(p, "no schema")
		}
		return nil
	}
}

func validateScan(s *physical.ScanExec) error {
	if s.Table == nil || s.Scan == nil {
		return bad(s, "scan without table or planned scan")
	}
	full := s.Table.Schema()
	for _, i := range s.Projection {
		if i < 0 || i >= full.NumFields() {
			return bad(s, "projection index %d out of range (%d columns)", i, full.NumFields())
		}
	}
	want := logical.ProjectSchema(full, s.Projection)
	got := s.Scan.Schema()
	if got == nil || got.NumFields() != want.NumFields() {
		return bad(s, "planned scan schema does not match the projection")
	}
	for i := 0; i < want.NumFields(); i++ {
		if !arrow.TypeEqual(got.Field(i).Type, want.Field(i).Type) {
			return bad(s, "scan column %d is %s, table says %s", i, got.Field(i).Type, want.Field(i).Type)
		}
	}
	for _, group := range [][]expr.Expr{s.FullFilters, s.PartialFilters, s.Unsupported} {
		for _, f := range group {
			if err := checkBoolean(s, f, full); err != nil {
				return err
			}
		}
	}
	if s.Limit < -1 {
		return bad(s, "invalid limit %d", s.Limit)
	}
	if s.Limit >= 0 && (len(s.PartialFilters) > 0 || len(s.Unsupported) > 0) {
		return bad(s, "limit pushed into a scan that has inexact or unsupported filters")
	}
	if s.Parallelism < 0 {
		return bad(s, "negative parallelism")
	}
	return nil
}

// checkExactFiltersRemoved fails when a Filter directly above a scan (through
// a chain of Filters) still evaluates one of the scan's Exact filters.
func checkExactFiltersRemoved(f *physical.FilterExec) error {
	var conj []expr.Expr
	var cur physical.Plan = f
	for {
		ff, ok := cur.(*physical.FilterExec)
		if !ok {
			break
		}
		conj = append(conj, expr.SplitConjunction(ff.Predicate)...)
		cur = ff.Input
	}
	s, ok := cur.(*physical.ScanExec)
	if !ok || len(s.FullFilters) == 0 {
		return nil
	}
	// The filter binds to the scan's output; the scan's filters to the
	// table. Map output column i to table column Projection[i].
	var mapping map[int]int
	if s.Projection != nil {
		mapping = make(map[int]int, len(s.Projection))
		for i, c := range s.Projection {
			mapping[i] = c
		}
	}
	for _, c := range conj {
		asTable := c
		if mapping != nil {
			asTable = expr.Remap(c, mapping)
		}
		for _, full := range s.FullFilters {
			if reflect.DeepEqual(asTable, full) {
				return bad(f, "filter %s was accepted as Exact by %s and must not be evaluated again", c, s.Name)
			}
		}
	}
	return nil
}

func checkBoolean(p physical.Plan, e expr.Expr, in *arrow.Schema) error {
	if e == nil {
		return bad(p, "nil predicate")
	}
	if id := e.Type().ID(); id != arrow.BOOL && id != arrow.NULL {
		return bad(p, "predicate %s is %s, not boolean", e, e.Type())
	}
	return checkExprs(p, in, e)
}

// checkExprs verifies every Column in es indexes in and has its type.
func checkExprs(p physical.Plan, in *arrow.Schema, es ...expr.Expr) error {
	var err error
	for _, e := range es {
		if e == nil {
			return bad(p, "nil expression")
		}
		expr.Walk(e, func(n expr.Expr) bool {
			if err != nil {
				return false
			}
			if n == nil {
				err = bad(p, "nil sub-expression in %s", e)
				return false
			}
			if n.Type() == nil {
				err = bad(p, "expression %s has no type", n)
				return false
			}
			c, ok := n.(*expr.Column)
			if !ok {
				return true
			}
			if c.Index < 0 || c.Index >= in.NumFields() {
				err = bad(p, "column %s index %d out of range (input has %d columns)", c.Name, c.Index, in.NumFields())
				return false
			}
			if ft := in.Field(c.Index).Type; !arrow.TypeEqual(ft, c.DataType) {
				err = bad(p, "column %s (#%d) is typed %s but the input field %s is %s", c.Name, c.Index, c.DataType, in.Field(c.Index).Name, ft)
				return false
			}
			return true
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func bad(p physical.Plan, format string, args ...any) error {
	return errs.Internalf("sanity check failed at %q: %s", p.String(), fmt.Sprintf(format, args...))
}

func isKind(err, kind error) bool { return errors.Is(err, kind) }
