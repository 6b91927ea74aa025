package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	pb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

func int64Values(t *testing.T, batches []arrow.RecordBatch) []int64 {
	t.Helper()
	var out []int64
	for _, b := range batches {
		out = append(out, b.Column(0).(*array.Int64).Int64Values()...)
	}
	return out
}

func TestQueryEndToEnd(t *testing.T) {
	h := start(t, nil)
	info, err := h.cl.Execute(ctxT(t), "SELECT v FROM t")
	must(t, err)
	if info.TotalRecords != -1 || info.TotalBytes != -1 {
		t.Fatalf("totals %d/%d, want -1/-1 (unknown)", info.TotalRecords, info.TotalBytes)
	}
	if len(info.Endpoint) != 1 || info.Endpoint[0].ExpirationTime == nil {
		t.Fatalf("endpoints %v, want one with an expiration time", info.Endpoint)
	}
	announced := deserialize(t, info.Schema)
	md := columnMetadata(announced.Field(0))
	if tn, ok := md.TypeName(); !ok || tn == "" {
		t.Fatalf("no TYPE_NAME on %s", announced)
	}
	if p, _ := md.Precision(); p != 19 {
		t.Fatalf("PRECISION %d, want 19 for int64", p)
	}
	sc, batches := h.fetch(info)
	if !sc.Equal(announced) {
		t.Fatalf("DoGet schema\n%s\ndiffers from FlightInfo schema\n%s", sc, announced)
	}
	if got := int64Values(t, batches); len(got) != 6 || got[5] != 5 {
		t.Fatalf("values %v, want 0..5", got)
	}
	res, err := h.cl.GetExecuteSchema(ctxT(t), "SELECT v FROM t")
	must(t, err)
	if !deserialize(t, res.Schema).Equal(announced) {
		t.Fatal("GetSchema differs from FlightInfo schema")
	}
	if opts := h.eng.lastOptions(); opts.Catalog != "demo" || opts.Schema != "public" || opts.QueryID == "" {
		t.Fatalf("engine saw options %+v", opts)
	}
}

func TestQueryZeroRowsSendsSchema(t *testing.T) {
	h := start(t, nil)
	info, err := h.cl.Execute(ctxT(t), "SELECT v FROM empty")
	must(t, err)
	if info.TotalRecords != 0 {
		t.Fatalf("total_records %d, want the exact 0", info.TotalRecords)
	}
	sc, batches := h.fetch(info)
	if sc == nil || sc.NumFields() != 1 || len(batches) != 0 {
		t.Fatalf("schema %v, %d batches", sc, len(batches))
	}
}

func TestLargeBatchIsSliced(t *testing.T) {
	h := start(t, nil)
	info, err := h.cl.Execute(ctxT(t), "SELECT v FROM big")
	must(t, err)
	if info.TotalRecords != 300000 {
		t.Fatalf("total_records %d", info.TotalRecords)
	}
	_, batches := h.fetch(info)
	if len(batches) < 2 {
		t.Fatalf("a 2.4 MB batch arrived as %d message(s), want it sliced", len(batches))
	}
	vals := int64Values(t, batches)
	if len(vals) != 300000 || vals[299999] != 299999 {
		t.Fatalf("%d values", len(vals))
	}
}

func TestErrorCodes(t *testing.T) {
	h := start(t, nil)
	_, err := h.cl.Execute(ctxT(t), "SELEC v FROM t")
	wantCode(t, err, codes.InvalidArgument)
	if !strings.Contains(err.Error(), "syntax error") {
		t.Fatalf("message lost: %v", err)
	}
	_, err = h.cl.Execute(ctxT(t), "SELECT v FROM nowhere")
	wantCode(t, err, codes.NotFound)

	info, err := h.cl.Execute(ctxT(t), "SELECT v FROM failing")
	must(t, err)
	wantCode(t, h.fetchErr(info), codes.Unavailable)

	info, err = h.cl.Execute(ctxT(t), "SELECT v FROM wrongtypes")
	must(t, err)
	err = h.fetchErr(info)
	wantCode(t, err, codes.Internal)
	if strings.Contains(err.Error(), "announced") {
		t.Fatalf("internal details leaked to the client: %v", err)
	}
	if !strings.Contains(h.logBuf.String(), "announced") {
		t.Fatal("internal error not logged")
	}

	_, err = h.cl.BeginTransaction(ctxT(t))
	wantCode(t, err, codes.Unimplemented)
}

