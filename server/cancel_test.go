package server

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
)

// slowTable is an endless provider table: one partition producing one-row
// batches every millisecond until its context is cancelled. reads counts
// produced batches; open counts readers not yet released.
type slowTable struct {
	reads, open atomic.Int64
}

var slowSchema = arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)

func (t *slowTable) Schema() *arrow.Schema { return slowSchema }
func (t *slowTable) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	sc := slowSchema
	if req.Projection != nil {
		fields := make([]arrow.Field, len(req.Projection))
		for i, c := range req.Projection {
			fields[i] = slowSchema.Field(c)
		}
		sc = arrow.NewSchema(fields, nil)
	}
	return slowScan{t: t, schema: sc}, nil
}

type slowScan struct {
	t      *slowTable
	schema *arrow.Schema
}

func (s slowScan) Schema() *arrow.Schema           { return s.schema }
func (s slowScan) Partitions() []catalog.Partition { return []catalog.Partition{s} }
func (s slowScan) Open(ctx context.Context, mem memory.Allocator) (array.RecordReader, error) {
	s.t.open.Add(1)
	return &slowReader{t: s.t, ctx: ctx, mem: mem, schema: s.schema, refs: 1}, nil
}

type slowReader struct {
	t      *slowTable
	ctx    context.Context
	mem    memory.Allocator
	schema *arrow.Schema
	cur    arrow.RecordBatch
	err    error
	refs   int64
}

func (r *slowReader) Schema() *arrow.Schema { return r.schema }
func (r *slowReader) Retain()               { atomic.AddInt64(&r.refs, 1) }
func (r *slowReader) Release() {
	if atomic.AddInt64(&r.refs, -1) == 0 {
		if r.cur != nil {
			r.cur.Release()
		}
		r.t.open.Add(-1)
	}
}
func (r *slowReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	select {
	case <-r.ctx.Done():
		r.err = r.ctx.Err()
		return false
	case <-time.After(time.Millisecond):
	}
	cols := make([]arrow.Array, r.schema.NumFields())
	for i := range cols {
		b := array.NewInt64Builder(r.mem)
		b.Append(r.t.reads.Add(1))
		cols[i] = b.NewArray()
		b.Release()
	}
	r.cur = array.NewRecordBatch(r.schema, cols, 1)
	for _, c := range cols {
		c.Release()
	}
	return true
}
func (r *slowReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *slowReader) Record() arrow.RecordBatch      { return r.cur }
func (r *slowReader) Err() error                     { return r.err }

func slowEngine(t *testing.T) (*harness, *slowTable) {
	tbl := &slowTable{}
	c := catalog.NewCatalog("demo")
	must(t, c.AddSchema("public", catalog.NewStatic(map[string]catalog.Table{"endless": tbl})))
	root := catalog.NewRoot()
	must(t, root.Add(c))
	return start(t, func(cfg *Config) { cfg.Engine = exec.New(exec.Config{Root: root}) }), tbl
}

// CancelFlightInfo and CancelQuery, sent on another connection than the
// DoGet, stop the provider's reads promptly.
func TestCancelStopsProviderReads(t *testing.T) {
	for _, how := range []string{"CancelFlightInfo", "CancelQuery"} {
		t.Run(how, func(t *testing.T) {
			h, tbl := slowEngine(t)
			info, err := h.cl.Execute(ctxT(t), "SELECT n FROM endless")
			must(t, err)
			// The DoGet runs on its own client (connection).
			other, err := flightsql.NewClient(h.srv.Addr().String(), nil, nil, insecureDial())
			must(t, err)
			defer other.Close()
			rdr, err := other.DoGet(ctxT(t), info.Endpoint[0].Ticket)
			must(t, err)
			defer rdr.Release()
			for i := 0; i < 5; i++ {
				if !rdr.Next() {
					t.Fatalf("stream ended early: %v", rdr.Err())
				}
			}
			switch how {
			case "CancelFlightInfo":
				res, err := h.cl.CancelFlightInfo(ctxT(t), &flight.CancelFlightInfoRequest{Info: info})
				must(t, err)
				if res.Status != flight.CancelStatusCancelled {
					t.Fatalf("status %s", res.Status)
				}
			default:
				res, err := h.cl.CancelQuery(ctxT(t), info) //nolint:staticcheck // the deprecated action is what we test
				must(t, err)
				if res != flightsql.CancelResultCancelled {
					t.Fatalf("result %s", res)
				}
			}
			for rdr.Next() {
			}
			wantCode(t, rdr.Err(), codes.Canceled)
			// Reads stop: the provider's reader is released and the
			// count stays put.
			deadline := time.Now().Add(2 * time.Second)
			for tbl.open.Load() != 0 {
				if time.Now().After(deadline) {
					t.Fatalf("provider reader still open after cancel (%d reads)", tbl.reads.Load())
				}
				time.Sleep(5 * time.Millisecond)
			}
			n := tbl.reads.Load()
			time.Sleep(50 * time.Millisecond)
			if got := tbl.reads.Load(); got != n {
				t.Fatalf("provider still reading after cancel: %d → %d", n, got)
			}
			// Nothing runs any more: a second cancel is NOT_CANCELLABLE.
			res, err := h.cl.CancelFlightInfo(ctxT(t), &flight.CancelFlightInfoRequest{Info: info})
			must(t, err)
			if res.Status != flight.CancelStatusNotCancellable {
				t.Fatalf("second cancel %s", res.Status)
			}
		})
	}
}
