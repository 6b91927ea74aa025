// Package catalog holds Quiver's provider contract: what a data source must
// do to be queried (Table, Scan, Partition), the optional abilities the
// planner discovers by type assertion (filter, TopN and aggregate pushdown,
// statistics, partition encoding, keys, writes: Insertable, Creatable,
// Rewritable and Truncatable for DELETE/UPDATE/TRUNCATE, Indexable index
// metadata, ViewStore views), the catalog → schema → table lookup, and the registry of
// provider factories. It is contracts only: no provider lives here.
//
// The model is Apache DataFusion's TableProvider. The three rules that matter:
//  1. Scan does no I/O. A plan may be explained, serialized (PartitionCodec)
//     and shipped to another node without touching the source. I/O starts in
//     Partition.Open, lazily, and honours ctx cancellation.
//  2. Filter pushdown is negotiated per filter: Exact (the source applies it
//     fully; the engine drops it), Inexact (the source may return extra rows;
//     the engine re-filters), FilterUnsupported (the filter never reaches Scan).
//  3. A limit reaches Scan only when every pushed filter was Exact.
package catalog

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/exec/expr"
)

// Table is what a catalog entry resolves to. Implementations must be safe
// for concurrent use: many queries scan one Table at once.
type Table interface {
	// Schema is the table's full schema. It must not change while a query
	// holds the Table (writers replace the Table instead).
	Schema() *arrow.Schema
	// Scan plans a read. It does NO I/O.
	Scan(ctx context.Context, req ScanRequest) (Scan, error)
}

// ScanRequest is what the planner asks of a Table.
type ScanRequest struct {
	// Projection lists the columns to produce, by index into Table.Schema(),
	// in output order. nil means all columns; an empty non-nil slice means
	// no columns (only the row count matters, e.g. COUNT(*)).
	Projection []int
	// Filters are ANDed predicates the table accepted (Exact or Inexact) in
	// SupportsFilters. Their Columns index Table.Schema() (not the
	// projection). A table without FilterPushdowner never receives filters.
	Filters []expr.Expr
	// Limit is the maximum number of rows the whole scan needs to produce,
	// or -1 for no limit. It is set only when every filter is Exact; a
	// source may return more rows (the engine enforces the limit too).
	Limit int64
	// Options are the query's options (session settings, query id).
	Options Options
}

// Scan is a planned read: the projected schema and the independent units of
// work. Immutable after Table.Scan returns.
type Scan interface {
	// Schema is the projected output schema (Projection applied).
	Schema() *arrow.Schema
	// Partitions are disjoint units covering the scan exactly once; they may
	// be read in parallel, on different goroutines or nodes. Zero partitions
	// means no rows.
	Partitions() []Partition
}

// Partition is one independently readable unit of a Scan.
type Partition interface {
	// Open starts I/O and returns a reader of batches with the Scan's
	// schema. The reader honours ctx cancellation (its Err reports it), and
	// the caller Releases it. mem allocates the batches.
	Open(ctx context.Context, mem memory.Allocator) (array.RecordReader, error)
}

// Options are the per-query options that travel with a query (and with every
// serialized plan fragment). Keys are lower-case option names.
type Options struct {
	QueryID string
	// Catalog and Schema are the session's current ones.
	Catalog, Schema string
	// Values holds the other options by name (typed as their declared kind
	// renders them, e.g. "true", "30s").
	Values map[string]string
}

// Get returns the option named key and whether it was set.
func (o Options) Get(key string) (string, bool) {
	v, ok := o.Values[key]
	return v, ok
}
