// Package sqlpush is the provider-independent half of TopN and aggregate
// pushdown (catalog.TopNPushdowner, catalog.AggregatePushdowner) for the SQL
// sources (postgres, sqlite, flightsql): validating a request against the
// table, choosing the ORDER BY and SELECT items through sqlgen's semantic
// rules, and planning the grouped query's projection and limit. The
// providers keep only what is genuinely theirs: how a column is read in SQL
// (Table.Col), how a result column is decoded, and how the query is run.
//
// Everything here is pure (no I/O) and its values are immutable once
// returned, so they are safe for concurrent use.
package sqlpush

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
)

// Table describes one provider table to the shared planning. The zero
// value is not usable: Dialect, What, Schema and Col are required.
type Table struct {
	// Dialect is the remote's SQL.
	Dialect sqlgen.Dialect
	// What names the table in errors, e.g. "postgres table t".
	What string
	// Schema is the table's schema (the engine's view of its columns).
	Schema *arrow.Schema
	// Col returns the SQL reading column i with the engine's values, as for
	// pushed filters; "" means the column cannot be used remotely.
	Col func(i int) string
	// StringKeys: the remote orders, groups and compares strings exactly as
	// the engine does (the same collation: a remote Quiver, or MySQL with
	// utf8mb4_0900_ai_ci), by default or with Collation. Without it string
	// keys are never pushed.
	StringKeys bool
	// Collation, when set, is appended to every string column used as a
	// key (ORDER BY, GROUP BY, MIN/MAX, COUNT(DISTINCT)), e.g.
	// ` COLLATE quiver_utf8mb4_0900_ai_ci`: the remote collation that is
	// the engine's (see sqlgen.Dialect.EngineCollation). Use with
	// StringKeys.
	Collation string
	// EngineSumAvg: the remote computes SUM and AVG of exact numbers with
	// the engine's (MySQL's) semantics: exact decimal sums, AVG at 4 more
	// scale digits rounded half away from zero, NULL over no value. They
	// are then sent as plain sum(col)/avg(col) (the provider reconciles
	// the remote's numeric result type with the engine's).
	EngineSumAvg bool
	// ExactDecimals: the remote stores, orders and groups DECIMAL values
	// exactly (MySQL, Quiver) although sqlgen's dialect has no DECIMAL
	// cast; decimal keys, MIN/MAX and COUNT(DISTINCT) are then pushed.
	ExactDecimals bool
	// Codec, when set, is the provider table's partition codec: the
	// tables PushTopN and PushAggregate return implement
	// catalog.PartitionCodec through it (their partitions encode as their
	// Spec plus the provider's metadata; see codec.go).
	Codec catalog.PartitionCodec
}

// keyCol is the SQL reading column i as a key: Col(i), with Collation
// for a string column ("" when the column cannot be used remotely).
func (t *Table) keyCol(i int) string {
	col := t.Col(i)
	if col == "" || t.Collation == "" || i < 0 || i >= t.Schema.NumFields() || !isString(t.Schema.Field(i).Type) {
		return col
	}
	return "(" + col + ")" + t.Collation
}

// extraKey reports whether a value of type typ orders and groups remotely
// as in the engine by the StringKeys or ExactDecimals rule.
func (t *Table) extraKey(typ arrow.DataType) bool {
	return (t.StringKeys && isString(typ)) || (t.ExactDecimals && typ.ID() == arrow.DECIMAL128)
}

// isString reports whether t is a string type the StringKeys rule covers.
func isString(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING:
		return true
	}
	return false
}

// OrderKey is sqlgen.OrderKey extended by the StringKeys and
// ExactDecimals rules.
func (t *Table) OrderKey(col string, typ arrow.DataType, desc, nullsFirst bool) ([]sqlgen.OrderItem, bool) {
	if col != "" && t.extraKey(typ) {
		return []sqlgen.OrderItem{{Expr: col, Desc: desc, NullsFirst: nullsFirst}}, true
	}
	return sqlgen.OrderKey(t.Dialect, col, typ, desc, nullsFirst)
}

// GroupKey is sqlgen.GroupKey extended by the StringKeys and
// ExactDecimals rules.
func (t *Table) GroupKey(col string, typ arrow.DataType) bool {
	if col != "" && t.extraKey(typ) {
		return true
	}
	return sqlgen.GroupKey(t.Dialect, col, typ)
}

