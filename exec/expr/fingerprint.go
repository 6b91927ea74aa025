package expr

import (
	"fmt"
	"strings"
)

// Fingerprinter is implemented by expression nodes defined outside this
// package (e.g. the plan builder's placeholders) that need a structural
// identity in Fingerprint.
type Fingerprinter interface {
	Fingerprint() string
}

// Fingerprint is a structural identity of a bound expression: equal
// fingerprints mean the same computation over the same input columns
// (display names do not count). Used to match GROUP BY / ORDER BY items with
// select-list expressions and to deduplicate pushed filters.
func Fingerprint(e Expr) string {
	var sb strings.Builder
	writeFingerprint(&sb, e)
	return sb.String()
}

func writeFingerprint(sb *strings.Builder, e Expr) {
	switch n := e.(type) {
	case *Column:
		fmt.Fprintf(sb, "#%d", n.Index)
		return
	case *Literal:
		if n.Hex { // 0x41 reads as 65 where BINARY 'A' reads as 0
			sb.WriteString("hex")
		}
		fmt.Fprintf(sb, "lit(%s:%v)", n.DataType, n.Value)
		return
	case Fingerprinter:
		sb.WriteString(n.Fingerprint())
		return
	case *Binary:
		fmt.Fprintf(sb, "bin%d", n.Op)
	case *Cast:
		fmt.Fprintf(sb, "cast:%s", n.To)
	case *IsNull:
		fmt.Fprintf(sb, "isnull:%v", n.Negated)
	case *In:
		fmt.Fprintf(sb, "in:%v", n.Negated)
	case *Like:
		fmt.Fprintf(sb, "like:%v:%d", n.Negated, n.Escape)
	case *Call:
		fmt.Fprintf(sb, "call:%s", n.Name)
	case *Case:
		fmt.Fprintf(sb, "case:%d:%v", len(n.Whens), n.Else != nil)
	case *Not:
		sb.WriteString("not")
	case *Negate:
		sb.WriteString("neg")
	default:
		fmt.Fprintf(sb, "%T:%s", e, e.String())
	}
	fmt.Fprintf(sb, ":%s(", e.Type())
	for i, c := range e.Children() {
		if i > 0 {
			sb.WriteByte(',')
		}
		writeFingerprint(sb, c)
	}
	sb.WriteByte(')')
}
