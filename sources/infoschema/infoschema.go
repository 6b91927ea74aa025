// Package infoschema serves MySQL's INFORMATION_SCHEMA views (SCHEMATA,
// TABLES, COLUMNS, VIEWS) for the catalogs of a catalog.Root, so that SQL
// consoles and BI tools that introspect with SQL (and SHOW statements, which
// the plan builder rewrites into queries over these views) see what the
// Flight SQL metadata RPCs report.
//
// Attach adds a schema named information_schema to every catalog; its views
// describe that catalog only (TABLE_CATALOG names it). Rows are computed
// from the live catalog when a scan is read, never when it is planned
// (listing a PostgreSQL schema is I/O). A schema whose listing fails (an
// unreachable source) is left out rather than failing the whole view: one
// dead source must not hide the others from a BI tool's tree.
package infoschema

import (
	"context"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal"
)

// SchemaName is the name of the schema Attach adds to every catalog.
const SchemaName = "information_schema"

// Attach adds an information_schema schema to every catalog of root. A
// catalog that already has a schema of that name is an ErrInvalid error:
// the name is reserved.
func Attach(root *catalog.Root) error {
	for _, cn := range root.CatalogNames() {
		c, err := root.Catalog(cn)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(c.SchemaNames(), func(s string) bool { return strings.EqualFold(s, SchemaName) }) {
			return errs.Invalidf("catalog %s: the schema name %s is reserved for the built-in INFORMATION_SCHEMA views; rename the configured schema", cn, SchemaName)
		}
		if err := c.AddSchema(SchemaName, &schema{root: root, catalog: cn}); err != nil {
			return err
		}
	}
	return nil
}

// schema is one catalog's information_schema.
type schema struct {
	root    *catalog.Root
	catalog string
}

// view is one INFORMATION_SCHEMA table: its columns and a function that
// appends its rows for one catalog.
type view struct {
	name   string
	schema *arrow.Schema
	rows   func(ctx context.Context, l *lister, b *array.RecordBuilder) error
}

var views = map[string]*view{
	"COLUMNS":  columnsView,
	"SCHEMATA": schemataView,
	"TABLES":   tablesView,
	"VIEWS":    viewsView,
}