// aggregate is sqlgen.Aggregate extended by the StringKeys and
// ExactDecimals rules (MIN, MAX and COUNT(DISTINCT) of those keys) and
// EngineSumAvg.
func (t *Table) aggregate(call expr.AggregateCall) (string, sqlgen.AggResult, bool) {
	if c, ok := call.Arg.(*expr.Column); ok && t.extraKey(c.DataType) &&
		len(call.MoreArgs) == 0 && len(call.OrderBy) == 0 && call.DataType != nil {
		col := t.keyCol(c.Index)
		switch {
		case col == "":
		case (call.Func == expr.AggMin || call.Func == expr.AggMax) && arrow.TypeEqual(call.DataType, c.DataType):
			return string(call.Func) + "(" + col + ")", sqlgen.AggAsIs, true
		case call.Func == expr.AggCount && call.Distinct && arrow.TypeEqual(call.DataType, expr.TypeInt64):
			return "count(DISTINCT " + col + ")", sqlgen.AggAsIs, true
		}
	}
	if c, ok := call.Arg.(*expr.Column); ok && t.EngineSumAvg && (call.Func == expr.AggSum || call.Func == expr.AggAvg) &&
		!call.Distinct && len(call.MoreArgs) == 0 && len(call.OrderBy) == 0 && call.DataType != nil && exactNumber(c.DataType) {
		if col := t.Col(c.Index); col != "" {
			return string(call.Func) + "(" + col + ")", sqlgen.AggAsIs, true
		}
	}
	return sqlgen.Aggregate(t.Dialect, call, t.Col)
}

// exactNumber reports whether t is an integer or decimal type.
func exactNumber(t arrow.DataType) bool {
	return arrow.IsInteger(t.ID()) || arrow.IsDecimal(t.ID())
}

// TopN translates a TopN request on the table into ORDER BY items, or
// ok=false when some key would order differently remotely (the engine then
// sorts). A key column out of range is errs.ErrInvalid.
func (t *Table) TopN(req catalog.TopNRequest) ([]sqlgen.OrderItem, bool, error) {
	if len(req.Keys) == 0 || req.Limit < 0 {
		return nil, false, nil
	}
	n := t.Schema.NumFields()
	var order []sqlgen.OrderItem
	for _, k := range req.Keys {
		if k.Column < 0 || k.Column >= n {
			return nil, false, errs.Invalidf("%s: sort column %d out of range (%d columns)", t.What, k.Column, n)
		}
		items, ok := t.OrderKey(t.keyCol(k.Column), t.Schema.Field(k.Column).Type, k.Desc, k.NullsFirst)
		if !ok {
			return nil, false, nil
		}
		order = append(order, items...)
	}
	return order, true, nil
}

// Output describes one output column of a pushed aggregate, for the
// provider's decoder.
type Output struct {
	// Field is the engine's output field (name and result type).
	Field arrow.Field
	// Col is the table column of a group key or of a MIN/MAX argument,
	// whose values arrive as the column's own; -1 otherwise.
	Col int
	// Key: a group key (Call is then the zero value).
	Key bool
	// Call is the aggregate (not a key).
	Call expr.AggregateCall
	// Result says how the aggregate's value arrives (sqlgen.AggResult).
	Result sqlgen.AggResult
}

// Aggregate is a pushed GROUP BY: the SELECT items and their descriptions,
// the GROUP BY, and an optional TopN over the groups. Immutable once
// returned; TopN returns a copy.
type Aggregate struct {
	t *Table
	// Schema is the engine's output schema (AggregateRequest.Schema).
	Schema *arrow.Schema
	// Items is the SELECT item per output column.
	Items []string
	// Outputs describes each output column.
	Outputs []Output
	// GroupBy are the grouping expressions.
	GroupBy []string
	// Order is a TopN's ORDER BY on the groups (nil: none).
	Order []sqlgen.OrderItem
	// Limit is that TopN's limit; -1 when there is none.
	Limit int64
	// orderBy, per output column, are integer expressions ordering by it
	// when its item itself does not (sqlgen.IntSum's parts); nil: the item.
	orderBy [][]string
}