func TestPanicsRecovered(t *testing.T) {
	h := start(t, nil)
	_, err := h.cl.Execute(ctxT(t), "panic in prepare")
	wantCode(t, err, codes.Internal)
	info, err := h.cl.Execute(ctxT(t), "SELECT v FROM panics")
	must(t, err)
	wantCode(t, h.fetchErr(info), codes.Internal)
	log := h.logBuf.String()
	if strings.Count(log, "BUG: panic recovered") != 2 || !strings.Contains(log, "goroutine") {
		t.Fatalf("panics not logged with stacks:\n%s", log)
	}
	// Still serving.
	info, err = h.cl.Execute(ctxT(t), "SELECT v FROM t")
	must(t, err)
	h.fetch(info)
}

func statementTicketBytes(t *testing.T, handle []byte) *flight.Ticket {
	b, err := statementTicket(handle)
	must(t, err)
	return &flight.Ticket{Ticket: b}
}

func TestForgedAndExpiredTicketsRejected(t *testing.T) {
	h := start(t, func(c *Config) { c.TicketTTL = 50 * time.Millisecond })
	info, err := h.cl.Execute(ctxT(t), "SELECT v FROM t")
	must(t, err)

	// Forged: the handle bytes of a real ticket with the SQL changed.
	var a anypb.Any
	must(t, proto.Unmarshal(info.Endpoint[0].Ticket.Ticket, &a))
	var tq pb.TicketStatementQuery
	must(t, a.UnmarshalTo(&tq))
	forged := append([]byte(nil), tq.StatementHandle...)
	forged[len(forged)-macSize-5] ^= 0x20
	before := h.eng.prepareCount()
	for name, tkt := range map[string]*flight.Ticket{
		"forged":       statementTicketBytes(t, forged),
		"garbage":      statementTicketBytes(t, []byte("not a ticket at all, but long enough to have a mac..")),
		"not protobuf": {Ticket: []byte{0xff, 0xff, 0xff}},
	} {
		rdr, err := h.cl.DoGet(ctxT(t), tkt)
		if err == nil {
			for rdr.Next() {
			}
			err = rdr.Err()
			rdr.Release()
		}
		t.Run(name, func(t *testing.T) { wantCode(t, err, codes.InvalidArgument) })
	}
	if h.eng.prepareCount() != before {
		t.Fatal("a rejected ticket reached the engine")
	}

	time.Sleep(60 * time.Millisecond)
	err = h.fetchErr(info)
	wantCode(t, err, codes.InvalidArgument)
	if !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expiry not named: %v", err)
	}
}

func TestTicketServedByReplicaWithSameSecret(t *testing.T) {
	a := start(t, nil)
	b := start(t, nil) // same Secret in the harness
	c := start(t, func(c *Config) { c.Secret = []byte("another key") })
	info, err := a.cl.Execute(ctxT(t), "SELECT v FROM t")
	must(t, err)
	_, batches := b.fetch(info)
	if len(int64Values(t, batches)) != 6 {
		t.Fatal("replica did not serve the ticket")
	}
	wantCode(t, c.fetchErr(info), codes.InvalidArgument)
}

