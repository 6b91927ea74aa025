package exec

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/quiverdb/quiver/errs"
)

// panickyReader panics in Next, like a buggy operator would.
type panickyReader struct {
	array.RecordReader
	released int
}

func (p *panickyReader) Next() bool            { panic("operator bug") }
func (p *panickyReader) Err() error            { return nil }
func (p *panickyReader) Release()              { p.released++ }
func (p *panickyReader) Retain()               {}
func (p *panickyReader) Schema() *arrow.Schema { return emptySchema }

func TestSafeReaderRecoversPanics(t *testing.T) {
	inner := &panickyReader{}
	r := newSafeReader(inner, emptySchema)
	if r.Next() {
		t.Fatal("Next after a panic returned true")
	}
	if !errors.Is(r.Err(), errs.ErrInternal) {
		t.Errorf("Err = %v, want ErrInternal", r.Err())
	}
	if r.Next() || r.RecordBatch() != nil {
		t.Error("reader continued after a panic")
	}
	r.Retain()
	r.Release()
	if inner.released != 0 {
		t.Error("released while still referenced")
	}
	r.Release()
	if inner.released != 1 {
		t.Errorf("inner released %d times, want 1", inner.released)
	}
}
