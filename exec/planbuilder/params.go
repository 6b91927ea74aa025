package planbuilder

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// Params carries the `?` placeholders of one statement through Build.
//
// Prepare: build with a fresh NewParams in the context (WithParams). Every
// `?` is numbered by its position in the SQL text (1-based, left to right)
// and typed from its context the way MySQL does: the other operand of a
// comparison or of arithmetic, the tested value of IN and BETWEEN, the
// target column of INSERT ... VALUES; VARCHAR otherwise (the engine then
// converts MySQL-style). Each placeholder binds to a stand-in constant of
// its type so the plan has the result schema of any execution. Schema
// reports the parameter types once Build has returned.
//
// Execute: Bind returns a Params holding one row of values; building the
// same SQL with it binds each `?` to a literal of its value converted to the
// declared type, so the optimizer folds and pushes it like any constant.
//
// A Params is used by one Build at a time (not goroutine-safe while a Build
// runs); after Build it is read-only and may be shared. The zero value is
// not usable: use NewParams.
type Params struct {
	slots  []paramSlot   // sorted by offset once sealed
	byOff  map[int]int   // SQL offset → index in slots
	sealed bool          // Build finished: slots are numbered
	values []arrow.Array // bound values (row 0 of each), execute only
}

type paramSlot struct {
	offset   int
	typ      arrow.DataType
	inferred bool // typ came from context, not the VARCHAR default
}

// NewParams returns an empty placeholder set for a Prepare-time Build.
func NewParams() *Params { return &Params{byOff: map[int]int{}} }

type paramsKey struct{}

// WithParams returns ctx carrying p for Build. Build without Params in its
// context rejects `?` (it is only meaningful in a prepared statement).
func WithParams(ctx context.Context, p *Params) context.Context {
	return context.WithValue(ctx, paramsKey{}, p)
}

func paramsFrom(ctx context.Context) *Params {
	p, _ := ctx.Value(paramsKey{}).(*Params)
	return p
}

// seal numbers the placeholders by their position in the SQL text.
func (p *Params) seal() {
	if p.sealed {
		return
	}
	sort.Slice(p.slots, func(i, j int) bool { return p.slots[i].offset < p.slots[j].offset })
	for i, s := range p.slots {
		p.byOff[s.offset] = i
	}
	p.sealed = true
}

// Len is the number of placeholders (valid after Build).
func (p *Params) Len() int {
	if p == nil {
		return 0
	}
	p.seal()
	return len(p.slots)
}

