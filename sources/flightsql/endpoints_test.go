package flightsql_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	fsql "github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql/schema_ref"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/flightsql"
)

// splitRemote is a real Flight SQL server (arrow-go's flightsql server over
// gRPC on 127.0.0.1:0) that answers every query on its tables with
// `endpoints` endpoints of `batches` batches of `rows` rows (id, ep), the
// way a distributed engine splits a result. Tables:
//
//	big:    every endpoint succeeds; endpoint 1 names the reuse-connection
//	        location, endpoint 2 lives on a second server (other's URI)
//	broken: the last endpoint fails with NOT_FOUND after its first batch
//	slow:   endpoints send one batch, then wait until the client goes away
//
// It counts how many DoGet streams are open at once (and the maximum), and
// how many DoGets each server served.
type splitRemote struct {
	fsql.BaseServer
	mem       memory.Allocator
	endpoints int
	other     string // URI of the second server, for endpoint 2 of "big"

	mu        sync.Mutex
	queries   []string
	active    int
	maxActive int
	doGets    atomic.Int64
	producers sync.WaitGroup
}

const (
	splitBatches = 3
	splitRows    = 100
)

var splitSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "ep", Type: arrow.PrimitiveTypes.Int32},
}, nil)

func (f *splitRemote) GetFlightInfoTables(_ context.Context, _ fsql.GetTables, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return &flight.FlightInfo{FlightDescriptor: desc, TotalRecords: -1, TotalBytes: -1,
		Endpoint: []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: desc.Cmd}}}}, nil
}

func (f *splitRemote) DoGetTables(context.Context, fsql.GetTables) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(f.mem, schema_ref.TablesWithIncludedSchema)
	defer b.Release()
	for _, name := range []string{"big", "broken", "slow"} {
		b.Field(0).(*array.StringBuilder).Append("cat")
		b.Field(1).(*array.StringBuilder).Append("sch")
		b.Field(2).(*array.StringBuilder).Append(name)
		b.Field(3).(*array.StringBuilder).Append("TABLE")
		b.Field(4).(*array.BinaryBuilder).Append(flight.SerializeSchema(splitSchema, f.mem))
	}
	ch := make(chan flight.StreamChunk, 1)
	ch <- flight.StreamChunk{Data: b.NewRecordBatch()}
	close(ch)
	return schema_ref.TablesWithIncludedSchema, ch, nil
}

func (f *splitRemote) GetFlightInfoStatement(_ context.Context, q fsql.StatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q.GetQuery())
	f.mu.Unlock()
	table := ""
	for _, name := range []string{"big", "broken", "slow"} {
		if strings.Contains(q.GetQuery(), `"`+name+`"`) {
			table = name
		}
	}
	var eps []*flight.FlightEndpoint
	for k := range f.endpoints {
		tkt, err := fsql.CreateStatementQueryTicket([]byte(table + ":" + strconv.Itoa(k)))
		if err != nil {
			return nil, err
		}
		ep := &flight.FlightEndpoint{Ticket: &flight.Ticket{Ticket: tkt}}
		if table == "big" && k == 1 {
			ep.Location = []*flight.Location{{Uri: "arrow-flight-reuse-connection://?"}}
		}
		if table == "big" && k == 2 && f.other != "" {
			ep.Location = []*flight.Location{{Uri: f.other}}
		}
		eps = append(eps, ep)
	}
	return &flight.FlightInfo{FlightDescriptor: desc, Endpoint: eps, TotalRecords: -1, TotalBytes: -1}, nil
}

func (f *splitRemote) DoGetStatement(ctx context.Context, tkt fsql.StatementQueryTicket) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	f.doGets.Add(1)
	table, kStr, _ := strings.Cut(string(tkt.GetStatementHandle()), ":")
	k, err := strconv.Atoi(kStr)
	if err != nil {
		return nil, nil, status.Errorf(codes.InvalidArgument, "bad ticket %q", tkt.GetStatementHandle())
	}
	f.mu.Lock()
	f.active++
	f.maxActive = max(f.maxActive, f.active)
	f.mu.Unlock()
	ch := make(chan flight.StreamChunk)
	f.producers.Add(1)
	go func() {
		defer f.producers.Done()
		defer close(ch)
		defer func() {
			f.mu.Lock()
			f.active--
			f.mu.Unlock()
		}()
		for bi := range splitBatches {
			select {
			case <-time.After(15 * time.Millisecond):
			case <-ctx.Done():
				return
			}
			if table == "broken" && k == f.endpoints-1 && bi == 1 {
				select {
				case ch <- flight.StreamChunk{Err: status.Error(codes.NotFound, "shard 7 is gone")}:
				case <-ctx.Done():
				}
				return
			}
			rec := f.batch(table, k, bi)
			select {
			case ch <- flight.StreamChunk{Data: rec}:
			case <-ctx.Done():
				rec.Release()
				return
			}
			if table == "slow" {
				<-ctx.Done()
				return
			}
		}
	}()
	return splitSchema, ch, nil
}

