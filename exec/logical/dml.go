package logical

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
)

// RewriteKind says what a Rewrite does to the rows it matches.
type RewriteKind int

// Rewrite kinds.
const (
	// RewriteDelete removes the matched rows (DELETE).
	RewriteDelete RewriteKind = iota
	// RewriteUpdate assigns Sets to the matched rows (UPDATE).
	RewriteUpdate
	// RewriteTruncate removes every row and reports 0 rows affected
	// (TRUNCATE TABLE, as MySQL reports it).
	RewriteTruncate
)

func (k RewriteKind) String() string {
	switch k {
	case RewriteUpdate:
		return "Update"
	case RewriteTruncate:
		return "Truncate"
	}
	return "Delete"
}

// Assignment is one `column = value` of an UPDATE's SET list.
type Assignment struct {
	// Column indexes the table's schema; Name is its name.
	Column int
	Name   string
	// Value is bound to the table's schema and already cast to the
	// column's type. It reads the row as the assignments before it left it
	// (MySQL's single-table UPDATE assigns left to right).
	Value expr.Expr
}

// Rewrite deletes or updates the rows of a Rewritable table that Where
// matches (TRUE; NULL does not match), at most Limit of them in the
// table's storage order (-1: no limit). Its output is one DMLSchema row:
// rows deleted, or rows whose values changed (MySQL's "changed", not
// "matched"), or 0 for TRUNCATE.
//
// Uncorrelated subqueries of Where and Sets run once, before any row is
// touched (they are the node's children): Where and Sets read subquery
// k's result as the virtual column TableSchema.NumFields()+k, which the
// executor replaces with a constant (a scalar value, an EXISTS flag) or,
// for IN, with Probe IN (the subquery's values).
type Rewrite struct {
	Kind        RewriteKind
	Name        catalog.Name
	Target      catalog.Rewritable
	TableSchema *arrow.Schema
	Where       expr.Expr // nil: every row; bound to TableSchema
	Sets        []Assignment
	Limit       int64
	Subqueries  []RewriteSubquery
}

// RewriteSubquery is one uncorrelated subquery of a Rewrite.
type RewriteSubquery struct {
	Kind SubqueryKind
	Plan Plan
	// Probe (SubqueryIn only) is the tested value, bound to the table's
	// schema (it may read earlier subqueries' virtual columns); it has the
	// type of Plan's single column.
	Probe expr.Expr
	Name  string
}

// Command is a catalog change that counts no rows (CREATE/DROP VIEW,
// CREATE/DROP INDEX): Run performs it when the statement executes, and
// the output is one DMLSchema row of 0. The plan builder validates
// everything it can before building one; Run re-checks what may have
// changed since. Run must be safe to call from any goroutine.
type Command struct {
	// Verb names the statement for EXPLAIN ("CreateView", "DropIndex"...).
	Verb string
	// Object names what it changes (a view or index and its table).
	Object string
	Run    func(ctx context.Context) error
}

var (
	_ Plan = (*Rewrite)(nil)
	_ Plan = (*Command)(nil)
)

func (r *Rewrite) Schema() *arrow.Schema { return DMLSchema }

// Children are the subqueries' plans, in order.
func (r *Rewrite) Children() []Plan {
	if len(r.Subqueries) == 0 {
		return nil
	}
	out := make([]Plan, len(r.Subqueries))
	for i, s := range r.Subqueries {
		out[i] = s.Plan
	}
	return out
}

func (r *Rewrite) WithChildren(c []Plan) Plan {
	n := *r
	n.Sets = append([]Assignment(nil), r.Sets...)
	n.Subqueries = append([]RewriteSubquery(nil), r.Subqueries...)
	for i := range n.Subqueries {
		n.Subqueries[i].Plan = c[i]
	}
	return &n
}

func (r *Rewrite) String() string {
	subs := make([]string, len(r.Subqueries))
	for i, sq := range r.Subqueries {
		subs[i] = FormatSubquery(sq.Name, sq.Kind, sq.Probe)
	}
	return r.Kind.String() + ": " + r.Name.String() + FormatRewrite(r.Where, r.Sets, r.Limit, subs...)
}

// FormatSubquery describes a Rewrite's subquery for String: its virtual
// column's name and what it computes.
func FormatSubquery(name string, kind SubqueryKind, probe expr.Expr) string {
	if kind == SubqueryIn && probe != nil {
		return name + ": " + probe.String() + " in"
	}
	return name + ": " + kind.String()
}

// FormatRewrite renders a Rewrite's SET list, WHERE, LIMIT and subqueries
// (subs, each as FormatSubquery gives it) for the logical and physical
// nodes' String.
func FormatRewrite(where expr.Expr, sets []Assignment, limit int64, subs ...string) string {
	var sb strings.Builder
	if len(sets) > 0 {
		parts := make([]string, len(sets))
		for i, a := range sets {
			parts[i] = a.Name + " = " + a.Value.String()
		}
		sb.WriteString(" set=[" + strings.Join(parts, ", ") + "]")
	}
	if where != nil {
		sb.WriteString(" where=" + where.String())
	}
	if limit >= 0 {
		fmt.Fprintf(&sb, " limit=%d", limit)
	}
	if len(subs) > 0 {
		sb.WriteString(" subqueries=[" + strings.Join(subs, ", ") + "]")
	}
	return sb.String()
}

func (c *Command) Schema() *arrow.Schema    { return DMLSchema }
func (c *Command) Children() []Plan         { return nil }
func (c *Command) WithChildren([]Plan) Plan { n := *c; return &n }
func (c *Command) String() string           { return c.Verb + ": " + c.Object }
