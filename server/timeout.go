package server

import (
	"context"
	"errors"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

// errQueryTimeout marks errors of queries stopped by the session's
// query_timeout (their message is kept: it says what to change).
var errQueryTimeout = errors.New("query_timeout exceeded")

// withQueryTimeout derives the context a query runs under from the
// session's query_timeout option (a normalized duration; "0s" or unset =
// no limit). It returns the limit it applied (0 = none). The caller calls
// cancel when the query is done.
func withQueryTimeout(ctx context.Context, opts catalog.Options) (context.Context, context.CancelFunc, time.Duration) {
	text, ok := opts.Get(optQueryTimeout)
	if !ok {
		ctx, cancel := context.WithCancel(ctx)
		return ctx, cancel, 0
	}
	d, err := time.ParseDuration(text)
	if err != nil || d <= 0 {
		ctx, cancel := context.WithCancel(ctx)
		return ctx, cancel, 0
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, cancel, d
}

// timeoutError turns err into a DeadlineExceeded error that names the
// option when ctx (from withQueryTimeout) ran out of time; other errors are
// returned as they are.
func timeoutError(ctx context.Context, limit time.Duration, err error) error {
	if limit <= 0 || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return err
	}
	if err == nil {
		err = ctx.Err()
	}
	// codeOf maps context.DeadlineExceeded to DEADLINE_EXCEEDED before
	// looking at kinds.
	return errs.Wrap(errs.ErrResourceExhausted, errors.Join(context.DeadlineExceeded, errQueryTimeout, err),
		"query ran longer than the session's query_timeout of %s and was cancelled; raise it (SET query_timeout = '5m') or make the query cheaper", limit)
}

// deadlineReader reports a query_timeout expiry as such: a reader whose
// operators stopped because its context ran out may end with a generic or
// no error.
type deadlineReader struct {
	array.RecordReader
	ctx   context.Context
	limit time.Duration
}

func (r *deadlineReader) Err() error {
	err := r.RecordReader.Err()
	if err == nil && r.ctx.Err() == nil {
		return nil
	}
	return timeoutError(r.ctx, r.limit, err)
}
