package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
	"github.com/quiverdb/quiver/sources/internal/sqlpush"
)

// Table is one SQLite table or view: a snapshot of its definition taken
// when it was opened, reading live data. Filters that sqlgen translates are
// Exact; projection and LIMIT are pushed; large rowid tables are read as
// parallel rowid ranges. Safe for concurrent use.
type Table struct {
	src    *source
	owner  bool // Close closes the file
	name   string
	view   bool
	schema *arrow.Schema
	cols   []column
	// rowid is the name that reads the rowid ("" for views and WITHOUT
	// ROWID tables); lo/hi its range when the table was opened or last
	// written (partition boundaries only: the outer ranges are open).
	rowid  string
	lo, hi atomic.Int64
}

var (
	_ catalog.Table              = (*Table)(nil)
	_ catalog.FilterPushdowner   = (*Table)(nil)
	_ catalog.StatisticsProvider = (*Table)(nil)
	_ catalog.PartitionCodec     = (*Table)(nil)
	_ catalog.Insertable         = (*Table)(nil)
)

// OpenTable opens the file and one table of it; table "" picks the file's
// only table. The Table owns the file: Close it.
func OpenTable(ctx context.Context, cfg Config, table string) (*Table, error) {
	src, err := openSource(cfg)
	if err != nil {
		return nil, err
	}
	if table == "" {
		names, err := src.tableNames(ctx)
		if err != nil {
			src.db.Close()
			return nil, err
		}
		if len(names) != 1 {
			src.db.Close()
			return nil, errs.Invalidf("sqlite file %s has %d tables (%s): set the table option", cfg.Path, len(names), strings.Join(names, ", "))
		}
		table = names[0]
	}
	t, err := src.table(ctx, table, true)
	if err != nil {
		src.db.Close()
		return nil, err
	}
	return t.(*Table), nil
}

// Close closes the file when this Table opened it (OpenTable, the Table
// factory); otherwise it does nothing.
func (t *Table) Close() error {
	if t.owner {
		return t.src.db.Close()
	}
	return nil
}

// IOCount is the number of queries sent to the file so far.
func (t *Table) IOCount() int64 { return t.src.io.Load() }

// Name is the table's name in the file.
func (t *Table) Name() string { return t.name }

func (s *source) table(ctx context.Context, name string, owner bool) (catalog.Table, error) {
	stored, typ, found, err := s.lookup(ctx, name)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errs.NotFoundf("unknown table %s in sqlite file %s", name, s.name)
	}
	t := &Table{src: s, owner: owner, name: stored, view: typ == "view"}
	strict, withoutRowid := false, false
	if !t.view {
		s.io.Add(1)
		if err := s.db.QueryRowContext(ctx, `SELECT strict, wr FROM pragma_table_list(?) WHERE type = 'table' LIMIT 1`, stored).Scan(&strict, &withoutRowid); err != nil && err != sql.ErrNoRows {
			return nil, errs.Wrap(errs.ErrUnavailable, err, "sqlite file %s: reading table %s", s.name, stored)
		}
	}
	s.io.Add(1)
	rows, err := s.db.QueryContext(ctx, `SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid`, stored)
	if err != nil {
		return nil, errs.Wrap(errs.ErrUnavailable, err, "sqlite file %s: reading the columns of %s", s.name, stored)
	}
	type info struct {
		name, decl string
		pk         int
	}
	var infos []info
	npk := 0
	for rows.Next() {
		var in info
		if err := rows.Scan(&in.name, &in.decl, &in.pk); err != nil {
			rows.Close()
			return nil, errs.Wrap(errs.ErrUnavailable, err, "sqlite file %s: reading the columns of %s", s.name, stored)
		}
		if in.pk > 0 {
			npk++
		}
		infos = append(infos, in)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(errs.ErrUnavailable, err, "sqlite file %s: reading the columns of %s", s.name, stored)
	}
	if len(infos) == 0 {
		return nil, errs.NotFoundf("table %s in sqlite file %s has no columns (was it dropped?)", stored, s.name)
	}
	fields := make([]arrow.Field, len(infos))
	taken := map[string]bool{}
	for i, in := range infos {
		dt, kind := mapDeclared(in.decl)
		alias := !t.view && !withoutRowid && npk == 1 && in.pk == 1 && strings.EqualFold(strings.TrimSpace(in.decl), "INTEGER")
		plain := alias || (strict && strictPlain(in.decl, kind))
		t.cols = append(t.cols, newColumn(in.name, kind, plain))
		fields[i] = arrow.Field{Name: in.name, Type: dt, Nullable: !alias}
		taken[strings.ToLower(in.name)] = true
	}
	t.schema = arrow.NewSchema(fields, nil)
	if !t.view && !withoutRowid {
		for _, cand := range []string{"rowid", "_rowid_", "oid"} {
			if !taken[cand] {
				t.rowid = cand
				break
			}
		}
	}
	if t.rowid != "" {
		var lo, hi sql.NullInt64
		s.io.Add(1)
		// Two subqueries: SQLite answers a lone min() or max() of the rowid
		// from the b-tree's ends, but scans the table for both at once.
		from := " FROM " + sqlgen.SQLite.QuoteIdent(stored)
		q := "SELECT (SELECT min(" + t.rowid + ")" + from + "), (SELECT max(" + t.rowid + ")" + from + ")"
		if err := s.db.QueryRowContext(ctx, q).Scan(&lo, &hi); err != nil {
			return nil, errs.Wrap(errs.ErrUnavailable, err, "sqlite file %s: reading table %s", s.name, stored)
		}
		t.lo.Store(lo.Int64)
		t.hi.Store(hi.Int64)
	}
	return t, nil
}