func TestDDLArrivingAsQuery(t *testing.T) {
	h := start(t, nil)
	st := h.eng.stmts["CREATE TABLE x (a INT)"]
	info, err := h.cl.Execute(ctxT(t), "CREATE TABLE x (a INT)")
	must(t, err)
	if st.updateCount() != 1 {
		t.Fatalf("DDL executed %d times at GetFlightInfo, want 1", st.updateCount())
	}
	if info.TotalRecords != 1 {
		t.Fatalf("total_records %d, want 1", info.TotalRecords)
	}
	for range 2 { // fetching twice does not repeat the change
		sc, batches := h.fetch(info)
		if sc.Field(0).Name != "rows_affected" || len(batches) != 1 || batches[0].Column(0).(*array.Int64).Value(0) != 7 {
			t.Fatalf("result %s %v", sc, batches)
		}
	}
	if st.updateCount() != 1 {
		t.Fatalf("DDL executed %d times, want 1", st.updateCount())
	}
	n, err := h.cl.ExecuteUpdate(ctxT(t), "CREATE TABLE x (a INT)")
	must(t, err)
	if n != 7 {
		t.Fatalf("ExecuteUpdate = %d", n)
	}
	_, err = h.cl.ExecuteUpdate(ctxT(t), "SELECT v FROM t")
	wantCode(t, err, codes.InvalidArgument)
}

func TestPreparedStatements(t *testing.T) {
	h := start(t, nil)
	ctx := ctxT(t)
	p, err := h.cl.Prepare(ctx, "SELECT v FROM t")
	must(t, err)
	if p.DatasetSchema() == nil || p.ParameterSchema() == nil || p.ParameterSchema().NumFields() != 0 {
		t.Fatalf("dataset %v, parameters %v: both must be present", p.DatasetSchema(), p.ParameterSchema())
	}
	if upd, ok := p.IsUpdate(); !ok || upd {
		t.Fatalf("IsUpdate = %v, %v; want false, set", upd, ok)
	}
	info, err := p.Execute(ctx)
	must(t, err)
	if !deserialize(t, info.Schema).Equal(p.DatasetSchema()) {
		t.Fatal("FlightInfo schema differs from the prepare-time dataset schema")
	}
	sc, batches := h.fetch(info)
	if !sc.Equal(p.DatasetSchema()) {
		t.Fatalf("DoGet schema differs from the prepare-time schema (JDBC relies on it)")
	}
	if len(int64Values(t, batches)) != 6 {
		t.Fatal("wrong rows")
	}
	res, err := p.GetSchema(ctx)
	must(t, err)
	if !deserialize(t, res.Schema).Equal(p.DatasetSchema()) {
		t.Fatal("GetSchema(prepared) differs")
	}
	must(t, p.Close(ctx))

	// DDL prepared: IsUpdate, dataset schema = rows_affected.
	d, err := h.cl.Prepare(ctx, "CREATE TABLE x (a INT)")
	must(t, err)
	if upd, ok := d.IsUpdate(); !ok || !upd {
		t.Fatalf("IsUpdate = %v, %v; want true", upd, ok)
	}
	if d.DatasetSchema().Field(0).Name != "rows_affected" {
		t.Fatalf("dataset schema %s", d.DatasetSchema())
	}
	n, err := d.ExecuteUpdate(ctx)
	must(t, err)
	if n != 7 {
		t.Fatalf("prepared ExecuteUpdate = %d", n)
	}
	must(t, d.Close(ctx))

	// Parameters.
	q, err := h.cl.Prepare(ctx, "SELECT v FROM t WHERE ?")
	must(t, err)
	if q.ParameterSchema().NumFields() != 1 {
		t.Fatalf("parameter schema %s", q.ParameterSchema())
	}
	_, err = q.Execute(ctx)
	wantCode(t, err, codes.InvalidArgument) // nothing bound
	must(t, q.Close(ctx))
	// A forged handle.
	forged, err := h.cl.LoadPreparedStatementFromResult(&flightsql.CreatePreparedStatementResult{PreparedStatementHandle: []byte("forged handle, long enough for a mac check......")})
	must(t, err)
	_, err = forged.Execute(ctx)
	wantCode(t, err, codes.InvalidArgument)
	wantCode(t, forged.Close(ctx), codes.InvalidArgument)
}

