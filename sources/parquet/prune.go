package parquet

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/quiverdb/quiver/exec/expr"
)

// This file holds row-group pruning: compile turns one pushed filter into a
// pruner (or reports it unusable), and a pruner decides from a row group's
// footer statistics whether any row of the group can satisfy the filter.
// SupportsFilters and Scan both go through compile, so the Inexact verdict
// can never drift from what Scan does.
//
// Soundness rule: mayMatch returns false only when the statistics PROVE no
// row can make the filter TRUE. Missing statistics, unknown shapes and
// anything doubtful keep the group (the engine re-filters every row anyway).

// domain is the comparison domain of a compiled comparison.
type domain int

const (
	domInt     domain = iota + 1 // int64 order (ints, dates, times, timestamps)
	domFloat                     // float64 order
	domBytes                     // bytewise order (VARCHAR, VARBINARY)
	domDecimal                   // decimal128 order at the column's scale
)

// value is one statistics bound or literal in a domain. Only the field of
// its domain is meaningful.
type value struct {
	i int64
	f float64
	b []byte
	d decimal128.Num
}

func compareValues(dom domain, a, b value) int {
	switch dom {
	case domInt:
		switch {
		case a.i < b.i:
			return -1
		case a.i > b.i:
			return 1
		}
		return 0
	case domFloat:
		switch {
		case a.f < b.f:
			return -1
		case a.f > b.f:
			return 1
		}
		return 0
	case domBytes:
		return bytes.Compare(a.b, b.b)
	default:
		return a.d.Cmp(b.d)
	}
}

// pruner decides whether a row group may hold a row passing one filter.
type pruner interface {
	mayMatch(rg *rowGroupInfo) bool
}

// constPruner is a filter whose outcome does not depend on the data (a
// comparison with a NULL literal is never TRUE).
type constPruner struct{ match bool }

func (p constPruner) mayMatch(*rowGroupInfo) bool { return p.match }

// columnBounds is how a comparison reads one column's statistics: the
// column, and how to map its statistics into the comparison's domain (a
// monotone conversion when the filter casts the column, e.g. INT → DOUBLE).
type columnBounds struct {
	col     int
	dom     domain
	toFloat bool // integer statistics, DOUBLE comparison
	// toDecimal: integer or decimal statistics compared as DECIMAL at scale
	// toScale (the Cast's); fromScale is the statistics' scale (0 for ints).
	toDecimal          bool
	fromScale, toScale int32
	// collated: a VARCHAR column, compared under expr's case- and
	// accent-insensitive collation: bounds and literal become collation
	// keys (expr.CollatedKeyBounds), never raw bytes.
	collated bool
}

// bounds returns the group's min/max in the comparison's domain, whether
// they are known, and whether every value of the column is NULL.
func (c columnBounds) bounds(rg *rowGroupInfo) (lo, hi value, ok, allNull bool) {
	s := &rg.cols[c.col]
	if s.hasNulls && s.nulls >= rg.numRows {
		return value{}, value{}, false, true
	}
	if !s.hasMinMax {
		return value{}, value{}, false, false
	}
	lo, hi = s.min, s.max
	if c.collated {
		lo.b, hi.b = expr.CollatedKeyBounds(lo.b, hi.b)
	}
	if c.toFloat && s.kind == kindInt {
		lo.f, hi.f = float64(lo.i), float64(hi.i)
	}
	if c.toDecimal {
		if s.kind == kindInt {
			lo.d, hi.d = decimal128.FromI64(lo.i), decimal128.FromI64(hi.i)
		}
		var err1, err2 error
		lo.d, err1 = lo.d.Rescale(c.fromScale, c.toScale)
		hi.d, err2 = hi.d.Rescale(c.fromScale, c.toScale)
		if err1 != nil || err2 != nil {
			return value{}, value{}, false, false // out of the cast's range: keep the group
		}
	}
	return lo, hi, true, false
}

type cmpPruner struct {
	columnBounds
	op  expr.Op // OpEq, OpNotEq, OpLt, OpLtEq, OpGt, OpGtEq
	lit value
}

func (p *cmpPruner) mayMatch(rg *rowGroupInfo) bool {
	lo, hi, ok, allNull := p.bounds(rg)
	if allNull {
		return false // NULL op x is never TRUE
	}
	if !ok {
		return true
	}
	cLo, cHi := compareValues(p.dom, lo, p.lit), compareValues(p.dom, hi, p.lit)
	switch p.op {
	case expr.OpEq:
		return cLo <= 0 && cHi >= 0
	case expr.OpNotEq:
		return !(cLo == 0 && cHi == 0)
	case expr.OpLt:
		return cLo < 0
	case expr.OpLtEq:
		return cLo <= 0
	case expr.OpGt:
		return cHi > 0
	case expr.OpGtEq:
		return cHi >= 0
	}
	return true
}

type inPruner struct {
	columnBounds
	lits []value // non-NULL items only
}

func (p *inPruner) mayMatch(rg *rowGroupInfo) bool {
	lo, hi, ok, allNull := p.bounds(rg)
	if allNull {
		return false
	}
	if !ok {
		return true
	}
	for _, v := range p.lits {
		if compareValues(p.dom, lo, v) <= 0 && compareValues(p.dom, hi, v) >= 0 {
			return true
		}
	}
	return false
}

