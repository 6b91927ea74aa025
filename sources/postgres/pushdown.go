package postgres

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
	"github.com/quiverdb/quiver/sources/internal/sqlpush"
)

var (
	_ catalog.TopNPushdowner      = (*Table)(nil)
	_ catalog.AggregatePushdowner = (*Table)(nil)
	_ catalog.Table               = (*topNTable)(nil)
	_ catalog.Table               = (*aggTable)(nil)
	_ catalog.TopNPushdowner      = (*aggTable)(nil)
)

// push describes the table to the shared TopN/aggregate planning: columns
// are read by colSQL, as in pushed filters.
func (t *Table) push() *sqlpush.Table {
	return &sqlpush.Table{Dialect: dialect, What: "postgres table " + t.Name(), Schema: t.schema, Col: t.colSQL}
}

// PushTopN takes an ORDER BY + LIMIT when every key is a column that
// PostgreSQL orders exactly as the engine (sqlgen.OrderKey: numbers,
// booleans, dates and timestamps; never strings, whose order depends on
// collation; floats with an explicit NaN key, since PostgreSQL puts NaN
// above every number and the engine below). NULL placement is always
// spelled out (NULLS FIRST/LAST), as PostgreSQL's default is the opposite
// of MySQL's. The returned table reads one query,
//
//	SELECT cols FROM t WHERE filters ORDER BY keys LIMIT n
//
// never split into ctid ranges. No I/O; safe for concurrent use.
func (t *Table) PushTopN(req catalog.TopNRequest) (catalog.Table, bool, error) {
	order, ok, err := t.push().TopN(req)
	if !ok || err != nil {
		return nil, false, err
	}
	return &topNTable{t: t, order: order, limit: req.Limit}, true, nil
}

// topNTable is a Table restricted to the first limit rows in order. It
// shares its Table's pool and lifetime.
type topNTable struct {
	t     *Table
	order []sqlgen.OrderItem
	limit int64
}

// Schema is the table's schema.
func (x *topNTable) Schema() *arrow.Schema { return x.t.schema }

// Scan plans the ordered, limited query (a lower req.Limit wins). No I/O.
func (x *topNTable) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	if req.Limit < 0 || req.Limit > x.limit {
		req.Limit = x.limit
	}
	return x.t.plan(req, nil, x.order)
}

// PushAggregate takes a whole GROUP BY when every key and aggregate has
// the engine's semantics in PostgreSQL (see sqlgen.GroupKey and
// sqlgen.Aggregate): keys are integer, boolean, date, timestamp or decimal
// columns; COUNT(*), COUNT([DISTINCT] col); SUM of integers and decimals
// cast to the engine's DECIMAL(38,s) (PostgreSQL sums them exactly in
// numeric); AVG of integers and decimals computed exactly in numeric and
// rounded half away from zero to the engine's scale; SUM/AVG of floats in
// float8; MIN/MAX of the key types. The returned table reads one query,
//
//	SELECT keys, aggs FROM t WHERE filters GROUP BY keys
//
// in one partition, its result decoded straight into the engine's types.
// No I/O; safe for concurrent use.
func (t *Table) PushAggregate(req catalog.AggregateRequest) (catalog.Table, bool, error) {
	agg, ok, err := t.push().Aggregate(req)
	if !ok || err != nil {
		return nil, false, err
	}
	where, args, err := t.where(req.Filters)
	if err != nil {
		return nil, false, err
	}
	a := &aggTable{t: t, agg: agg, where: where, args: args, filters: append([]expr.Expr(nil), req.Filters...)}
	for _, o := range agg.Outputs {
		if !o.Key && o.Result != sqlgen.AggAsIs {
			return nil, false, nil
		}
		a.decs = append(a.decs, t.aggDecoder(o))
	}
	return a, true, nil
}

// aggDecoder decodes one output column's PostgreSQL result (typed by the
// SQL sqlgen.Aggregate renders) into the engine's result type.
func (t *Table) aggDecoder(o sqlpush.Output) decodeFunc {
	switch {
	case o.Col >= 0: // a key, MIN or MAX: the column's own values
		return t.decs[o.Col]
	case o.Call.Func == expr.AggCount:
		return decoderFor(&column{Name: o.Field.Name, OID: oidInt8, TypName: "bigint", Type: o.Field.Type})
	case o.Field.Type.ID() == arrow.DECIMAL128:
		return decoderFor(&column{Name: o.Field.Name, OID: oidNumeric, TypName: "numeric", Type: o.Field.Type})
	}
	return decoderFor(&column{Name: o.Field.Name, OID: oidFloat8, TypName: "double precision", Type: o.Field.Type})
}

// aggTable is the result of a pushed GROUP BY: its schema is the engine's
// aggregate output. It shares its Table's pool and lifetime.
type aggTable struct {
	t       *Table
	agg     *sqlpush.Aggregate
	decs    []decodeFunc // per output column
	where   []string
	args    []any
	filters []expr.Expr
}

// Schema is the aggregate's output.
func (a *aggTable) Schema() *arrow.Schema { return a.agg.Schema }

// PushTopN orders the groups and keeps the first Limit (ORDER BY ... LIMIT
// on the grouped query) when every key is an output column PostgreSQL
// orders as the engine does (see Table.PushTopN); the keys are the group
// keys' and aggregates' own SQL. Once only.
func (a *aggTable) PushTopN(req catalog.TopNRequest) (catalog.Table, bool, error) {
	agg, ok, err := a.agg.TopN(req)
	if !ok || err != nil {
		return nil, false, err
	}
	b := *a
	b.agg = agg
	return &b, true, nil
}

// Scan plans the grouped query with the projection (indexes into Schema)
// and limit; an empty projection counts the groups. One partition. No I/O.
func (a *aggTable) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	p, err := a.agg.Plan(req, a.t.src.qualified(a.t.rel.Name), a.where)
	if err != nil {
		return nil, err
	}
	decs := make([]decodeFunc, len(p.Proj))
	for i, c := range p.Proj {
		decs[i] = a.decs[c]
	}
	sql := p.Query.SQL(dialect)
	if len(p.Proj) == 0 {
		sql = "SELECT count(*) FROM (" + sql + ") AS q"
	}
	sc := &Scan{
		table:   a.t,
		schema:  p.Schema,
		decs:    decs,
		proj:    p.Proj,
		filters: a.filters,
		limit:   p.Limit,
		base:    sql,
		args:    a.args,
		count:   len(p.Proj) == 0,
		pushed:  true,
	}
	sc.parts = []catalog.Partition{&partition{t: a.t, scan: sc, sql: sql, args: a.args, lo: -1, hi: -1}}
	return sc, nil
}
