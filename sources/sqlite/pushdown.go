package sqlite

import (
	"context"
	"strconv"

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
// are read through the same coercing expressions (filterCol) as filters.
func (t *Table) push() *sqlpush.Table {
	return &sqlpush.Table{Dialect: sqlgen.SQLite, What: "sqlite table " + t.name, Schema: t.schema, Col: t.filterCol}
}

// PushTopN takes an ORDER BY + LIMIT when every key orders in SQLite
// exactly as in the engine (sqlgen.OrderKey): integer, float (SQLite
// cannot store NaN), boolean, date and timestamp columns, compared through
// the same coercing read expression that filters use, so the order is that
// of the values the engine would see. Strings are never pushed (the
// engine's collation is not SQLite's), nor decimals (stored as REAL). NULL
// placement is explicit (NULLS FIRST/LAST). The returned table reads one
// query, never split into rowid ranges. No I/O; safe for concurrent use.
func (t *Table) PushTopN(req catalog.TopNRequest) (catalog.Table, bool, error) {
	order, ok, err := t.push().TopN(req)
	if !ok || err != nil {
		return nil, false, err
	}
	return &topNTable{t: t, order: order, limit: req.Limit}, true, nil
}

// topNTable is a Table restricted to the first limit rows in order. It
// shares its Table's file and lifetime.
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
	return x.t.plan(req, x.order)
}

// PushAggregate takes a whole GROUP BY when every key and aggregate has
// the engine's semantics in SQLite (sqlgen.GroupKey, sqlgen.Aggregate):
// keys are integer, boolean, date or timestamp columns; COUNT(*),
// COUNT([DISTINCT] col); SUM of integers, exact to the engine's
// DECIMAL(38,0) through two 64-bit partial sums (sqlgen.IntSum: SQLite's
// own sum() stops at 64 bits); SUM/AVG of floats; MIN/MAX of integers,
// floats, dates and timestamps. AVG of integers (a DECIMAL in the engine)
// and everything on decimals (stored as REAL) stay in the engine. Values
// are read through the columns' coercing expressions, as in a scan. The
// returned table reads one query in one partition; the query has bind
// values in its WHERE only (SQLite numbers ? by position). No I/O; safe
// for concurrent use.
func (t *Table) PushAggregate(req catalog.AggregateRequest) (catalog.Table, bool, error) {
	agg, ok, err := t.push().Aggregate(req)
	if !ok || err != nil {
		return nil, false, err
	}
	where, args, err := t.baseQuery(nil, req.Filters)
	if err != nil {
		return nil, false, err
	}
	a := &aggTable{t: t, agg: agg, where: where, args: args}
	for _, o := range agg.Outputs {
		var k colKind
		switch {
		case o.Col >= 0: // a key, MIN or MAX: the column's own values
			k = t.cols[o.Col].kind
		case o.Result == sqlgen.AggIntSumParts:
			k = kIntSumParts
		case o.Call.Func == expr.AggCount:
			k = kInt
		case o.Field.Type.ID() == arrow.FLOAT64:
			k = kFloat
		default:
			return nil, false, nil
		}
		a.kinds = append(a.kinds, k)
	}
	return a, true, nil
}

// aggTable is the result of a pushed GROUP BY: its schema is the engine's
// aggregate output. It shares its Table's file and lifetime.
type aggTable struct {
	t     *Table
	agg   *sqlpush.Aggregate
	kinds []colKind // how each output column is read
	where []string
	args  []any
}

// Schema is the aggregate's output.
func (a *aggTable) Schema() *arrow.Schema { return a.agg.Schema }

// PushTopN orders the groups and keeps the first Limit (ORDER BY ... LIMIT
// on the grouped query) when every key is an output column SQLite orders
// as the engine does (see Table.PushTopN); an exact integer SUM orders by
// its two partial sums (sqlgen.IntSum). Once only.
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
// and limit. One partition. No I/O.
func (a *aggTable) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	p, err := a.agg.Plan(req, sqlgen.SQLite.QuoteIdent(a.t.name), a.where)
	if err != nil {
		return nil, err
	}
	kinds := make([]colKind, len(p.Proj))
	for i, c := range p.Proj {
		kinds[i] = a.kinds[c]
	}
	// The reader counts the rows of whatever single column it gets when the
	// projection is empty.
	q := p.Query.SQL(sqlgen.SQLite)
	return &aggScan{
		schema: p.Schema,
		sql:    q,
		parts:  []catalog.Partition{&partition{t: a.t, schema: p.Schema, kinds: kinds, sql: q, args: a.args, pushed: true}},
	}, nil
}

// aggScan is a planned pushed aggregate.
type aggScan struct {
	schema *arrow.Schema
	sql    string
	parts  []catalog.Partition
}

func (s *aggScan) Schema() *arrow.Schema           { return s.schema }
func (s *aggScan) Partitions() []catalog.Partition { return s.parts }

// Describe shows the SQL sent to SQLite (for EXPLAIN).
func (s *aggScan) Describe() string { return "sql=" + strconv.Quote(s.sql) }
