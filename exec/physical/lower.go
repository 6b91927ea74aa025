package physical

import (
	"context"
	"errors"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// maxPlanDepth bounds the recursion of lowering (HARDENING.md: planner
// recursion is depth-checked). Plans built from SQL within the nesting limit
// are far shallower.
const maxPlanDepth = 10_000

// Lower lowers a logical plan to a physical one (the function the design
// calls "physical.Plan"; Plan is the node type). It calls Table.Scan for every
// logical.Scan with the negotiated projection, filters (Exact + Inexact) and
// limit, and opts; Table.Scan does no I/O, so neither does Plan. The input is
// not modified. Errors carry errs kinds: a provider's Scan error is returned
// wrapped with the table's name; an unknown node kind is ErrNotImplemented.
func Lower(ctx context.Context, p logical.Plan, opts catalog.Options) (Plan, error) {
	return lower(ctx, p, opts, 0)
}

func lower(ctx context.Context, p logical.Plan, opts catalog.Options, depth int) (Plan, error) {
	if depth > maxPlanDepth {
		return nil, errs.Exhaustedf("plan is nested deeper than %d levels", maxPlanDepth)
	}
	if err := ctx.Err(); err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "planning cancelled")
	}
	child := func(c logical.Plan) (Plan, error) {
		if c == nil {
			return nil, errs.Internalf("logical %T has a nil input", p)
		}
		return lower(ctx, c, opts, depth+1)
	}
	switch n := p.(type) {
	case *logical.Scan:
		return lowerScan(ctx, n, opts)
	case *logical.Values:
		return &ValuesExec{Out: n.Out, Rows: n.Rows}, nil
	case *logical.Filter:
		in, err := child(n.Input)
		if err != nil {
			return nil, err
		}
		return &FilterExec{Input: in, Predicate: n.Predicate}, nil
	case *logical.Project:
		in, err := child(n.Input)
		if err != nil {
			return nil, err
		}
		return &ProjectExec{Input: in, Exprs: n.Exprs, Names: n.Names}, nil
	case *logical.Aggregate:
		in, err := child(n.Input)
		if err != nil {
			return nil, err
		}
		return &HashAggregateExec{Input: in, GroupBy: n.GroupBy, GroupNames: n.GroupNames, Aggs: n.Aggs, AggNames: n.AggNames}, nil
	case *logical.Window:
		in, err := child(n.Input)
		if err != nil {
			return nil, err
		}
		return lowerWindow(n, in), nil
	case *logical.Sort:
		in, err := child(n.Input)
		if err != nil {
			return nil, err
		}
		return &SortExec{Input: in, Keys: n.Keys, Fetch: -1}, nil
	case *logical.Limit:
		in, err := child(n.Input)
		if err != nil {
			return nil, err
		}
		return &LimitExec{Input: in, Offset: n.Offset, Count: n.Count}, nil
	case *logical.Explain:
		if _, nested := n.Input.(*logical.Explain); nested {
			return nil, errs.Invalidf("EXPLAIN of an EXPLAIN is not allowed")
		}
		in, err := child(n.Input)
		if err != nil {
			return nil, err
		}
		return &ExplainExec{Input: in, Analyze: n.Analyze}, nil
	case *logical.CreateTable:
		if n.Target == nil {
			return nil, errs.New(errs.ErrPermission, "schema of %s does not support CREATE TABLE", n.Name)
		}
		return &CreateTableExec{Name: n.Name, Target: n.Target, TableSchema: n.TableSchema, IfNotExists: n.IfNotExists}, nil
	case *logical.DropTable:
		if n.Target == nil {
			return nil, errs.New(errs.ErrPermission, "schema of %s does not support DROP TABLE", n.Name)
		}
		return &DropTableExec{Name: n.Name, Target: n.Target, IfExists: n.IfExists}, nil
	case *logical.Insert:
		if n.Target == nil {
			return nil, errs.New(errs.ErrPermission, "table %s does not support INSERT", n.Name)
		}
		in, err := child(n.Input)
		if err != nil {
			return nil, err
		}
		return &InsertExec{Name: n.Name, Target: n.Target, Input: in}, nil
	case *logical.Join:
		l, err := child(n.Left)
		if err != nil {
			return nil, err
		}
		r, err := child(n.Right)
		if err != nil {
			return nil, err
		}
		return lowerJoin(ctx, n, l, r)
	case nil:
		return nil, errs.Internalf("cannot lower a nil logical plan")
	default:
		if out, ok, err := lowerRecursive(p, child); ok { // recursive.go
			return out, err
		}
		if out, ok, err := lowerSetOps(p, child); ok {
			return out, err
		}
		if out, ok, err := lowerDML(p, child); ok { // rewrite.go
			return out, err
		}
		return nil, errs.NotImplementedf("physical planning of %T (%s) is not implemented", p, p.String())
	}
}

