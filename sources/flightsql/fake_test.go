package flightsql_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	fsql "github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql/schema_ref"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/metadata"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/sources/flightsql"
)

// fakeRemote is a minimal Flight SQL server that answers every query with
// two endpoints (rows 1, 2 and row 3) and records the SQL and headers it
// received. It stands for servers that split results, which Quiver does not.
type fakeRemote struct {
	fsql.BaseServer
	mem     memory.Allocator
	mu      sync.Mutex
	queries []string
	auth    []string
}

var xSchema = arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)

func (f *fakeRemote) note(ctx context.Context, q string) {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	if q != "" {
		f.queries = append(f.queries, q)
	}
	f.auth = append(f.auth, md.Get("authorization")...)
}

func (f *fakeRemote) GetFlightInfoTables(ctx context.Context, _ fsql.GetTables, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	f.note(ctx, "")
	return &flight.FlightInfo{FlightDescriptor: desc, TotalRecords: -1, TotalBytes: -1,
		Endpoint: []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: desc.Cmd}}}}, nil
}

func (f *fakeRemote) DoGetTables(context.Context, fsql.GetTables) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(f.mem, schema_ref.TablesWithIncludedSchema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).Append("cat")
	b.Field(1).(*array.StringBuilder).Append("sch")
	b.Field(2).(*array.StringBuilder).Append("t")
	b.Field(3).(*array.StringBuilder).Append("TABLE")
	b.Field(4).(*array.BinaryBuilder).Append(flight.SerializeSchema(xSchema, f.mem))
	// A same-named table in another schema (the filter is a LIKE pattern).
	b.Field(0).(*array.StringBuilder).Append("cat")
	b.Field(1).(*array.StringBuilder).Append("sch_other")
	b.Field(2).(*array.StringBuilder).Append("u")
	b.Field(3).(*array.StringBuilder).Append("TABLE")
	b.Field(4).(*array.BinaryBuilder).Append(flight.SerializeSchema(xSchema, f.mem))
	ch := make(chan flight.StreamChunk, 1)
	ch <- flight.StreamChunk{Data: b.NewRecordBatch()}
	close(ch)
	return schema_ref.TablesWithIncludedSchema, ch, nil
}

func (f *fakeRemote) GetFlightInfoStatement(ctx context.Context, q fsql.StatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	f.note(ctx, q.GetQuery())
	var eps []*flight.FlightEndpoint
	for _, h := range []string{"1", "2"} {
		tkt, err := fsql.CreateStatementQueryTicket([]byte(h))
		if err != nil {
			return nil, err
		}
		eps = append(eps, &flight.FlightEndpoint{Ticket: &flight.Ticket{Ticket: tkt}})
	}
	return &flight.FlightInfo{FlightDescriptor: desc, Endpoint: eps, TotalRecords: 3, TotalBytes: -1}, nil
}

func (f *fakeRemote) DoGetStatement(ctx context.Context, tkt fsql.StatementQueryTicket) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	vals := []int64{1, 2}
	if string(tkt.GetStatementHandle()) == "2" {
		vals = []int64{3}
	}
	b := array.NewInt64Builder(f.mem)
	defer b.Release()
	b.AppendValues(vals, nil)
	col := b.NewArray()
	defer col.Release()
	ch := make(chan flight.StreamChunk, 1)
	ch <- flight.StreamChunk{Data: array.NewRecordBatch(xSchema, []arrow.Array{col}, int64(len(vals)))}
	close(ch)
	return xSchema, ch, nil
}

func startFake(t *testing.T) (*fakeRemote, string) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	f := &fakeRemote{mem: mem}
	srv := flight.NewServerWithMiddleware(nil)
	srv.RegisterFlightService(fsql.NewFlightServer(f))
	must(t, srv.Init("127.0.0.1:0"))
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve() }()
	t.Cleanup(func() {
		srv.Shutdown()
		<-done
		mem.AssertSize(t, 0)
	})
	return f, "grpc://" + srv.Addr().String()
}

func TestEndpointsReadWithHeaders(t *testing.T) {
	f, uri := startFake(t)
	cfg := flightsql.Config{Name: "fake", URI: uri, Catalog: "cat", Schema: "sch", Dialect: "postgres",
		Headers: map[string]string{"authorization": "Bearer tok"}}
	sch, err := flightsql.OpenSchema(ctxT(t), cfg)
	must(t, err)
	defer sch.Close()
	names, err := sch.TableNames(ctxT(t))
	must(t, err)
	if strings.Join(names, ",") != "t" {
		t.Fatalf("names %v (a table of another schema leaked in?)", names)
	}
	tbl, err := sch.Table(ctxT(t), "t")
	must(t, err)
	_, rows := readAll(t, tbl, catalog.ScanRequest{Limit: -1})
	slices.Sort(rows) // endpoints are read concurrently
	if strings.Join(rows, ",") != "1,2,3" {
		t.Fatalf("rows %v", rows)
	}
	// This remote reports counts: with CountRows they are Inexact statistics.
	cfg.CountRows = true
	counted, err := flightsql.OpenTable(ctxT(t), cfg, "t")
	must(t, err)
	defer counted.Close()
	st, err := counted.Statistics(ctxT(t))
	must(t, err)
	if st.NumRows != (catalog.Count{Value: 3, Precision: catalog.Inexact}) {
		t.Fatalf("statistics %+v", st.NumRows)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queries) != 2 || f.queries[0] != `SELECT "x" FROM "cat"."sch"."t"` {
		t.Fatalf("queries %q", f.queries)
	}
	if len(f.auth) == 0 {
		t.Fatal("no authorization header reached the remote")
	}
	for _, a := range f.auth {
		if a != "Bearer tok" {
			t.Fatalf("authorization %q", a)
		}
	}
}
