package sqlgen

import (
	"math"
	"strings"
	"unicode"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
)

// MaxLikePattern bounds the length (bytes) of a pushed LIKE pattern; SQLite
// rejects patterns over 50,000 bytes at run time, so longer ones stay in the
// engine.
const MaxLikePattern = 10_000

// Translate renders e, a filter bound to a table's schema, as an SQL
// condition for dialect d, and reports whether it could do so with exactly
// the engine's semantics (ok=false: leave the filter to the engine).
//
// colName(i) returns the SQL text that reads column i of the table's schema
// (usually d.QuoteIdent(name); a provider may return an expression that
// coerces the stored values to the column's Arrow type, and must then read
// the column through the same expression). It returns "" for a column that
// cannot be used in a pushed filter; any filter reading it is refused.
//
// Bind values are appended to *args in the order their placeholders appear
// in the returned text; placeholders are numbered from len(*args)+1. On
// ok=false *args is left as it was. A caller that translates several
// filters must join the results in the order it translated them.
//
// The top-level expression is a condition with MySQL truthiness, as in
// expr.FilterBatch: numbers are true when non-zero. Translate is pure and
// safe for concurrent use; it never panics on a well-formed expression.
func Translate(d Dialect, e expr.Expr, colName func(int) string, args *[]any) (sql string, ok bool) {
	if e == nil || args == nil || colName == nil {
		return "", false
	}
	start := len(*args)
	t := &translator{d: d, col: colName, args: args}
	defer func() {
		if r := recover(); r != nil {
			sql, ok = "", false
		}
		if !ok {
			*args = (*args)[:start]
		}
	}()
	sql, ok = t.cond(e)
	return sql, ok
}

// Supported reports whether Translate accepts e (it translates into a
// scratch argument list). Use it for SupportsFilters when the translated
// text is not needed yet.
func Supported(d Dialect, e expr.Expr, colName func(int) string) bool {
	var scratch []any
	_, ok := Translate(d, e, colName, &scratch)
	return ok
}

type translator struct {
	d    Dialect
	col  func(int) string
	args *[]any
}

// kind is the family of a value type as far as translation cares.
type kind int

const (
	kUnsupported kind = iota
	kNull
	kBool
	kInt
	kUint
	kFloat
	kDecimal
	kString
	kBinary
	kDate
	kTimestamp
)

func kindOf(t arrow.DataType) kind {
	if t == nil {
		return kUnsupported
	}
	switch t.ID() {
	case arrow.NULL:
		return kNull
	case arrow.BOOL:
		return kBool
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return kInt
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return kUint
	case arrow.FLOAT32, arrow.FLOAT64:
		return kFloat
	case arrow.DECIMAL128:
		return kDecimal
	case arrow.STRING, arrow.LARGE_STRING:
		return kString
	case arrow.BINARY, arrow.LARGE_BINARY:
		return kBinary
	case arrow.DATE32:
		return kDate
	case arrow.TIMESTAMP:
		return kTimestamp
	}
	return kUnsupported
}

func isNumeric(k kind) bool { return k == kInt || k == kUint || k == kFloat || k == kDecimal }

// bind appends v and returns its placeholder.
func (t *translator) bind(v any) string {
	*t.args = append(*t.args, v)
	return t.d.Placeholder(len(*t.args))
}

// cond translates e as a condition (MySQL truthiness for numbers).
func (t *translator) cond(e expr.Expr) (string, bool) {
	switch k := kindOf(e.Type()); {
	case k == kBool || k == kNull:
		return t.value(e)
	case isNumeric(k):
		// NaN is truthy both in the engine (NaN != 0) and in PostgreSQL.
		v, ok := t.value(e)
		if !ok {
			return "", false
		}
		return "(" + v + " <> 0)", true
	}
	return "", false
}

