package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
	"github.com/quiverdb/quiver/sources/internal/sqlpush"
)

// Table is one remote table or view. Its schema is the remote columns as
// they were when the table was resolved (a catalog lookup); a table dropped
// or altered later fails at read time with an error naming it. Safe for
// concurrent use; Scan does no I/O.
type Table struct {
	src    *source
	rel    *relation
	schema *arrow.Schema
	decs   []decodeFunc
	// owned: the Table owns src (a single-table provider) and Close closes
	// the pool.
	owned bool
}

var (
	_ catalog.Table              = (*Table)(nil)
	_ catalog.FilterPushdowner   = (*Table)(nil)
	_ catalog.StatisticsProvider = (*Table)(nil)
	_ catalog.PartitionCodec     = (*Table)(nil)
	_ catalog.Insertable         = (*Table)(nil)
)

func newTable(src *source, rel *relation, owned bool) *Table {
	fields := make([]arrow.Field, len(rel.Columns))
	decs := make([]decodeFunc, len(rel.Columns))
	for i := range rel.Columns {
		c := &rel.Columns[i]
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type, Nullable: !c.NotNull}
		decs[i] = decoderFor(c)
	}
	return &Table{src: src, rel: rel, schema: arrow.NewSchema(fields, nil), decs: decs, owned: owned}
}

// Schema is the remote table's columns mapped to Arrow (see doc.go).
func (t *Table) Schema() *arrow.Schema { return t.schema }

// Name is the remote "schema"."table", unquoted, for messages.
func (t *Table) Name() string { return t.src.schema + "." + t.rel.Name }

// Close releases the connection pool when the Table owns it (built by the
// table factory); tables of a Schema share its pool and Close is a no-op.
// Idempotent.
func (t *Table) Close() {
	if t.owned {
		t.src.close()
	}
}

// dialect is sqlgen's PostgreSQL dialect with pgx-native bind values.
var dialect = func() sqlgen.Dialect {
	d := sqlgen.Postgres
	d.Bind = bindArg
	return d
}()

// colSQL is the SQL reading column i in a pushed filter, or "" when
// filters on it must stay in the engine (lossy columns). Columns whose
// Arrow value is their text form are compared as text, so the remote
// compares exactly what the engine would see (bpchar without its padding,
// uuid/json/jsonb and text-cast types in their output form).
func (t *Table) colSQL(i int) string {
	if i < 0 || i >= len(t.rel.Columns) {
		return ""
	}
	c := &t.rel.Columns[i]
	switch {
	case c.Lossy:
		return ""
	case c.AsText || c.OID == oidBpchar || c.OID == oidUUID || c.OID == oidJSON || c.OID == oidJSONB:
		return quoteIdent(c.Name) + "::text"
	}
	return quoteIdent(c.Name)
}

// selectSQL is the SQL producing column i in a SELECT list. Types without
// a native mapping are cast to text; bpchar too, which drops its padding
// (as MySQL's CHAR does on retrieval).
func (t *Table) selectSQL(i int) string {
	c := &t.rel.Columns[i]
	if c.AsText || c.OID == oidBpchar {
		return quoteIdent(c.Name) + "::text"
	}
	return quoteIdent(c.Name)
}

// SupportsFilters answers Exact for every filter sqlgen translates to
// PostgreSQL with the engine's semantics (bind parameters only), Inexact
// for a string equality or IN that only a superset prefilter can serve
// (strings.go: PostgreSQL has no collation that is the engine's), and
// Unsupported for the rest. It is the same translation Scan uses
// (Table.translate).
func (t *Table) SupportsFilters(filters []expr.Expr) ([]catalog.Verdict, error) {
	out := make([]catalog.Verdict, len(filters))
	for i, f := range filters {
		var scratch []any
		_, out[i] = t.translate(f, &scratch)
	}
	return out, nil
}

// translate renders one pushed filter as a WHERE condition, appending its
// bind values to *args, with its verdict: Exact (sqlgen's translation,
// the engine's semantics), Inexact (a string prefilter), or Unsupported
// (nothing rendered, *args unchanged).
func (t *Table) translate(f expr.Expr, args *[]any) (string, catalog.Verdict) {
	if sql, ok := sqlgen.Translate(dialect, f, t.colSQL, args); ok {
		return sql, catalog.FilterExact
	}
	if sql, ok := t.prefilter(f, args); ok {
		return sql, catalog.FilterInexact
	}
	return "", catalog.FilterUnsupported
}

