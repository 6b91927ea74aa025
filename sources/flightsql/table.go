package flightsql

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
	"github.com/quiverdb/quiver/sources/internal/sqlpush"
)

// closeTimeout bounds the ClosePreparedStatement sent when a bind-mode read
// ends (it runs after the query's own context may be gone).
const closeTimeout = 5 * time.Second

// Table is one remote table: its schema as the remote reported it when the
// table was resolved, reading live data. Filters sqlgen translates are
// Exact; projection and LIMIT are pushed. Safe for concurrent use.
type Table struct {
	src    *source
	owner  bool // Close closes the source's connection
	name   string
	schema *arrow.Schema
	// from is the quoted, qualified table name in the remote's dialect.
	from string

	// The last row count the remote reported (CountRows), and when.
	statsMu sync.Mutex
	statsAt time.Time
	stats   catalog.Statistics
}

var (
	_ catalog.Table              = (*Table)(nil)
	_ catalog.FilterPushdowner   = (*Table)(nil)
	_ catalog.PartitionCodec     = (*Table)(nil)
	_ catalog.StatisticsProvider = (*Table)(nil)
)

func newTable(src *source, name string, schema *arrow.Schema, owner bool) *Table {
	return &Table{src: src, owner: owner, name: name, schema: schema,
		from: sqlgen.QualifiedName(src.dialect, src.catalog, src.schema, name)}
}

// Close closes the connection when this Table owns it (OpenTable, the Table
// factory); a Table of a Schema shares the Schema's connection and Close
// does nothing.
func (t *Table) Close() error {
	if t.owner {
		return t.src.close()
	}
	return nil
}

// Name is the remote table's name.
func (t *Table) Name() string { return t.name }

// Calls is the number of RPCs sent to the remote through this table's
// connection so far (for tests and metrics).
func (t *Table) Calls() int64 { return t.src.calls.Load() }

// Schema is the table's schema as the remote's GetTables reported it
// (without Flight SQL column metadata).
func (t *Table) Schema() *arrow.Schema { return t.schema }

func (t *Table) colName(i int) string {
	if i < 0 || i >= t.schema.NumFields() {
		return ""
	}
	return t.src.dialect.QuoteIdent(t.schema.Field(i).Name)
}

// SupportsFilters: Exact for what translate renders with the engine's
// semantics, Unsupported otherwise. No I/O.
func (t *Table) SupportsFilters(filters []expr.Expr) ([]catalog.Verdict, error) {
	out := make([]catalog.Verdict, len(filters))
	for i, f := range filters {
		var scratch []any
		if _, ok := translate(t.src.dialect, t.src.bind, f, t.colName, &scratch); ok {
			out[i] = catalog.FilterExact
		}
	}
	return out, nil
}

// plan is a partition as metadata: what it reads and the SQL it sends. The
// SQL is re-derived on decode and must match (a forged or stale fragment
// can never send other SQL to the remote). Version sqlpush.WireVersion,
// decoded strictly (unknown fields are errors).
type plan struct {
	Version    int               `json:"v"`
	Table      string            `json:"table"`
	Projection []int             `json:"projection"`
	Filters    []json.RawMessage `json:"filters,omitempty"`
	Limit      int64             `json:"limit"`
	SQL        string            `json:"sql"`
	// Pushed is the pushed TopN or aggregate the SQL comes from (nil: a
	// plain scan); Projection and Limit then index and bound its output.
	Pushed *sqlpush.WireSpec `json:"pushed,omitempty"`
}

const planVersion = sqlpush.WireVersion

// Scan renders the query; it does no I/O. One partition reads every
// endpoint the remote returns (concurrently when no LIMIT is pushed).
func (t *Table) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	return t.plan(req, nil, nil)
}

// where translates the scan's filters (each accepted as Exact by
// SupportsFilters) into WHERE conditions and their values: inline literals
// in the SQL, or in bind mode the literals to bind, in placeholder order.
func (t *Table) where(filters []expr.Expr) ([]string, []*expr.Literal, error) {
	var where []string
	var args []any
	for _, f := range filters {
		w, ok := translate(t.src.dialect, t.src.bind, f, t.colName, &args)
		if !ok {
			return nil, nil, errs.Invalidf("flightsql table %s: filter %s was not accepted by SupportsFilters", t.name, f)
		}
		where = append(where, w)
	}
	lits := make([]*expr.Literal, len(args))
	for i, a := range args {
		lits[i] = a.(*expr.Literal)
	}
	return where, lits, nil
}