// batch is endpoint k's batch bi: ids k*300 + bi*100 + [0, 100). Tables
// whose streams the client cancels mid-way ("broken", "slow") allocate from
// an unchecked allocator: arrow-go's Flight SQL server (v18.8.0,
// flightSqlServer.DoGet) does not release the chunk it holds when writing
// it to a cancelled stream fails, a server-side leak outside this package.
func (f *splitRemote) batch(table string, k, bi int) arrow.RecordBatch {
	mem := f.mem
	if table != "big" {
		mem = memory.NewGoAllocator()
	}
	b := array.NewRecordBuilder(mem, splitSchema)
	defer b.Release()
	base := int64(k*splitBatches*splitRows + bi*splitRows)
	for i := range int64(splitRows) {
		b.Field(0).(*array.Int64Builder).Append(base + i)
		b.Field(1).(*array.Int32Builder).Append(int32(k))
	}
	return b.NewRecordBatch()
}

func (f *splitRemote) stats() (maxActive int, queries []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxActive, slices.Clone(f.queries)
}

func (f *splitRemote) resetMax() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.maxActive = 0
}

// startSplit starts a splitRemote (and its second server) and returns it
// with its URI. Cleanup shuts both down and checks their allocator.
func startSplit(t *testing.T, endpoints int) (*splitRemote, *splitRemote, string) {
	t.Helper()
	other := &splitRemote{mem: memory.NewCheckedAllocator(memory.NewGoAllocator()), endpoints: endpoints}
	otherURI := serveSplit(t, other)
	f := &splitRemote{mem: memory.NewCheckedAllocator(memory.NewGoAllocator()), endpoints: endpoints, other: otherURI}
	return f, other, serveSplit(t, f)
}

func serveSplit(t *testing.T, f *splitRemote) string {
	srv := flight.NewServerWithMiddleware(nil)
	srv.RegisterFlightService(fsql.NewFlightServer(f))
	must(t, srv.Init("127.0.0.1:0"))
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve() }()
	t.Cleanup(func() {
		srv.Shutdown()
		<-done
		f.producers.Wait()
		f.mem.(*memory.CheckedAllocator).AssertSize(t, 0)
	})
	return "grpc://" + srv.Addr().String()
}

func splitConfig(uri string) flightsql.Config {
	return flightsql.Config{Name: "sources.split", URI: uri, Catalog: "cat", Schema: "sch", Dialect: "postgres"}
}

// readIDs reads a scan's partitions, checking every batch's schema, and
// returns the ids in arrival order and the per-endpoint row counts.
func readIDs(t *testing.T, tbl catalog.Table, req catalog.ScanRequest, mem memory.Allocator) ([]int64, map[int32]int) {
	t.Helper()
	sc, err := tbl.Scan(context.Background(), req)
	must(t, err)
	var ids []int64
	perEp := map[int32]int{}
	for _, p := range sc.Partitions() {
		rr, err := p.Open(ctxT(t), mem)
		must(t, err)
		for rr.Next() {
			b := rr.RecordBatch()
			if !b.Schema().Equal(sc.Schema()) {
				t.Fatalf("batch schema %s, want %s", b.Schema(), sc.Schema())
			}
			ids = append(ids, b.Column(0).(*array.Int64).Int64Values()...)
			for _, e := range b.Column(1).(*array.Int32).Int32Values() {
				perEp[e]++
			}
		}
		err = rr.Err()
		rr.Release()
		must(t, err)
	}
	return ids, perEp
}