func TestClientDisconnectReleasesBuffers(t *testing.T) {
	h := start(t, nil) // cleanup asserts the server allocator is empty
	info, err := h.cl.Execute(ctxT(t), "SELECT v FROM slow")
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	rdr, err := h.cl.DoGet(ctx, info.Endpoint[0].Ticket)
	must(t, err)
	if !rdr.Next() {
		t.Fatalf("no first batch: %v", rdr.Err())
	}
	cancel()
	for rdr.Next() {
	}
	rdr.Release()
	// The server notices, cancels the query and releases; Shutdown in
	// cleanup waits for the handler, then the allocator must be empty.
}

func TestCancelFlightInfo(t *testing.T) {
	h := start(t, nil)
	info, err := h.cl.Execute(ctxT(t), "SELECT v FROM slow")
	must(t, err)
	rdr, err := h.cl.DoGet(ctxT(t), info.Endpoint[0].Ticket)
	must(t, err)
	defer rdr.Release()
	if !rdr.Next() {
		t.Fatalf("no first batch: %v", rdr.Err())
	}
	res, err := h.cl.CancelFlightInfo(ctxT(t), &flight.CancelFlightInfoRequest{Info: info})
	must(t, err)
	if res.Status != flight.CancelStatusCancelled {
		t.Fatalf("status %s, want CANCELLED", res.Status)
	}
	for rdr.Next() {
	}
	wantCode(t, rdr.Err(), codes.Canceled)

	res, err = h.cl.CancelFlightInfo(ctxT(t), &flight.CancelFlightInfoRequest{Info: info})
	must(t, err)
	if res.Status != flight.CancelStatusNotCancellable {
		t.Fatalf("status %s for a finished query, want NOT_CANCELLABLE", res.Status)
	}
}

func TestRenewFlightEndpoint(t *testing.T) {
	h := start(t, func(c *Config) { c.TicketTTL = time.Minute })
	info, err := h.cl.Execute(ctxT(t), "SELECT v FROM t")
	must(t, err)
	ep, err := h.cl.RenewFlightEndpoint(ctxT(t), &flight.RenewFlightEndpointRequest{Endpoint: info.Endpoint[0]})
	must(t, err)
	if !ep.ExpirationTime.AsTime().After(info.Endpoint[0].ExpirationTime.AsTime()) && !ep.ExpirationTime.AsTime().Equal(info.Endpoint[0].ExpirationTime.AsTime()) {
		t.Fatalf("renewed expiry %v before %v", ep.ExpirationTime.AsTime(), info.Endpoint[0].ExpirationTime.AsTime())
	}
	_, batches := h.fetch(&flight.FlightInfo{Endpoint: []*flight.FlightEndpoint{ep}})
	if len(int64Values(t, batches)) != 6 {
		t.Fatal("renewed ticket does not work")
	}
}