// plan renders the scan's query, with order (a pushed TopN's ORDER BY) when
// not nil, and spec (that TopN's request) kept for the encoding. No I/O.
func (t *Table) plan(req catalog.ScanRequest, order []sqlgen.OrderItem, spec *sqlpush.Spec) (*scan, error) {
	proj, err := internal.Project(t.name, t.schema, req.Projection)
	if err != nil {
		return nil, err
	}
	where, lits, err := t.where(req.Filters)
	if err != nil {
		return nil, err
	}
	cols := make([]string, len(proj.Columns))
	for i, c := range proj.Columns {
		cols[i] = t.colName(c)
	}
	limit := req.Limit
	if limit < -1 {
		limit = -1
	}
	q := sqlgen.BuildSelect(t.src.dialect, t.from, cols, where, order, limit)
	p := &partition{t: t, schema: proj.Schema, sql: q, args: lits, ordered: len(order) > 0, spec: spec,
		plan: plan{Version: planVersion, Table: t.name, Projection: proj.Columns, Limit: limit, SQL: q}}
	for _, f := range req.Filters {
		enc, err := internal.EncodeExpr(f)
		if err != nil {
			return nil, err
		}
		p.plan.Filters = append(p.plan.Filters, enc)
	}
	return &scan{p: p}, nil
}

type scan struct{ p *partition }

func (s *scan) Schema() *arrow.Schema           { return s.p.schema }
func (s *scan) Partitions() []catalog.Partition { return []catalog.Partition{s.p} }

// Describe shows the SQL sent to the remote (for EXPLAIN), and in bind mode
// the parameter values.
func (s *scan) Describe() string {
	d := "remote=" + s.p.t.src.uri + " sql=" + strconv.Quote(s.p.sql)
	if len(s.p.args) > 0 {
		vals := make([]string, len(s.p.args))
		for i, l := range s.p.args {
			vals[i] = l.String()
		}
		d += " params=[" + strings.Join(vals, ", ") + "]"
	}
	return d
}

// partition is the whole query: on Open it executes the SQL on the remote
// and reads the endpoints it returns, concurrently (see parallelStream)
// unless the query needs them in order. The endpoints are the remote's
// partitions, but they are known only after GetFlightInfo, which is I/O and
// so cannot happen in Scan: the parallelism lives inside this one
// partition.
type partition struct {
	t      *Table
	schema *arrow.Schema
	sql    string
	args   []*expr.Literal
	plan   plan
	// ordered: the SQL has an ORDER BY (a pushed TopN), so endpoints are
	// read in order.
	ordered bool
	// spec is the pushed ORDER BY or GROUP BY the SQL carries (nil: a
	// plain scan), encoded with the partition; the remote's result
	// columns may then arrive in a wider or narrower numeric type than the
	// engine's and are cast (safely: a value that does not fit is an error).
	spec *sqlpush.Spec
}

// Open executes the query (GetFlightInfo, or in bind mode a prepared
// statement with the parameters bound) and streams the endpoints' batches.
// Cancelling ctx cancels the DoGet stream; the reader's Release ends it.
func (p *partition) Open(ctx context.Context, mem memory.Allocator) (rr array.RecordReader, err error) {
	t, src := p.t, p.t.src
	defer internal.Recover(&err, "opening flightsql table %s", t.name)
	rctx, cancel := context.WithCancel(ctx)
	var closeStmt func()
	fail := func(e error) (array.RecordReader, error) {
		if closeStmt != nil {
			closeStmt()
		}
		cancel()
		return nil, src.wrapErr(ctx, e, "reading table %s", t.name)
	}
	var info *flight.FlightInfo
	if len(p.args) > 0 {
		src.calls.Add(1)
		stmt, err := src.client.Prepare(src.ctx(rctx), p.sql)
		if err != nil {
			return fail(err)
		}
		closeStmt = func() {
			cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
			defer ccancel()
			_ = stmt.Close(src.ctx(cctx))
		}
		params, err := paramBatch(rctx, mem, p.args)
		if err != nil {
			closeStmt()
			cancel()
			return nil, err
		}
		stmt.SetParameters(params)
		params.Release() // SetParameters retains it
		src.calls.Add(1)
		if info, err = stmt.Execute(src.ctx(rctx)); err != nil {
			return fail(err)
		}
	} else {
		src.calls.Add(1)
		if info, err = src.client.Execute(src.ctx(rctx), p.sql); err != nil {
			return fail(err)
		}
	}
	eps := info.Endpoint
	var next internal.NextFunc
	var stop func()
	if workers := src.streamsFor(len(eps)); workers > 1 && !p.inOrder() {
		ps := startParallel(rctx, p, eps, workers, mem)
		next, stop = ps.next, ps.close
	} else {
		st := &stream{p: p, ctx: rctx, mem: mem, eps: eps}
		next, stop = st.next, st.closeCurrent
	}
	closeFn := func() {
		stop()
		if closeStmt != nil {
			closeStmt()
		}
		cancel()
	}
	return internal.NewReader(rctx, "flightsql table "+t.name, p.schema, next, closeFn), nil
}