func TestEndpointsReadConcurrently(t *testing.T) {
	const endpoints = 8
	f, other, uri := startSplit(t, endpoints)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl := openTable(t, splitConfig(uri), "big")
	calls := tbl.Calls()
	sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	must(t, err)
	if tbl.Calls() != calls || len(sc.Partitions()) != 1 {
		t.Fatalf("Scan: %d RPCs, %d partitions", tbl.Calls()-calls, len(sc.Partitions()))
	}
	start := time.Now()
	ids, perEp := readIDs(t, tbl, catalog.ScanRequest{Limit: -1}, mem)
	elapsed := time.Since(start)
	if len(ids) != endpoints*splitBatches*splitRows {
		t.Fatalf("read %d rows, want %d", len(ids), endpoints*splitBatches*splitRows)
	}
	sorted := slices.Sorted(slices.Values(ids))
	for i, id := range sorted {
		if id != int64(i) {
			t.Fatalf("ids not exactly 0..%d once each: position %d holds %d", len(ids)-1, i, id)
		}
	}
	for e := range int32(endpoints) {
		if perEp[e] != splitBatches*splitRows {
			t.Fatalf("endpoint %d: %d rows", e, perEp[e])
		}
	}
	maxActive, _ := f.stats()
	if maxActive < 2 {
		t.Fatalf("at most %d DoGet streams were open at once; endpoints were not read concurrently", maxActive)
	}
	// Endpoint 2 lives on the other server (its location); the others,
	// including the reuse-connection one, on the source's own connection.
	if got := other.doGets.Load(); got != 1 {
		t.Fatalf("the other location served %d DoGets, want 1", got)
	}
	if got := f.doGets.Load(); got != endpoints-1 {
		t.Fatalf("the source served %d DoGets, want %d", got, endpoints-1)
	}
	t.Logf("%d endpoints, max %d open at once, %v", endpoints, maxActive, elapsed)
}

// MaxStreams 1 and a pushed LIMIT read the endpoints one after another, in
// the remote's order.
func TestEndpointsInOrder(t *testing.T) {
	f, _, uri := startSplit(t, 4)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cfg := splitConfig(uri)
	cfg.MaxStreams = 1
	ids, _ := readIDs(t, openTable(t, cfg, "big"), catalog.ScanRequest{Limit: -1}, mem)
	if !slices.IsSorted(ids) || len(ids) != 4*splitBatches*splitRows {
		t.Fatalf("MaxStreams=1: %d rows, sorted=%v", len(ids), slices.IsSorted(ids))
	}
	if m, _ := f.stats(); m != 1 {
		t.Fatalf("MaxStreams=1 opened %d streams at once", m)
	}
	f.resetMax()
	// This remote ignores the LIMIT; the point is the read order.
	ids, _ = readIDs(t, openTable(t, splitConfig(uri), "big"), catalog.ScanRequest{Limit: 10}, mem)
	if !slices.IsSorted(ids) {
		t.Fatal("a LIMIT query's endpoints were not read in order")
	}
	m, queries := f.stats()
	if m != 1 || !strings.HasSuffix(queries[len(queries)-1], "LIMIT 10") {
		t.Fatalf("LIMIT: %d streams at once, query %q", m, queries[len(queries)-1])
	}
}

// One failing endpoint fails the read with the remote's kind, naming the
// source, the table and the endpoint; the other readers stop (goleak and
// the servers' allocators check that nothing is left behind).
func TestEndpointErrorStopsAllReaders(t *testing.T) {
	_, _, uri := startSplit(t, 6)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl := openTable(t, splitConfig(uri), "broken")
	sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	must(t, err)
	rr, err := sc.Partitions()[0].Open(ctxT(t), mem)
	must(t, err)
	rows := 0
	for rr.Next() {
		rows += int(rr.RecordBatch().NumRows())
	}
	err = rr.Err()
	rr.Release()
	if !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	for _, want := range []string{"sources.split", "broken", "endpoint 6 of 6", "shard 7 is gone"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not mention %q", err, want)
		}
	}
	if rows >= 6*splitBatches*splitRows {
		t.Fatalf("read %d rows despite the error", rows)
	}
}

// Cancelling the query stops every open DoGet promptly, and releasing the
// reader early (before the end) does too.
func TestEndpointCancellation(t *testing.T) {
	f, _, uri := startSplit(t, 5)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl := openTable(t, splitConfig(uri), "slow")
	for _, how := range []string{"cancel", "release"} {
		sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
		must(t, err)
		ctx, cancel := context.WithCancel(ctxT(t))
		rr, err := sc.Partitions()[0].Open(ctx, mem)
		must(t, err)
		if !rr.Next() {
			t.Fatalf("%s: no first batch: %v", how, rr.Err())
		}
		start := time.Now()
		if how == "cancel" {
			cancel()
			for rr.Next() {
			}
			if err := rr.Err(); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "slow") {
				t.Fatalf("after cancel: %v", err)
			}
		}
		rr.Release()
		cancel()
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%s took %v to stop", how, d)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			f.mu.Lock()
			active := f.active
			f.mu.Unlock()
			if active == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d remote streams still open", how, active)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func TestMaxStreamsOption(t *testing.T) {
	for _, bad := range []any{0, -2, "many"} {
		_, err := flightsql.Factory().Schema(context.Background(), catalog.ProviderOptions{Path: "catalogs.r.schemas.s",
			Values: map[string]any{"uri": "grpc://127.0.0.1:1", "max_streams": bad}})
		if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "max_streams") {
			t.Fatalf("max_streams=%v: %v", bad, err)
		}
	}
}
