package logical

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
)

// Scan reads a provider table. The optimizer fills in the pushdown fields
// after negotiating with the table (catalog.FilterPushdowner).
type Scan struct {
	Name  catalog.Name
	Table catalog.Table
	// Projection indexes Table.Schema(); nil = all columns.
	Projection []int
	// FullFilters were accepted as Exact, PartialFilters as Inexact (the
	// engine re-filters above the scan), Unsupported stay in a Filter above
	// the scan and are recorded here only for EXPLAIN. All bind to
	// Table.Schema().
	FullFilters, PartialFilters, Unsupported []expr.Expr
	// Limit pushed into the scan, -1 for none. Only set when every pushed
	// filter is Exact (and none is unsupported).
	Limit int64
}

// Values is an inline relation (SELECT without FROM, INSERT ... VALUES).
// Each row has one expression per output column; expressions bind to an
// empty input.
type Values struct {
	Out  *arrow.Schema
	Rows [][]expr.Expr
}

// Filter keeps the rows for which Predicate is TRUE.
type Filter struct {
	Input     Plan
	Predicate expr.Expr
}

// Project computes Exprs over its input; output column i is named Names[i].
type Project struct {
	Input Plan
	Exprs []expr.Expr
	Names []string
}

// Aggregate groups by GroupBy and computes Aggs. Output: the group-by
// columns (named GroupNames) then the aggregates (named AggNames).
// DISTINCT is an Aggregate with no Aggs.
type Aggregate struct {
	Input      Plan
	GroupBy    []expr.Expr
	GroupNames []string
	Aggs       []expr.AggregateCall
	AggNames   []string
}

// SortKey is one ORDER BY key. NullsFirst follows MySQL unless stated:
// NULLs sort first ascending and last descending.
type SortKey struct {
	Expr       expr.Expr
	Desc       bool
	NullsFirst bool
}

// Sort orders its input.
type Sort struct {
	Input Plan
	Keys  []SortKey
}

// Limit skips Offset rows then passes at most Count rows (-1 = no limit).
type Limit struct {
	Input  Plan
	Offset int64
	Count  int64
}

// Explain describes its input plan instead of running it.
type Explain struct {
	Input   Plan
	Analyze bool
}

// CreateTable creates a table in a Creatable schema.
type CreateTable struct {
	Name        catalog.Name
	Target      catalog.Creatable
	TableSchema *arrow.Schema
	IfNotExists bool
}

// DropTable drops a table from a Creatable schema.
type DropTable struct {
	Name     catalog.Name
	Target   catalog.Creatable
	IfExists bool
}

// Insert appends its input's rows (already cast to the table's schema, in
// its column order) to an Insertable table.
type Insert struct {
	Name   catalog.Name
	Target catalog.Insertable
	Input  Plan
}

// DMLSchema is the output schema of CreateTable, DropTable and Insert: one
// row with the number of affected rows.
var DMLSchema = arrow.NewSchema([]arrow.Field{{Name: "rows_affected", Type: arrow.PrimitiveTypes.Int64}}, nil)

// ExplainSchema is the output of EXPLAIN: one row per plan line.
var ExplainSchema = arrow.NewSchema([]arrow.Field{{Name: "plan", Type: arrow.BinaryTypes.String}}, nil)

var (
	_ Plan = (*Scan)(nil)
	_ Plan = (*Values)(nil)
	_ Plan = (*Filter)(nil)
	_ Plan = (*Project)(nil)
	_ Plan = (*Aggregate)(nil)
	_ Plan = (*Sort)(nil)
	_ Plan = (*Limit)(nil)
	_ Plan = (*Explain)(nil)
	_ Plan = (*CreateTable)(nil)
	_ Plan = (*DropTable)(nil)
	_ Plan = (*Insert)(nil)
)

// ---- Scan

// Schema is the projected table schema.
func (s *Scan) Schema() *arrow.Schema { return ProjectSchema(s.Table.Schema(), s.Projection) }
func (s *Scan) Children() []Plan      { return nil }
func (s *Scan) WithChildren([]Plan) Plan {
	c := *s
	return &c
}