// inOrder reports whether the endpoints must be read one after another:
// when a LIMIT was pushed (the remote's first rows are the answer; reading
// ahead in parallel would only fetch rows nobody needs) or an ORDER BY
// (endpoints are ranges of the order).
func (p *partition) inOrder() bool { return p.plan.Limit >= 0 || p.ordered }

// stream walks the endpoints of one FlightInfo. Used by one goroutine.
type stream struct {
	p     *partition
	ctx   context.Context
	mem   memory.Allocator
	eps   []*flight.FlightEndpoint
	cur   *flight.Reader
	close func()
}

func (s *stream) closeCurrent() {
	if s.close != nil {
		s.close()
		s.close, s.cur = nil, nil
	}
}

// next returns the next batch in the table's projected schema, nil at the
// end of the last endpoint.
func (s *stream) next(ctx context.Context) (arrow.RecordBatch, error) {
	src := s.p.t.src
	for {
		if s.cur == nil {
			if len(s.eps) == 0 {
				return nil, nil
			}
			ep := s.eps[0]
			s.eps = s.eps[1:]
			rdr, closeFn, err := src.doGet(s.ctx, ep, s.mem)
			if err != nil {
				return nil, src.wrapErr(ctx, err, "reading table %s", s.p.t.name)
			}
			s.cur, s.close = rdr, closeFn
		}
		if s.cur.Next() {
			return s.p.adapt(s.cur.RecordBatch(), s.mem)
		}
		err := s.cur.Err()
		s.closeCurrent()
		if err != nil {
			return nil, src.wrapErr(ctx, err, "reading table %s", s.p.t.name)
		}
	}
}

// adapt returns rec (owned by the flight reader) as a new batch of the
// partition's schema, sharing its columns. The remote must send exactly the
// projected columns with the table's types (a pushed aggregate's numeric
// columns may differ in width and are cast exactly, allocating from mem);
// an empty projection reads `SELECT 1` and keeps only the row count.
func (p *partition) adapt(rec arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	n := p.schema.NumFields()
	if n == 0 {
		return array.NewRecordBatch(p.schema, nil, rec.NumRows()), nil
	}
	if int(rec.NumCols()) != n {
		return nil, errs.Invalidf("flightsql source %s: table %s: the remote sent %d columns, the query asked for %d (did the table change? re-plan the query)",
			p.t.src.name, p.t.name, rec.NumCols(), n)
	}
	var cast []arrow.Array // columns cast to the engine's type, released at the end
	defer func() {
		for _, c := range cast {
			c.Release()
		}
	}()
	cols := append([]arrow.Array(nil), rec.Columns()...)
	for i := range n {
		want, got := p.schema.Field(i).Type, rec.Column(i).DataType()
		if !arrow.TypeEqual(want, got) && p.spec != nil && castable(got, want) {
			c, err := castColumn(rec.Column(i), want, mem)
			if err != nil {
				return nil, errs.Wrap(errs.ErrInvalid, err, "flightsql source %s: table %s: the remote's %s for %s does not fit the engine's %s",
					p.t.src.name, p.t.name, got, p.schema.Field(i).Name, want)
			}
			cast = append(cast, c)
			cols[i] = c
			continue
		}
		if !arrow.TypeEqual(want, got) {
			return nil, errs.Invalidf("flightsql source %s: table %s: the remote sent column %s as %s, the table's schema says %s (did the table change? re-plan the query)",
				p.t.src.name, p.t.name, p.schema.Field(i).Name, got, want)
		}
	}
	return array.NewRecordBatch(p.schema, cols, rec.NumRows()), nil
}

