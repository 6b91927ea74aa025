package physical

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// ScanExec reads a planned catalog.Scan. The negotiation fields repeat what
// the optimizer agreed with the table so that EXPLAIN can show it and the
// sanity check can verify it; Scan is the table's answer to
// ScanRequest{Projection, FullFilters+PartialFilters, Limit}.
type ScanExec struct {
	Name  catalog.Name
	Table catalog.Table
	// Scan is the planned read (its Schema is this node's output schema).
	Scan catalog.Scan
	// Projection indexes Table.Schema(); nil = all columns.
	Projection []int
	// FullFilters (Exact), PartialFilters (Inexact, re-filtered above) and
	// Unsupported (never pushed; evaluated above, recorded for EXPLAIN) all
	// bind to Table.Schema().
	FullFilters, PartialFilters, Unsupported []expr.Expr
	// Limit pushed into the scan, -1 for none.
	Limit int64
	// Parallelism is how many partitions are read at once; 0 or 1 reads
	// them one after another. Set by physopt's scan parallelism rule.
	Parallelism int
}

// FilterExec keeps the rows for which Predicate is TRUE.
type FilterExec struct {
	Input     Plan
	Predicate expr.Expr
}

// ProjectExec computes Exprs over its input; output column i is Names[i].
type ProjectExec struct {
	Input Plan
	Exprs []expr.Expr
	Names []string
}

// HashAggregateExec groups by GroupBy (hashing the keys) and computes Aggs.
// Output: the group-by columns (GroupNames) then the aggregates (AggNames).
// With no GroupBy it produces exactly one row.
type HashAggregateExec struct {
	Input      Plan
	GroupBy    []expr.Expr
	GroupNames []string
	Aggs       []expr.AggregateCall
	AggNames   []string
}

// SortExec orders its input. Fetch, when >= 0, says only the first Fetch rows
// of the sorted output are needed (a TopN: the operator keeps only that many);
// -1 means all rows.
type SortExec struct {
	Input Plan
	Keys  []logical.SortKey
	Fetch int64
}

// LimitExec skips Offset rows then passes at most Count rows (-1 = no limit).
type LimitExec struct {
	Input  Plan
	Offset int64
	Count  int64
}

// ValuesExec produces inline rows; each expression binds to an empty input.
type ValuesExec struct {
	Out  *arrow.Schema
	Rows [][]expr.Expr
}

// ExplainExec describes Input instead of running it. The engine handles it at
// the root; it is never instantiated.
type ExplainExec struct {
	Input   Plan
	Analyze bool
}

// CreateTableExec creates a table in a Creatable schema when run; its output
// is one logical.DMLSchema row (0 rows affected).
type CreateTableExec struct {
	Name        catalog.Name
	Target      catalog.Creatable
	TableSchema *arrow.Schema
	IfNotExists bool
}

// DropTableExec drops a table when run; output as CreateTableExec.
type DropTableExec struct {
	Name     catalog.Name
	Target   catalog.Creatable
	IfExists bool
}

// InsertExec appends Input's rows to Target atomically when run; its output
// is one logical.DMLSchema row with the number of rows inserted.
type InsertExec struct {
	Name   catalog.Name
	Target catalog.Insertable
	Input  Plan
}

var (
	_ Plan = (*ScanExec)(nil)
	_ Plan = (*FilterExec)(nil)
	_ Plan = (*ProjectExec)(nil)
	_ Plan = (*HashAggregateExec)(nil)
	_ Plan = (*SortExec)(nil)
	_ Plan = (*LimitExec)(nil)
	_ Plan = (*ValuesExec)(nil)
	_ Plan = (*ExplainExec)(nil)
	_ Plan = (*CreateTableExec)(nil)
	_ Plan = (*DropTableExec)(nil)
	_ Plan = (*InsertExec)(nil)
)

