package postgres

import (
	"context"

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
	if len(req.Keys) == 0 || req.Limit < 0 {
		return nil, false, nil
	}
	var order []sqlgen.OrderItem
	for _, k := range req.Keys {
		if k.Column < 0 || k.Column >= len(t.rel.Columns) {
			return nil, false, errs.Invalidf("postgres table %s: sort column %d out of range (%d columns)", t.Name(), k.Column, len(t.rel.Columns))
		}
		items, ok := sqlgen.OrderKey(dialect, t.colSQL(k.Column), t.schema.Field(k.Column).Type, k.Desc, k.NullsFirst)
		if !ok {
			return nil, false, nil
		}
		order = append(order, items...)
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
	if req.Schema == nil || req.Schema.NumFields() != len(req.GroupBy)+len(req.Aggs) {
		return nil, false, errs.Invalidf("postgres table %s: aggregate request schema has %d fields for %d keys and %d aggregates", t.Name(), fieldCount(req.Schema), len(req.GroupBy), len(req.Aggs))
	}
	where, args, err := t.where(req.Filters)
	if err != nil {
		return nil, false, err
	}
	a := &aggTable{t: t, schema: req.Schema, where: where, args: args, filters: append([]expr.Expr(nil), req.Filters...), topN: -1}
	for i, g := range req.GroupBy {
		c, ok := g.(*expr.Column)
		if !ok || c.Index < 0 || c.Index >= len(t.rel.Columns) {
			return nil, false, nil
		}
		col := t.colSQL(c.Index)
		if !sqlgen.GroupKey(dialect, col, c.DataType) || !arrow.TypeEqual(req.Schema.Field(i).Type, t.schema.Field(c.Index).Type) {
			return nil, false, nil
		}
		a.items = append(a.items, col)
		a.groupBy = append(a.groupBy, col)
		a.decs = append(a.decs, t.decs[c.Index])
	}
	for j, call := range req.Aggs {
		out := req.Schema.Field(len(req.GroupBy) + j)
		if !arrow.TypeEqual(out.Type, call.DataType) {
			return nil, false, nil
		}
		if call.Arg != nil {
			if c, ok := call.Arg.(*expr.Column); !ok || c.Index < 0 || c.Index >= len(t.rel.Columns) {
				return nil, false, nil
			}
		}
		sql, res, ok := sqlgen.Aggregate(dialect, call, t.colSQL)
		if !ok || res != sqlgen.AggAsIs {
			return nil, false, nil
		}
		a.items = append(a.items, sql)
		a.decs = append(a.decs, t.aggDecoder(call, out))
	}
	return a, true, nil
}

func fieldCount(s *arrow.Schema) int {
	if s == nil {
		return 0
	}
	return s.NumFields()
}

// aggDecoder decodes one aggregate's PostgreSQL result (typed by the SQL
// sqlgen.Aggregate renders) into the engine's result type.
func (t *Table) aggDecoder(call expr.AggregateCall, out arrow.Field) decodeFunc {
	switch call.Func {
	case expr.AggMin, expr.AggMax:
		return t.decs[call.Arg.(*expr.Column).Index]
	case expr.AggCount:
		return decoderFor(&column{Name: out.Name, OID: oidInt8, TypName: "bigint", Type: out.Type})
	}
	if out.Type.ID() == arrow.DECIMAL128 {
		return decoderFor(&column{Name: out.Name, OID: oidNumeric, TypName: "numeric", Type: out.Type})
	}
	return decoderFor(&column{Name: out.Name, OID: oidFloat8, TypName: "double precision", Type: out.Type})
}

// aggTable is the result of a pushed GROUP BY: its schema is the engine's
// aggregate output. It shares its Table's pool and lifetime.
type aggTable struct {
	t       *Table
	schema  *arrow.Schema
	items   []string // SELECT item per output column
	decs    []decodeFunc
	groupBy []string
	where   []string
	args    []any
	filters []expr.Expr
	// order and topN (-1: none) are a TopN pushed onto the aggregate.
	order []sqlgen.OrderItem
	topN  int64
}

// Schema is the aggregate's output.
func (a *aggTable) Schema() *arrow.Schema { return a.schema }

// PushTopN orders the groups and keeps the first Limit (ORDER BY ... LIMIT
// on the grouped query) when every key is an output column PostgreSQL
// orders as the engine does (see Table.PushTopN); the keys are the group
// keys' and aggregates' own SQL. Once only.
func (a *aggTable) PushTopN(req catalog.TopNRequest) (catalog.Table, bool, error) {
	if len(req.Keys) == 0 || req.Limit < 0 || a.order != nil {
		return nil, false, nil
	}
	var order []sqlgen.OrderItem
	for _, k := range req.Keys {
		if k.Column < 0 || k.Column >= len(a.items) {
			return nil, false, errs.Invalidf("postgres table %s: aggregate sort column %d out of range (%d columns)", a.t.Name(), k.Column, len(a.items))
		}
		items, ok := sqlgen.OrderKey(dialect, a.items[k.Column], a.schema.Field(k.Column).Type, k.Desc, k.NullsFirst)
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
// and limit; an empty projection counts the groups. One partition. No I/O.
func (a *aggTable) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	if len(req.Filters) > 0 {
		return nil, errs.Internalf("postgres table %s: a pushed aggregate takes no filters", a.t.Name())
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
	decs := make([]decodeFunc, len(proj))
	for i, p := range proj {
		if p < 0 || p >= n {
			return nil, errs.Invalidf("postgres table %s: aggregate projection index %d out of range (%d columns)", a.t.Name(), p, n)
		}
		fields[i] = a.schema.Field(p)
		cols[i] = a.items[p]
		decs[i] = a.decs[p]
	}
	limit := req.Limit
	if limit < 0 {
		limit = -1
	}
	if a.topN >= 0 && (limit < 0 || limit > a.topN) {
		limit = a.topN
	}
	q := sqlgen.Query{Cols: cols, From: a.t.src.qualified(a.t.rel.Name), Where: a.where, GroupBy: a.groupBy, OrderBy: a.order, Limit: limit}
	var sql string
	if len(cols) == 0 {
		if len(a.groupBy) == 0 {
			// A global aggregate has exactly one row, even over no rows.
			q.Cols = []string{"count(*)"}
		}
		sql = "SELECT count(*) FROM (" + q.SQL(dialect) + ") AS q"
	} else {
		sql = q.SQL(dialect)
	}
	sc := &Scan{
		table:   a.t,
		schema:  arrow.NewSchema(fields, nil),
		decs:    decs,
		proj:    append([]int{}, proj...),
		filters: a.filters,
		limit:   limit,
		base:    sql,
		args:    a.args,
		count:   len(proj) == 0,
		pushed:  true,
	}
	sc.parts = []catalog.Partition{&partition{t: a.t, scan: sc, sql: sql, args: a.args, lo: -1, hi: -1}}
	return sc, nil
}
