package flightsql

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
	"github.com/quiverdb/quiver/sources/internal/sqlpush"
)

var (
	_ catalog.TopNPushdowner      = (*Table)(nil)
	_ catalog.AggregatePushdowner = (*Table)(nil)
	_ catalog.TopNPushdowner      = (*sqlpush.AggTable[struct{}])(nil)
	_ catalog.PartitionCodec      = (*sqlpush.AggTable[struct{}])(nil)
)

// push describes the table to the shared TopN/aggregate planning. A remote
// speaking the mysql dialect (Quiver itself, or MySQL with the engine's
// utf8mb4_0900_ai_ci collation) orders and groups strings and exact
// decimals and computes SUM and AVG exactly as the engine does; other
// dialects get sqlgen's conservative rules.
func (t *Table) push() *sqlpush.Table {
	mysql := t.src.dialect.Name == sqlgen.MySQL.Name
	return &sqlpush.Table{Dialect: t.src.dialect, What: "flightsql table " + t.name, Schema: t.schema, Col: t.colName,
		StringKeys: mysql, EngineSumAvg: mysql, ExactDecimals: mysql, Codec: t}
}

// PushTopN takes an ORDER BY + LIMIT when every key orders remotely exactly
// as in the engine (sqlpush.Table.TopN: numbers, booleans, dates, UTC
// timestamps; floats with a NaN key where the dialect orders NaN
// differently; strings only for the mysql dialect). NULL placement is
// always explicit. The returned table sends
//
//	SELECT cols FROM t WHERE filters ORDER BY keys LIMIT n
//
// and reads the remote's endpoints in order. No I/O; safe for concurrent
// use.
func (t *Table) PushTopN(req catalog.TopNRequest) (catalog.Table, bool, error) {
	return t.push().PushTopN(req, func(req catalog.ScanRequest, order []sqlgen.OrderItem, spec *sqlpush.Spec) (catalog.Scan, error) {
		return t.plan(req, order, spec)
	})
}

// PushAggregate takes a whole GROUP BY when every key and aggregate has the
// engine's semantics remotely (sqlpush.Table.Aggregate): keys are integer,
// boolean, date, UTC timestamp or (where the dialect has exact decimals)
// decimal columns, and strings for the mysql dialect; COUNT(*),
// COUNT([DISTINCT] col), MIN/MAX, SUM/AVG of floats, and SUM/AVG of exact
// numbers where the dialect computes them exactly (mysql: natively;
// postgres: in numeric, cast to the engine's DECIMAL). The returned table
// sends
//
//	SELECT keys, aggs FROM t WHERE filters GROUP BY keys
//
// in one partition; numeric results the remote types differently (e.g. a
// wider DECIMAL) are cast exactly to the engine's types, and a value that
// does not fit is an error, never a changed value. No I/O; safe for
// concurrent use.
func (t *Table) PushAggregate(req catalog.AggregateRequest) (catalog.Table, bool, error) {
	where, lits, err := t.where(req.Filters)
	if err != nil {
		return nil, false, err
	}
	// SQLite's two-part integer SUM is not read over Flight SQL.
	asIs := func(o sqlpush.Output) (struct{}, bool) { return struct{}{}, o.Key || o.Result == sqlgen.AggAsIs }
	plan := func(p sqlpush.Plan, _ []struct{}) (catalog.Scan, error) {
		q := p.Query.SQL(t.src.dialect)
		part := &partition{t: t, schema: p.Schema, sql: q, args: lits, ordered: len(p.Query.OrderBy) > 0, spec: p.Spec,
			plan: plan{Version: planVersion, Table: t.name, Projection: p.Proj, Limit: p.Limit, SQL: q}}
		return &scan{p: part}, nil
	}
	return sqlpush.PushAggregate(t.push(), req, t.from, where, asIs, plan)
}

// castable reports whether a pushed result column of type got may be cast
// to the engine's type want: both numeric (integers, floats, decimals), as
// when a remote types a SUM as a wider DECIMAL or a COUNT as a 32-bit
// integer.
func castable(got, want arrow.DataType) bool {
	return numeric(got) && numeric(want)
}

func numeric(t arrow.DataType) bool {
	return arrow.IsInteger(t.ID()) || arrow.IsFloating(t.ID()) || arrow.IsDecimal(t.ID())
}

// castColumn casts a to want with arrow's safe cast (an overflow or a lost
// digit is an error), allocating from mem. The caller releases the result.
func castColumn(a arrow.Array, want arrow.DataType, mem memory.Allocator) (arrow.Array, error) {
	ctx := compute.WithAllocator(context.Background(), mem)
	return compute.CastArray(ctx, a, compute.SafeCastOptions(want))
}