// Describer is implemented by catalog.Scan values that add their own detail
// to EXPLAIN (e.g. a Parquet scan's "row_groups=3/10"). Describe must be
// deterministic and cheap.
type Describer interface {
	Describe() string
}

// ---- ScanExec

// Schema is the planned scan's (projected) schema.
func (s *ScanExec) Schema() *arrow.Schema { return s.Scan.Schema() }

// Children returns nil: a scan is a leaf.
func (s *ScanExec) Children() []Plan { return nil }

// WithChildren returns a copy.
func (s *ScanExec) WithChildren([]Plan) Plan { c := *s; return &c }

// String renders e.g. "ScanExec: demo.public.sales projection=[id, amount]
// full_filters=[...] limit=10 partitions=2".
func (s *ScanExec) String() string {
	var sb strings.Builder
	sb.WriteString("ScanExec: " + s.Name.String())
	if s.Projection != nil {
		full := s.Table.Schema()
		names := make([]string, len(s.Projection))
		for i, p := range s.Projection {
			if p >= 0 && p < full.NumFields() {
				names[i] = full.Field(p).Name
			} else {
				names[i] = fmt.Sprintf("#%d?", p)
			}
		}
		sb.WriteString(" projection=[" + strings.Join(names, ", ") + "]")
	}
	writeExprs(&sb, "full_filters", s.FullFilters)
	writeExprs(&sb, "partial_filters", s.PartialFilters)
	writeExprs(&sb, "unsupported", s.Unsupported)
	if s.Limit >= 0 {
		fmt.Fprintf(&sb, " limit=%d", s.Limit)
	}
	fmt.Fprintf(&sb, " partitions=%d", len(s.Scan.Partitions()))
	if s.Parallelism > 1 {
		fmt.Fprintf(&sb, " parallelism=%d", s.Parallelism)
	}
	if d, ok := s.Scan.(Describer); ok {
		if txt := d.Describe(); txt != "" {
			sb.WriteString(" " + txt)
		}
	}
	return sb.String()
}

func writeExprs(sb *strings.Builder, label string, es []expr.Expr) {
	if len(es) == 0 {
		return
	}
	sb.WriteString(" " + label + "=[" + logical.JoinExprs(es) + "]")
}

// ---- FilterExec

func (f *FilterExec) Schema() *arrow.Schema { return f.Input.Schema() }
func (f *FilterExec) Children() []Plan      { return []Plan{f.Input} }
func (f *FilterExec) WithChildren(c []Plan) Plan {
	return &FilterExec{Input: c[0], Predicate: f.Predicate}
}
func (f *FilterExec) String() string { return "FilterExec: " + f.Predicate.String() }

// ---- ProjectExec

