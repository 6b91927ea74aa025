package logical

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
)

// JoinType is the kind of a Join.
type JoinType int

// Join types. Inner, Left, Right, Full and Cross output the left input's
// columns followed by the right input's; Semi and Anti output the left
// input's columns only (each left row at most once).
const (
	// JoinInner keeps the pairs for which the keys are equal and the
	// condition is TRUE.
	JoinInner JoinType = iota
	// JoinLeft is LEFT OUTER JOIN: inner pairs plus every left row without
	// a partner, extended with NULLs on the right.
	JoinLeft
	// JoinRight is RIGHT OUTER JOIN (the mirror of JoinLeft).
	JoinRight
	// JoinFull is FULL OUTER JOIN: LEFT and RIGHT at once.
	JoinFull
	// JoinCross is the Cartesian product as written (CROSS JOIN, a comma,
	// JOIN without ON). With keys or a condition it means JoinInner; the
	// optimizer turns it into one when it adds either.
	JoinCross
	// JoinSemi keeps the left rows that have at least one partner
	// (EXISTS, IN).
	JoinSemi
	// JoinAnti keeps the left rows that have no partner (NOT EXISTS, and
	// NOT IN with NullAware).
	JoinAnti
)

var joinTypeText = [...]string{
	JoinInner: "Inner", JoinLeft: "Left", JoinRight: "Right", JoinFull: "Full",
	JoinCross: "Cross", JoinSemi: "Semi", JoinAnti: "Anti",
}

func (t JoinType) String() string {
	if t >= 0 && int(t) < len(joinTypeText) {
		return joinTypeText[t]
	}
	return "?join"
}

// LeftOnly reports whether the join outputs only the left input's columns
// (Semi and Anti).
func (t JoinType) LeftOnly() bool { return t == JoinSemi || t == JoinAnti }

// NullsLeft reports whether the join may extend right rows with NULLs on
// the left (the left side is null-supplying: Right and Full).
func (t JoinType) NullsLeft() bool { return t == JoinRight || t == JoinFull }

// NullsRight reports whether the join may extend left rows with NULLs on
// the right (the right side is null-supplying: Left and Full).
func (t JoinType) NullsRight() bool { return t == JoinLeft || t == JoinFull }

// EquiKey is one equality of a join: Left binds to the left input's schema,
// Right to the right input's, and both have the same type (STRING and
// LARGE_STRING count as one). Rows whose key is NULL never match (SQL '=').
type EquiKey struct {
	Left, Right expr.Expr
}

// Join combines two inputs. A pair of rows (l, r) is a partner pair when
// every key is equal (Left(l) = Right(r) is TRUE) and Condition is TRUE on
// the concatenated row (nil Condition: TRUE). Condition binds to the
// concatenation of the left and right schemas, left first, whatever the
// join type (for Semi/Anti too, although they output the left columns only).
//
// NullAware (Anti only) gives NOT IN's semantics: a left row is dropped
// when some right row satisfies Condition and no key comparison is FALSE
// (a NULL on either side of a key therefore drops the row unless the
// right input is empty).
//
// The planner builds joins with every ON conjunct in Condition; the
// optimizer's join key extraction moves equalities into Keys (which lets
// the physical planner pick a hash join). Both forms mean the same rows.
type Join struct {
	Type        JoinType
	Left, Right Plan
	Keys        []EquiKey
	Condition   expr.Expr
	NullAware   bool
}

var _ Plan = (*Join)(nil)

// Schema is the left schema then the right one (fields of a null-supplying
// side made nullable), or the left schema alone for Semi and Anti.
func (j *Join) Schema() *arrow.Schema { return JoinSchema(j.Type, j.Left.Schema(), j.Right.Schema()) }

// JoinSchema is the output schema of a join of type t over inputs with
// schemas l and r.
func JoinSchema(t JoinType, l, r *arrow.Schema) *arrow.Schema {
	if t.LeftOnly() {
		return l
	}
	fields := make([]arrow.Field, 0, l.NumFields()+r.NumFields())
	for _, f := range l.Fields() {
		if t.NullsLeft() {
			f.Nullable = true
		}
		fields = append(fields, f)
	}
	for _, f := range r.Fields() {
		if t.NullsRight() {
			f.Nullable = true
		}
		fields = append(fields, f)
	}
	return arrow.NewSchema(fields, nil)
}

func (j *Join) Children() []Plan { return []Plan{j.Left, j.Right} }

func (j *Join) WithChildren(c []Plan) Plan {
	n := *j
	n.Left, n.Right = c[0], c[1]
	return &n
}

// String renders e.g. "Join: Left keys=[a = b] condition=x < y".
func (j *Join) String() string {
	return "Join: " + DescribeJoin(j.Type, j.Keys, j.Condition, j.NullAware)
}

// DescribeJoin renders a join's type, keys and condition for EXPLAIN (shared
// with the physical join nodes).
func DescribeJoin(t JoinType, keys []EquiKey, cond expr.Expr, nullAware bool) string {
	var sb strings.Builder
	sb.WriteString(t.String())
	if nullAware {
		sb.WriteString(" null_aware")
	}
	if len(keys) > 0 {
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k.Left.String() + " = " + k.Right.String()
		}
		sb.WriteString(" keys=[" + strings.Join(parts, ", ") + "]")
	}
	if cond != nil {
		sb.WriteString(" condition=" + cond.String())
	}
	return sb.String()
}