// Schema is the table's columns mapped to Arrow (see the package doc).
func (t *Table) Schema() *arrow.Schema { return t.schema }

func (t *Table) filterCol(i int) string {
	if i < 0 || i >= len(t.cols) {
		return ""
	}
	return t.cols[i].filter
}

// SupportsFilters: Exact for what sqlgen translates with identical
// semantics, Unsupported otherwise. No I/O.
func (t *Table) SupportsFilters(filters []expr.Expr) ([]catalog.Verdict, error) {
	out := make([]catalog.Verdict, len(filters))
	for i, f := range filters {
		if sqlgen.Supported(dialect, f, t.filterCol) {
			out[i] = catalog.FilterExact
		}
	}
	return out, nil
}

// plan is everything a partition needs, as metadata (version
// sqlpush.WireVersion; decoded strictly, unknown fields are errors).
type plan struct {
	V          int               `json:"v"`
	Table      string            `json:"table"`
	Projection []int             `json:"projection"`
	Filters    []json.RawMessage `json:"filters,omitempty"`
	Limit      int64             `json:"limit"`
	// Lo/Hi bound the rowid range [Lo, Hi); nil = open.
	Lo *int64 `json:"lo,omitempty"`
	Hi *int64 `json:"hi,omitempty"`
	// SQL is the statement sent, checked again on decode (a changed table
	// definition is an error, not a silently different query).
	SQL string `json:"sql"`
	// Pushed is the pushed TopN or aggregate the query comes from (nil:
	// a plain scan). Projection and Limit then index and bound its output.
	Pushed *sqlpush.WireSpec `json:"pushed,omitempty"`
}

// Scan plans the query; it does no I/O.
func (t *Table) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	return t.plan(req, nil, nil)
}