// Schema has one nullable field per expression, named by Names (the same
// schema logical.Project reports, so prepare-time and run-time schemas agree).
func (p *ProjectExec) Schema() *arrow.Schema {
	fields := make([]arrow.Field, len(p.Exprs))
	for i, e := range p.Exprs {
		fields[i] = arrow.Field{Name: p.Names[i], Type: e.Type(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}
func (p *ProjectExec) Children() []Plan { return []Plan{p.Input} }
func (p *ProjectExec) WithChildren(c []Plan) Plan {
	return &ProjectExec{Input: c[0], Exprs: p.Exprs, Names: p.Names}
}
func (p *ProjectExec) String() string {
	parts := make([]string, len(p.Exprs))
	for i, e := range p.Exprs {
		s := e.String()
		if i < len(p.Names) && s != p.Names[i] {
			s += " AS " + p.Names[i]
		}
		parts[i] = s
	}
	return "ProjectExec: " + strings.Join(parts, ", ")
}

// ---- HashAggregateExec

// Schema is the group-by columns then the aggregates; COUNT is not nullable.
func (a *HashAggregateExec) Schema() *arrow.Schema {
	return logical.AggregateSchema(a.GroupBy, a.GroupNames, a.Aggs, a.AggNames)
}
func (a *HashAggregateExec) Children() []Plan { return []Plan{a.Input} }
func (a *HashAggregateExec) WithChildren(c []Plan) Plan {
	n := *a
	n.Input = c[0]
	return &n
}
func (a *HashAggregateExec) String() string {
	return "HashAggregateExec: " + logical.AggregateText(a.GroupBy, a.Aggs)
}

// ---- SortExec

func (s *SortExec) Schema() *arrow.Schema { return s.Input.Schema() }
func (s *SortExec) Children() []Plan      { return []Plan{s.Input} }
func (s *SortExec) WithChildren(c []Plan) Plan {
	return &SortExec{Input: c[0], Keys: s.Keys, Fetch: s.Fetch}
}
func (s *SortExec) String() string {
	out := "SortExec: " + logical.FormatSortKeys(s.Keys)
	if s.Fetch >= 0 {
		out += fmt.Sprintf(" fetch=%d", s.Fetch)
	}
	return out
}

// ---- LimitExec

func (l *LimitExec) Schema() *arrow.Schema { return l.Input.Schema() }
func (l *LimitExec) Children() []Plan      { return []Plan{l.Input} }
func (l *LimitExec) WithChildren(c []Plan) Plan {
	return &LimitExec{Input: c[0], Offset: l.Offset, Count: l.Count}
}
func (l *LimitExec) String() string {
	return fmt.Sprintf("LimitExec: offset=%d count=%d", l.Offset, l.Count)
}

// ---- ValuesExec

func (v *ValuesExec) Schema() *arrow.Schema    { return v.Out }
func (v *ValuesExec) Children() []Plan         { return nil }
func (v *ValuesExec) WithChildren([]Plan) Plan { c := *v; return &c }
func (v *ValuesExec) String() string {
	return fmt.Sprintf("ValuesExec: rows=%d columns=%d", len(v.Rows), v.Out.NumFields())
}

// ---- ExplainExec

func (e *ExplainExec) Schema() *arrow.Schema { return logical.ExplainSchema }
func (e *ExplainExec) Children() []Plan      { return []Plan{e.Input} }
func (e *ExplainExec) WithChildren(c []Plan) Plan {
	return &ExplainExec{Input: c[0], Analyze: e.Analyze}
}
func (e *ExplainExec) String() string {
	if e.Analyze {
		return "ExplainExec: analyze"
	}
	return "ExplainExec"
}

// ---- DDL / DML

func (c *CreateTableExec) Schema() *arrow.Schema    { return logical.DMLSchema }
func (c *CreateTableExec) Children() []Plan         { return nil }
func (c *CreateTableExec) WithChildren([]Plan) Plan { n := *c; return &n }
func (c *CreateTableExec) String() string {
	cols := make([]string, c.TableSchema.NumFields())
	for i, f := range c.TableSchema.Fields() {
		cols[i] = f.Name + " " + expr.TypeName(f.Type)
	}
	s := "CreateTableExec: " + c.Name.String() + " (" + strings.Join(cols, ", ") + ")"
	if c.IfNotExists {
		s += " if_not_exists"
	}
	return s
}

func (d *DropTableExec) Schema() *arrow.Schema    { return logical.DMLSchema }
func (d *DropTableExec) Children() []Plan         { return nil }
func (d *DropTableExec) WithChildren([]Plan) Plan { n := *d; return &n }
func (d *DropTableExec) String() string {
	s := "DropTableExec: " + d.Name.String()
	if d.IfExists {
		s += " if_exists"
	}
	return s
}

func (i *InsertExec) Schema() *arrow.Schema { return logical.DMLSchema }
func (i *InsertExec) Children() []Plan      { return []Plan{i.Input} }
func (i *InsertExec) WithChildren(c []Plan) Plan {
	return &InsertExec{Name: i.Name, Target: i.Target, Input: c[0]}
}
func (i *InsertExec) String() string { return "InsertExec: " + i.Name.String() }