// EncodePartition encodes a partition as metadata: table, projection,
// filters, limit and the SQL text (never a connection or a ticket).
func (t *Table) EncodePartition(p catalog.Partition) ([]byte, error) {
	fp, ok := p.(*partition)
	if !ok || fp.t.name != t.name || fp.t.src.uri != t.src.uri {
		return nil, errs.Invalidf("flightsql table %s: cannot encode a partition of another table", t.name)
	}
	pl := fp.plan
	if fp.spec != nil {
		w, err := fp.spec.Encode()
		if err != nil {
			return nil, errs.Wrap(err, err, "flightsql table %s: encoding a pushed-down partition", t.name)
		}
		pl.Pushed = w
	}
	return json.Marshal(pl)
}

// DecodePartition rebuilds a partition on this table by planning it again
// from the encoded projection, filters and limit; the SQL this table would
// send must equal the encoded SQL (a changed table, or a fragment forged to
// send other SQL, is an error).
func (t *Table) DecodePartition(ctx context.Context, data []byte) (cp catalog.Partition, err error) {
	defer internal.Recover(&err, "decoding a partition of flightsql table %s", t.name)
	what := "flightsql table " + t.name
	var pl plan
	if err := sqlpush.StrictUnmarshal(data, &pl, what); err != nil {
		return nil, err
	}
	if err := sqlpush.CheckVersion(pl.Version, what); err != nil {
		return nil, err
	}
	spec, err := sqlpush.DecodeSpec(pl.Pushed, what)
	if err != nil {
		return nil, err
	}
	if pl.Table != t.name {
		return nil, errs.Invalidf("flightsql table %s: partition belongs to table %q", t.name, pl.Table)
	}
	filters := make([]expr.Expr, len(pl.Filters))
	for i, f := range pl.Filters {
		if filters[i], err = sqlpush.DecodeExpr(f, what); err != nil {
			return nil, err
		}
	}
	verdicts, err := t.SupportsFilters(filters)
	if err != nil {
		return nil, err
	}
	for i, v := range verdicts {
		if v != catalog.FilterExact {
			return nil, errs.Invalidf("flightsql table %s: encoded filter %s cannot be pushed to this table", t.name, filters[i])
		}
	}
	req := catalog.ScanRequest{Projection: pl.Projection, Filters: filters, Limit: pl.Limit}
	var sc catalog.Scan
	if spec != nil {
		sc, err = spec.Replay(ctx, t, req, what)
	} else {
		sc, err = t.Scan(ctx, req)
	}
	if err != nil {
		return nil, err
	}
	s, ok := sc.(*scan)
	if !ok {
		return nil, errs.Internalf("%s: re-planning gave a %T", what, sc)
	}
	p := s.p
	if p.sql != pl.SQL {
		return nil, errs.Invalidf("flightsql table %s changed since the plan was made (planned %s, now %s)", t.name, pl.SQL, p.sql)
	}
	return p, nil
}

// Statistics are Absent unless the source was configured with CountRows:
// then the remote's FlightInfo for SELECT * reports total_records, which
// (when ≥ 0) is an Inexact row count, cached for the source's CacheTTL. A
// remote that fails to answer leaves the statistics Absent (they are
// advisory; the query itself reports the error).
func (t *Table) Statistics(ctx context.Context) (catalog.Statistics, error) {
	src := t.src
	if !src.count {
		return catalog.Statistics{}, nil
	}
	t.statsMu.Lock()
	defer t.statsMu.Unlock()
	if !t.statsAt.IsZero() && src.ttl > 0 && time.Since(t.statsAt) < src.ttl {
		return t.stats, nil
	}
	cctx, cancel := context.WithTimeout(ctx, metadataTimeout)
	defer cancel()
	cols := make([]string, t.schema.NumFields())
	for i := range cols {
		cols[i] = t.colName(i)
	}
	src.calls.Add(1)
	info, err := src.client.Execute(src.ctx(cctx), sqlgen.BuildSelect(src.dialect, t.from, cols, nil, nil, -1))
	var st catalog.Statistics
	if err == nil && info.TotalRecords >= 0 {
		st.NumRows = catalog.Count{Value: info.TotalRecords, Precision: catalog.Inexact}
	}
	t.stats, t.statsAt = st, time.Now()
	return st, nil
}
