// Package operator holds Quiver's vectorized execution operators. Operators
// pull: a parent calls Next on its child and gets an arrow.RecordBatch at a
// time; only Sort and the aggregates hold data, everything else streams.
//
// Lifecycle (every operator, including ones users write):
//   - Open(ctx) once before Next; ctx governs the whole run (cancellation
//     stops the query down to provider reads).
//   - Next returns the next batch, or (nil, nil) at the end. The returned
//     batch is owned by the operator and valid until the next call to Next
//     or Close; a caller that keeps it must Retain it (and later Release).
//   - Close releases everything; it is idempotent and may be called before
//     Open or after an error.
//   - An operator is used by one goroutine at a time.
package operator

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
)

// Operator is a pull-based stream of record batches.
type Operator interface {
	Schema() *arrow.Schema
	Open(ctx context.Context) error
	Next(ctx context.Context) (arrow.RecordBatch, error)
	Close() error
	// Children are the inputs (for EXPLAIN ANALYZE and tests).
	Children() []Operator
}