// Aggregate translates a whole GROUP BY, or answers ok=false when some key
// or aggregate might differ remotely (see sqlgen.GroupKey, sqlgen.Aggregate
// and Table.StringKeys). Keys must be table columns whose output type is
// the column's; aggregate arguments table columns. A request whose schema
// does not have one field per key and aggregate is errs.ErrInvalid. Filters
// are the provider's to render (into the WHERE it runs the query with).
func (t *Table) Aggregate(req catalog.AggregateRequest) (*Aggregate, bool, error) {
	if req.Schema == nil || req.Schema.NumFields() != len(req.GroupBy)+len(req.Aggs) {
		return nil, false, errs.Invalidf("%s: aggregate request schema has %d fields for %d keys and %d aggregates", t.What, fieldCount(req.Schema), len(req.GroupBy), len(req.Aggs))
	}
	n := t.Schema.NumFields()
	column := func(e expr.Expr) (*expr.Column, bool) {
		c, ok := e.(*expr.Column)
		return c, ok && c.Index >= 0 && c.Index < n
	}
	a := &Aggregate{t: t, Schema: req.Schema, Limit: -1}
	for i, g := range req.GroupBy {
		c, ok := column(g)
		if !ok {
			return nil, false, nil
		}
		col := t.keyCol(c.Index)
		out := req.Schema.Field(i)
		if !t.GroupKey(col, c.DataType) || !arrow.TypeEqual(out.Type, t.Schema.Field(c.Index).Type) {
			return nil, false, nil
		}
		a.Items = append(a.Items, col)
		a.GroupBy = append(a.GroupBy, col)
		a.Outputs = append(a.Outputs, Output{Field: out, Col: c.Index, Key: true})
		a.orderBy = append(a.orderBy, nil)
	}
	for j, call := range req.Aggs {
		out := req.Schema.Field(len(req.GroupBy) + j)
		if !arrow.TypeEqual(out.Type, call.DataType) {
			return nil, false, nil
		}
		o := Output{Field: out, Col: -1, Call: call}
		var argCol *expr.Column
		if call.Arg != nil {
			c, ok := column(call.Arg)
			if !ok {
				return nil, false, nil
			}
			argCol = c
		}
		sql, res, ok := t.aggregate(call)
		if !ok {
			return nil, false, nil
		}
		o.Result = res
		var keys []string
		switch {
		case res == sqlgen.AggIntSumParts:
			_, k := sqlgen.IntSum(t.Col(argCol.Index))
			keys = k[:]
		case call.Func == expr.AggMin || call.Func == expr.AggMax:
			o.Col = argCol.Index
		}
		a.Items = append(a.Items, sql)
		a.Outputs = append(a.Outputs, o)
		a.orderBy = append(a.orderBy, keys)
	}
	return a, true, nil
}

func fieldCount(s *arrow.Schema) int {
	if s == nil {
		return 0
	}
	return s.NumFields()
}

// TopN orders the groups and keeps the first req.Limit (ORDER BY ... LIMIT
// on the grouped query) when every key is an output column the remote
// orders as the engine does; the keys are the items' own SQL (or an exact
// integer SUM's order keys). Once only: an Aggregate that has a TopN
// answers ok=false. Returns a copy; the receiver is unchanged.
func (a *Aggregate) TopN(req catalog.TopNRequest) (*Aggregate, bool, error) {
	if len(req.Keys) == 0 || req.Limit < 0 || a.Order != nil {
		return nil, false, nil
	}
	var order []sqlgen.OrderItem
	for _, k := range req.Keys {
		if k.Column < 0 || k.Column >= len(a.Items) {
			return nil, false, errs.Invalidf("%s: aggregate sort column %d out of range (%d columns)", a.t.What, k.Column, len(a.Items))
		}
		if keys := a.orderBy[k.Column]; keys != nil {
			for _, e := range keys {
				items, _ := sqlgen.OrderKey(a.t.Dialect, e, arrow.PrimitiveTypes.Int64, k.Desc, k.NullsFirst)
				order = append(order, items...)
			}
			continue
		}
		items, ok := a.t.OrderKey(a.Items[k.Column], a.Schema.Field(k.Column).Type, k.Desc, k.NullsFirst)
		if !ok {
			return nil, false, nil
		}
		order = append(order, items...)
	}
	b := *a
	b.Order, b.Limit = order, req.Limit
	return &b, true, nil
}