// plan renders the scan's queries; order (a pushed TopN's keys, always
// with a limit) is added to each, and spec (that TopN's request) kept for
// the partitions' encoding.
func (t *Table) plan(req catalog.ScanRequest, order []sqlgen.OrderItem, spec *sqlpush.Spec) (catalog.Scan, error) {
	proj, err := internal.Project(t.name, t.schema, req.Projection)
	if err != nil {
		return nil, err
	}
	base, args, err := t.baseQuery(proj.Columns, req.Filters)
	if err != nil {
		return nil, err
	}
	sc := &scan{t: t, proj: proj}
	mk := func(lo, hi *int64) error {
		where := append([]string{}, base...)
		a := append([]any{}, args...)
		if lo != nil {
			where = append(where, t.rowid+" >= ?")
			a = append(a, *lo)
		}
		if hi != nil {
			where = append(where, t.rowid+" < ?")
			a = append(a, *hi)
		}
		q := sqlgen.BuildSelect(dialect, dialect.QuoteIdent(t.name), t.selectList(proj.Columns), where, order, req.Limit)
		p := &partition{t: t, schema: proj.Schema, kinds: t.kinds(proj.Columns), sql: q, args: a, spec: spec,
			plan: plan{V: sqlpush.WireVersion, Table: t.name, Projection: proj.Columns, Limit: req.Limit, Lo: lo, Hi: hi, SQL: q}}
		for _, f := range req.Filters {
			enc, err := internal.EncodeExpr(f)
			if err != nil {
				return err
			}
			p.plan.Filters = append(p.plan.Filters, enc)
		}
		sc.parts = append(sc.parts, p)
		return nil
	}
	lo, hi := t.lo.Load(), t.hi.Load()
	span := hi - lo + 1
	n := int64(1)
	if t.rowid != "" && req.Limit < 0 && span >= 2*t.src.cfg.PartitionRows && span > 0 {
		n = min(span/t.src.cfg.PartitionRows, maxPartitions)
	}
	sc.sql = sqlgen.BuildSelect(dialect, dialect.QuoteIdent(t.name), t.selectList(proj.Columns), base, order, req.Limit)
	if n <= 1 {
		return sc, mk(nil, nil)
	}
	sc.ranges = int(n)
	step := span / n
	for k := int64(0); k < n; k++ {
		var l, h *int64
		if k > 0 {
			v := lo + k*step
			l = &v
		}
		if k < n-1 {
			v := lo + (k+1)*step
			h = &v
		}
		if err := mk(l, h); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

// baseQuery translates the filters (all must be Exact).
func (t *Table) baseQuery(cols []int, filters []expr.Expr) ([]string, []any, error) {
	var where []string
	var args []any
	for _, f := range filters {
		w, ok := sqlgen.Translate(dialect, f, t.filterCol, &args)
		if !ok {
			return nil, nil, errs.Invalidf("sqlite table %s: filter %s was not accepted by SupportsFilters", t.name, f)
		}
		where = append(where, w)
	}
	return where, args, nil
}

func (t *Table) selectList(cols []int) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = t.cols[c].sel
	}
	return out
}

type scan struct {
	t      *Table
	proj   internal.Projection
	parts  []catalog.Partition
	sql    string
	ranges int
}

func (s *scan) Schema() *arrow.Schema           { return s.proj.Schema }
func (s *scan) Partitions() []catalog.Partition { return s.parts }

// Describe shows the SQL sent to SQLite (for EXPLAIN).
func (s *scan) Describe() string {
	d := "sql=" + strconv.Quote(s.sql)
	if s.ranges > 1 {
		d += " rowid_ranges=" + strconv.Itoa(s.ranges)
	}
	return d
}

type partition struct {
	t      *Table
	schema *arrow.Schema
	kinds  []colKind // how each output column is read
	sql    string
	args   []any
	plan   plan
	// spec is the pushed ORDER BY or GROUP BY the SQL carries (nil: a
	// plain scan); the encoding carries it too.
	spec *sqlpush.Spec
}

// kinds returns the read kinds of the given table columns.
func (t *Table) kinds(cols []int) []colKind {
	out := make([]colKind, len(cols))
	for i, c := range cols {
		out[i] = t.cols[c].kind
	}
	return out
}

// Open runs the query and streams its rows as batches.
func (p *partition) Open(ctx context.Context, mem memory.Allocator) (array.RecordReader, error) {
	return p.t.open(ctx, mem, p)
}

// EncodePartition encodes a partition as metadata: projection, filters
// (their values typed, never spliced into SQL), limit, rowid range, the
// SQL text and, for a pushed TopN or aggregate, the request it came from
// (sqlpush.Spec: keys, directions, NULL placement, group keys, aggregate
// calls, output schema).
func (t *Table) EncodePartition(p catalog.Partition) ([]byte, error) {
	sp, ok := p.(*partition)
	if !ok || sp == nil || sp.t.name != t.name || sp.t.src.name != t.src.name {
		return nil, errs.Invalidf("sqlite table %s: cannot encode a partition of another table (%T)", t.name, p)
	}
	pl := sp.plan
	if sp.spec != nil {
		w, err := sp.spec.Encode()
		if err != nil {
			return nil, errs.Wrap(err, err, "sqlite table %s: encoding a pushed-down partition", t.name)
		}
		pl.Pushed = w
	}
	return json.Marshal(pl)
}