// value translates e as a scalar SQL expression of e.Type().
func (t *translator) value(e expr.Expr) (string, bool) {
	switch n := e.(type) {
	case *expr.Column:
		if kindOf(n.DataType) == kUnsupported || kindOf(n.DataType) == kNull {
			return "", false
		}
		name := t.col(n.Index)
		if name == "" {
			return "", false
		}
		return name, true
	case *expr.Literal:
		return t.literal(n)
	case *expr.Binary:
		return t.binary(n)
	case *expr.Not:
		if kindOf(n.Input.Type()) != kBool && kindOf(n.Input.Type()) != kNull && !isNumeric(kindOf(n.Input.Type())) {
			return "", false
		}
		c, ok := t.cond(n.Input)
		if !ok {
			return "", false
		}
		return "(NOT " + c + ")", true
	case *expr.IsNull:
		if kindOf(n.Input.Type()) == kUnsupported {
			return "", false
		}
		v, ok := t.value(n.Input)
		if !ok {
			return "", false
		}
		if n.Negated {
			return "(" + v + " IS NOT NULL)", true
		}
		return "(" + v + " IS NULL)", true
	case *expr.In:
		return t.in(n)
	case *expr.Like:
		return t.like(n)
	}
	return "", false
}

func (t *translator) literal(l *expr.Literal) (string, bool) {
	k := kindOf(l.DataType)
	if k == kUnsupported {
		return "", false
	}
	if l.Value == nil {
		return "NULL", true
	}
	if f, isF := l.Value.(float64); isF && math.IsNaN(f) && t.d.NaNLiteral == "" {
		return "", false
	}
	v, ok := t.d.Bind(l)
	if !ok {
		return "", false
	}
	return t.bind(v), true
}

func (t *translator) binary(b *expr.Binary) (string, bool) {
	switch {
	case b.Op == expr.OpAnd || b.Op == expr.OpOr:
		l, ok := t.cond(b.Left)
		if !ok {
			return "", false
		}
		r, ok := t.cond(b.Right)
		if !ok {
			return "", false
		}
		return "(" + l + " " + b.Op.String() + " " + r + ")", true
	case b.Op.IsComparison():
		return t.compare(b)
	}
	return t.arith(b)
}

// sameFamily reports whether two operand types compare directly in the
// engine (the expression builder casts everything else).
func sameFamily(a, b kind) bool {
	if a == kNull || b == kNull {
		return true
	}
	return a == b
}

func (t *translator) compare(b *expr.Binary) (string, bool) {
	lk, rk := kindOf(b.Left.Type()), kindOf(b.Right.Type())
	if lk == kUnsupported || rk == kUnsupported || !sameFamily(lk, rk) {
		return "", false
	}
	k := lk
	if k == kNull {
		k = rk
	}
	if b.Op != expr.OpNullSafeEq && (isNullLit(b.Left) || isNullLit(b.Right)) {
		// x op NULL is NULL whatever x is (x must still be translatable;
		// the trial's bind values are dropped again).
		mark := len(*t.args)
		_, okl := t.value(b.Left)
		_, okr := t.value(b.Right)
		*t.args = (*t.args)[:mark]
		if !okl || !okr {
			return "", false
		}
		return "(CAST(NULL AS " + t.boolType() + "))", true
	}
	if k == kFloat && t.d.NaNLiteral != "" {
		return t.compareFloatNaN(b)
	}
	l, ok := t.value(b.Left)
	if !ok {
		return "", false
	}
	r, ok := t.value(b.Right)
	if !ok {
		return "", false
	}
	if k == kString {
		c, ok := t.stringCollation()
		if !ok {
			return "", false
		}
		l = "(" + l + ")" + c
	}
	op := b.Op.String()
	if b.Op == expr.OpNotEq {
		op = "<>"
	}
	if b.Op == expr.OpNullSafeEq {
		op = t.d.NullSafeEq
	}
	return "(" + l + " " + op + " " + r + ")", true
}

// stringCollation is the COLLATE clause that makes the dialect compare
// strings exactly as the engine does, or ok=false when there is none.
func (t *translator) stringCollation() (string, bool) {
	switch {
	case t.d.EngineCollation != "":
		return t.d.EngineCollation, true
	case t.d.ByteCollation != "" && EngineComparesBytes():
		return t.d.ByteCollation, true
	}
	return "", false
}

