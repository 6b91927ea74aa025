package optimizer

import (
	"fmt"
	"strings"

	"github.com/quiverdb/quiver/exec/expr"
)

// exprKey is a structural identity of a bound expression: equal keys mean
// the same computation over the same input columns (display names do not
// count).
func exprKey(e expr.Expr) string {
	var sb strings.Builder
	writeKey(&sb, e)
	return sb.String()
}

func writeKey(sb *strings.Builder, e expr.Expr) {
	switch n := e.(type) {
	case *expr.Column:
		fmt.Fprintf(sb, "#%d", n.Index)
		return
	case *expr.Literal:
		fmt.Fprintf(sb, "lit(%s:%v)", n.DataType, n.Value)
		return
	case *expr.Binary:
		fmt.Fprintf(sb, "bin%d", n.Op)
	case *expr.Cast:
		fmt.Fprintf(sb, "cast:%s", n.To)
	case *expr.IsNull:
		fmt.Fprintf(sb, "isnull:%v", n.Negated)
	case *expr.In:
		fmt.Fprintf(sb, "in:%v", n.Negated)
	case *expr.Like:
		fmt.Fprintf(sb, "like:%v:%d", n.Negated, n.Escape)
	case *expr.Call:
		fmt.Fprintf(sb, "call:%s", n.Name)
	case *expr.Case:
		fmt.Fprintf(sb, "case:%d:%v", len(n.Whens), n.Else != nil)
	case *expr.Not:
		sb.WriteString("not")
	case *expr.Negate:
		sb.WriteString("neg")
	default:
		fmt.Fprintf(sb, "%T:%s", e, e.String())
	}
	fmt.Fprintf(sb, ":%s(", e.Type())
	for i, c := range e.Children() {
		if i > 0 {
			sb.WriteByte(',')
		}
		writeKey(sb, c)
	}
	sb.WriteByte(')')
}