// DecodePartition rebuilds a partition on this table, re-deriving the SQL
// and bind values (a pushed TopN or aggregate is pushed into this table
// again, sqlpush.Spec.Replay); a plan whose SQL differs from what this
// table would send (its definition changed, or the encoding was forged) is
// errs.ErrInvalid, as are unknown versions and fields.
func (t *Table) DecodePartition(ctx context.Context, data []byte) (cp catalog.Partition, err error) {
	defer internal.Recover(&err, "decoding a partition of sqlite table %s", t.name)
	what := "sqlite table " + t.name
	var pl plan
	if err := sqlpush.StrictUnmarshal(data, &pl, what); err != nil {
		return nil, err
	}
	if err := sqlpush.CheckVersion(pl.V, what); err != nil {
		return nil, err
	}
	if pl.Table != t.name {
		return nil, errs.Invalidf("sqlite table %s: partition belongs to table %q", t.name, pl.Table)
	}
	filters := make([]expr.Expr, len(pl.Filters))
	for i, f := range pl.Filters {
		if filters[i], err = sqlpush.DecodeExpr(f, what); err != nil {
			return nil, err
		}
	}
	spec, err := sqlpush.DecodeSpec(pl.Pushed, what)
	if err != nil {
		return nil, err
	}
	if spec != nil {
		if pl.Lo != nil || pl.Hi != nil {
			return nil, errs.Invalidf("sqlite table %s: a pushed-down partition has no rowid range", t.name)
		}
		sc, err := spec.Replay(ctx, t, catalog.ScanRequest{Projection: pl.Projection, Filters: filters, Limit: pl.Limit}, what)
		if err != nil {
			return nil, err
		}
		parts := sc.Partitions()
		if len(parts) != 1 {
			return nil, errs.Internalf("sqlite table %s: a pushed-down scan planned %d partitions", t.name, len(parts))
		}
		p := parts[0].(*partition)
		if p.sql != pl.SQL {
			return nil, errs.Invalidf("sqlite table %s changed since the plan was made (planned %s, now %s)", t.name, pl.SQL, p.sql)
		}
		return p, nil
	}
	sc, err := t.Scan(ctx, catalog.ScanRequest{Projection: pl.Projection, Filters: filters, Limit: pl.Limit})
	if err != nil {
		return nil, err
	}
	base := sc.(*scan).parts[0].(*partition)
	p := &partition{t: t, schema: base.schema, kinds: base.kinds}
	where, args, _ := t.baseQuery(pl.Projection, filters)
	if pl.Lo != nil {
		where = append(where, t.rowid+" >= ?")
		args = append(args, *pl.Lo)
	}
	if pl.Hi != nil {
		where = append(where, t.rowid+" < ?")
		args = append(args, *pl.Hi)
	}
	if (pl.Lo != nil || pl.Hi != nil) && t.rowid == "" {
		return nil, errs.Invalidf("sqlite table %s: partition has a rowid range but the table has no rowid", t.name)
	}
	p.sql = sqlgen.BuildSelect(dialect, dialect.QuoteIdent(t.name), t.selectList(base.plan.Projection), where, nil, pl.Limit)
	p.args = args
	if p.sql != pl.SQL {
		return nil, errs.Invalidf("sqlite table %s changed since the plan was made (planned %s, now %s)", t.name, pl.SQL, p.sql)
	}
	p.plan = pl
	return p, nil
}

// Statistics: the row count from sqlite_stat1 (ANALYZE) as Inexact, else
// Absent.
func (t *Table) Statistics(ctx context.Context) (catalog.Statistics, error) {
	var st catalog.Statistics
	if t.view {
		return st, nil
	}
	t.src.io.Add(1)
	rows, err := t.src.db.QueryContext(ctx, `SELECT stat FROM sqlite_stat1 WHERE tbl = ?`, t.name)
	if err != nil {
		return st, nil // no sqlite_stat1 table: nothing known
	}
	defer rows.Close()
	best := int64(-1)
	for rows.Next() {
		var stat sql.NullString
		if rows.Scan(&stat) != nil || !stat.Valid {
			continue
		}
		first, _, _ := strings.Cut(stat.String, " ")
		if n, err := strconv.ParseInt(first, 10, 64); err == nil && n > best {
			best = n
		}
	}
	if best >= 0 && rows.Err() == nil {
		st.NumRows = catalog.Count{Value: best, Precision: catalog.Inexact}
	}
	return st, nil
}
