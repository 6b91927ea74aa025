package operator

import (
	"context"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// opReader adapts an Operator to array.RecordReader.
type opReader struct {
	refs   atomic.Int64
	ctx    context.Context
	op     Operator
	opened bool
	done   bool
	cur    arrow.RecordBatch
	err    error
}

// AsRecordReader adapts op (not yet opened) to arrow's RecordReader, e.g. for
// flight.StreamChunksFromReader. The reader owns op: it Opens it lazily on
// the first Next (with ctx, which governs the whole run) and Closes it when
// the last reference is Released or when the stream ends or fails. A record
// is valid until the next call to Next. Err reports the error that ended the
// stream, if any. Like any RecordReader it is used from one goroutine;
// Retain/Release are goroutine-safe.
func AsRecordReader(ctx context.Context, op Operator) array.RecordReader {
	r := &opReader{ctx: ctx, op: op}
	r.refs.Store(1)
	return r
}

func (r *opReader) Retain() { r.refs.Add(1) }

func (r *opReader) Release() {
	if r.refs.Add(-1) == 0 {
		r.finish()
	}
}

func (r *opReader) Schema() *arrow.Schema { return r.op.Schema() }

func (r *opReader) Next() bool {
	if r.done {
		return false
	}
	if !r.opened {
		r.opened = true
		if err := r.op.Open(r.ctx); err != nil {
			r.err = err
			r.finish()
			return false
		}
	}
	b, err := r.op.Next(r.ctx)
	if err != nil {
		r.err = err
		r.finish()
		return false
	}
	if b == nil {
		r.finish()
		return false
	}
	r.cur = b
	return true
}

// finish ends the stream and closes the operator (once).
func (r *opReader) finish() {
	if r.done {
		return
	}
	r.done = true
	r.cur = nil
	if err := r.op.Close(); err != nil && r.err == nil {
		r.err = err
	}
}

func (r *opReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is the deprecated name of RecordBatch.
func (r *opReader) Record() arrow.RecordBatch { return r.cur }

func (r *opReader) Err() error { return r.err }

// Drain opens op, collects every batch (Retained: the caller Releases each),
// and closes op. On error nothing is returned (collected batches are
// released). Meant for tests and for DML that needs its input whole.
func Drain(ctx context.Context, op Operator) (out []arrow.RecordBatch, err error) {
	defer func() {
		if cerr := op.Close(); cerr != nil && err == nil {
			err = cerr
		}
		if err != nil {
			releaseBatches(out)
			out = nil
		}
	}()
	if err := op.Open(ctx); err != nil {
		return nil, err
	}
	for {
		b, err := op.Next(ctx)
		if err != nil {
			return out, err
		}
		if b == nil {
			return out, nil
		}
		b.Retain()
		out = append(out, b)
	}
}
