package catalog

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/quiverdb/quiver/exec/expr"
)

// Verdict is a table's answer for one pushed-down filter.
type Verdict int

const (
	// FilterUnsupported: the source cannot use the filter; it never reaches Scan
	// and the engine evaluates it above the scan. The zero value.
	FilterUnsupported Verdict = iota
	// FilterInexact: the source uses the filter to skip data but may return rows
	// that fail it (e.g. Parquet row-group pruning); the engine re-filters.
	FilterInexact
	// FilterExact: the source returns only rows that pass; the engine drops it.
	FilterExact
)

func (v Verdict) String() string {
	switch v {
	case FilterExact:
		return "Exact"
	case FilterInexact:
		return "Inexact"
	default:
		return "Unsupported"
	}
}

// FilterPushdowner is implemented by tables that can apply filters.
type FilterPushdowner interface {
	// SupportsFilters returns one verdict per filter, in order. Columns in
	// the filters index Table.Schema(). It must be pure and cheap (no I/O);
	// whatever it calls Exact, Scan must apply fully. Implementations keep
	// one function that classifies and translates a filter so the two
	// cannot drift.
	SupportsFilters(filters []expr.Expr) ([]Verdict, error)
}

// Precision says how far a statistic can be trusted.
type Precision int

const (
	// Absent: unknown. The value means nothing (absent is not zero).
	Absent Precision = iota
	// Inexact: an estimate, good for costing only.
	Inexact
	// Exact: the true value. Wrong Exact statistics are worse than none.
	Exact
)

func (p Precision) String() string {
	switch p {
	case Exact:
		return "Exact"
	case Inexact:
		return "Inexact"
	default:
		return "Absent"
	}
}

// Count is a row, byte or value count with its precision.
type Count struct {
	Value     int64
	Precision Precision
}

// Bound is a column minimum or maximum with its precision; Value is a Go
// value as in expr.Literal (nil when Absent).
type Bound struct {
	Value     any
	Precision Precision
}

// ColumnStatistics describe one column.
type ColumnStatistics struct {
	NullCount     Count
	DistinctCount Count
	Min, Max      Bound
}

// Statistics describe a whole table. Columns is either nil (nothing known)
// or has one entry per column of Table.Schema().
type Statistics struct {
	NumRows    Count
	TotalBytes Count
	Columns    []ColumnStatistics
}

// StatisticsProvider is implemented by tables that know their statistics.
type StatisticsProvider interface {
	// Statistics must be cheap (cached metadata, no scan).
	Statistics(ctx context.Context) (Statistics, error)
}

// PartitionCodec is implemented by tables whose partitions can be shipped to
// another node. Encoded bytes are metadata only (paths, ranges, SQL text),
// never connections or handles. DecodePartition runs on the receiving node,
// on that node's own catalog entry for the same table, which supplies the
// runtime resources (factory injection).
type PartitionCodec interface {
	EncodePartition(p Partition) ([]byte, error)
	DecodePartition(ctx context.Context, data []byte) (Partition, error)
}

// Insertable is implemented by writable tables.
type Insertable interface {
	// Insert appends every batch of rows (whose schema must match the
	// table's) atomically: on error, or if ctx is cancelled before the end,
	// no row becomes visible. It returns the number of rows inserted.
	Insert(ctx context.Context, rows array.RecordReader) (int64, error)
}

// Creatable is implemented by schemas that can create and drop tables.
type Creatable interface {
	// CreateTable creates an empty table. errs.ErrAlreadyExists when it
	// exists, unless ifNotExists (then it is a no-op).
	CreateTable(ctx context.Context, name string, schema *arrow.Schema, ifNotExists bool) error
	// DropTable removes a table. errs.ErrNotFound when it does not exist,
	// unless ifExists.
	DropTable(ctx context.Context, name string, ifExists bool) error
}

// SortKey is one key of a pushed ORDER BY: a column of Table.Schema() with
// the engine's ordering. NULLs go first when NullsFirst (the engine, like
// MySQL, puts them first ascending and last descending, but the planner
// always states it).
type SortKey struct {
	Column     int
	Desc       bool
	NullsFirst bool
}

// TopNRequest asks a table for the first Limit rows of its rows in the
// order of Keys (a TopN: ORDER BY + LIMIT, any OFFSET folded into Limit).
type TopNRequest struct {
	// Keys are the ORDER BY keys, most significant first; never empty.
	Keys []SortKey
	// Limit is how many rows of the ordered result are needed (>= 0).
	Limit int64
}

