package sqlite

import (
	"context"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
)

var (
	_ catalog.TopNPushdowner      = (*Table)(nil)
	_ catalog.AggregatePushdowner = (*Table)(nil)
	_ catalog.Table               = (*topNTable)(nil)
	_ catalog.Table               = (*aggTable)(nil)
	_ catalog.TopNPushdowner      = (*aggTable)(nil)
)

// PushTopN takes an ORDER BY + LIMIT when every key orders in SQLite
// exactly as in the engine (sqlgen.OrderKey): integer, float (SQLite
// cannot store NaN), boolean, date and timestamp columns, compared through
// the same coercing read expression that filters use, so the order is that
// of the values the engine would see. Strings are never pushed (the
// engine's collation is not SQLite's), nor decimals (stored as REAL). NULL
// placement is explicit (NULLS FIRST/LAST). The returned table reads one
// query, never split into rowid ranges. No I/O; safe for concurrent use.
func (t *Table) PushTopN(req catalog.TopNRequest) (catalog.Table, bool, error) {
	if len(req.Keys) == 0 || req.Limit < 0 {
		return nil, false, nil
	}
	var order []sqlgen.OrderItem
	for _, k := range req.Keys {
		if k.Column < 0 || k.Column >= len(t.cols) {
			return nil, false, errs.Invalidf("sqlite table %s: sort column %d out of range (%d columns)", t.name, k.Column, len(t.cols))
		}
		items, ok := sqlgen.OrderKey(sqlgen.SQLite, t.filterCol(k.Column), t.schema.Field(k.Column).Type, k.Desc, k.NullsFirst)
		if !ok {
			return nil, false, nil
		}
		order = append(order, items...)
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
	if req.Schema == nil || req.Schema.NumFields() != len(req.GroupBy)+len(req.Aggs) {
		return nil, false, errs.Invalidf("sqlite table %s: aggregate request schema does not have one field per key and aggregate", t.name)
	}
	where, args, err := t.baseQuery(nil, req.Filters)
	if err != nil {
		return nil, false, err
	}
	a := &aggTable{t: t, schema: req.Schema, where: where, args: args, topN: -1}
	for i, g := range req.GroupBy {
		c, ok := g.(*expr.Column)
		if !ok || c.Index < 0 || c.Index >= len(t.cols) {
			return nil, false, nil
		}
		col := t.filterCol(c.Index)
		if !sqlgen.GroupKey(sqlgen.SQLite, col, c.DataType) || !arrow.TypeEqual(req.Schema.Field(i).Type, t.schema.Field(c.Index).Type) {
			return nil, false, nil
		}
		a.items = append(a.items, col)
		a.groupBy = append(a.groupBy, col)
		a.kinds = append(a.kinds, t.cols[c.Index].kind)
		a.orderBy = append(a.orderBy, nil)
	}
	for j, call := range req.Aggs {
		out := req.Schema.Field(len(req.GroupBy) + j)
		if !arrow.TypeEqual(out.Type, call.DataType) {
			return nil, false, nil
		}
		var argKind colKind
		if call.Arg != nil {
			c, ok := call.Arg.(*expr.Column)
			if !ok || c.Index < 0 || c.Index >= len(t.cols) {
				return nil, false, nil
			}
			argKind = t.cols[c.Index].kind
		}
		sql, res, ok := sqlgen.Aggregate(sqlgen.SQLite, call, t.filterCol)
		if !ok {
			return nil, false, nil
		}
		var k colKind
		switch {
		case res == sqlgen.AggIntSumParts:
			k = kIntSumParts
			_, keys := sqlgen.IntSum(t.filterCol(call.Arg.(*expr.Column).Index))
			a.orderBy = append(a.orderBy, keys[:])
			a.items = append(a.items, sql)
			a.kinds = append(a.kinds, k)
			continue
		case call.Func == expr.AggCount:
			k = kInt
		case call.Func == expr.AggMin || call.Func == expr.AggMax:
			k = argKind
		case out.Type.ID() == arrow.FLOAT64:
			k = kFloat
		default:
			return nil, false, nil
		}
		a.items = append(a.items, sql)
		a.kinds = append(a.kinds, k)
		a.orderBy = append(a.orderBy, nil)
	}
	return a, true, nil
}

// aggTable is the result of a pushed GROUP BY: its schema is the engine's
// aggregate output. It shares its Table's file and lifetime.
type aggTable struct {
	t      *Table
	schema *arrow.Schema
	items  []string  // SELECT item per output column
	kinds  []colKind // how each output column is read
	// orderBy, per output column, are the integer expressions that order
	// by it when its item does not (nil: the item itself).
	orderBy [][]string
	groupBy []string
	where   []string
	args    []any
	// order and topN (-1: none) are a TopN pushed onto the aggregate.
	order []sqlgen.OrderItem
	topN  int64
}

// Schema is the aggregate's output.
func (a *aggTable) Schema() *arrow.Schema { return a.schema }

// PushTopN orders the groups and keeps the first Limit (ORDER BY ... LIMIT
// on the grouped query) when every key is an output column SQLite orders
// as the engine does (see Table.PushTopN). Once only.
func (a *aggTable) PushTopN(req catalog.TopNRequest) (catalog.Table, bool, error) {
	if len(req.Keys) == 0 || req.Limit < 0 || a.order != nil {
		return nil, false, nil
	}
	var order []sqlgen.OrderItem
	for _, k := range req.Keys {
		if k.Column < 0 || k.Column >= len(a.items) {
			return nil, false, errs.Invalidf("sqlite table %s: aggregate sort column %d out of range (%d columns)", a.t.name, k.Column, len(a.items))
		}
		if keys := a.orderBy[k.Column]; keys != nil {
			for _, e := range keys {
				items, _ := sqlgen.OrderKey(sqlgen.SQLite, e, arrow.PrimitiveTypes.Int64, k.Desc, k.NullsFirst)
				order = append(order, items...)
			}
			continue
		}
		items, ok := sqlgen.OrderKey(sqlgen.SQLite, a.items[k.Column], a.schema.Field(k.Column).Type, k.Desc, k.NullsFirst)
		if !ok {
			return nil, false, nil
		}
		order = append(order, items...)
	}
	b := *a
	b.order, b.topN = order, req.Limit
	return &b, true, nil
}

// Scan plans the grouped query with the projection (indexes into Schema)
// and limit. One partition. No I/O.
func (a *aggTable) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	if len(req.Filters) > 0 {
		return nil, errs.Internalf("sqlite table %s: a pushed aggregate takes no filters", a.t.name)
	}
	n := a.schema.NumFields()
	proj := req.Projection
	if proj == nil {
		proj = make([]int, n)
		for i := range proj {
			proj[i] = i
		}
	}
	fields := make([]arrow.Field, len(proj))
	cols := make([]string, len(proj))
	kinds := make([]colKind, len(proj))
	for i, p := range proj {
		if p < 0 || p >= n {
			return nil, errs.Invalidf("sqlite table %s: aggregate projection index %d out of range (%d columns)", a.t.name, p, n)
		}
		fields[i] = a.schema.Field(p)
		cols[i] = a.items[p]
		kinds[i] = a.kinds[p]
	}
	if len(cols) == 0 && len(a.groupBy) == 0 {
		// A global aggregate has exactly one row, even over no rows; the
		// reader counts the rows of whatever single column it gets.
		cols = []string{"count(*)"}
	}
	limit := req.Limit
	if limit < 0 {
		limit = -1
	}
	if a.topN >= 0 && (limit < 0 || limit > a.topN) {
		limit = a.topN
	}
	q := sqlgen.Query{Cols: cols, From: sqlgen.SQLite.QuoteIdent(a.t.name), Where: a.where, GroupBy: a.groupBy, OrderBy: a.order, Limit: limit}.SQL(sqlgen.SQLite)
	schema := arrow.NewSchema(fields, nil)
	return &aggScan{
		schema: schema,
		sql:    q,
		parts:  []catalog.Partition{&partition{t: a.t, schema: schema, kinds: kinds, sql: q, args: a.args, pushed: true}},
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