// Scan plans a read: one SELECT with the projection, the pushed filters as
// a WHERE with bind parameters and the limit; big tables (pg_class says
// more than partition_rows rows) are split into ctid page ranges, one
// partition each. No I/O.
func (t *Table) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	return t.plan(req, t.pageRanges(req.Limit), nil, nil)
}

// plan renders the scan's SQL: one query per ctid range, or one for the
// whole table when ranges is empty; order (a pushed TopN's keys) is added
// to every query, and spec (the pushed TopN's request) kept for the
// partitions' encoding. DecodePartition re-plans an encoded partition
// through the same function and insists on the same SQL.
func (t *Table) plan(req catalog.ScanRequest, ranges [][2]int64, order []sqlgen.OrderItem, spec *sqlpush.Spec) (*Scan, error) {
	n := len(t.rel.Columns)
	proj := req.Projection
	if proj == nil {
		proj = make([]int, n)
		for i := range proj {
			proj[i] = i
		}
	}
	fields := make([]arrow.Field, len(proj))
	cols := make([]string, len(proj))
	decs := make([]decodeFunc, len(proj))
	for i, p := range proj {
		if p < 0 || p >= n {
			return nil, errs.Invalidf("postgres table %s: projection index %d out of range (%d columns)", t.Name(), p, n)
		}
		fields[i] = t.schema.Field(p)
		cols[i] = t.selectSQL(p)
		decs[i] = t.decs[p]
	}
	where, args, err := t.where(req.Filters)
	if err != nil {
		return nil, err
	}
	limit := req.Limit
	if limit < 0 {
		limit = -1
	}
	q := sqlgen.Query{Cols: cols, From: t.src.qualified(t.rel.Name), Where: where, OrderBy: order, Limit: limit}
	sc := &Scan{
		table:   t,
		schema:  arrow.NewSchema(fields, nil),
		decs:    decs,
		proj:    append([]int{}, proj...),
		filters: append([]expr.Expr{}, req.Filters...),
		limit:   limit,
		base:    buildSQL(q),
		args:    args,
		count:   len(proj) == 0,
		spec:    spec,
	}
	if len(ranges) == 0 {
		sc.parts = []catalog.Partition{&partition{t: t, scan: sc, sql: sc.base, args: args, lo: -1, hi: -1}}
		return sc, nil
	}
	for _, r := range ranges {
		rq := q
		rq.Where = append(append([]string{}, where...), ctidCond(r[0], r[1])...)
		sc.parts = append(sc.parts, &partition{t: t, scan: sc, sql: buildSQL(rq), args: args, lo: r[0], hi: r[1]})
	}
	sc.ranges = len(ranges)
	return sc, nil
}

// where translates the pushed filters (each accepted as Exact or
// Inexact) into WHERE conditions and their bind values.
func (t *Table) where(filters []expr.Expr) ([]string, []any, error) {
	var args []any
	var where []string
	for _, f := range filters {
		sql, v := t.translate(f, &args)
		if v == catalog.FilterUnsupported {
			return nil, nil, errs.Invalidf("postgres table %s: filter %s cannot be pushed (SupportsFilters answered Unsupported)", t.Name(), f)
		}
		where = append(where, "("+sql+")")
	}
	return where, args, nil
}

// buildSQL renders the SELECT, or for an empty projection a count of the
// rows it would return (so no rows travel).
func buildSQL(q sqlgen.Query) string {
	if len(q.Cols) == 0 {
		return "SELECT count(*) FROM (" + q.SQL(dialect) + ") AS q"
	}
	return q.SQL(dialect)
}

func ctidCond(lo, hi int64) []string {
	var out []string
	if lo > 0 {
		out = append(out, "ctid >= '("+strconv.FormatInt(lo, 10)+",0)'::tid")
	}
	if hi >= 0 {
		out = append(out, "ctid < '("+strconv.FormatInt(hi, 10)+",0)'::tid")
	}
	return out
}

