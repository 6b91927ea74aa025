package expr

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

func (c *Column) Type() arrow.DataType         { return c.DataType }
func (c *Column) String() string               { return c.Name }
func (c *Column) Children() []Expr             { return nil }
func (c *Column) WithChildren(ch []Expr) Expr  { return c }
func (l *Literal) Type() arrow.DataType        { return l.DataType }
func (l *Literal) Children() []Expr            { return nil }
func (l *Literal) WithChildren(ch []Expr) Expr { return l }
func (b *Binary) Type() arrow.DataType         { return b.DataType }
func (b *Binary) Children() []Expr             { return []Expr{b.Left, b.Right} }
func (n *Not) Type() arrow.DataType            { return arrow.FixedWidthTypes.Boolean }
func (n *Not) Children() []Expr                { return []Expr{n.Input} }
func (n *Not) WithChildren(ch []Expr) Expr     { return &Not{Input: ch[0]} }
func (n *Not) String() string                  { return "NOT " + paren(n.Input) }
func (n *Negate) Type() arrow.DataType         { return negateType(n.Input.Type()) }
func (n *Negate) Children() []Expr             { return []Expr{n.Input} }
func (n *Negate) WithChildren(ch []Expr) Expr  { return &Negate{Input: ch[0]} }
func (n *Negate) String() string               { return "-" + paren(n.Input) }
func (n *IsNull) Type() arrow.DataType         { return arrow.FixedWidthTypes.Boolean }
func (n *IsNull) Children() []Expr             { return []Expr{n.Input} }
func (n *IsNull) WithChildren(ch []Expr) Expr  { return &IsNull{Input: ch[0], Negated: n.Negated} }
func (c *Cast) Type() arrow.DataType           { return c.To }
func (c *Cast) Children() []Expr               { return []Expr{c.Input} }
func (c *Cast) WithChildren(ch []Expr) Expr    { return &Cast{Input: ch[0], To: c.To} }
func (c *Cast) String() string                 { return "CAST(" + c.Input.String() + " AS " + TypeName(c.To) + ")" }
func (c *Case) Type() arrow.DataType           { return c.DataType }
func (i *In) Type() arrow.DataType             { return arrow.FixedWidthTypes.Boolean }
func (l *Like) Type() arrow.DataType           { return arrow.FixedWidthTypes.Boolean }
func (l *Like) Children() []Expr               { return []Expr{l.Input, l.Pattern} }
func (c *Call) Type() arrow.DataType           { return c.DataType }
func (c *Call) Children() []Expr               { return c.Args }
func (c *Call) WithChildren(ch []Expr) Expr {
	return &Call{Name: c.Name, Args: ch, DataType: c.DataType, Func: c.Func}
}

func (b *Binary) WithChildren(ch []Expr) Expr {
	return &Binary{Op: b.Op, Left: ch[0], Right: ch[1], DataType: b.DataType}
}

func (b *Binary) String() string {
	return paren(b.Left) + " " + b.Op.String() + " " + paren(b.Right)
}

func (n *IsNull) String() string {
	if n.Negated {
		return paren(n.Input) + " IS NOT NULL"
	}
	return paren(n.Input) + " IS NULL"
}

func (c *Case) Children() []Expr {
	out := make([]Expr, 0, 2*len(c.Whens)+1)
	for _, w := range c.Whens {
		out = append(out, w.Cond, w.Then)
	}
	if c.Else != nil {
		out = append(out, c.Else)
	}
	return out
}

func (c *Case) WithChildren(ch []Expr) Expr {
	n := &Case{DataType: c.DataType, Whens: make([]When, len(c.Whens))}
	for i := range c.Whens {
		n.Whens[i] = When{Cond: ch[2*i], Then: ch[2*i+1]}
	}
	if c.Else != nil {
		n.Else = ch[len(ch)-1]
	}
	return n
}

func (c *Case) String() string {
	var sb strings.Builder
	sb.WriteString("CASE")
	for _, w := range c.Whens {
		sb.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Then.String())
	}
	if c.Else != nil {
		sb.WriteString(" ELSE " + c.Else.String())
	}
	sb.WriteString(" END")
	return sb.String()
}

func (i *In) Children() []Expr { return append([]Expr{i.Input}, i.List...) }

func (i *In) WithChildren(ch []Expr) Expr {
	return &In{Input: ch[0], List: append([]Expr(nil), ch[1:]...), Negated: i.Negated}
}

func (i *In) String() string {
	items := make([]string, len(i.List))
	for k, e := range i.List {
		items[k] = e.String()
	}
	not := ""
	if i.Negated {
		not = "NOT "
	}
	return paren(i.Input) + " " + not + "IN (" + strings.Join(items, ", ") + ")"
}

func (l *Like) WithChildren(ch []Expr) Expr {
	return &Like{Input: ch[0], Pattern: ch[1], Escape: l.Escape, Negated: l.Negated}
}

func (l *Like) String() string {
	not := ""
	if l.Negated {
		not = "NOT "
	}
	s := paren(l.Input) + " " + not + "LIKE " + paren(l.Pattern)
	if l.Escape != '\\' && l.Escape != 0 {
		s += fmt.Sprintf(" ESCAPE '%c'", l.Escape)
	}
	return s
}

func (c *Call) String() string {
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = a.String()
	}
	return c.Name + "(" + strings.Join(args, ", ") + ")"
}

// paren wraps compound expressions in parentheses for unambiguous display.
func paren(e Expr) string {
	switch e.(type) {
	case *Binary, *In, *Like, *IsNull, *Not:
		return "(" + e.String() + ")"
	}
	return e.String()
}
