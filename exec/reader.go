package exec

import (
	"runtime/debug"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/quiverdb/quiver/errs"
)

// safeReader is the reader Execute returns for queries. It turns a panic
// inside the operators (which run on the caller's goroutine, inside Next)
// into an errs.ErrInternal reported by Err, so no panic escapes to the
// server, and it reports the statement's prepared schema (the one
// Statement.Schema returned), which the operators produce.
type safeReader struct {
	refs   atomic.Int64
	rr     array.RecordReader
	schema *arrow.Schema
	err    error
	done   bool
}

func newSafeReader(rr array.RecordReader, schema *arrow.Schema) *safeReader {
	r := &safeReader{rr: rr, schema: schema}
	r.refs.Store(1)
	return r
}

func (r *safeReader) Retain() { r.refs.Add(1) }

func (r *safeReader) Release() {
	if r.refs.Add(-1) == 0 {
		r.releaseInner()
	}
}

func (r *safeReader) releaseInner() {
	defer func() {
		if p := recover(); p != nil && r.err == nil {
			r.err = errs.Internalf("closing query panicked: %v\n%s", p, debug.Stack())
		}
	}()
	r.rr.Release()
}

func (r *safeReader) Schema() *arrow.Schema { return r.schema }

func (r *safeReader) Next() (ok bool) {
	if r.done {
		return false
	}
	defer func() {
		if p := recover(); p != nil {
			r.err = errs.Internalf("query panicked: %v\n%s", p, debug.Stack())
			r.done = true
			ok = false
		}
	}()
	if !r.rr.Next() {
		r.done = true
		return false
	}
	return true
}

func (r *safeReader) RecordBatch() arrow.RecordBatch {
	if r.done {
		return nil
	}
	return r.rr.RecordBatch()
}

// Record is the deprecated name of RecordBatch.
func (r *safeReader) Record() arrow.RecordBatch { return r.RecordBatch() }

func (r *safeReader) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rr.Err()
}