// pageRanges splits the table's pages into [lo, hi) ranges (hi = -1: open
// end, so pages added since the statistics were taken are still read).
// Only plain tables and materialized views are split, never with a limit.
func (t *Table) pageRanges(limit int64) [][2]int64 {
	rel := t.rel
	if limit >= 0 || t.src.parts <= 1 || (rel.Kind != 'r' && rel.Kind != 'm') {
		return nil
	}
	if rel.Tuples <= float64(t.src.partRows) || rel.Pages < 2 {
		return nil
	}
	k := int64(rel.Tuples/float64(t.src.partRows)) + 1
	if k > int64(t.src.parts) {
		k = int64(t.src.parts)
	}
	if k > int64(rel.Pages) {
		k = int64(rel.Pages)
	}
	if k < 2 {
		return nil
	}
	pages := int64(rel.Pages)
	out := make([][2]int64, k)
	for i := int64(0); i < k; i++ {
		out[i] = [2]int64{pages * i / k, pages * (i + 1) / k}
	}
	out[0][0] = 0
	out[k-1][1] = -1
	return out
}

// Scan is a planned read of a Table (or of a pushed TopN or aggregate of
// it). Immutable.
type Scan struct {
	table   *Table
	schema  *arrow.Schema
	decs    []decodeFunc // one per output column
	proj    []int
	filters []expr.Expr
	limit   int64
	base    string // the SQL without ctid ranges
	args    []any
	count   bool
	// spec is the pushed ORDER BY or GROUP BY the SQL carries (nil: a
	// plain scan); the partition encoding carries it too. For a pushed
	// aggregate proj and limit index and bound its output, and filters
	// are the spec's (the scan itself has none).
	spec   *sqlpush.Spec
	parts  []catalog.Partition
	ranges int
}

// Schema is the projected schema.
func (s *Scan) Schema() *arrow.Schema { return s.schema }

// Partitions are the ctid ranges (or the one whole-table query).
func (s *Scan) Partitions() []catalog.Partition { return s.parts }

// Describe shows the SQL sent to PostgreSQL (bind values as $n) for
// EXPLAIN, and the ctid split when there is one.
func (s *Scan) Describe() string {
	d := "sql=" + strconv.Quote(s.base)
	if s.ranges > 1 {
		d += fmt.Sprintf(" ctid_ranges=%d", s.ranges)
	}
	return d
}

// SQL returns the SQL text of each partition, in order (for tests and
// tools).
func (s *Scan) SQL() []string {
	out := make([]string, len(s.parts))
	for i, p := range s.parts {
		out[i] = p.(*partition).sql
	}
	return out
}

// partition is one query: the scan's SQL restricted to a ctid page range
// [lo, hi) (lo = -1 / hi = -1: unbounded).
type partition struct {
	t      *Table
	scan   *Scan
	sql    string
	args   []any
	lo, hi int64
}

// Open runs the query on a pooled connection and returns a reader that
// decodes PostgreSQL's binary rows into Arrow batches of up to 8192 rows.
// Cancelling ctx cancels the query on the server. The reader is used by
// one goroutine; the caller releases it (which returns the connection).
func (p *partition) Open(ctx context.Context, mem memory.Allocator) (rr array.RecordReader, err error) {
	defer internal.Recover(&err, "opening postgres table %s", p.t.Name())
	if err := ctx.Err(); err != nil {
		return nil, p.t.src.wrapErr(ctx, err, "reading table %s", p.t.Name())
	}
	schema := p.scan.schema
	src := p.t.src
	args := make([]any, 0, len(p.args)+1)
	if p.scan.count {
		args = append(args, pgx.QueryResultFormats{pgx.BinaryFormatCode})
	} else {
		formats := make(pgx.QueryResultFormats, len(p.scan.decs))
		for i := range formats {
			formats[i] = pgx.BinaryFormatCode
		}
		args = append(args, formats)
	}
	args = append(args, p.args...)
	src.queries.Add(1)
	rows, err := src.pool.Query(ctx, p.sql, args...)
	if err != nil {
		return nil, p.t.readErr(ctx, err)
	}
	name := "postgres table " + p.t.Name()
	if p.scan.count {
		return p.openCount(ctx, mem, rows, name)
	}
	decs := p.scan.decs
	rb := array.NewRecordBuilder(mem, schema)
	builders := rb.Fields()
	done := false
	next := func(ctx context.Context) (arrow.RecordBatch, error) {
		if done {
			return nil, nil
		}
		for _, b := range builders {
			b.Reserve(batchRows)
		}
		n := 0
		for n < batchRows && rows.Next() {
			raw := rows.RawValues()
			if len(raw) != len(builders) {
				return nil, errs.Internalf("%s: row of %d values, want %d", name, len(raw), len(builders))
			}
			for i, v := range raw {
				if v == nil {
					builders[i].AppendNull()
					continue
				}
				if err := decs[i](builders[i], v); err != nil {
					return nil, errs.Wrap(errs.ErrInvalid, err, "%s", name)
				}
			}
			n++
		}
		if n < batchRows {
			done = true
			if err := rows.Err(); err != nil {
				return nil, p.t.readErr(ctx, err)
			}
		}
		return rb.NewRecordBatch(), nil
	}
	closeFn := func() {
		rows.Close()
		rb.Release()
	}
	return internal.NewReader(ctx, name, schema, next, closeFn), nil
}

