package operator

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

// batchesPerWorker bounds how many batches each scan worker may have read
// ahead of the consumer (the channel capacity is this times the workers).
const batchesPerWorker = 2

// scanOp reads a scan's partitions on a pool of goroutines.
type scanOp struct {
	parts       []catalog.Partition
	schema      *arrow.Schema
	parallelism int
	mem         memory.Allocator

	opened, closed bool
	eof            bool
	err            error
	parent         context.Context // Open's ctx: its cancellation is an error
	cancel         context.CancelFunc
	ch             chan scanItem
	nextPart       atomic.Int64
	live           atomic.Int64 // workers still running
	wg             sync.WaitGroup
	cur            arrow.RecordBatch
}

// scanItem is one message from a worker: a batch (owned by the receiver) or
// an error.
type scanItem struct {
	batch arrow.RecordBatch
	err   error
}

// NewScan returns an operator reading partitions, all with the given
// (projected) schema.
//
// Open starts min(parallelism, len(partitions)) worker goroutines
// (parallelism <= 0 means GOMAXPROCS). Each takes the next unread partition,
// opens it (catalog.Partition.Open, so I/O starts only now), and forwards its
// batches through a channel holding at most two batches per worker: a slow
// consumer stops the workers (backpressure) and the first batch is available
// as soon as any partition produced it. The order of batches across
// partitions is not defined.
//
// Errors: the first provider error is returned by Next unchanged (providers
// attach errs kinds); a panic in a provider is recovered on the worker and
// becomes an errs.ErrInternal naming the partition; a batch whose column
// types differ from schema is an errs.ErrInternal error (one that differs
// only in names or nullability is re-wrapped with schema). After an error,
// or on Close, or when Open's ctx is cancelled, the workers stop, in-flight
// batches are released, and Close waits for every goroutine to exit.
func NewScan(partitions []catalog.Partition, schema *arrow.Schema, parallelism int, mem memory.Allocator) Operator {
	return &scanOp{parts: partitions, schema: schema, parallelism: parallelism, mem: mem}
}

func (o *scanOp) Schema() *arrow.Schema { return o.schema }
func (o *scanOp) Children() []Operator  { return nil }

func (o *scanOp) Open(ctx context.Context) error {
	if o.closed || o.opened {
		return errs.Internalf("scan opened twice or after Close")
	}
	o.opened = true
	n := o.parallelism
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	n = min(n, len(o.parts))
	if n == 0 {
		o.eof = true
		return nil
	}
	o.parent = ctx
	wctx, cancel := context.WithCancel(ctx)
	o.cancel = cancel
	o.ch = make(chan scanItem, batchesPerWorker*n)
	o.wg.Add(n)
	o.live.Store(int64(n))
	for i := 0; i < n; i++ {
		go o.worker(wctx)
	}
	return nil
}

// worker reads partitions until none is left, the context ends, or a
// partition fails.
func (o *scanOp) worker(ctx context.Context) {
	defer o.wg.Done()
	defer func() {
		// The last worker out closes the channel: the consumer's end of
		// stream (and stop's drain loop) ends there.
		if o.live.Add(-1) == 0 {
			close(o.ch)
		}
	}()
	for ctx.Err() == nil {
		i := int(o.nextPart.Add(1) - 1)
		if i >= len(o.parts) {
			return
		}
		if !o.readPartition(ctx, i) {
			return
		}
	}
}

// readPartition streams partition i into the channel. It reports false when
// the worker should stop (error sent, or cancelled).
func (o *scanOp) readPartition(ctx context.Context, i int) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			slog.Error("recovered panic in scan partition", "partition", i, "panic", r, "stack", string(debug.Stack()))
			o.send(ctx, scanItem{err: errs.Internalf("reading partition %d of %d panicked: %v", i, len(o.parts), r)})
			ok = false
		}
	}()
	rdr, err := o.parts[i].Open(ctx, o.mem)
	if err != nil {
		if ctx.Err() == nil {
			o.send(ctx, scanItem{err: err})
		}
		return false
	}
	if rdr == nil {
		o.send(ctx, scanItem{err: errs.Internalf("partition %d of %d opened without a reader", i, len(o.parts))})
		return false
	}
	defer rdr.Release()
	where := fmt.Sprintf("partition %d of %d", i, len(o.parts))
	for rdr.Next() {
		b := rdr.RecordBatch()
		if b == nil || b.NumRows() == 0 {
			continue
		}
		out, err := conformBatch(o.schema, b, where)
		if err != nil {
			o.send(ctx, scanItem{err: err})
			return false
		}
		if !o.send(ctx, scanItem{batch: out}) {
			out.Release()
			return false
		}
	}
	if err := rdr.Err(); err != nil {
		if ctx.Err() == nil {
			o.send(ctx, scanItem{err: err})
		}
		return false
	}
	return true
}

// send delivers it unless ctx ends first (then it reports false and the
// caller still owns it).
func (o *scanOp) send(ctx context.Context, it scanItem) bool {
	select {
	case o.ch <- it:
		return true
	case <-ctx.Done():
		return false
	}
}

func (o *scanOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	releaseBatch(&o.cur)
	if o.err != nil {
		return nil, o.err
	}
	if o.eof {
		return nil, nil
	}
	if !o.opened || o.closed {
		return nil, errs.Internalf("scan: Next without Open or after Close")
	}
	select {
	case it, ok := <-o.ch:
		if !ok {
			if err := o.parent.Err(); err != nil {
				// Workers stopped because the query was cancelled: the
				// result is incomplete, which is an error, not an end.
				o.err = err
				return nil, err
			}
			o.eof = true
			return nil, nil
		}
		if it.err != nil {
			o.err = it.err
			o.stop()
			return nil, it.err
		}
		o.cur = it.batch
		return it.batch, nil
	case <-ctx.Done():
		o.err = ctx.Err()
		o.stop()
		return nil, o.err
	}
}

// stop cancels the workers, releases every batch still in flight and waits
// until all goroutines are gone. Idempotent.
func (o *scanOp) stop() {
	if o.cancel == nil {
		return
	}
	o.cancel()
	for it := range o.ch {
		if it.batch != nil {
			it.batch.Release()
		}
	}
	o.wg.Wait()
	o.cancel = nil
}

func (o *scanOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	releaseBatch(&o.cur)
	o.stop()
	return nil
}
