// Package internal holds helpers shared by Quiver's built-in providers
// (memory, csv, jsonl, parquet): projection, the engine-backed filter used
// for Exact pushdown, typed statistics accumulators, file path expansion,
// and a RecordReader adapter that honours ctx and recovers panics.
//
// Nothing here is part of the provider contract; third-party providers
// should depend on catalog only.
package internal

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/errs"
)

// NextFunc produces the next batch of a stream, or (nil, nil) at the end.
// The returned batch is owned by the caller (the Reader releases it when the
// consumer moves on). It is called on the consumer's goroutine.
type NextFunc func(ctx context.Context) (arrow.RecordBatch, error)

// Reader adapts a NextFunc to array.RecordReader. It
//   - checks ctx before every batch, so cancellation stops the stream with
//     an error wrapping ctx.Err();
//   - turns a panic in next into an errs.ErrInternal error naming where
//     (Name), so a malformed input can never kill the server;
//   - releases the current batch on Next and Release; Release runs Close
//     once, when the reference count reaches zero.
//
// It is used by one goroutine at a time (the RecordReader contract).
type Reader struct {
	refs   atomic.Int64
	ctx    context.Context
	schema *arrow.Schema
	next   NextFunc
	close  func()
	// Name describes the stream in errors (e.g. "csv file sales/1.csv").
	name string
	cur  arrow.RecordBatch
	err  error
	done bool
}

// NewReader returns a reader over next with the given schema. close, when
// not nil, runs once when the reader is released (close files there).
func NewReader(ctx context.Context, name string, schema *arrow.Schema, next NextFunc, close func()) *Reader {
	r := &Reader{ctx: ctx, schema: schema, next: next, close: close, name: name}
	r.refs.Store(1)
	return r
}

// Retain adds a reference.
func (r *Reader) Retain() { r.refs.Add(1) }

// Release drops a reference; the last one releases the current batch and
// runs close.
func (r *Reader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.done = true
	if r.close != nil {
		r.close()
		r.close = nil
	}
}

// Schema is the schema of every batch.
func (r *Reader) Schema() *arrow.Schema { return r.schema }

// RecordBatch is the current batch, valid until the next call to Next or
// Release.
func (r *Reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is RecordBatch (for the deprecated interface method).
func (r *Reader) Record() arrow.RecordBatch { return r.cur }

// Err is the error that ended the stream, nil at a normal end.
func (r *Reader) Err() error { return r.err }

// Next advances to the next non-empty batch. Zero-column batches (an empty
// projection) are returned as long as they carry rows.
func (r *Reader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	for !r.done {
		if err := r.ctx.Err(); err != nil {
			r.fail(errs.Wrap(errs.ErrUnavailable, err, "reading %s", r.name))
			return false
		}
		b, err := r.safeNext()
		if err != nil {
			r.fail(err)
			return false
		}
		if b == nil {
			r.done = true
			return false
		}
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		r.cur = b
		return true
	}
	return false
}

func (r *Reader) fail(err error) {
	r.err = err
	r.done = true
}

func (r *Reader) safeNext() (b arrow.RecordBatch, err error) {
	defer func() {
		if p := recover(); p != nil {
			if b != nil {
				b.Release()
			}
			b = nil
			err = errs.Internalf("reading %s: panic: %v\n%s", r.name, p, debug.Stack())
		}
	}()
	return r.next(r.ctx)
}

// Recover turns a panic into *err as an errs.ErrInternal error mentioning
// what. Use as `defer internal.Recover(&err, "opening %s", path)`.
func Recover(err *error, format string, args ...any) {
	if p := recover(); p != nil {
		*err = errs.Internalf("%s: panic: %v\n%s", fmt.Sprintf(format, args...), p, debug.Stack())
	}
}
