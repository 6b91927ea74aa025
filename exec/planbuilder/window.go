package planbuilder

import (
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// Window functions are bound in two steps. While the select list and ORDER
// BY are bound, each call becomes a winRef placeholder whose children are
// every expression it reads (arguments, PARTITION BY, ORDER BY), so the
// GROUP BY rewrite rebinds them over the aggregate's output like any other
// expression. buildWindows then stacks one logical.Window per distinct
// window over the grouped, filtered rows and replaces each winRef with the
// column its Window appends.

// winRef stands for a window function's result until buildWindows; it never
// leaves the builder.
type winRef struct {
	id   int
	call expr.WindowCall
	// nArgs expressions of call.Exprs() come first among the children,
	// then the partition keys, then the order keys.
	nArgs       int
	partitionBy []expr.Expr
	orderBy     []logical.SortKey
}

// winRefIDs numbers winRefs; ids only need to be distinct within one
// SELECT, and an atomic counter keeps concurrent planning race-free.
var winRefIDs atomic.Int64

func (r *winRef) Type() arrow.DataType { return r.call.DataType }
func (r *winRef) String() string       { return r.call.String() + " OVER (...)" }

func (r *winRef) Children() []expr.Expr {
	out := r.call.Exprs()
	out = append(out, r.partitionBy...)
	for _, k := range r.orderBy {
		out = append(out, k.Expr)
	}
	return out
}

func (r *winRef) WithChildren(ch []expr.Expr) expr.Expr {
	n := *r
	n.call = r.call.WithExprs(ch[:r.nArgs])
	np := len(r.partitionBy)
	n.partitionBy = append([]expr.Expr(nil), ch[r.nArgs:r.nArgs+np]...)
	n.orderBy = make([]logical.SortKey, len(r.orderBy))
	for i, k := range r.orderBy {
		k.Expr = ch[r.nArgs+np+i]
		n.orderBy[i] = k
	}
	return &n
}

// windowKey identifies a window (PARTITION BY and ORDER BY); calls with
// equal keys share one Window node.
func (r *winRef) windowKey() string {
	var sb strings.Builder
	for _, e := range r.partitionBy {
		sb.WriteString(exprKey(e) + ";")
	}
	sb.WriteString("|")
	for _, k := range r.orderBy {
		fmt.Fprintf(&sb, "%s:%v:%v;", exprKey(k.Expr), k.Desc, k.NullsFirst)
	}
	return sb.String()
}

var rankingFuncs = map[string]expr.WindowFunc{
	"row_number": expr.WinRowNumber, "rank": expr.WinRank, "dense_rank": expr.WinDenseRank,
	"percent_rank": expr.WinPercentRank, "cume_dist": expr.WinCumeDist, "ntile": expr.WinNtile,
	"lag": expr.WinLag, "lead": expr.WinLead, "first_value": expr.WinFirstValue,
	"last_value": expr.WinLastValue, "nth_value": expr.WinNthValue,
}

// windowAggregates are the aggregates MySQL allows with OVER.
var windowAggregates = map[string]expr.AggFunc{
	"count": expr.AggCount, "sum": expr.AggSum, "avg": expr.AggAvg, "min": expr.AggMin, "max": expr.AggMax,
	"bit_and": expr.AggBitAnd, "bit_or": expr.AggBitOr, "bit_xor": expr.AggBitXor,
	"stddev_pop": expr.AggStddevPop, "stddev_samp": expr.AggStddevSamp,
	"var_pop": expr.AggVarPop, "var_samp": expr.AggVarSamp,
}

// bindWindow binds fn(...) OVER (...). Window functions are allowed only in
// the select list and ORDER BY, and do not nest.
func (c *exprCtx) bindWindow(n *ast.WindowFuncExpr) (expr.Expr, error) {
	name := strings.ToLower(n.Name)
	if c.inWindow || (c.clause != "field list" && c.clause != "order clause") {
		return nil, errs.Invalidf("You cannot use the window function '%s' in this context.", name)
	}
	if n.Spec.Name.O != "" || n.Spec.Ref.O != "" {
		return nil, errs.Invalidf("Window name '%s%s' is not defined.", n.Spec.Name.O, n.Spec.Ref.O)
	}
	if n.FromLast {
		return nil, errs.NotImplementedf("%s ... FROM LAST is not supported (nor is it by MySQL)", strings.ToUpper(name))
	}
	if n.IgnoreNull {
		return nil, errs.NotImplementedf("%s ... IGNORE NULLS is not supported (nor is it by MySQL)", strings.ToUpper(name))
	}
	inner := *c
	inner.inWindow = true
	inner.aliases = nil
	bindAll := func(nodes []ast.ExprNode) ([]expr.Expr, error) {
		out := make([]expr.Expr, len(nodes))
		for i, a := range nodes {
			e, err := inner.bind(a)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	frame, err := inner.bindFrame(n.Spec.Frame)
	if err != nil {
		return nil, err
	}
	var call expr.WindowCall
	if fn, ok := rankingFuncs[name]; ok {
		var args []expr.Expr
		var num int64
		switch fn {
		case expr.WinNtile:
			if len(n.Args) != 1 {
				return nil, errs.Invalidf("Incorrect parameter count in the call to native function 'NTILE'")
			}
			if num, err = constInt(n.Args[0], "ntile"); err != nil {
				return nil, err
			}
		case expr.WinLag, expr.WinLead:
			if len(n.Args) == 0 || len(n.Args) > 3 {
				return nil, errs.Invalidf("Incorrect parameter count in the call to native function '%s'", strings.ToUpper(name))
			}
			num = 1
			if len(n.Args) >= 2 {
				if num, err = constInt(n.Args[1], name); err != nil {
					return nil, err
				}
			}
			nodes := []ast.ExprNode{n.Args[0]}
			if len(n.Args) == 3 {
				nodes = append(nodes, n.Args[2])
			}
			if args, err = bindAll(nodes); err != nil {
				return nil, err
			}
		case expr.WinNthValue:
			if len(n.Args) != 2 {
				return nil, errs.Invalidf("Incorrect parameter count in the call to native function 'NTH_VALUE'")
			}
			if num, err = constInt(n.Args[1], name); err != nil {
				return nil, err
			}
			if args, err = bindAll(n.Args[:1]); err != nil {
				return nil, err
			}
		default:
			if args, err = bindAll(n.Args); err != nil {
				return nil, err
			}
		}
		if !(expr.WindowCall{Func: fn}).UsesFrame() {
			frame = nil // ranking functions and LAG/LEAD ignore the frame (MySQL)
		}
		if call, err = expr.NewWindowCall(fn, args, num, nil, frame); err != nil {
			return nil, err
		}
	} else if af, ok := windowAggregates[name]; ok {
		if len(n.Args) != 1 {
			return nil, errs.Invalidf("%s takes one argument, got %d", strings.ToUpper(name), len(n.Args))
		}
		var arg expr.Expr
		// COUNT(*) parses as COUNT(1): a non-NULL constant counts rows.
		if v, ok := n.Args[0].(*test_driver.ValueExpr); !(af == expr.AggCount && !n.Distinct && ok && v.Kind() != test_driver.KindNull) {
			if arg, err = inner.bind(n.Args[0]); err != nil {
				return nil, err
			}
		}
		agg, err := expr.NewAggregate(af, arg, n.Distinct)
		if err != nil {
			return nil, err
		}
		if call, err = expr.NewWindowCall(expr.WinAggregate, nil, 0, &agg, frame); err != nil {
			return nil, err
		}
	} else {
		return nil, errs.NotImplementedf("window function %s is not supported", strings.ToUpper(name))
	}

	ref := &winRef{id: int(winRefIDs.Add(1)), call: call, nArgs: len(call.Exprs())}
	if n.Spec.PartitionBy != nil {
		for _, it := range n.Spec.PartitionBy.Items {
			e, err := inner.bind(it.Expr)
			if err != nil {
				return nil, err
			}
			ref.partitionBy = append(ref.partitionBy, e)
		}
	}
	if n.Spec.OrderBy != nil {
		for _, it := range n.Spec.OrderBy.Items {
			e, err := inner.bind(it.Expr)
			if err != nil {
				return nil, err
			}
			ref.orderBy = append(ref.orderBy, logical.SortKey{Expr: e, Desc: it.Desc, NullsFirst: !it.Desc})
		}
	}
	if err := checkFrame(ref.call.Frame, ref.orderBy); err != nil {
		return nil, err
	}
	return ref, nil
}

// constInt reads a window function's constant integer argument.
func constInt(n ast.ExprNode, fn string) (int64, error) {
	if v, ok := n.(*test_driver.ValueExpr); ok {
		switch v.Kind() {
		case test_driver.KindInt64:
			return v.GetInt64(), nil
		case test_driver.KindUint64:
			if u := v.GetUint64(); u <= 1<<62 {
				return int64(u), nil
			}
		}
	}
	return 0, errs.Invalidf("Incorrect arguments to %s: expected a constant integer", fn)
}

// bindFrame binds a ROWS/RANGE frame clause (nil: the default frame).
func (c *exprCtx) bindFrame(f *ast.FrameClause) (*expr.WindowFrame, error) {
	if f == nil {
		return nil, nil
	}
	out := &expr.WindowFrame{Units: expr.FrameRows}
	if f.Type == ast.Ranges {
		out.Units = expr.FrameRange
	} else if f.Type != ast.Rows {
		return nil, errs.NotImplementedf("GROUPS frames are not supported (nor are they by MySQL)")
	}
	var err error
	if out.Start, err = c.bindBound(&f.Extent.Start, out.Units); err != nil {
		return nil, err
	}
	if out.End, err = c.bindBound(&f.Extent.End, out.Units); err != nil {
		return nil, err
	}
	return out, nil
}

func (c *exprCtx) bindBound(b *ast.FrameBound, units expr.FrameUnits) (expr.FrameBound, error) {
	var out expr.FrameBound
	switch {
	case b.Type == ast.CurrentRow:
		out.Kind = expr.CurrentRow
		return out, nil
	case b.UnBounded && b.Type == ast.Preceding:
		out.Kind = expr.UnboundedPreceding
		return out, nil
	case b.UnBounded:
		out.Kind = expr.UnboundedFollowing
		return out, nil
	case b.Type == ast.Preceding:
		out.Kind = expr.Preceding
	default:
		out.Kind = expr.Following
	}
	e, err := c.bind(b.Expr)
	if err != nil {
		return out, err
	}
	lit, ok := e.(*expr.Literal)
	if !ok || lit.IsNull() {
		return out, errs.Invalidf("Window frame offset must be a non-negative constant, got %s", e)
	}
	if units == expr.FrameRows {
		if _, isInt := lit.Value.(int64); !isInt || lit.Value.(int64) < 0 || b.Unit != ast.TimeUnitInvalid {
			return out, errs.Invalidf("Window frame ROWS offset must be a non-negative integer, got %s", lit)
		}
	}
	if b.Unit != ast.TimeUnitInvalid {
		out.Unit = b.Unit.String()
	}
	out.Offset = lit
	return out, nil
}

// checkFrame applies MySQL's frame rules that do not depend on the data.
func checkFrame(f *expr.WindowFrame, orderBy []logical.SortKey) error {
	if f == nil {
		return nil
	}
	if f.Start.Kind == expr.UnboundedFollowing || f.End.Kind == expr.UnboundedPreceding ||
		(f.Start.Kind == expr.Following && (f.End.Kind == expr.Preceding || f.End.Kind == expr.CurrentRow)) ||
		(f.Start.Kind == expr.CurrentRow && f.End.Kind == expr.Preceding) {
		return errs.Invalidf("Window frame %s is illegal: its start is after its end", f)
	}
	if f.Units == expr.FrameRange {
		offsets := f.Start.Offset != nil || f.End.Offset != nil
		if offsets && len(orderBy) != 1 {
			return errs.Invalidf("Window with a RANGE frame with an offset must have exactly one ORDER BY expression, it has %d", len(orderBy))
		}
		if offsets {
			switch t := orderBy[0].Expr.Type(); t.ID() {
			case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
				arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.DATE32, arrow.TIMESTAMP, arrow.TIME64:
			default:
				return errs.Invalidf("Window with a RANGE frame with an offset needs a numeric or temporal ORDER BY expression, not %s", expr.TypeName(t))
			}
		}
	}
	return nil
}

// buildWindows stacks the Window nodes the expressions at targets need over
// plan and rewrites those expressions to read the windows' columns. With no
// window function it returns plan unchanged.
func buildWindows(plan logical.Plan, targets []*expr.Expr) (logical.Plan, error) {
	refs := map[int]*winRef{}
	for _, t := range targets {
		expr.Walk(*t, func(e expr.Expr) bool {
			if r, ok := e.(*winRef); ok {
				if _, seen := refs[r.id]; !seen {
					refs[r.id] = r
				}
				return false
			}
			return true
		})
	}
	if len(refs) == 0 {
		return plan, nil
	}
	if err := checkNoWindowInAggregates(plan); err != nil {
		return nil, err
	}
	ids := make([]int, 0, len(refs))
	for id := range refs {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	// Group calls by window, in first-use order.
	var order []string
	groups := map[string][]*winRef{}
	for _, id := range ids {
		r := refs[id]
		k := r.windowKey()
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	cols := map[int]*expr.Column{}
	for _, k := range order {
		rs := groups[k]
		base := plan.Schema().NumFields()
		w := &logical.Window{Input: plan, PartitionBy: rs[0].partitionBy, OrderBy: rs[0].orderBy}
		for j, r := range rs {
			name := r.call.String()
			w.Funcs = append(w.Funcs, r.call)
			w.Names = append(w.Names, name)
			cols[r.id] = &expr.Column{Index: base + j, Name: name, DataType: r.call.DataType}
		}
		plan = w
	}
	for _, t := range targets {
		*t = expr.Transform(*t, func(e expr.Expr) expr.Expr {
			if r, ok := e.(*winRef); ok {
				return cols[r.id]
			}
			return e
		})
	}
	return plan, nil
}

// checkNoWindowInAggregates rejects an aggregate over a window function
// (MySQL: window functions are evaluated after aggregation).
func checkNoWindowInAggregates(p logical.Plan) error {
	if a, ok := p.(*logical.Aggregate); ok {
		for _, call := range a.Aggs {
			for _, e := range call.Exprs() {
				found := false
				expr.Walk(e, func(x expr.Expr) bool {
					_, isWin := x.(*winRef)
					found = found || isWin
					return !found
				})
				if found {
					return errs.Invalidf("You cannot use the window function in this context: it is inside the aggregate %s", call.String())
				}
			}
		}
	}
	for _, c := range p.Children() {
		if err := checkNoWindowInAggregates(c); err != nil {
			return err
		}
	}
	return nil
}

// resolveNamedWindows folds the WINDOW clause into the window functions of
// one SELECT (not of its subqueries): OVER w and OVER (w ...) take w's
// PARTITION BY, ORDER BY and frame, refined as MySQL allows (a reference
// may add ORDER BY only when w has none, and a frame). It edits the AST in
// place, so a second call is a no-op.
func resolveNamedWindows(n *ast.SelectStmt) error {
	defs := map[string]*ast.WindowSpec{}
	for i := range n.WindowSpecs {
		w := &n.WindowSpecs[i]
		name := strings.ToLower(w.Name.O)
		if _, dup := defs[name]; dup {
			return errs.Invalidf("Window '%s' is defined twice.", w.Name.O)
		}
		defs[name] = w
	}
	resolving := map[string]bool{}
	var resolve func(spec ast.WindowSpec) (ast.WindowSpec, error)
	resolve = func(spec ast.WindowSpec) (ast.WindowSpec, error) {
		ref := spec.Ref.O
		if spec.OnlyAlias {
			ref = spec.Name.O
		}
		if ref == "" {
			spec.Name = ast.CIStr{}
			return spec, nil
		}
		key := strings.ToLower(ref)
		base, ok := defs[key]
		if !ok {
			return spec, errs.Invalidf("Window name '%s' is not defined.", ref)
		}
		if resolving[key] {
			return spec, errs.Invalidf("There is a circularity in the window dependency graph (window '%s').", ref)
		}
		resolving[key] = true
		b := *base
		b.Name = ast.CIStr{}
		r, err := resolve(b)
		delete(resolving, key)
		if err != nil {
			return spec, err
		}
		if spec.OnlyAlias {
			return r, nil
		}
		if spec.PartitionBy != nil {
			return spec, errs.Invalidf("Window '<unnamed window>' cannot inherit '%s' since both contain a PARTITION BY clause.", ref)
		}
		if spec.OrderBy != nil && r.OrderBy != nil {
			return spec, errs.Invalidf("Window '<unnamed window>' cannot inherit '%s' since both contain an ORDER BY clause.", ref)
		}
		if r.Frame != nil {
			return spec, errs.Invalidf("Window '<unnamed window>' cannot inherit '%s' since it has a frame clause.", ref)
		}
		out := spec
		out.Name, out.Ref, out.OnlyAlias = ast.CIStr{}, ast.CIStr{}, false
		out.PartitionBy = r.PartitionBy
		if out.OrderBy == nil {
			out.OrderBy = r.OrderBy
		}
		return out, nil
	}
	// Named windows may refer to each other; check them all (MySQL
	// reports an undefined or circular reference even when unused).
	for _, w := range defs {
		if _, err := resolve(ast.WindowSpec{Ref: w.Name, PartitionBy: nil}); err != nil {
			return err
		}
	}
	v := &windowResolver{resolve: resolve}
	for _, f := range n.Fields.Fields {
		if f.Expr != nil {
			f.Expr.Accept(v)
		}
	}
	if n.OrderBy != nil {
		n.OrderBy.Accept(v)
	}
	if n.Having != nil {
		n.Having.Accept(v)
	}
	return v.err
}

type windowResolver struct {
	resolve func(ast.WindowSpec) (ast.WindowSpec, error)
	err     error
}

func (v *windowResolver) Enter(n ast.Node) (ast.Node, bool) {
	switch w := n.(type) {
	case *ast.SubqueryExpr:
		return n, true // its own query block, its own WINDOW clause
	case *ast.WindowFuncExpr:
		if v.err == nil && (w.Spec.Name.O != "" || w.Spec.Ref.O != "") {
			spec, err := v.resolve(w.Spec)
			if err != nil {
				v.err = err
			} else {
				w.Spec = spec
			}
		}
	}
	return n, v.err != nil
}

func (v *windowResolver) Leave(n ast.Node) (ast.Node, bool) { return n, v.err == nil }
