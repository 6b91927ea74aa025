package flightsql_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	fsql "github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql/schema_ref"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/sources/flightsql"
	qmem "github.com/quiverdb/quiver/sources/memory"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

// sqlSplitRemote is a real Flight SQL server that runs each query with
// Quiver's engine over demo.public.items and hands the result out as
// `parts` endpoints (contiguous row ranges; some may be empty), the way a
// distributed engine answers: so the provider's concurrent endpoint reads
// meet real SQL (projection, filters, LIMIT) in the conformance kit.
type sqlSplitRemote struct {
	fsql.BaseServer
	mem   memory.Allocator
	eng   *exec.Engine
	parts int

	mu      sync.Mutex
	seq     int
	results map[string][]arrow.RecordBatch // handle:k → endpoint k's batches
	schemas map[string]*arrow.Schema
}

func (f *sqlSplitRemote) GetFlightInfoTables(_ context.Context, _ fsql.GetTables, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return &flight.FlightInfo{FlightDescriptor: desc, TotalRecords: -1, TotalBytes: -1,
		Endpoint: []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: desc.Cmd}}}}, nil
}

func (f *sqlSplitRemote) DoGetTables(context.Context, fsql.GetTables) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(f.mem, schema_ref.TablesWithIncludedSchema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).Append("demo")
	b.Field(1).(*array.StringBuilder).Append("public")
	b.Field(2).(*array.StringBuilder).Append("items")
	b.Field(3).(*array.StringBuilder).Append("TABLE")
	b.Field(4).(*array.BinaryBuilder).Append(flight.SerializeSchema(itemsSchema, f.mem))
	ch := make(chan flight.StreamChunk, 1)
	ch <- flight.StreamChunk{Data: b.NewRecordBatch()}
	close(ch)
	return schema_ref.TablesWithIncludedSchema, ch, nil
}

// GetFlightInfoStatement runs the query to the end and splits its rows.
func (f *sqlSplitRemote) GetFlightInfoStatement(ctx context.Context, q fsql.StatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	st, err := f.eng.Prepare(ctx, catalog.Options{Catalog: "demo", Schema: "public"}, q.GetQuery())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	rr, err := st.Execute(ctx, f.mem, nil)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	defer rr.Release()
	var all []arrow.RecordBatch
	var total int64
	for rr.Next() {
		b := rr.RecordBatch()
		b.Retain()
		all = append(all, b)
		total += b.NumRows()
	}
	if err := rr.Err(); err != nil {
		for _, b := range all {
			b.Release()
		}
		return nil, status.Error(codes.Internal, err.Error())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	handle := strconv.Itoa(f.seq)
	f.schemas[handle] = rr.Schema()
	var eps []*flight.FlightEndpoint
	var pos int64 // rows handed out so far
	bi, off := 0, int64(0)
	for k := range f.parts {
		end := total * int64(k+1) / int64(f.parts)
		var slices []arrow.RecordBatch
		for pos < end {
			b := all[bi]
			n := min(b.NumRows()-off, end-pos)
			slices = append(slices, b.NewSlice(off, off+n))
			pos, off = pos+n, off+n
			if off == b.NumRows() {
				bi, off = bi+1, 0
			}
		}
		key := handle + ":" + strconv.Itoa(k)
		f.results[key] = slices
		tkt, err := fsql.CreateStatementQueryTicket([]byte(key))
		if err != nil {
			return nil, err
		}
		eps = append(eps, &flight.FlightEndpoint{Ticket: &flight.Ticket{Ticket: tkt}})
	}
	for _, b := range all {
		b.Release()
	}
	return &flight.FlightInfo{FlightDescriptor: desc, Endpoint: eps, TotalRecords: total, TotalBytes: -1}, nil
}

// DoGetStatement streams one endpoint's rows (once: the batches move to
// the stream).
func (f *sqlSplitRemote) DoGetStatement(ctx context.Context, tkt fsql.StatementQueryTicket) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	key := string(tkt.GetStatementHandle())
	handle, _, _ := strings.Cut(key, ":")
	f.mu.Lock()
	batches, ok := f.results[key]
	delete(f.results, key)
	schema := f.schemas[handle]
	f.mu.Unlock()
	if !ok {
		return nil, nil, status.Errorf(codes.NotFound, "unknown or consumed ticket %q", key)
	}
	ch := make(chan flight.StreamChunk, len(batches))
	for _, b := range batches {
		ch <- flight.StreamChunk{Data: b}
	}
	close(ch)
	return schema, ch, nil
}

func (f *sqlSplitRemote) releaseAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, bs := range f.results {
		for _, b := range bs {
			b.Release()
		}
		delete(f.results, k)
	}
}

func startSQLSplit(t *testing.T, parts int) string {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	rec, _, err := array.RecordFromJSON(mem, itemsSchema, strings.NewReader(itemsJSON))
	must(t, err)
	tbl, err := qmem.NewNamedTable("items", itemsSchema, rec)
	rec.Release()
	must(t, err)
	c := catalog.NewCatalog("demo")
	must(t, c.AddSchema("public", catalog.NewStatic(map[string]catalog.Table{"items": tbl})))
	root := catalog.NewRoot()
	must(t, root.Add(c))
	f := &sqlSplitRemote{mem: mem, eng: exec.New(exec.Config{Root: root}), parts: parts,
		results: map[string][]arrow.RecordBatch{}, schemas: map[string]*arrow.Schema{}}
	srv := flight.NewServerWithMiddleware(nil)
	srv.RegisterFlightService(fsql.NewFlightServer(f))
	must(t, srv.Init("127.0.0.1:0"))
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve() }()
	t.Cleanup(func() {
		srv.Shutdown()
		<-done
		f.releaseAll()
		tbl.Release()
		mem.AssertSize(t, 0)
	})
	return "grpc://" + srv.Addr().String()
}

// The conformance kit against a remote that splits every answer into 4
// endpoints (read concurrently): filters, projection, limits, partitions,
// cancellation and encoding hold as with one endpoint.
func TestConformanceSplitEndpoints(t *testing.T) {
	uri := startSQLSplit(t, 4)
	var last *flightsql.Table
	sourcetest.Run(t, sourcetest.Harness{
		New: func(t testing.TB) catalog.Table {
			last = openTable(t, flightsql.Config{Name: "sources.split", URI: uri, Catalog: "demo", Schema: "public"}, "items")
			return last
		},
		Filters: harnessFilters(itemsSchema),
		IOCount: func() int64 { return last.Calls() },
	})
}