// Schema is the parameter schema: one nullable field per placeholder in
// order, named "1", "2", ... (clients bind by position). Never nil.
func (p *Params) Schema() *arrow.Schema {
	n := p.Len()
	fields := make([]arrow.Field, n)
	for i := range n {
		fields[i] = arrow.Field{Name: strconv.Itoa(i + 1), Type: p.slots[i].typ, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// Bind returns the Params to build the statement with for one execution:
// row 0 of values supplies the placeholders in order. values must have
// exactly one column per placeholder and at least one row (extra rows are
// ignored); each column may have any type convertible to the declared one
// (clients send what they have). The values are referenced, not copied:
// keep the batch alive until the Build that uses the result returns.
// Errors are ErrInvalid and name the parameter.
func (p *Params) Bind(values arrow.RecordBatch) (*Params, error) {
	n := p.Len()
	if values == nil || values.NumCols() == 0 {
		if n == 0 {
			return p, nil
		}
		return nil, errs.Invalidf("the statement has %d parameter(s) but no values are bound; bind one value per ?", n)
	}
	if int(values.NumCols()) != n {
		return nil, errs.Invalidf("%d parameter value(s) bound, the statement has %d ? placeholder(s)", values.NumCols(), n)
	}
	if values.NumRows() < 1 {
		return nil, errs.Invalidf("the bound parameter batch has no rows; bind one row of %d value(s)", n)
	}
	q := &Params{slots: p.slots, byOff: p.byOff, sealed: true, values: values.Columns()}
	return q, nil
}

// bindParam binds the `?` at n. hint is the expression it meets (the other
// operand of a comparison...), nil when none.
func (c *exprCtx) bindParam(n *test_driver.ParamMarkerExpr, hint arrow.DataType) (expr.Expr, error) {
	p := paramsFrom(c.s.ctx)
	if p == nil {
		return nil, errs.Invalidf("parameter placeholders (?) are allowed only in prepared statements")
	}
	if hint != nil && !usableHint(hint) {
		hint = nil
	}
	if p.values == nil {
		if p.sealed {
			return nil, errs.Internalf("placeholder set is already used by another Build")
		}
		i, ok := p.byOff[n.Offset]
		if !ok {
			i = len(p.slots)
			p.byOff[n.Offset] = i
			p.slots = append(p.slots, paramSlot{offset: n.Offset, typ: expr.TypeString})
		}
		if s := &p.slots[i]; hint != nil && !s.inferred {
			s.typ, s.inferred = hint, true
		}
		return standIn(p.slots[i].typ), nil
	}
	i, ok := p.byOff[n.Offset]
	if !ok {
		return nil, errs.Internalf("placeholder at offset %d was not seen at prepare", n.Offset)
	}
	return convertParam(c.s.ctx, i, p.values[i], p.slots[i].typ)
}

// hintOf is the type a placeholder next to e takes: e's, unless e is a
// constant (the type of 1 or 1.5 is an artifact of how it is written, so
// ? + 1 stays VARCHAR and converts MySQL-style) — then nil.
func hintOf(e expr.Expr) arrow.DataType {
	if expr.IsConstant(e) {
		return nil
	}
	return e.Type()
}

// usableHint reports whether t may type a placeholder.
func usableHint(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.NULL, arrow.LIST, arrow.LARGE_LIST, arrow.STRUCT, arrow.MAP, arrow.DENSE_UNION, arrow.SPARSE_UNION, arrow.DICTIONARY:
		return false
	}
	return true
}

// standIn is the constant a placeholder is planned with at prepare: a
// non-NULL value of its type where one is simple (1 for numbers, so neither
// folding a division nor a NOT NULL check trips over it), else NULL.
func standIn(t arrow.DataType) expr.Expr {
	switch {
	case t.ID() == arrow.STRING || t.ID() == arrow.LARGE_STRING:
		return &expr.Literal{DataType: t, Value: ""}
	case t.ID() == arrow.BINARY || t.ID() == arrow.LARGE_BINARY:
		return &expr.Literal{DataType: t, Value: []byte{}}
	case t.ID() == arrow.BOOL:
		return &expr.Literal{DataType: t, Value: false}
	case arrow.IsInteger(t.ID()) || arrow.IsFloating(t.ID()) || t.ID() == arrow.DECIMAL128:
		if l, _, err := expr.Fold(context.Background(), mustCast(expr.NewLiteral(int64(1)), t)); err == nil {
			if lit, isLit := l.(*expr.Literal); isLit && arrow.TypeEqual(lit.DataType, t) {
				return lit
			}
		}
	}
	return expr.Null(t)
}

func mustCast(e expr.Expr, t arrow.DataType) expr.Expr {
	c, err := expr.NewCast(e, t)
	if err != nil {
		return expr.Null(t)
	}
	return c
}

// literalSource reports whether expr.LiteralAt reads values of type t.
func literalSource(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64, arrow.FLOAT32, arrow.FLOAT64,
		arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY, arrow.DECIMAL128, arrow.NULL:
		return true
	}
	return false
}

// convertParam converts row 0 of col, the value of parameter i (0-based),
// to a literal of type to.
func convertParam(ctx context.Context, i int, col arrow.Array, to arrow.DataType) (lit expr.Expr, err error) {
	defer func() {
		if r := recover(); r != nil {
			lit, err = nil, errs.Internalf("converting parameter %d: panic: %v\n%s", i+1, r, debug.Stack())
		}
	}()
	bad := func(detail string, args ...any) error {
		return errs.Invalidf("parameter %d: %s cannot be converted to %s: %s; bind a value of type %s",
			i+1, col.DataType(), expr.TypeName(to), fmt.Sprintf(detail, args...), expr.TypeName(to))
	}
	if col.Len() < 1 {
		return nil, errs.Invalidf("parameter %d has no value", i+1)
	}
	if u, ok := col.(array.Union); ok {
		// Some clients send every value as a union (one type per row):
		// use the member the row holds.
		child, at := u.Field(int(u.ChildID(0))), 0
		if d, ok := u.(*array.DenseUnion); ok {
			at = int(d.ValueOffset(0))
		}
		one := array.NewSlice(child, int64(at), int64(at+1))
		defer one.Release()
		return convertParam(ctx, i, one, to)
	}
	if col.IsNull(0) {
		return expr.Null(to), nil
	}
	if arrow.TypeEqual(col.DataType(), to) && literalSource(to) || (arrow.TypeEqual(col.DataType(), to) && isTemporal(to)) {
		return ownedLiteral(col), nil
	}
	if !literalSource(col.DataType()) {
		// Dates, times and timestamps of other units, dictionaries...:
		// Arrow's safe cast to the declared type.
		one := arrow.Array(col)
		if col.Len() > 1 {
			one = array1(col)
			defer one.Release()
		}
		out, err := compute.CastArray(ctx, one, compute.SafeCastOptions(to))
		if err != nil {
			return nil, bad("%v", err)
		}
		defer out.Release()
		return ownedLiteral(out), nil
	}
	src := ownedLiteral(col)
	if s, ok := src.Value.(string); ok && isNumeric(to) {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, bad("%q is not a number", s)
		}
		if arrow.IsInteger(to.ID()) {
			if f != math.Trunc(f) {
				return nil, bad("%q is not an integer", s)
			}
			t := strings.TrimSpace(s)
			if _, err := strconv.ParseInt(t, 10, 64); err != nil && !isUint(t) {
				// '1e3' or '7.0': MySQL's string cast would read only the
				// leading digits; convert the number instead.
				src = &expr.Literal{DataType: expr.TypeFloat64, Value: f}
			}
		}
	}
	c, err := expr.NewCast(src, to)
	if err != nil {
		return nil, bad("%v", err)
	}
	out, _, err := expr.Fold(ctx, c)
	if err != nil {
		return nil, bad("%v", err)
	}
	l, ok := out.(*expr.Literal)
	if !ok {
		return nil, bad("not a constant")
	}
	if l.Value == nil {
		// MySQL's lenient cast gave up ('2024-13-45' as a DATE...).
		return nil, bad("%s is not a valid %s", src, expr.TypeName(to))
	}
	if isNumeric(src.DataType) && exactNumeric(to) && !(to.ID() == arrow.DECIMAL128 && arrow.IsFloating(src.DataType.ID())) {
		// An exact number must survive the conversion: 3.5 bound for a
		// BIGINT parameter is refused rather than silently compared as 4.
		// (Floating-point values are approximate: 0.1 may become a FLOAT
		// or a DECIMAL(10,2) parameter.)
		back, _, err := expr.Fold(ctx, mustCast(l, src.DataType))
		if bl, ok := back.(*expr.Literal); err != nil || !ok || bl.Value != src.Value {
			return nil, bad("%s does not fit without losing precision", src)
		}
	}
	return l, nil
}