func (s *Scan) String() string {
	var sb strings.Builder
	sb.WriteString("Scan: " + s.Name.String())
	full := s.Table.Schema()
	if s.Projection != nil {
		names := make([]string, len(s.Projection))
		for i, p := range s.Projection {
			names[i] = full.Field(p).Name
		}
		sb.WriteString(" projection=[" + strings.Join(names, ", ") + "]")
	}
	writeExprs(&sb, "full_filters", s.FullFilters)
	writeExprs(&sb, "partial_filters", s.PartialFilters)
	writeExprs(&sb, "unsupported", s.Unsupported)
	if s.Limit >= 0 {
		fmt.Fprintf(&sb, " limit=%d", s.Limit)
	}
	return sb.String()
}

// ProjectSchema returns the schema of the given columns (nil = all).
func ProjectSchema(full *arrow.Schema, projection []int) *arrow.Schema {
	if projection == nil {
		return full
	}
	fields := make([]arrow.Field, len(projection))
	for i, p := range projection {
		fields[i] = full.Field(p)
	}
	md := full.Metadata()
	return arrow.NewSchema(fields, &md)
}

func writeExprs(sb *strings.Builder, label string, es []expr.Expr) {
	if len(es) == 0 {
		return
	}
	sb.WriteString(" " + label + "=[" + JoinExprs(es) + "]")
}

