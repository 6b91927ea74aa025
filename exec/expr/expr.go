// Package expr is Quiver's scalar expression tree and its vectorized
// evaluation over arrow.RecordBatch.
//
// Contract:
//   - Expressions are immutable values. Rewrites build new nodes
//     (WithChildren); nobody mutates a node that may be shared.
//   - Every expression is bound: a Column refers to a column of one input
//     schema by position (Index), and every node knows its result type.
//     Build nodes with the constructors in build.go (NewBinary, NewCall, ...):
//     they apply MySQL's type rules and insert the Casts that make operand
//     types agree, so evaluation never has to guess.
//   - String() renders SQL-like text used by EXPLAIN and golden files; it is
//     deterministic.
//   - Filters handed to providers (catalog.ScanRequest.Filters) are ordinary
//     expressions whose Columns index the table's full schema.
//   - VARCHAR values compare case- and accent-insensitively (MySQL's
//     utf8mb4_0900_ai_ci; collation.go); VARBINARY bytewise. Operators that
//     group, join, sort or hash strings use CollationKey/CollationKeys, and
//     providers may push a string comparison only if they honour the rule.
//
// This package is a leaf of the engine: it imports arrow and errs only.
package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// Expr is a bound, typed scalar expression.
type Expr interface {
	// Type is the Arrow type of the values this expression produces.
	Type() arrow.DataType
	// String renders the expression as SQL-like text.
	String() string
	// Children are the direct sub-expressions, in a fixed order.
	Children() []Expr
	// WithChildren returns a copy with the children replaced (same count and
	// order as Children). It never mutates the receiver.
	WithChildren(children []Expr) Expr
}

// Column reads the column at Index of the input batch.
type Column struct {
	Index    int
	Name     string // for display and for providers that match by name
	DataType arrow.DataType
}

// Literal is a constant. Value holds a Go value of the type matching
// DataType, or nil for NULL:
//
//	BOOL: bool; INT8..INT64: int64; UINT8..UINT64: uint64;
//	FLOAT32/FLOAT64: float64; STRING/LARGE_STRING: string; BINARY: []byte;
//	DECIMAL128: decimal128.Num (scale and precision from DataType);
//	DATE32: arrow.Date32; TIMESTAMP: arrow.Timestamp; TIME64: arrow.Time64;
//	NULL type: nil.
type Literal struct {
	DataType arrow.DataType
	Value    any
	// Hex marks a hexadecimal or bit-value literal (0x41, X'41', b'101';
	// build one with NewHexLiteral): a binary string that reads as the
	// unsigned integer of its bytes wherever a number is wanted
	// (arithmetic, comparison with a number, CAST AS SIGNED, numeric
	// function arguments), as in MySQL: 0x41 + 0 = 65. Zero value: an
	// ordinary literal.
	Hex bool
}

// Op is a binary operator.
type Op int

// Binary operators. Comparison and logical operators produce BOOL with SQL
// three-valued logic (AND/OR use Kleene logic).
const (
	OpEq Op = iota
	OpNotEq
	OpLt
	OpLtEq
	OpGt
	OpGtEq
	OpNullSafeEq // <=>: never NULL
	OpAnd
	OpOr
	OpAdd
	OpSub
	OpMul
	OpDiv    // MySQL '/': see build.go for the result type
	OpIntDiv // MySQL DIV
	OpMod    // % and MOD
)

var opText = [...]string{
	OpEq: "=", OpNotEq: "!=", OpLt: "<", OpLtEq: "<=", OpGt: ">", OpGtEq: ">=",
	OpNullSafeEq: "<=>", OpAnd: "AND", OpOr: "OR", OpAdd: "+", OpSub: "-",
	OpMul: "*", OpDiv: "/", OpIntDiv: "DIV", OpMod: "%",
}

func (o Op) String() string {
	if int(o) < len(opText) {
		return opText[o]
	}
	return "?op"
}

// IsComparison reports whether o compares its operands (=, !=, <, ...).
func (o Op) IsComparison() bool { return o <= OpNullSafeEq }

// Binary applies Op to Left and Right.
type Binary struct {
	Op          Op
	Left, Right Expr
	DataType    arrow.DataType
}

// Not is logical negation (NOT NULL is NULL).
type Not struct{ Input Expr }

// Negate is arithmetic negation.
type Negate struct{ Input Expr }

// IsNull tests for NULL (IS NULL, or IS NOT NULL when Negated). Never NULL.
type IsNull struct {
	Input   Expr
	Negated bool
}

// Cast converts Input to To with MySQL conversion rules (a string that is not
// a number converts to 0 with MySQL's lenient prefix rule, etc.).
type Cast struct {
	Input Expr
	To    arrow.DataType
}

// When is one WHEN ... THEN ... arm of a Case.
type When struct{ Cond, Then Expr }

// Case is a searched CASE. A simple CASE (CASE x WHEN v ...) is built as a
// searched one with x = v conditions. Else may be nil (NULL).
type Case struct {
	Whens    []When
	Else     Expr
	DataType arrow.DataType
}

// In is Input [NOT] IN (List...), with SQL NULL semantics: NULL when no item
// matches and Input or any item is NULL.
type In struct {
	Input   Expr
	List    []Expr
	Negated bool
}

// Like is Input [NOT] LIKE Pattern [ESCAPE Escape], MySQL semantics
// (case-insensitive for the default collation).
type Like struct {
	Input, Pattern Expr
	Escape         rune
	Negated        bool
}

// Call is a scalar function call resolved against the function registry
// (functions.go). Name is the lower-case SQL name.
type Call struct {
	Name     string
	Args     []Expr
	DataType arrow.DataType
	// Func is the resolved function (set by NewCall/NewCallIn). When nil the
	// evaluator looks Name up in the default registry, so hand-built or
	// deserialized calls of built-ins still work.
	Func *ScalarFunc
}

var (
	_ Expr = (*Column)(nil)
	_ Expr = (*Literal)(nil)
	_ Expr = (*Binary)(nil)
	_ Expr = (*Not)(nil)
	_ Expr = (*Negate)(nil)
	_ Expr = (*IsNull)(nil)
	_ Expr = (*Cast)(nil)
	_ Expr = (*Case)(nil)
	_ Expr = (*In)(nil)
	_ Expr = (*Like)(nil)
	_ Expr = (*Call)(nil)
)