// ownedLiteral is row 0 of col as a literal that does not alias col's
// buffers (Arrow strings point into them; the plan outlives the batch).
func ownedLiteral(col arrow.Array) *expr.Literal {
	l := expr.LiteralAt(col, 0)
	if v, ok := l.Value.(string); ok {
		l.Value = strings.Clone(v)
	}
	return l
}

func array1(a arrow.Array) arrow.Array { return array.NewSlice(a, 0, 1) }

func isNumeric(t arrow.DataType) bool {
	return arrow.IsInteger(t.ID()) || arrow.IsFloating(t.ID()) || t.ID() == arrow.DECIMAL128
}

func isUint(s string) bool {
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

func exactNumeric(t arrow.DataType) bool {
	return arrow.IsInteger(t.ID()) || t.ID() == arrow.DECIMAL128
}

func isTemporal(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.DATE32, arrow.TIMESTAMP, arrow.TIME64:
		return true
	}
	return false
}

// paramMarker returns n as a placeholder (through parentheses), or nil.
func paramMarker(n ast.ExprNode) *test_driver.ParamMarkerExpr {
	for {
		switch x := n.(type) {
		case *ast.ParenthesesExpr:
			n = x.Expr
		case *test_driver.ParamMarkerExpr:
			return x
		default:
			return nil
		}
	}
}