type nullPruner struct {
	col     int
	negated bool // IS NOT NULL
}

func (p *nullPruner) mayMatch(rg *rowGroupInfo) bool {
	s := &rg.cols[p.col]
	if !s.hasNulls {
		return true
	}
	if p.negated {
		return s.nulls < rg.numRows
	}
	return s.nulls > 0
}

// andPruner prunes when any conjunct proves no match; conjuncts that could
// not be compiled are simply absent (they never prove anything).
type andPruner struct{ parts []pruner }

func (p *andPruner) mayMatch(rg *rowGroupInfo) bool {
	for _, q := range p.parts {
		if !q.mayMatch(rg) {
			return false
		}
	}
	return true
}

// orPruner prunes only when every disjunct proves no match, so each one
// must have compiled.
type orPruner struct{ parts []pruner }

func (p *orPruner) mayMatch(rg *rowGroupInfo) bool {
	for _, q := range p.parts {
		if q.mayMatch(rg) {
			return true
		}
	}
	return false
}

// maxInListItems bounds the IN lists compiled into pruners: beyond it the
// per-group check costs more than it saves, and the filter is Unsupported.
const maxInListItems = 1024

// compile classifies a filter and builds its pruner. ok is false when the
// filter cannot prune (its verdict is then Unsupported). It is pure and
// cheap: it reads the expression and the table's cached column metadata.
func (t *Table) compile(e expr.Expr) (p pruner, ok bool) {
	switch n := e.(type) {
	case *expr.Binary:
		switch {
		case n.Op == expr.OpAnd:
			var parts []pruner
			for _, c := range expr.SplitConjunction(n) {
				if q, ok := t.compile(c); ok {
					parts = append(parts, q)
				}
			}
			if len(parts) == 0 {
				return nil, false
			}
			return &andPruner{parts: parts}, true
		case n.Op == expr.OpOr:
			l, lok := t.compile(n.Left)
			r, rok := t.compile(n.Right)
			if !lok || !rok {
				return nil, false
			}
			return &orPruner{parts: []pruner{l, r}}, true
		case n.Op.IsComparison():
			return t.compileComparison(n)
		}
	case *expr.In:
		return t.compileIn(n)
	case *expr.IsNull:
		c, ok := n.Input.(*expr.Column)
		if !ok || !t.validColumn(c.Index) || !t.cols[c.Index].anyNullCount {
			return nil, false
		}
		return &nullPruner{col: c.Index, negated: n.Negated}, true
	}
	return nil, false
}

func (t *Table) validColumn(i int) bool { return i >= 0 && i < len(t.cols) }

func (t *Table) compileComparison(n *expr.Binary) (pruner, bool) {
	op := n.Op
	colSide, litSide := n.Left, n.Right
	if _, isLit := colSide.(*expr.Literal); isLit {
		colSide, litSide = litSide, colSide
		op = flip(op)
	}
	lit, ok := litSide.(*expr.Literal)
	if !ok {
		return nil, false
	}
	cb, ok := t.columnSide(colSide)
	if !ok {
		return nil, false
	}
	if lit.Value == nil {
		if op == expr.OpNullSafeEq {
			// col <=> NULL is col IS NULL.
			if !t.cols[cb.col].anyNullCount {
				return nil, false
			}
			return &nullPruner{col: cb.col}, true
		}
		return constPruner{match: false}, true
	}
	if op == expr.OpNullSafeEq {
		op = expr.OpEq // with a non-NULL literal, <=> is TRUE exactly when = is
	}
	if op == expr.OpNotEq && cb.dom == domFloat {
		// Writers leave NaN out of float statistics: a group whose min and max
		// equal the literal may still hold NaN rows, which != the literal.
		return nil, false
	}
	v, ok := t.literalValue(cb, colSide.Type(), lit)
	if !ok {
		return nil, false
	}
	return &cmpPruner{columnBounds: cb, op: op, lit: v}, true
}

func (t *Table) compileIn(n *expr.In) (pruner, bool) {
	if n.Negated || len(n.List) > maxInListItems {
		return nil, false
	}
	cb, ok := t.columnSide(n.Input)
	if !ok {
		return nil, false
	}
	vals := make([]value, 0, len(n.List))
	for _, item := range n.List {
		lit, ok := item.(*expr.Literal)
		if !ok {
			return nil, false
		}
		if lit.Value == nil {
			continue // a NULL item never makes the IN TRUE
		}
		v, ok := t.literalValue(cb, n.Input.Type(), lit)
		if !ok {
			return nil, false
		}
		vals = append(vals, v)
	}
	return &inPruner{columnBounds: cb, lits: vals}, true
}

