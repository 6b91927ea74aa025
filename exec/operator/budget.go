package operator

import (
	"sync/atomic"

	"github.com/quiverdb/quiver/errs"
)

// Budget bounds the bytes one query's blocking operators (Sort, HashAggregate)
// may hold at once. Operators Reserve before they keep data and Release what
// they reserved when they let it go (at the latest in Close).
//
// A Budget is shared by all operators of a query and is safe for concurrent
// use. A nil *Budget, or one made with a limit <= 0, is unlimited (it still
// counts what is in use).
type Budget struct {
	limit int64
	used  atomic.Int64
}

// NewBudget returns a budget of limit bytes; limit <= 0 means unlimited.
func NewBudget(limit int64) *Budget { return &Budget{limit: limit} }

// Limit is the configured limit in bytes (<= 0: unlimited).
func (b *Budget) Limit() int64 {
	if b == nil {
		return 0
	}
	return b.limit
}

// Used is the number of bytes currently reserved.
func (b *Budget) Used() int64 {
	if b == nil {
		return 0
	}
	return b.used.Load()
}

// Reserve claims n more bytes. When that would exceed the limit nothing is
// claimed and the error is errs.ErrResourceExhausted. n <= 0 is a no-op.
func (b *Budget) Reserve(n int64) error { return b.reserve("query", n) }

// Release returns n bytes claimed by Reserve. n <= 0 is a no-op.
func (b *Budget) Release(n int64) {
	if b == nil || n <= 0 {
		return
	}
	b.used.Add(-n)
}

// reserve is Reserve with the name of the operator asking, for the error
// message.
func (b *Budget) reserve(op string, n int64) error {
	if b == nil || n <= 0 {
		return nil
	}
	if b.limit <= 0 {
		b.used.Add(n)
		return nil
	}
	for {
		cur := b.used.Load()
		if cur+n > b.limit {
			return errs.Exhaustedf("%s needs %d more bytes but the query memory limit is %d bytes (%d in use); raise the memory limit or make the query hold less (filter earlier, fewer groups, LIMIT)",
				op, n, b.limit, cur)
		}
		if b.used.CompareAndSwap(cur, cur+n) {
			return nil
		}
	}
}

// reservation tracks what one operator holds of a Budget so Close can give
// all of it back. Not safe for concurrent use (an operator is used by one
// goroutine at a time).
type reservation struct {
	budget *Budget
	op     string
	held   int64
}

// grow reserves n more bytes (n may be negative to shrink).
func (r *reservation) grow(n int64) error {
	if n < 0 {
		r.shrink(-n)
		return nil
	}
	if err := r.budget.reserve(r.op, n); err != nil {
		return err
	}
	r.held += n
	return nil
}

// shrink releases n bytes (at most what is held).
func (r *reservation) shrink(n int64) {
	if n > r.held {
		n = r.held
	}
	r.budget.Release(n)
	r.held -= n
}

// releaseAll gives everything back.
func (r *reservation) releaseAll() { r.shrink(r.held) }
