package operator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

// testPartition serves fixed batches through a reader that honours ctx.
type testPartition struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
	openErr error
	readErr error         // returned by Err after the batches
	panicAt int           // panic when reading batch panicAt-1 (0: never)
	gate    chan struct{} // when set, each batch waits for it (or ctx)
	opened  *atomic.Int64
	readers *atomic.Int64 // live readers
}

func (p *testPartition) Open(ctx context.Context, _ memory.Allocator) (array.RecordReader, error) {
	if p.opened != nil {
		p.opened.Add(1)
	}
	if p.openErr != nil {
		return nil, p.openErr
	}
	if p.readers != nil {
		p.readers.Add(1)
	}
	r := &testReader{p: p, ctx: ctx}
	r.refs.Store(1)
	return r, nil
}

type testReader struct {
	refs atomic.Int64
	p    *testPartition
	ctx  context.Context
	i    int
	err  error
}

func (r *testReader) Retain()                        { r.refs.Add(1) }
func (r *testReader) Schema() *arrow.Schema          { return r.p.schema }
func (r *testReader) RecordBatch() arrow.RecordBatch { return r.p.batches[r.i-1] }
func (r *testReader) Record() arrow.RecordBatch      { return r.RecordBatch() }
func (r *testReader) Err() error                     { return r.err }
func (r *testReader) Release() {
	if r.refs.Add(-1) == 0 && r.p.readers != nil {
		r.p.readers.Add(-1)
	}
}

func (r *testReader) Next() bool {
	if r.err != nil {
		return false
	}
	if r.p.gate != nil {
		select {
		case <-r.p.gate:
		case <-r.ctx.Done():
			r.err = r.ctx.Err()
			return false
		}
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return false
	}
	if r.p.panicAt > 0 && r.i == r.p.panicAt-1 {
		panic("provider bug")
	}
	if r.i >= len(r.p.batches) {
		r.err = r.p.readErr
		return false
	}
	r.i++
	return true
}

// partitions cuts rows into n partitions of batches of size rows.
func partitions(t *testing.T, mem memory.Allocator, rows []row, n, size int) ([]catalog.Partition, []*testPartition) {
	var out []catalog.Partition
	var tps []*testPartition
	per := (len(rows) + n - 1) / n
	for i := 0; i < n; i++ {
		lo, hi := min(i*per, len(rows)), min((i+1)*per, len(rows))
		bs := buildBatches(t, mem, testSchema, rows[lo:hi], size)
		t.Cleanup(func() { releaseBatches(bs) })
		p := &testPartition{schema: testSchema, batches: bs}
		out = append(out, p)
		tps = append(tps, p)
	}
	return out, tps
}

func TestScanReadsEverything(t *testing.T) {
	rows := testRows(1100)
	for _, size := range batchSizes {
		for _, par := range []int{0, 1, 3, 64} {
			t.Run(fmt.Sprintf("%d/%d", size, par), func(t *testing.T) {
				mem := newMem(t)
				parts, _ := partitions(t, mem, rows, 37, size)
				got := drain(t, NewScan(parts, testSchema, par, mem))
				assertRows(t, sortRows(got), sortRows(rows))
			})
		}
	}
}

func TestScanNoPartitions(t *testing.T) {
	mem := newMem(t)
	assertRows(t, drain(t, NewScan(nil, testSchema, 4, mem)), nil)
}

