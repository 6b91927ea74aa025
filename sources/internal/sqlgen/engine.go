package sqlgen

import (
	"context"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
)

// The engine's string semantics, probed once through expr.Fold so that the
// translation follows the evaluator instead of an assumption about it: if
// the engine compares VARCHAR under a case- or accent-insensitive collation,
// string comparisons and IN are not pushed (no dialect here reproduces it);
// if its LIKE folds more than ASCII case, LIKE is not pushed.
var engineProbe = sync.OnceValues(func() (bytesCompare, asciiLike bool) {
	str := func(s string) expr.Expr { return &expr.Literal{DataType: arrow.BinaryTypes.String, Value: s} }
	truth := func(e expr.Expr) (bool, bool) {
		out, _, err := expr.Fold(context.Background(), e)
		if err != nil {
			return false, false
		}
		l, ok := out.(*expr.Literal)
		if !ok {
			return false, false
		}
		b, ok := l.Value.(bool)
		return b, ok
	}
	cmp := func(op expr.Op, a, b string) (bool, bool) {
		return truth(&expr.Binary{Op: op, Left: str(a), Right: str(b), DataType: arrow.FixedWidthTypes.Boolean})
	}
	like := func(a, p string) (bool, bool) {
		return truth(&expr.Like{Input: str(a), Pattern: str(p), Escape: '\\'})
	}
	eqCase, ok1 := cmp(expr.OpEq, "A", "a")
	ltByte, ok2 := cmp(expr.OpLt, "B", "a")
	eqPad, ok3 := cmp(expr.OpEq, "a", "a ")
	bytesCompare = ok1 && ok2 && ok3 && !eqCase && ltByte && !eqPad
	fold, ok4 := like("a", "A")
	accent, ok5 := like("é", "e")
	sharp, ok6 := like("ß", "ss")
	kelvin, ok7 := like("\u212a", "k")
	asciiLike = ok4 && ok5 && ok6 && ok7 && fold && !accent && !sharp && !kelvin
	return bytesCompare, asciiLike
})

// EngineComparesBytes reports whether the engine compares VARCHAR values
// bytewise (then string comparisons are pushable with a byte collation).
func EngineComparesBytes() bool {
	b, _ := engineProbe()
	return b
}

// EngineLikeIsASCIIFold reports whether the engine's LIKE matches ASCII
// letters case-insensitively and nothing else case- or accent-insensitively
// (then LIKE is pushable to ASCII-folding dialects).
func EngineLikeIsASCIIFold() bool {
	_, l := engineProbe()
	return l
}
