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