// columnSide recognises a column with min/max statistics, bare or under a
// monotone widening Cast (integer → BIGINT or DOUBLE, FLOAT → DOUBLE).
func (t *Table) columnSide(e expr.Expr) (columnBounds, bool) {
	switch n := e.(type) {
	case *expr.Column:
		if !t.validColumn(n.Index) {
			return columnBounds{}, false
		}
		ci := &t.cols[n.Index]
		if !ci.anyMinMax {
			return columnBounds{}, false
		}
		return columnBounds{col: n.Index, dom: ci.kind.domain(), collated: expr.IsCollatedString(ci.typ)}, true
	case *expr.Cast:
		c, ok := n.Input.(*expr.Column)
		if !ok || !t.validColumn(c.Index) {
			return columnBounds{}, false
		}
		ci := &t.cols[c.Index]
		if !ci.anyMinMax {
			return columnBounds{}, false
		}
		switch {
		case ci.kind == kindInt && isPlainInteger(ci.typ) && n.To.ID() == arrow.INT64:
			return columnBounds{col: c.Index, dom: domInt}, true
		case ci.kind == kindInt && isPlainInteger(ci.typ) && n.To.ID() == arrow.FLOAT64:
			return columnBounds{col: c.Index, dom: domFloat, toFloat: true}, true
		case ci.kind == kindFloat && n.To.ID() == arrow.FLOAT64:
			return columnBounds{col: c.Index, dom: domFloat}, true
		}
		// Widening to DECIMAL (e.g. int_col > 1.5, or a decimal column
		// compared at a larger scale): monotone, so bounds convert too.
		if to, ok := n.To.(*arrow.Decimal128Type); ok {
			switch {
			case ci.kind == kindInt && isPlainInteger(ci.typ):
				return columnBounds{col: c.Index, dom: domDecimal, toDecimal: true, toScale: to.Scale}, true
			case ci.kind == kindDecimal:
				from := ci.typ.(*arrow.Decimal128Type).Scale
				if to.Scale >= from {
					return columnBounds{col: c.Index, dom: domDecimal, toDecimal: true, fromScale: from, toScale: to.Scale}, true
				}
			}
		}
	}
	return columnBounds{}, false
}

// literalValue converts a literal into the comparison's domain. operand is
// the type of the column side (after any Cast); the literal must be of a
// matching kind, or the filter does not prune.
func (t *Table) literalValue(cb columnBounds, operand arrow.DataType, lit *expr.Literal) (value, bool) {
	switch cb.dom {
	case domInt:
		switch v := lit.Value.(type) {
		case int64:
			if isPlainInteger(operand) {
				return value{i: v}, true
			}
		case uint64:
			if isPlainInteger(operand) && v <= math.MaxInt64 {
				return value{i: int64(v)}, true
			}
		case arrow.Date32:
			if operand.ID() == arrow.DATE32 {
				return value{i: int64(v)}, true
			}
		case arrow.Time64:
			if lt, ok := lit.DataType.(*arrow.Time64Type); ok {
				if ot, ok := operand.(*arrow.Time64Type); ok && ot.Unit == lt.Unit {
					return value{i: int64(v)}, true
				}
			}
		case arrow.Timestamp:
			if lt, ok := lit.DataType.(*arrow.TimestampType); ok {
				if ot, ok := operand.(*arrow.TimestampType); ok && ot.Unit == lt.Unit {
					return value{i: int64(v)}, true
				}
			}
		}
	case domFloat:
		switch v := lit.Value.(type) {
		case float64:
			if !math.IsNaN(v) {
				return value{f: v}, true
			}
		case int64:
			return value{f: float64(v)}, true
		}
	case domBytes:
		switch v := lit.Value.(type) {
		case string:
			if cb.collated {
				return value{b: expr.CollationKey(nil, v)}, true
			}
			return value{b: []byte(v)}, true
		case []byte:
			return value{b: v}, true
		}
	case domDecimal:
		v, ok := lit.Value.(decimal128.Num)
		lt, ok2 := lit.DataType.(*arrow.Decimal128Type)
		ot, ok3 := operand.(*arrow.Decimal128Type)
		if !ok || !ok2 || !ok3 {
			return value{}, false
		}
		if lt.Scale == ot.Scale {
			return value{d: v}, true
		}
		if lt.Scale < ot.Scale { // upscaling is exact unless it overflows
			r, err := v.Rescale(lt.Scale, ot.Scale)
			if err == nil {
				return value{d: r}, true
			}
		}
	}
	return value{}, false
}

func isPlainInteger(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32:
		return true
	}
	return false
}

// flip mirrors a comparison so that `lit op col` becomes `col flip(op) lit`.
func flip(op expr.Op) expr.Op {
	switch op {
	case expr.OpLt:
		return expr.OpGt
	case expr.OpLtEq:
		return expr.OpGtEq
	case expr.OpGt:
		return expr.OpLt
	case expr.OpGtEq:
		return expr.OpLtEq
	}
	return op
}

// describePruned renders the scan's row-group selection for EXPLAIN.
func describePruned(selected, total int) string {
	return fmt.Sprintf("row_groups=%d/%d", selected, total)
}

// lowerExt reports whether name has a Parquet extension.
func hasParquetExt(name string) bool {
	l := strings.ToLower(name)
	return strings.HasSuffix(l, ".parquet") || strings.HasSuffix(l, ".parq") || strings.HasSuffix(l, ".pq")
}