// bindHinted binds n; a placeholder there takes type hint.
func (c *exprCtx) bindHinted(n ast.ExprNode, hint arrow.DataType) (expr.Expr, error) {
	if pm := paramMarker(n); pm != nil {
		return c.bindParam(pm, hint)
	}
	return c.bind(n)
}

// bindOperands binds the operands of a binary operator, typing a lone
// placeholder from the other operand (id = ?, price * ?).
func (c *exprCtx) bindOperands(ln, rn ast.ExprNode) (l, r expr.Expr, err error) {
	lp, rp := paramMarker(ln), paramMarker(rn)
	switch {
	case lp != nil && rp == nil:
		if r, err = c.bind(rn); err != nil {
			return nil, nil, err
		}
		l, err = c.bindParam(lp, hintOf(r))
	case rp != nil && lp == nil:
		if l, err = c.bind(ln); err != nil {
			return nil, nil, err
		}
		r, err = c.bindParam(rp, hintOf(l))
	default:
		if l, err = c.bind(ln); err != nil {
			return nil, nil, err
		}
		r, err = c.bind(rn)
	}
	if err != nil {
		return nil, nil, err
	}
	return l, r, nil
}

// bindTested binds x and items of x IN (items) or x BETWEEN items[0] AND
// items[1], typing placeholders among them from x, or, when x is itself a
// placeholder, from the first item that is not.
func (c *exprCtx) bindTested(x ast.ExprNode, items []ast.ExprNode) (expr.Expr, []expr.Expr, error) {
	out := make([]expr.Expr, len(items))
	var in expr.Expr
	var err error
	if xp := paramMarker(x); xp != nil {
		var hint arrow.DataType
		for i, it := range items {
			if paramMarker(it) != nil {
				continue
			}
			if out[i], err = c.bind(it); err != nil {
				return nil, nil, err
			}
			if hint == nil {
				hint = hintOf(out[i])
			}
		}
		if in, err = c.bindParam(xp, hint); err != nil {
			return nil, nil, err
		}
	} else if in, err = c.bind(x); err != nil {
		return nil, nil, err
	}
	for i, it := range items {
		if out[i] != nil {
			continue
		}
		if out[i], err = c.bindHinted(it, hintOf(in)); err != nil {
			return nil, nil, err
		}
	}
	return in, out, nil
}

// limitArg is the value of a LIMIT or OFFSET: a constant, or a placeholder
// typed BIGINT whose bound value must be a non-negative integer.
func (s *stmtBuilder) limitArg(n ast.ExprNode) (int64, error) {
	pm := paramMarker(n)
	if pm == nil {
		return limitValue(n)
	}
	c := &exprCtx{s: s, sc: &scope{}, clause: "limit clause"}
	e, err := c.bindParam(pm, expr.TypeInt64)
	if err != nil {
		return 0, err
	}
	l, ok := e.(*expr.Literal)
	if !ok {
		return 0, errs.Internalf("LIMIT placeholder bound to %s", e)
	}
	v, ok := l.Value.(int64)
	if !ok || v < 0 {
		return 0, errs.Invalidf("parameter %d: LIMIT and OFFSET take a non-negative integer, got %s", paramsFrom(s.ctx).byOff[pm.Offset]+1, l)
	}
	return v, nil
}