// JoinExprs renders expressions comma-separated.
func JoinExprs(es []expr.Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

// ---- Values

func (v *Values) Schema() *arrow.Schema    { return v.Out }
func (v *Values) Children() []Plan         { return nil }
func (v *Values) WithChildren([]Plan) Plan { c := *v; return &c }
func (v *Values) String() string {
	return fmt.Sprintf("Values: rows=%d columns=%d", len(v.Rows), v.Out.NumFields())
}

// ---- Filter

func (f *Filter) Schema() *arrow.Schema { return f.Input.Schema() }
func (f *Filter) Children() []Plan      { return []Plan{f.Input} }
func (f *Filter) WithChildren(c []Plan) Plan {
	return &Filter{Input: c[0], Predicate: f.Predicate}
}
func (f *Filter) String() string { return "Filter: " + f.Predicate.String() }

// ---- Project

func (p *Project) Schema() *arrow.Schema {
	fields := make([]arrow.Field, len(p.Exprs))
	for i, e := range p.Exprs {
		fields[i] = arrow.Field{Name: p.Names[i], Type: e.Type(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}
func (p *Project) Children() []Plan { return []Plan{p.Input} }
func (p *Project) WithChildren(c []Plan) Plan {
	return &Project{Input: c[0], Exprs: p.Exprs, Names: p.Names}
}
func (p *Project) String() string {
	parts := make([]string, len(p.Exprs))
	for i, e := range p.Exprs {
		s := e.String()
		if s != p.Names[i] {
			s += " AS " + p.Names[i]
		}
		parts[i] = s
	}
	return "Project: " + strings.Join(parts, ", ")
}

// ---- Aggregate

func (a *Aggregate) Schema() *arrow.Schema {
	return AggregateSchema(a.GroupBy, a.GroupNames, a.Aggs, a.AggNames)
}

// AggregateSchema is the output of a grouping: the group-by columns then the
// aggregates (COUNT is never NULL). Logical and physical aggregates share it.
func AggregateSchema(groupBy []expr.Expr, groupNames []string, aggs []expr.AggregateCall, aggNames []string) *arrow.Schema {
	fields := make([]arrow.Field, 0, len(groupBy)+len(aggs))
	for i, g := range groupBy {
		fields = append(fields, arrow.Field{Name: groupNames[i], Type: g.Type(), Nullable: true})
	}
	for i, ag := range aggs {
		fields = append(fields, arrow.Field{Name: aggNames[i], Type: ag.DataType, Nullable: ag.Func != expr.AggCount})
	}
	return arrow.NewSchema(fields, nil)
}
func (a *Aggregate) Children() []Plan { return []Plan{a.Input} }
func (a *Aggregate) WithChildren(c []Plan) Plan {
	n := *a
	n.Input = c[0]
	return &n
}
func (a *Aggregate) String() string { return "Aggregate: " + AggregateText(a.GroupBy, a.Aggs) }

// AggregateText renders "group_by=[...] aggs=[...]" for EXPLAIN.
func AggregateText(groupBy []expr.Expr, aggs []expr.AggregateCall) string {
	parts := make([]string, len(aggs))
	for i, ag := range aggs {
		parts[i] = ag.String()
	}
	return "group_by=[" + JoinExprs(groupBy) + "] aggs=[" + strings.Join(parts, ", ") + "]"
}

// ---- Sort

func (s *Sort) Schema() *arrow.Schema      { return s.Input.Schema() }
func (s *Sort) Children() []Plan           { return []Plan{s.Input} }
func (s *Sort) WithChildren(c []Plan) Plan { return &Sort{Input: c[0], Keys: s.Keys} }
func (s *Sort) String() string             { return "Sort: " + FormatSortKeys(s.Keys) }

// FormatSortKeys renders ORDER BY keys, e.g. "a ASC, b DESC NULLS FIRST".
func FormatSortKeys(keys []SortKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		dir := "ASC"
		if k.Desc {
			dir = "DESC"
		}
		s := k.Expr.String() + " " + dir
		if k.NullsFirst != !k.Desc { // differs from MySQL's default
			if k.NullsFirst {
				s += " NULLS FIRST"
			} else {
				s += " NULLS LAST"
			}
		}
		parts[i] = s
	}
	return strings.Join(parts, ", ")
}

// ---- Limit

func (l *Limit) Schema() *arrow.Schema { return l.Input.Schema() }
func (l *Limit) Children() []Plan      { return []Plan{l.Input} }
func (l *Limit) WithChildren(c []Plan) Plan {
	return &Limit{Input: c[0], Offset: l.Offset, Count: l.Count}
}
func (l *Limit) String() string {
	return fmt.Sprintf("Limit: offset=%d count=%d", l.Offset, l.Count)
}

// ---- Explain

func (e *Explain) Schema() *arrow.Schema { return ExplainSchema }
func (e *Explain) Children() []Plan      { return []Plan{e.Input} }
func (e *Explain) WithChildren(c []Plan) Plan {
	return &Explain{Input: c[0], Analyze: e.Analyze}
}
func (e *Explain) String() string {
	if e.Analyze {
		return "Explain: analyze"
	}
	return "Explain"
}

// ---- DDL / DML

func (c *CreateTable) Schema() *arrow.Schema    { return DMLSchema }
func (c *CreateTable) Children() []Plan         { return nil }
func (c *CreateTable) WithChildren([]Plan) Plan { n := *c; return &n }
func (c *CreateTable) String() string {
	cols := make([]string, c.TableSchema.NumFields())
	for i, f := range c.TableSchema.Fields() {
		cols[i] = f.Name + " " + expr.TypeName(f.Type)
	}
	return "CreateTable: " + c.Name.String() + " (" + strings.Join(cols, ", ") + ")"
}

func (d *DropTable) Schema() *arrow.Schema    { return DMLSchema }
func (d *DropTable) Children() []Plan         { return nil }
func (d *DropTable) WithChildren([]Plan) Plan { n := *d; return &n }
func (d *DropTable) String() string           { return "DropTable: " + d.Name.String() }

func (i *Insert) Schema() *arrow.Schema { return DMLSchema }
func (i *Insert) Children() []Plan      { return []Plan{i.Input} }
func (i *Insert) WithChildren(c []Plan) Plan {
	return &Insert{Name: i.Name, Target: i.Target, Input: c[0]}
}
func (i *Insert) String() string { return "Insert: " + i.Name.String() }