func (s *schema) TableNames(context.Context) ([]string, error) {
	names := make([]string, 0, len(views))
	for n := range views {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

func (s *schema) Table(_ context.Context, name string) (catalog.Table, error) {
	v, ok := views[strings.ToUpper(name)]
	if !ok {
		return nil, errs.NotFoundf("unknown table %s.%s.%s (INFORMATION_SCHEMA has COLUMNS, SCHEMATA, TABLES and VIEWS)", s.catalog, SchemaName, name)
	}
	return &table{s: s, v: v}, nil
}

// table is a view bound to a catalog. Filters are applied with the
// engine's own evaluator, so every filter it can evaluate is Exact; an
// equality on TABLE_SCHEMA (or SCHEMA_NAME) also narrows which schemas are
// listed at all.
type table struct {
	s *schema
	v *view
}

func (t *table) Schema() *arrow.Schema { return t.v.schema }

func (t *table) SupportsFilters(filters []expr.Expr) ([]catalog.Verdict, error) {
	out := make([]catalog.Verdict, len(filters))
	for i, f := range filters {
		if internal.CanEvaluate(t.v.schema, f) {
			out[i] = catalog.FilterExact
		}
	}
	return out, nil
}

func (t *table) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	proj, err := internal.Project(t.s.catalog+"."+SchemaName+"."+t.v.name, t.v.schema, req.Projection)
	if err != nil {
		return nil, err
	}
	return &scan{t: t, proj: proj, filters: slices.Clone(req.Filters), limit: req.Limit}, nil
}

type scan struct {
	t       *table
	proj    internal.Projection
	filters []expr.Expr
	limit   int64
}

func (s *scan) Schema() *arrow.Schema           { return s.proj.Schema }
func (s *scan) Partitions() []catalog.Partition { return []catalog.Partition{s} }

// Open lists the catalog and returns the view's rows in one batch.
func (s *scan) Open(ctx context.Context, mem memory.Allocator) (array.RecordReader, error) {
	l := &lister{root: s.t.s.root, catalog: s.t.s.catalog, onlySchema: schemaEquality(s.t.v.schema, s.filters)}
	b := array.NewRecordBuilder(mem, s.t.v.schema)
	defer b.Release()
	if err := s.t.v.rows(ctx, l, b); err != nil {
		return nil, err
	}
	full := b.NewRecordBatch()
	defer full.Release()
	kept, err := internal.Filter(ctx, s.filters, full, mem)
	if err != nil {
		return nil, err
	}
	defer kept.Release()
	if s.limit >= 0 && kept.NumRows() > s.limit {
		cut := kept.NewSlice(0, s.limit)
		defer cut.Release()
		kept = cut
	}
	out := s.proj.Apply(kept)
	defer out.Release()
	return array.NewRecordReader(s.proj.Schema, []arrow.RecordBatch{out})
}

// schemaEquality returns the literal of a `TABLE_SCHEMA = 'x'` (or
// SCHEMA_NAME) filter, if there is one, so the lister can skip other
// schemas; "" when there is none. The filter itself still runs over the
// rows, so this is only an optimization.
func schemaEquality(sch *arrow.Schema, filters []expr.Expr) string {
	for _, f := range filters {
		b, ok := f.(*expr.Binary)
		if !ok || b.Op != expr.OpEq {
			continue
		}
		c, lok := b.Left.(*expr.Column)
		v, rok := b.Right.(*expr.Literal)
		if !lok || !rok {
			c, lok = b.Right.(*expr.Column)
			v, rok = b.Left.(*expr.Literal)
		}
		if !lok || !rok || c.Index >= sch.NumFields() {
			continue
		}
		if name := sch.Field(c.Index).Name; name != "TABLE_SCHEMA" && name != "SCHEMA_NAME" {
			continue
		}
		if s, ok := v.Value.(string); ok {
			return s
		}
	}
	return ""
}

// lister walks one catalog's schemas and tables.
type lister struct {
	root       *catalog.Root
	catalog    string
	onlySchema string // "" = all
}

// schemas returns the catalog's schema names (those matching onlySchema
// under the engine's collation, when set).
func (l *lister) schemas() ([]string, error) {
	c, err := l.root.Catalog(l.catalog)
	if err != nil {
		return nil, err
	}
	names := c.SchemaNames()
	if l.onlySchema == "" {
		return names, nil
	}
	var out []string
	for _, n := range names {
		if expr.CompareCollated(n, l.onlySchema) == 0 {
			out = append(out, n)
		}
	}
	return out, nil
}

// eachSchema calls fn for every listed schema that resolves, in name
// order. Schemas that fail to resolve are skipped (see the package
// comment); cancellation, checked before each schema, is returned.
func (l *lister) eachSchema(ctx context.Context, fn func(name string, s catalog.Schema)) error {
	names, err := l.schemas()
	if err != nil {
		return err
	}
	c, err := l.root.Catalog(l.catalog)
	if err != nil {
		return err
	}
	for _, sn := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		if s, err := c.Schema(sn); err == nil {
			fn(sn, s)
		}
	}
	return ctx.Err()
}

// tables calls fn for every table of every listed schema, in name order.
// Tables that fail to list or resolve are skipped; cancellation is
// returned.
func (l *lister) tables(ctx context.Context, withTable bool, fn func(schema, name string, t catalog.Table)) error {
	return l.eachSchema(ctx, func(sn string, s catalog.Schema) {
		tns, err := s.TableNames(ctx)
		if err != nil {
			return
		}
		for _, tn := range tns {
			var t catalog.Table
			if withTable {
				if t, err = s.Table(ctx, tn); err != nil {
					continue
				}
			}
			fn(sn, tn, t)
		}
	})
}

// views calls fn for every stored view (catalog.ViewStore schemas) of
// every listed schema, in name order; views that fail to list are skipped
// and cancellation is returned.
func (l *lister) views(ctx context.Context, fn func(schema string, def catalog.ViewDef)) error {
	return l.eachSchema(ctx, func(sn string, s catalog.Schema) {
		vs, ok := s.(catalog.ViewStore)
		if !ok {
			return
		}
		vns, err := vs.ViewNames(ctx)
		if err != nil {
			return
		}
		for _, vn := range vns {
			if def, found, err := vs.View(ctx, vn); err == nil && found {
				fn(sn, def)
			}
		}
	})
}