// Plan is one planned read of a pushed aggregate.
type Plan struct {
	// Schema is the projected output.
	Schema *arrow.Schema
	// Proj are the projected output columns (indexes into Aggregate.Schema
	// and Aggregate.Outputs).
	Proj []int
	// Limit is the effective limit (-1: none).
	Limit int64
	// Query is the grouped query. With an empty projection of a global
	// aggregate its SELECT list is count(*) (one row, even over no rows);
	// of a grouped one it is empty (SELECT 1: one row per group).
	Query sqlgen.Query
	// Spec is the pushed request the scan comes from (AggTable.Scan sets
	// it), for the provider's partition encoding.
	Spec *Spec
}

// Plan plans a scan of the aggregate: req.Projection indexes the output
// (nil: all of it), req.Limit lowers the TopN's limit. from is the quoted
// table and where the rendered filters. A pushed aggregate takes no
// filters (errs.ErrInternal); a projection out of range is errs.ErrInvalid.
func (a *Aggregate) Plan(req catalog.ScanRequest, from string, where []string) (Plan, error) {
	if len(req.Filters) > 0 {
		return Plan{}, errs.Internalf("%s: a pushed aggregate takes no filters", a.t.What)
	}
	proj, err := internal.Project(a.t.What+" (pushed aggregate)", a.Schema, req.Projection)
	if err != nil {
		return Plan{}, err
	}
	cols := make([]string, len(proj.Columns))
	for i, p := range proj.Columns {
		cols[i] = a.Items[p]
	}
	if len(cols) == 0 && len(a.GroupBy) == 0 {
		// A global aggregate has exactly one row, even over no rows.
		cols = []string{"count(*)"}
	}
	limit := req.Limit
	if limit < 0 {
		limit = -1
	}
	if a.Limit >= 0 && (limit < 0 || limit > a.Limit) {
		limit = a.Limit
	}
	return Plan{
		Schema: proj.Schema,
		Proj:   proj.Columns,
		Limit:  limit,
		Query:  sqlgen.Query{Cols: cols, From: from, Where: where, GroupBy: a.GroupBy, OrderBy: a.Order, Limit: limit},
	}, nil
}

// PlanFunc plans a provider's read of its table with a pushed ORDER BY
// (req.Limit is the TopN's, or lower); spec is the pushed request, which
// the provider's partitions keep for their encoding. It must do no I/O.
type PlanFunc func(req catalog.ScanRequest, order []sqlgen.OrderItem, spec *Spec) (catalog.Scan, error)

// PushTopN is catalog.TopNPushdowner.PushTopN for a provider table: it
// translates the keys (Table.TopN) and returns a Table that plans its reads
// through plan with the ORDER BY and the limit. The result shares the
// provider table's lifetime.
func (t *Table) PushTopN(req catalog.TopNRequest, plan PlanFunc) (catalog.Table, bool, error) {
	order, ok, err := t.TopN(req)
	if !ok || err != nil {
		return nil, false, err
	}
	r := catalog.TopNRequest{Keys: append([]catalog.SortKey(nil), req.Keys...), Limit: req.Limit}
	return &topNTable{schema: t.Schema, order: order, spec: &Spec{TopN: &r}, plan: plan, codec: t.Codec}, true, nil
}

var (
	_ catalog.Table          = (*topNTable)(nil)
	_ catalog.PartitionCodec = (*topNTable)(nil)
)

// topNTable is a provider table restricted to its first limit rows in
// order. Immutable; safe for concurrent use.
type topNTable struct {
	schema *arrow.Schema
	order  []sqlgen.OrderItem
	spec   *Spec // spec.TopN is the request
	plan   PlanFunc
	codec  catalog.PartitionCodec
}

// Schema is the provider table's schema.
func (x *topNTable) Schema() *arrow.Schema { return x.schema }

// Scan plans the ordered, limited query (a lower req.Limit wins). No I/O.
func (x *topNTable) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	if limit := x.spec.TopN.Limit; req.Limit < 0 || req.Limit > limit {
		req.Limit = limit
	}
	return x.plan(req, x.order, x.spec)
}

// EncodePartition encodes a partition of this table's scans through the
// provider table's codec (the pushed TopN travels with it).
func (x *topNTable) EncodePartition(p catalog.Partition) ([]byte, error) {
	return encodeVia(x.codec, p)
}

// DecodePartition decodes through the provider table's codec.
func (x *topNTable) DecodePartition(ctx context.Context, data []byte) (catalog.Partition, error) {
	return decodeVia(ctx, x.codec, data)
}