// boolType is the SQL type name of a typed NULL condition.
func (t *translator) boolType() string {
	if t.d.Bind != nil {
		if v, ok := t.d.Bind(&expr.Literal{DataType: arrow.FixedWidthTypes.Boolean, Value: true}); ok {
			if _, isInt := v.(int64); isInt {
				return "INTEGER"
			}
		}
	}
	return "BOOLEAN"
}

func isNullLit(e expr.Expr) bool {
	l, ok := e.(*expr.Literal)
	return ok && l.Value == nil
}

// compareFloatNaN handles float comparisons for dialects that order NaN
// (NaN = NaN, NaN greater than every number). In the engine every
// comparison with a NaN operand is false except !=, which is true (<=> is
// false too). Only column-vs-literal shapes are pushed: the literal's NaN-ness
// is known here and the column side is guarded with a CASE.
func (t *translator) compareFloatNaN(b *expr.Binary) (string, bool) {
	colSide, litSide, op := b.Left, b.Right, b.Op
	lit, ok := litSide.(*expr.Literal)
	if !ok {
		l2, ok2 := b.Left.(*expr.Literal)
		if !ok2 {
			return "", false
		}
		colSide, lit, op = b.Right, l2, flip(b.Op)
	}
	if _, isLit := colSide.(*expr.Literal); isLit {
		return "", false
	}
	mark := len(*t.args)
	x, ok := t.value(colSide)
	if !ok || len(*t.args) != mark {
		return "", false // x is repeated below: it must not carry bind values
	}
	nanResult := "FALSE"
	if op == expr.OpNotEq {
		nanResult = "TRUE"
	}
	f, isF := lit.Value.(float64)
	if !isF {
		return "", false
	}
	if math.IsNaN(f) {
		if op == expr.OpNullSafeEq {
			return "(FALSE)", true
		}
		return "(CASE WHEN " + x + " IS NULL THEN NULL ELSE " + nanResult + " END)", true
	}
	p, ok := t.literal(lit)
	if !ok {
		return "", false
	}
	sqlOp := op.String()
	switch op {
	case expr.OpNotEq:
		sqlOp = "<>"
	case expr.OpNullSafeEq:
		sqlOp = t.d.NullSafeEq
	}
	// x = NaN is NULL when x is NULL, so the ELSE branch (NULL op p) keeps
	// NULL semantics.
	return "(CASE WHEN " + x + " = " + t.d.NaNLiteral + " THEN " + nanResult + " ELSE " + x + " " + sqlOp + " " + p + " END)", true
}

// flip mirrors a comparison so the operands can be swapped.
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

// arith pushes BIGINT arithmetic whose edge cases match the engine: % (NULL
// on a zero divisor; MinInt64 % -1 is 0 everywhere) always; + - * and DIV
// only where overflow raises an error, as in the engine.
func (t *translator) arith(b *expr.Binary) (string, bool) {
	if b.Left.Type().ID() != arrow.INT64 || b.Right.Type().ID() != arrow.INT64 || b.DataType.ID() != arrow.INT64 {
		return "", false
	}
	switch b.Op {
	case expr.OpAdd, expr.OpSub, expr.OpMul, expr.OpMod:
		if b.Op != expr.OpMod && !t.d.IntOverflowErrors {
			return "", false
		}
	case expr.OpIntDiv:
		if !t.d.IntOverflowErrors || t.d.IntDivOp == "" {
			return "", false
		}
	default:
		return "", false
	}
	l, ok := t.value(b.Left)
	if !ok {
		return "", false
	}
	r, ok := t.value(b.Right)
	if !ok {
		return "", false
	}
	switch b.Op {
	case expr.OpMod:
		return "(" + l + " % NULLIF(" + r + ", 0))", true
	case expr.OpIntDiv:
		return "(" + l + " " + t.d.IntDivOp + " NULLIF(" + r + ", 0))", true
	}
	return "(" + l + " " + b.Op.String() + " " + r + ")", true
}