func TestScanEarlyCloseAndCancel(t *testing.T) {
	mem := newMem(t)
	rows := testRows(2000)
	var readers atomic.Int64
	parts, tps := partitions(t, mem, rows, 50, 3)
	for _, p := range tps {
		p.readers = &readers
	}
	// Close after the first batch: workers stop, in-flight batches are
	// released (the checked allocator and goleak verify).
	op := NewScan(parts, testSchema, 4, mem)
	if err := op.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, err := op.Next(context.Background()); err != nil || b == nil {
		t.Fatalf("first batch: %v %v", b, err)
	}
	if err := op.Close(); err != nil {
		t.Fatal(err)
	}
	if n := readers.Load(); n != 0 {
		t.Fatalf("%d partition readers not released after Close", n)
	}

	// Cancelling Open's ctx ends the scan with the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	op = NewScan(parts, testSchema, 4, mem)
	if err := op.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := op.Next(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	var err error
	for i := 0; i < 10000; i++ {
		var b arrow.RecordBatch
		if b, err = op.Next(ctx); err != nil || b == nil {
			break
		}
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	op.Close()
	if n := readers.Load(); n != 0 {
		t.Fatalf("%d partition readers not released after cancel", n)
	}
}

func TestScanStreamsFirstBatchEarly(t *testing.T) {
	mem := newMem(t)
	parts, tps := partitions(t, mem, testRows(100), 4, 10)
	gate := make(chan struct{}) // never opened: partitions 1..3 block
	for _, p := range tps[1:] {
		p.gate = gate
	}
	op := NewScan(parts, testSchema, 4, mem)
	defer op.Close()
	if err := op.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		b, err := op.Next(context.Background())
		if err == nil && b == nil {
			err = errors.New("no batch")
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("first batch waited for blocked partitions")
	}
}

func TestScanLazyOpenAndBackpressure(t *testing.T) {
	mem := newMem(t)
	var opened atomic.Int64
	parts, tps := partitions(t, mem, testRows(1000), 100, 1)
	for _, p := range tps {
		p.opened = &opened
	}
	op := NewScan(parts, testSchema, 2, mem)
	defer op.Close()
	if err := op.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := op.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let workers run into backpressure
	// 2 workers, each ≤ 2 batches in the channel + 1 being sent: a handful
	// of the 100 partitions, not all of them.
	if n := opened.Load(); n > 10 {
		t.Fatalf("%d partitions opened with a stalled consumer; backpressure failed", n)
	}
}

func TestScanErrors(t *testing.T) {
	mem := newMem(t)
	rows := testRows(300)

	parts, tps := partitions(t, mem, rows, 10, 7)
	tps[6].panicAt = 2
	_, err := Drain(context.Background(), NewScan(parts, testSchema, 3, mem))
	if !errors.Is(err, errs.ErrInternal) || !strings.Contains(err.Error(), "partition 6") {
		t.Fatalf("panic: want ErrInternal naming partition 6, got %v", err)
	}

	parts, tps = partitions(t, mem, rows, 10, 7)
	boom := errs.New(errs.ErrUnavailable, "source down")
	tps[3].openErr = boom
	_, err = Drain(context.Background(), NewScan(parts, testSchema, 3, mem))
	if !errors.Is(err, boom) {
		t.Fatalf("open error: got %v", err)
	}

	parts, tps = partitions(t, mem, rows, 10, 7)
	tps[9].readErr = boom
	_, err = Drain(context.Background(), NewScan(parts, testSchema, 3, mem))
	if !errors.Is(err, boom) {
		t.Fatalf("read error: got %v", err)
	}
}

func TestScanSchemaConformance(t *testing.T) {
	mem := newMem(t)
	rows := testRows(50)
	parts, _ := partitions(t, mem, rows, 3, 10)
	// Same types, other names: re-wrapped with the declared schema.
	renamed := make([]arrow.Field, testSchema.NumFields())
	for i, f := range testSchema.Fields() {
		f.Name = strings.ToUpper(f.Name)
		renamed[i] = f
	}
	declared := arrow.NewSchema(renamed, nil)
	bs, err := Drain(context.Background(), NewScan(parts, declared, 2, mem))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if !b.Schema().Equal(declared) {
			t.Errorf("batch schema %s", b.Schema())
		}
	}
	assertRows(t, sortRows(rowsOf(bs)), sortRows(rows))
	releaseBatches(bs)
	// Different types: ErrInternal.
	other := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}}, nil)
	if _, err := Drain(context.Background(), NewScan(parts, other, 2, mem)); !errors.Is(err, errs.ErrInternal) {
		t.Fatalf("want ErrInternal, got %v", err)
	}
}

func TestScanUnderLimitStopsEarly(t *testing.T) {
	mem := newMem(t)
	var opened atomic.Int64
	parts, tps := partitions(t, mem, testRows(2000), 200, 5)
	for _, p := range tps {
		p.opened = &opened
	}
	got := drain(t, NewLimit(NewScan(parts, testSchema, 2, mem), 0, 7))
	if len(got) != 7 {
		t.Fatalf("got %d rows", len(got))
	}
	if n := opened.Load(); n > 20 {
		t.Fatalf("LIMIT 7 opened %d of 200 partitions", n)
	}
}