func encodeVia(c catalog.PartitionCodec, p catalog.Partition) ([]byte, error) {
	if c == nil {
		return nil, errs.NotImplementedf("sqlpush: this pushed scan's partitions cannot be encoded")
	}
	return c.EncodePartition(p)
}

func decodeVia(ctx context.Context, c catalog.PartitionCodec, data []byte) (catalog.Partition, error) {
	if c == nil {
		return nil, errs.NotImplementedf("sqlpush: this pushed scan's partitions cannot be decoded")
	}
	return c.DecodePartition(ctx, data)
}

// AggTable is the catalog.Table of a pushed GROUP BY (the result of
// PushAggregate): its schema is the engine's aggregate output. Out holds
// the provider's per-output-column read information (a decoder, a kind),
// indexed like Agg.Outputs. It holds no resources and shares the provider
// table's lifetime; immutable, safe for concurrent use. Its PushTopN
// pushes a TopN over the groups (once).
type AggTable[D any] struct {
	Agg *Aggregate
	Out []D
	// Spec is the pushed request (with the TopN over the groups once
	// pushed); Plan receives it in Plan.Spec.
	Spec *Spec
	// Codec is the provider table's partition codec (nil: partitions
	// are not encodable).
	Codec catalog.PartitionCodec
	// From is the quoted table and Where the rendered filters.
	From  string
	Where []string
	// Plan builds the provider's scan of p; out is Out projected by p.Proj.
	// It must do no I/O.
	Plan func(p Plan, out []D) (catalog.Scan, error)
}

// Schema is the aggregate's output.
func (a *AggTable[D]) Schema() *arrow.Schema { return a.Agg.Schema }

// PushTopN orders the groups and keeps the first Limit (Aggregate.TopN).
// Once only.
func (a *AggTable[D]) PushTopN(req catalog.TopNRequest) (catalog.Table, bool, error) {
	agg, ok, err := a.Agg.TopN(req)
	if !ok || err != nil {
		return nil, false, err
	}
	b := *a
	b.Agg = agg
	r := catalog.TopNRequest{Keys: append([]catalog.SortKey(nil), req.Keys...), Limit: req.Limit}
	b.Spec = &Spec{Agg: a.Spec.Agg, GroupTopN: &r}
	return &b, true, nil
}

// EncodePartition encodes a partition of this table's scans through the
// provider table's codec (the pushed aggregate travels with it).
func (a *AggTable[D]) EncodePartition(p catalog.Partition) ([]byte, error) {
	return encodeVia(a.Codec, p)
}

// DecodePartition decodes through the provider table's codec.
func (a *AggTable[D]) DecodePartition(ctx context.Context, data []byte) (catalog.Partition, error) {
	return decodeVia(ctx, a.Codec, data)
}

// Scan plans the grouped query with the projection (indexes into Schema)
// and limit (Aggregate.Plan), then the provider's scan. No I/O.
func (a *AggTable[D]) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	p, err := a.Agg.Plan(req, a.From, a.Where)
	if err != nil {
		return nil, err
	}
	p.Spec = a.Spec
	out := make([]D, len(p.Proj))
	for i, c := range p.Proj {
		out[i] = a.Out[c]
	}
	return a.Plan(p, out)
}

// PushAggregate is catalog.AggregatePushdowner.PushAggregate for a provider
// table: Aggregate(req), then out per output column (how the provider reads
// it; ok=false refuses the whole push, e.g. a result form the provider
// cannot decode), then an AggTable over from and where (the provider's
// rendering of req.Filters) that plans its scans through plan.
func PushAggregate[D any](t *Table, req catalog.AggregateRequest, from string, where []string,
	out func(Output) (D, bool), plan func(p Plan, out []D) (catalog.Scan, error)) (catalog.Table, bool, error) {
	agg, ok, err := t.Aggregate(req)
	if !ok || err != nil {
		return nil, false, err
	}
	outs := make([]D, len(agg.Outputs))
	for i, o := range agg.Outputs {
		if outs[i], ok = out(o); !ok {
			return nil, false, nil
		}
	}
	r := req
	r.Filters = append([]expr.Expr(nil), req.Filters...)
	r.GroupBy = append([]expr.Expr(nil), req.GroupBy...)
	r.Aggs = append([]expr.AggregateCall(nil), req.Aggs...)
	return &AggTable[D]{Agg: agg, Out: outs, Spec: &Spec{Agg: &r}, Codec: t.Codec, From: from, Where: where, Plan: plan}, true, nil
}