func int64Batch(t *testing.T, vals ...int64) arrow.RecordBatch {
	t.Helper()
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vals, nil)
	col := b.NewArray()
	defer col.Release()
	s := arrow.NewSchema([]arrow.Field{{Name: "p0", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	return array.NewRecordBatch(s, []arrow.Array{col}, int64(len(vals)))
}

func TestParameterBinding(t *testing.T) {
	h := start(t, nil)
	ctx := ctxT(t)

	q, err := h.cl.Prepare(ctx, "SELECT v FROM t WHERE ?")
	must(t, err)
	one := int64Batch(t, 42)
	defer one.Release()
	q.SetParameters(one)
	info, err := q.Execute(ctx) // DoPut binds (new handle), then GetFlightInfo
	must(t, err)
	h.fetch(info)
	if got := h.eng.stmts["SELECT v FROM t WHERE ?"].params_(); len(got) != 1 || got[0] != 42 {
		t.Fatalf("engine got parameters %v, want [42]", got)
	}
	// The bound ticket is self-contained: fetch it again.
	h.fetch(info)
	if got := h.eng.stmts["SELECT v FROM t WHERE ?"].params_(); len(got) != 2 || got[1] != 42 {
		t.Fatalf("engine got parameters %v", got)
	}

	two := int64Batch(t, 1, 2)
	defer two.Release()
	q.SetParameters(two)
	_, err = q.Execute(ctx)
	wantCode(t, err, codes.Unimplemented)

	// A nested value cannot be bound (scalars of another type can: the
	// engine converts them).
	lb := array.NewListBuilder(memory.DefaultAllocator, arrow.PrimitiveTypes.Int64)
	lb.Append(true)
	lb.ValueBuilder().(*array.Int64Builder).Append(1)
	col := lb.NewArray()
	lb.Release()
	wrong := arrow.NewSchema([]arrow.Field{{Name: "p0", Type: col.DataType()}}, nil)
	bad := array.NewRecordBatch(wrong, []arrow.Array{col}, 1)
	col.Release()
	defer bad.Release()
	q.SetParameters(bad)
	_, err = q.Execute(ctx)
	wantCode(t, err, codes.InvalidArgument)
	must(t, q.Close(ctx))

	u, err := h.cl.Prepare(ctx, "INSERT INTO x VALUES (?)")
	must(t, err)
	three := int64Batch(t, 1, 2, 3)
	defer three.Release()
	u.SetParameters(three)
	n, err := u.ExecuteUpdate(ctx)
	must(t, err)
	if n != 21 {
		t.Fatalf("ExecuteUpdate over 3 rows = %d, want 21", n)
	}
	if got := h.eng.stmts["INSERT INTO x VALUES (?)"].params_(); len(got) != 3 || got[2] != 3 {
		t.Fatalf("engine got %v", got)
	}
	must(t, u.Close(ctx))
}

func TestPollFlightInfo(t *testing.T) {
	h := start(t, nil)
	poll, err := h.cl.ExecutePoll(ctxT(t), "SELECT v FROM t", nil)
	must(t, err)
	if poll.FlightDescriptor != nil || poll.GetProgress() != 1 || poll.Info == nil {
		t.Fatalf("poll %v, want complete", poll)
	}
	_, batches := h.fetch(poll.Info)
	if len(int64Values(t, batches)) != 6 {
		t.Fatal("wrong rows")
	}
	_, err = h.cl.ExecutePoll(ctxT(t), "SELECT v FROM nowhere", nil)
	wantCode(t, err, codes.NotFound)
}

// flightsql-dbapi sends `authorization: Bearer None` without credentials:
// with auth off the header is ignored.
func TestAuthorizationHeaderIgnored(t *testing.T) {
	h := start(t, nil)
	ctx := metadata.AppendToOutgoingContext(ctxT(t), "authorization", "Bearer None")
	info, err := h.cl.Execute(ctx, "SELECT v FROM t")
	must(t, err)
	h.fetch(info)
}

// View types are announced and sent as plain Utf8/Binary (CLIENTS.md 9).
func TestViewTypesSentPlain(t *testing.T) {
	h := start(t, nil)
	p, err := h.cl.Prepare(ctxT(t), "SELECT s FROM views")
	must(t, err)
	ds := p.DatasetSchema()
	if ds.Field(0).Type.ID() != arrow.STRING || ds.Field(1).Type.ID() != arrow.BINARY {
		t.Fatalf("announced %s, want plain utf8/binary", ds)
	}
	info, err := p.Execute(ctxT(t))
	must(t, err)
	sc, batches := h.fetch(info)
	if !sc.Equal(ds) {
		t.Fatalf("stream schema %s", sc)
	}
	if len(batches) != 2 {
		t.Fatalf("%d batches", len(batches))
	}
	s := batches[1].Column(0).(*array.String)
	b := batches[1].Column(1).(*array.Binary)
	if s.Value(1) != "a string longer than twelve bytes" || !s.IsNull(2) || !b.IsNull(1) || string(b.Value(2)) != "zz" {
		t.Fatalf("values %v %v", s, b)
	}
	must(t, p.Close(ctxT(t)))
}