// TopNPushdowner is implemented by tables that can order rows and return
// only the first N, e.g. with SQL's ORDER BY ... LIMIT n. The planner asks
// only when the scan's filters are all Exact, and keeps its own TopN above
// the scan, so a source needs to be exact about which rows it returns, not
// about how they arrive.
//
// The contract (as DataFusion's for limits, extended to an order):
//   - PushTopN is pure and cheap (no I/O) and safe for concurrent use. It
//     answers ok=false when it cannot order by every key with exactly the
//     engine's semantics (NULL placement, collation: the engine compares
//     strings under its own collation, which a remote database's byte or
//     locale order rarely matches; NaN placement for floats), and then the
//     engine sorts. It never answers ok=true for a cheaper approximation.
//   - With ok=true it returns a Table with the receiver's exact Schema whose
//     Scan accepts what the receiver's accepts (the same projection and the
//     same Exact filters; SupportsFilters need not be implemented by the
//     returned Table: the planner negotiated with the receiver) and returns,
//     after applying the filters, rows such that the union of its partitions
//     contains the first Limit rows of the filtered rows in Keys order (each
//     partition may return its own first Limit rows). Among rows that tie on
//     every key at the boundary any may be chosen, as in the engine.
//     ScanRequest.Limit, when set, may lower the limit further.
//   - The returned Table keeps the receiver's lifetime: it holds no resources
//     of its own and needs no Close.
//   - When the receiver is a PartitionCodec, the partitions of the returned
//     Table's scans encode through it (as metadata, the pushed request
//     included) and decode on another node's instance of the receiver into
//     partitions returning the same rows: a plan with a pushed TopN can be
//     shipped like any other.
type TopNPushdowner interface {
	PushTopN(req TopNRequest) (t Table, ok bool, err error)
}

// AggregateRequest asks a table to compute a GROUP BY itself.
type AggregateRequest struct {
	// Filters are ANDed predicates (each accepted as FilterExact by the
	// table's SupportsFilters), bound to Table.Schema(), applied before
	// grouping (the WHERE clause).
	Filters []expr.Expr
	// GroupBy are the grouping expressions, bound to Table.Schema(). Empty
	// means one global group: exactly one output row, even over no rows.
	GroupBy []expr.Expr
	// Aggs are the aggregates, their arguments bound to Table.Schema(). A
	// DISTINCT (SELECT DISTINCT) has GroupBy and no Aggs.
	Aggs []expr.AggregateCall
	// Schema is the output the engine's own aggregate would produce: one
	// field per GroupBy expression then one per aggregate, with the engine's
	// names and result types (expr.NewAggregate's MySQL rules).
	Schema *arrow.Schema
}

// AggregatePushdowner is implemented by tables that can run a whole
// aggregation remotely (SQL's GROUP BY). The planner asks only when the
// aggregate sits directly on the scan (through projections) and every filter
// of the scan is Exact; a yes replaces the engine's aggregate entirely.
//
// The contract:
//   - PushAggregate is pure and cheap (no I/O) and safe for concurrent use.
//     It answers ok=false unless every group key and aggregate has exactly
//     the engine's semantics remotely: grouping equality (collation: string
//     keys almost never qualify; float keys disagree on -0 and NaN), NULL
//     handling (NULLs form one group; COUNT(col) skips NULLs; SUM/AVG/MIN/MAX
//     over no non-NULL value is NULL, COUNT is 0), overflow (an error, never
//     a wrapped value) and result values, rounding included (MySQL: AVG of
//     integers is DECIMAL with 4 more scale digits, rounded half away from
//     zero). Floating-point SUM and AVG depend on the order of additions in
//     the engine too; a source may push them.
//   - With ok=true it returns a Table whose Schema equals req.Schema (names
//     and types; the planner verifies it) and whose Scan produces each group
//     exactly once across all of its partitions (simplest: one partition),
//     honouring ScanRequest.Projection (indexes into req.Schema) and
//     ScanRequest.Limit. The returned Table takes no filters (it does not
//     implement FilterPushdowner; filters above the aggregate stay in the
//     engine), holds no resources of its own and needs no Close.
//   - When the receiver is a PartitionCodec, the returned Table's
//     partitions encode and decode through it, as for TopNPushdowner.
type AggregatePushdowner interface {
	PushAggregate(req AggregateRequest) (t Table, ok bool, err error)
}