func lowerScan(ctx context.Context, n *logical.Scan, opts catalog.Options) (Plan, error) {
	if n.Table == nil {
		return nil, errs.Internalf("logical scan of %s has no table", n.Name)
	}
	full := n.Table.Schema()
	for _, i := range n.Projection {
		if i < 0 || i >= full.NumFields() {
			return nil, errs.Internalf("scan of %s: projection index %d out of range (table has %d columns)", n.Name, i, full.NumFields())
		}
	}
	var filters []expr.Expr
	if len(n.FullFilters)+len(n.PartialFilters) > 0 {
		filters = make([]expr.Expr, 0, len(n.FullFilters)+len(n.PartialFilters))
		filters = append(filters, n.FullFilters...)
		filters = append(filters, n.PartialFilters...)
	}
	var proj []int
	if n.Projection != nil {
		proj = append(make([]int, 0, len(n.Projection)), n.Projection...)
	}
	sc, err := n.Table.Scan(ctx, catalog.ScanRequest{
		Projection: proj,
		Filters:    filters,
		Limit:      n.Limit,
		Options:    opts,
	})
	if err != nil {
		return nil, errs.Wrap(kindOf(err), err, "planning scan of %s", n.Name)
	}
	if sc == nil {
		return nil, errs.Internalf("table %s returned a nil scan", n.Name)
	}
	if err := checkScanSchema(n, sc.Schema()); err != nil {
		return nil, err
	}
	return &ScanExec{
		Name:           n.Name,
		Table:          n.Table,
		Scan:           sc,
		Projection:     proj,
		FullFilters:    n.FullFilters,
		PartialFilters: n.PartialFilters,
		Unsupported:    n.Unsupported,
		Limit:          n.Limit,
	}, nil
}

// checkScanSchema verifies a provider kept the projection contract: the
// scan's schema has the projected columns' types, in order.
func checkScanSchema(n *logical.Scan, got *arrow.Schema) error {
	want := logical.ProjectSchema(n.Table.Schema(), n.Projection)
	if got == nil || got.NumFields() != want.NumFields() {
		return errs.Internalf("table %s: scan schema %v does not match the requested projection %v", n.Name, got, want)
	}
	for i := 0; i < want.NumFields(); i++ {
		if !arrow.TypeEqual(got.Field(i).Type, want.Field(i).Type) {
			return errs.Internalf("table %s: scan column %d is %s, expected %s", n.Name, i, got.Field(i).Type, want.Field(i).Type)
		}
	}
	return nil
}

// kindOf returns err's errs kind, or ErrInternal when it carries none.
func kindOf(err error) error {
	for _, k := range []error{errs.ErrInvalid, errs.ErrNotFound, errs.ErrAlreadyExists, errs.ErrNotImplemented,
		errs.ErrResourceExhausted, errs.ErrUnavailable, errs.ErrPermission, errs.ErrInternal} {
		if isKind(err, k) {
			return k
		}
	}
	return errs.ErrInternal
}

func isKind(err, kind error) bool { return errors.Is(err, kind) }
