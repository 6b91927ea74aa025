package sqlite

import (
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
	_ catalog.TopNPushdowner      = (*sqlpush.AggTable[colKind])(nil)
	_ catalog.PartitionCodec      = (*sqlpush.AggTable[colKind])(nil)
)

// push describes the table to the shared TopN/aggregate planning: columns
// are read through the same coercing expressions (filterCol) as filters.
func (t *Table) push() *sqlpush.Table {
	return &sqlpush.Table{Dialect: dialect, What: "sqlite table " + t.name, Schema: t.schema, Col: t.filterCol,
		StringKeys: true, Collation: collate, Codec: t}
}

// PushTopN takes an ORDER BY + LIMIT when every key orders in SQLite
// exactly as in the engine (sqlgen.OrderKey): integer, float (SQLite
// cannot store NaN), boolean, date and timestamp columns, and strings
// under the registered engine collation (COLLATE quiver_utf8mb4_0900_ai_ci),
// compared through the same coercing read expression that filters use, so
// the order is that of the values the engine would see. Decimals (stored
// as REAL) are never pushed. NULL placement is explicit (NULLS
// FIRST/LAST). The returned table reads one query, never split into rowid
// ranges, and its partitions encode through the table's PartitionCodec.
// No I/O; safe for concurrent use.
func (t *Table) PushTopN(req catalog.TopNRequest) (catalog.Table, bool, error) {
	return t.push().PushTopN(req, func(req catalog.ScanRequest, order []sqlgen.OrderItem, spec *sqlpush.Spec) (catalog.Scan, error) {
		return t.plan(req, order, spec)
	})
}

// PushAggregate takes a whole GROUP BY when every key and aggregate has
// the engine's semantics in SQLite (sqlgen.GroupKey, sqlgen.Aggregate):
// keys are integer, boolean, date, timestamp or string (under the
// registered engine collation) columns; COUNT(*),
// COUNT([DISTINCT] col); SUM of integers, exact to the engine's
// DECIMAL(38,0) through two 64-bit partial sums (sqlgen.IntSum: SQLite's
// own sum() stops at 64 bits); SUM/AVG of floats; MIN/MAX of integers,
// floats, dates, timestamps and strings. AVG of integers (a DECIMAL in the engine)
// and everything on decimals (stored as REAL) stay in the engine. Values
// are read through the columns' coercing expressions, as in a scan. The
// returned table reads one query in one partition; the query has bind
// values in its WHERE only (SQLite numbers ? by position). No I/O; safe
// for concurrent use.
func (t *Table) PushAggregate(req catalog.AggregateRequest) (catalog.Table, bool, error) {
	where, args, err := t.baseQuery(nil, req.Filters)
	if err != nil {
		return nil, false, err
	}
	kind := func(o sqlpush.Output) (colKind, bool) {
		switch {
		case o.Col >= 0: // a key, MIN or MAX: the column's own values
			return t.cols[o.Col].kind, true
		case o.Result == sqlgen.AggIntSumParts:
			return kIntSumParts, true
		case o.Call.Func == expr.AggCount:
			return kInt, true
		case o.Field.Type.ID() == arrow.FLOAT64:
			return kFloat, true
		}
		return 0, false
	}
	plan := func(p sqlpush.Plan, kinds []colKind) (catalog.Scan, error) {
		// With an empty projection the reader counts the rows of whatever
		// single column it gets (one per group, or the global count(*)).
		q := p.Query.SQL(dialect)
		return &aggScan{
			schema: p.Schema,
			sql:    q,
			parts: []catalog.Partition{&partition{t: t, schema: p.Schema, kinds: kinds, sql: q, args: args, spec: p.Spec,
				plan: plan{V: sqlpush.WireVersion, Table: t.name, Projection: p.Proj, Limit: p.Limit, SQL: q}}},
		}, nil
	}
	return sqlpush.PushAggregate(t.push(), req, dialect.QuoteIdent(t.name), where, kind, plan)
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
