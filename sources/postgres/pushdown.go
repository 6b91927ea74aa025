package postgres

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
	"github.com/quiverdb/quiver/sources/internal/sqlpush"
)

var (
	_ catalog.TopNPushdowner      = (*Table)(nil)
	_ catalog.AggregatePushdowner = (*Table)(nil)
	_ catalog.TopNPushdowner      = (*sqlpush.AggTable[decodeFunc])(nil)
	_ catalog.PartitionCodec      = (*sqlpush.AggTable[decodeFunc])(nil)
)

// push describes the table to the shared TopN/aggregate planning: columns
// are read by colSQL, as in pushed filters.
func (t *Table) push() *sqlpush.Table {
	return &sqlpush.Table{Dialect: dialect, What: "postgres table " + t.Name(), Schema: t.schema, Col: t.colSQL, Codec: t}
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
	return t.push().PushTopN(req, func(req catalog.ScanRequest, order []sqlgen.OrderItem, spec *sqlpush.Spec) (catalog.Scan, error) {
		return t.plan(req, nil, order, spec)
	})
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
	for _, f := range req.Filters {
		var scratch []any
		if _, v := t.translate(f, &scratch); v != catalog.FilterExact {
			// The contract promises Exact filters; an Inexact prefilter
			// under a remote GROUP BY would change the groups.
			return nil, false, errs.Invalidf("postgres table %s: aggregate pushdown with filter %s, which is not Exact here", t.Name(), f)
		}
	}
	where, args, err := t.where(req.Filters)
	if err != nil {
		return nil, false, err
	}
	decoder := func(o sqlpush.Output) (decodeFunc, bool) {
		if !o.Key && o.Result != sqlgen.AggAsIs {
			return nil, false
		}
		return t.aggDecoder(o), true
	}
	plan := func(p sqlpush.Plan, decs []decodeFunc) (catalog.Scan, error) {
		sql := p.Query.SQL(dialect)
		if len(p.Proj) == 0 {
			// Count the groups (or the global aggregate's one row).
			sql = "SELECT count(*) FROM (" + sql + ") AS q"
		}
		sc := &Scan{
			table:  t,
			schema: p.Schema,
			decs:   decs,
			proj:   p.Proj,
			limit:  p.Limit,
			base:   sql,
			args:   args,
			count:  len(p.Proj) == 0,
			spec:   p.Spec,
		}
		sc.parts = []catalog.Partition{&partition{t: t, scan: sc, sql: sql, args: args, lo: -1, hi: -1}}
		return sc, nil
	}
	return sqlpush.PushAggregate(t.push(), req, t.src.qualified(t.rel.Name), where, decoder, plan)
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