// openCount reads the one count(*) row and yields zero-column batches of
// that many rows.
func (p *partition) openCount(ctx context.Context, mem memory.Allocator, rows pgx.Rows, name string) (array.RecordReader, error) {
	var total int64
	for rows.Next() {
		if err := rows.Scan(&total); err != nil {
			rows.Close()
			return nil, p.t.readErr(ctx, err)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, p.t.readErr(ctx, err)
	}
	schema := p.scan.schema
	next := func(context.Context) (arrow.RecordBatch, error) {
		if total <= 0 {
			return nil, nil
		}
		n := min(total, batchRows)
		total -= n
		return array.NewRecordBatch(schema, nil, n), nil
	}
	return internal.NewReader(ctx, name, schema, next, nil), nil
}

// readErr wraps a read-time error; a table dropped under us is ErrNotFound
// naming it.
func (t *Table) readErr(ctx context.Context, err error) error {
	return t.src.wrapErr(ctx, err, "reading table %s", t.Name())
}

// Statistics reads pg_class.reltuples (Inexact row count; Absent when the
// table was never analyzed), relpages (Inexact bytes) and pg_stats
// (null_frac and n_distinct as Inexact per-column counts). It does one
// round trip to the catalog, no scan.
func (t *Table) Statistics(ctx context.Context) (catalog.Statistics, error) {
	var st catalog.Statistics
	t.src.queries.Add(1)
	var tuples float64
	var pages int32
	err := t.src.pool.QueryRow(ctx, `SELECT reltuples::float8, relpages FROM pg_catalog.pg_class WHERE oid = $1`, t.rel.OID).Scan(&tuples, &pages)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return st, errs.NotFoundf("postgres source %s: table %s no longer exists", t.src.name, t.Name())
		}
		return st, t.src.wrapErr(ctx, err, "reading statistics of %s", t.Name())
	}
	if tuples < 0 {
		return st, nil // never vacuumed or analyzed: nothing known
	}
	st.NumRows = catalog.Count{Value: int64(tuples), Precision: catalog.Inexact}
	st.TotalBytes = catalog.Count{Value: int64(pages) * 8192, Precision: catalog.Inexact}
	t.src.queries.Add(1)
	rows, err := t.src.pool.Query(ctx, `SELECT attname, null_frac::float8, n_distinct::float8 FROM pg_catalog.pg_stats
WHERE schemaname = $1 AND tablename = $2 AND NOT inherited`, t.src.schema, t.rel.Name)
	if err != nil {
		return st, t.src.wrapErr(ctx, err, "reading statistics of %s", t.Name())
	}
	defer rows.Close()
	byName := map[string]int{}
	for i, c := range t.rel.Columns {
		byName[c.Name] = i
	}
	cols := make([]catalog.ColumnStatistics, len(t.rel.Columns))
	for rows.Next() {
		var name string
		var nullFrac, nDistinct float64
		if err := rows.Scan(&name, &nullFrac, &nDistinct); err != nil {
			return st, t.src.wrapErr(ctx, err, "reading statistics of %s", t.Name())
		}
		i, ok := byName[name]
		if !ok {
			continue
		}
		cols[i].NullCount = catalog.Count{Value: int64(nullFrac*tuples + 0.5), Precision: catalog.Inexact}
		switch {
		case nDistinct > 0:
			cols[i].DistinctCount = catalog.Count{Value: int64(nDistinct), Precision: catalog.Inexact}
		case nDistinct < 0:
			cols[i].DistinctCount = catalog.Count{Value: int64(-nDistinct*tuples + 0.5), Precision: catalog.Inexact}
		}
	}
	if err := rows.Err(); err != nil {
		return st, t.src.wrapErr(ctx, err, "reading statistics of %s", t.Name())
	}
	st.Columns = cols
	return st, nil
}
