package operator

import (
	"context"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// Metrics are what EXPLAIN ANALYZE reports for one operator.
type Metrics struct {
	// Rows, Batches and Bytes count the operator's output (Bytes sums the
	// buffers each batch references, so slices count their whole buffers).
	Rows, Batches, Bytes int64
	// Elapsed is the wall time spent in Open and Next, children included.
	Elapsed time.Duration
}

// Instrumented wraps an operator and measures its output and time. It is an
// Operator itself; Children returns the wrapped operator's children (wrap
// those too to measure every level). Metrics may be read from any goroutine,
// during or after the run.
type Instrumented struct {
	op Operator
	mu sync.Mutex
	m  Metrics
}

// Instrument wraps op. The wrapper owns op: closing it closes op.
func Instrument(op Operator) *Instrumented { return &Instrumented{op: op} }

var _ Operator = (*Instrumented)(nil)

// Unwrap returns the measured operator.
func (i *Instrumented) Unwrap() Operator { return i.op }

// Metrics returns a snapshot of the measurements so far.
func (i *Instrumented) Metrics() Metrics {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.m
}

func (i *Instrumented) Schema() *arrow.Schema { return i.op.Schema() }
func (i *Instrumented) Children() []Operator  { return i.op.Children() }
func (i *Instrumented) Close() error          { return i.op.Close() }

func (i *Instrumented) Open(ctx context.Context) error {
	start := time.Now()
	err := i.op.Open(ctx)
	d := time.Since(start)
	i.mu.Lock()
	i.m.Elapsed += d
	i.mu.Unlock()
	return err
}

func (i *Instrumented) Next(ctx context.Context) (arrow.RecordBatch, error) {
	start := time.Now()
	b, err := i.op.Next(ctx)
	d := time.Since(start)
	i.mu.Lock()
	i.m.Elapsed += d
	if b != nil {
		i.m.Rows += b.NumRows()
		i.m.Batches++
		i.m.Bytes += batchBytes(b)
	}
	i.mu.Unlock()
	return b, err
}