// in pushes x [NOT] IN (items): SQL's NULL semantics are the engine's (NULL
// when nothing matches and x or an item is NULL).
func (t *translator) in(n *expr.In) (string, bool) {
	k := kindOf(n.Input.Type())
	if k == kUnsupported || k == kNull {
		return "", false
	}
	if k == kFloat && t.d.NaNLiteral != "" {
		return "", false // NaN IN (NaN) is true there, false in the engine
	}
	x, ok := t.value(n.Input)
	if !ok {
		return "", false
	}
	if k == kString {
		c, ok := t.stringCollation()
		if !ok {
			return "", false
		}
		x = "(" + x + ")" + c
	}
	items := make([]string, len(n.List))
	for i, it := range n.List {
		if !sameFamily(k, kindOf(it.Type())) {
			return "", false
		}
		if items[i], ok = t.value(it); !ok {
			return "", false
		}
	}
	not := ""
	if n.Negated {
		not = "NOT "
	}
	return "(" + x + " " + not + "IN (" + strings.Join(items, ", ") + "))", true
}

// like pushes x [NOT] LIKE 'literal pattern'. The engine matches ASCII
// letters case-insensitively; for patterns it compiles to a regular
// expression (any '_', or '%' inside the pattern) Go's case folding also
// matches U+212A KELVIN SIGN for k and U+017F LONG S for s, which an
// ASCII-folding remote would not: such patterns stay in the engine, as do
// non-ASCII patterns and a pattern ending in a lone escape character.
func (t *translator) like(n *expr.Like) (string, bool) {
	if (!t.d.LikeIsASCIIFold && t.d.LowerASCII == nil) || !EngineLikeIsASCIIFold() {
		return "", false
	}
	if kindOf(n.Input.Type()) != kString {
		return "", false
	}
	pl, ok := n.Pattern.(*expr.Literal)
	if !ok || (kindOf(pl.DataType) != kString && kindOf(pl.DataType) != kNull) {
		return "", false
	}
	x, ok := t.value(n.Input)
	if !ok {
		return "", false
	}
	not := ""
	if n.Negated {
		not = "NOT "
	}
	if pl.Value == nil {
		return "(" + x + " " + not + "LIKE NULL)", true
	}
	pat, isStr := pl.Value.(string)
	if !isStr {
		return "", false
	}
	esc := n.Escape
	if esc == 0 {
		esc = '\\'
	}
	if !likePushable(pat, esc) {
		return "", false
	}
	if !t.d.LikeIsASCIIFold {
		x = t.d.LowerASCII(x)
		pat = strings.ToLower(pat) // ASCII only (checked); the escape is not a letter
	}
	p := t.bind(pat)
	e := t.bind(string(esc))
	return "(" + x + " " + not + "LIKE " + p + " ESCAPE " + e + ")", true
}

// likePushable reports whether an ASCII-case-folding LIKE matches exactly
// what the engine's LIKE matches for this pattern.
func likePushable(pat string, esc rune) bool {
	if len(pat) > MaxLikePattern || esc > unicode.MaxASCII || unicode.IsLetter(esc) || esc == '%' || esc == '_' {
		return false
	}
	for i := 0; i < len(pat); i++ {
		if pat[i] >= 0x80 {
			return false
		}
	}
	// Tokenize as the engine does: escaped literals, '%' runs, '_'.
	type tok struct{ wild, r byte }
	var toks []tok
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch {
		case rune(c) == esc:
			if i+1 >= len(pat) {
				return false // trailing escape: engine literal, SQLite no match, PostgreSQL error
			}
			i++
			toks = append(toks, tok{r: pat[i]})
		case c == '%':
			if len(toks) == 0 || toks[len(toks)-1].wild != '%' {
				toks = append(toks, tok{wild: '%'})
			}
		case c == '_':
			toks = append(toks, tok{wild: '_'})
		default:
			toks = append(toks, tok{r: c})
		}
	}
	regex := false
	for k, tk := range toks {
		if tk.wild == '_' || (tk.wild == '%' && k != 0 && k != len(toks)-1) {
			regex = true
		}
	}
	if !regex {
		return true
	}
	for _, tk := range toks {
		if tk.wild == 0 {
			switch tk.r {
			case 'k', 'K', 's', 'S':
				return false
			}
		}
	}
	return true
}
