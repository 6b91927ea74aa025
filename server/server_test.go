package server

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// ---- a catalog of schema-only tables (metadata RPCs never scan)

type schemaTable struct{ schema *arrow.Schema }

func (t schemaTable) Schema() *arrow.Schema { return t.schema }
func (t schemaTable) Scan(context.Context, catalog.ScanRequest) (catalog.Scan, error) {
	return nil, errs.NotImplementedf("schemaTable.Scan")
}

var (
	salesSchema = arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	customersSchema = arrow.NewSchema([]arrow.Field{
		{Name: "name", Type: arrow.BinaryTypes.String},
	}, nil)
)

// brokenSchema fails to list its tables (a source that is down).
type brokenSchema struct{}

func (brokenSchema) TableNames(context.Context) ([]string, error) {
	return nil, errs.New(errs.ErrUnavailable, "source down")
}
func (brokenSchema) Table(context.Context, string) (catalog.Table, error) {
	return nil, errs.New(errs.ErrUnavailable, "source down")
}

func testRoot(t *testing.T) *catalog.Root {
	t.Helper()
	root := catalog.NewRoot()
	demo := catalog.NewCatalog("demo")
	must(t, demo.AddSchema("public", catalog.NewStatic(map[string]catalog.Table{
		"sales":     schemaTable{salesSchema},
		"customers": schemaTable{customersSchema},
		"sales_2":   schemaTable{customersSchema},
	})))
	must(t, demo.AddSchema("scratch", catalog.NewStatic(map[string]catalog.Table{
		"tmp": schemaTable{customersSchema},
	})))
	must(t, demo.AddSchema("down", brokenSchema{}))
	other := catalog.NewCatalog("other")
	must(t, other.AddSchema("misc", catalog.NewStatic(map[string]catalog.Table{
		"t_x": schemaTable{customersSchema},
	})))
	must(t, root.Add(demo))
	must(t, root.Add(other))
	return root
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// ---- a scripted engine

type fakeEngine struct {
	root *catalog.Root
	mu   sync.Mutex
	// stmts maps SQL text to its statement; unknown SQL is a NotFound error.
	stmts map[string]*fakeStatement
	// prepared records the options of every Prepare, in order.
	prepared []catalog.Options
}

func (e *fakeEngine) Root() *catalog.Root { return e.root }

func (e *fakeEngine) Prepare(_ context.Context, opts catalog.Options, sql string) (statement, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.prepared = append(e.prepared, opts)
	switch {
	case sql == "panic in prepare":
		panic("scripted prepare panic")
	case strings.HasPrefix(sql, "SELEC "):
		return nil, errs.Invalidf("syntax error near 'SELEC' at line 1")
	}
	st, ok := e.stmts[sql]
	if !ok {
		return nil, errs.NotFoundf("unknown table in %q", sql)
	}
	return st, nil
}

func (e *fakeEngine) prepareCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.prepared)
}

func (e *fakeEngine) lastOptions() catalog.Options {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.prepared[len(e.prepared)-1]
}

type fakeStatement struct {
	schema      *arrow.Schema
	rdrSchema   *arrow.Schema // what the reader claims; default schema
	params      *arrow.Schema
	update      bool
	total       int64
	rows        int64 // rows per batch (int64 column "v" = 0..)
	batches     int
	panicAt     int // panic when producing this batch (1-based); 0 = never
	block       bool
	mu          sync.Mutex
	updates     int64
	execStarted chan struct{}
	execErr     error
	gotParams   []int64 // first parameter value of every bound execution
	// makeBatch, when set, builds every batch (instead of column v).
	makeBatch func(mem memory.Allocator, schema *arrow.Schema) arrow.RecordBatch
}

func (st *fakeStatement) recordParams(params arrow.RecordBatch) {
	if params == nil {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.gotParams = append(st.gotParams, params.Column(0).(*array.Int64).Value(0))
}

func (st *fakeStatement) params_() []int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]int64(nil), st.gotParams...)
}

func (st *fakeStatement) Schema() *arrow.Schema          { return st.schema }
func (st *fakeStatement) ParameterSchema() *arrow.Schema { return st.params }
func (st *fakeStatement) IsUpdate() bool                 { return st.update }
func (st *fakeStatement) TotalRecords() int64            { return st.total }

func (st *fakeStatement) Execute(ctx context.Context, mem memory.Allocator, params arrow.RecordBatch) (array.RecordReader, error) {
	st.recordParams(params)
	if st.execErr != nil {
		return nil, st.execErr
	}
	if st.execStarted != nil {
		close(st.execStarted)
	}
	return &fakeReader{ctx: ctx, st: st, mem: mem, refs: 1}, nil
}

func (st *fakeStatement) ExecuteUpdate(_ context.Context, params arrow.RecordBatch) (int64, error) {
	st.recordParams(params)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.updates++
	return 7, nil
}

func (st *fakeStatement) updateCount() int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.updates
}

// fakeReader produces st.batches batches of st.rows rows (column v int64,
// schema without metadata, like an engine would), honouring ctx.
type fakeReader struct {
	ctx  context.Context
	st   *fakeStatement
	mem  memory.Allocator
	n    int
	cur  arrow.RecordBatch
	err  error
	refs int
}

func (r *fakeReader) Retain() { r.refs++ }
func (r *fakeReader) Schema() *arrow.Schema {
	if r.st.rdrSchema != nil {
		return r.st.rdrSchema
	}
	return r.st.schema
}
func (r *fakeReader) RecordBatch() arrow.RecordBatch {
	return r.cur
}
func (r *fakeReader) Record() arrow.RecordBatch { return r.cur }
func (r *fakeReader) Err() error                { return r.err }
func (r *fakeReader) Release() {
	r.refs--
	if r.refs == 0 && r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (r *fakeReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.err != nil || r.n >= r.st.batches {
		return false
	}
	if r.st.block && r.n == 1 {
		<-r.ctx.Done()
		r.err = r.ctx.Err()
		return false
	}
	r.n++
	if r.n == r.st.panicAt {
		panic("scripted reader panic")
	}
	if r.st.makeBatch != nil {
		r.cur = r.st.makeBatch(r.mem, r.Schema())
		return true
	}
	b := array.NewInt64Builder(r.mem)
	defer b.Release()
	for i := int64(0); i < r.st.rows; i++ {
		b.Append(int64(r.n-1)*r.st.rows + i)
	}
	col := b.NewArray()
	defer col.Release()
	r.cur = array.NewRecordBatch(r.Schema(), []arrow.Array{col}, r.st.rows)
	return true
}

var viewSchema = arrow.NewSchema([]arrow.Field{
	{Name: "s", Type: arrow.BinaryTypes.StringView, Nullable: true},
	{Name: "b", Type: arrow.BinaryTypes.BinaryView, Nullable: true},
}, nil)

var vSchema = arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)

func defaultStatements() map[string]*fakeStatement {
	return map[string]*fakeStatement{
		"SELECT v FROM t":          {schema: vSchema, total: -1, rows: 3, batches: 2},
		"SELECT v FROM empty":      {schema: vSchema, total: 0, rows: 0, batches: 0},
		"SELECT v FROM big":        {schema: vSchema, total: 300000, rows: 300000, batches: 1},
		"SELECT v FROM panics":     {schema: vSchema, total: -1, rows: 2, batches: 3, panicAt: 2},
		"SELECT v FROM slow":       {schema: vSchema, total: -1, rows: 2, batches: 100, block: true},
		"SELECT v FROM t WHERE ?":  {schema: vSchema, params: arrow.NewSchema([]arrow.Field{{Name: "p0", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil), total: -1},
		"CREATE TABLE x (a INT)":   {schema: vSchema, update: true, total: -1},
		"INSERT INTO x VALUES (?)": {schema: vSchema, params: arrow.NewSchema([]arrow.Field{{Name: "p0", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil), update: true, total: -1},
		"SELECT s FROM views": {schema: viewSchema, total: -1, batches: 2, makeBatch: func(mem memory.Allocator, s *arrow.Schema) arrow.RecordBatch {
			b := array.NewRecordBuilder(mem, s)
			defer b.Release()
			b.Field(0).(*array.StringViewBuilder).AppendValues([]string{"short", "a string longer than twelve bytes"}, nil)
			b.Field(0).(*array.StringViewBuilder).AppendNull()
			b.Field(1).(*array.BinaryViewBuilder).AppendValues([][]byte{[]byte("x"), nil, []byte("zz")}, []bool{true, false, true})
			return b.NewRecordBatch()
		}},
		"SELECT v FROM failing":    {schema: vSchema, total: -1, execErr: errs.New(errs.ErrUnavailable, "source down")},
		"SELECT v FROM wrongtypes": {schema: arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.BinaryTypes.String}}, nil), rdrSchema: vSchema, total: -1, rows: 1, batches: 1},
	}
}

// ---- harness

type harness struct {
	t      *testing.T
	srv    *Server
	cl     *flightsql.Client
	eng    *fakeEngine
	mem    *memory.CheckedAllocator
	logBuf *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs a server on 127.0.0.1:0 with the test catalog and a scripted
// engine, and a real arrow-go Flight SQL client (with cookie support).
// Cleanup closes both and checks the server allocator is back to zero.
func start(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	logBuf := &syncBuffer{}
	cfg := Config{
		Logger:         slog.New(slog.NewTextHandler(logBuf, &slog.HandlerOptions{Level: slog.LevelDebug})),
		DefaultCatalog: "demo",
		DefaultSchema:  "public",
		Allocator:      mem,
		Secret:         []byte("test secret shared by replicas"),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	eng := &fakeEngine{root: testRoot(t), stmts: defaultStatements()}
	var (
		srv *Server
		err error
	)
	if cfg.Engine != nil { // the real engine, through the public constructor
		srv, err = New(cfg)
	} else {
		srv, err = newServer(cfg, eng)
	}
	must(t, err)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	for srv.Addr() == nil {
		time.Sleep(time.Millisecond)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	cl, err := flightsql.NewClient(lis.Addr().String(), nil,
		[]flight.ClientMiddleware{flight.NewClientCookieMiddleware()},
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	must(t, err)
	t.Cleanup(func() { _ = cl.Close() })
	return &harness{t: t, srv: srv, cl: cl, eng: eng, mem: mem, logBuf: logBuf}
}

func insecureDial() grpc.DialOption {
	return grpc.WithTransportCredentials(insecure.NewCredentials())
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fetch reads every endpoint of info and returns the stream schema and the
// batches (caller releases them via the returned func).
func (h *harness) fetch(info *flight.FlightInfo) (*arrow.Schema, []arrow.RecordBatch) {
	h.t.Helper()
	var (
		schema *arrow.Schema
		out    []arrow.RecordBatch
	)
	for _, ep := range info.Endpoint {
		if ep.Location != nil && len(ep.Location) > 0 {
			h.t.Fatalf("endpoint has a location %v; want empty", ep.Location)
		}
		rdr, err := h.cl.DoGet(ctxT(h.t), ep.Ticket)
		must(h.t, err)
		schema = rdr.Schema()
		for rdr.Next() {
			rec := rdr.RecordBatch()
			rec.Retain()
			out = append(out, rec)
		}
		err = rdr.Err()
		rdr.Release()
		if err != nil {
			for _, r := range out {
				r.Release()
			}
			must(h.t, err)
		}
	}
	h.t.Cleanup(func() {
		for _, r := range out {
			r.Release()
		}
	})
	return schema, out
}

func (h *harness) fetchErr(info *flight.FlightInfo) error {
	h.t.Helper()
	rdr, err := h.cl.DoGet(ctxT(h.t), info.Endpoint[0].Ticket)
	if err != nil {
		return err
	}
	defer rdr.Release()
	for rdr.Next() {
	}
	return rdr.Err()
}

func wantCode(t *testing.T, err error, code codes.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if got := status.Code(err); got != code {
		t.Fatalf("got code %s (%v), want %s", got, err, code)
	}
	if st, _ := status.FromError(err); len(st.Message()) > maxStatusMessage {
		t.Fatalf("status message is %d bytes, want ≤ %d", len(st.Message()), maxStatusMessage)
	}
}

func deserialize(t *testing.T, b []byte) *arrow.Schema {
	t.Helper()
	s, err := flight.DeserializeSchema(b, memory.DefaultAllocator)
	must(t, err)
	return s
}

// ---- lifecycle

func TestNewRequiresEngine(t *testing.T) {
	_, err := New(Config{})
	if !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("New without engine: %v, want ErrInvalid", err)
	}
}

func TestServeLogsBoundAddress(t *testing.T) {
	h := start(t, nil)
	addr := h.srv.Addr()
	if addr == nil || strings.HasSuffix(addr.String(), ":0") {
		t.Fatalf("Addr() = %v, want the bound port", addr)
	}
	want := "serving Flight SQL on grpc://" + addr.String()
	if !strings.Contains(h.logBuf.String(), want) {
		t.Fatalf("log %q does not contain %q", h.logBuf.String(), want)
	}
}

func TestShutdownForcesStopAfterDeadline(t *testing.T) {
	h := start(t, nil)
	info, err := h.cl.Execute(ctxT(t), "SELECT v FROM slow")
	must(t, err)
	rdr, err := h.cl.DoGet(ctxT(t), info.Endpoint[0].Ticket)
	must(t, err)
	defer rdr.Release()
	if !rdr.Next() { // first batch arrives; the second blocks until cancelled
		t.Fatalf("no first batch: %v", rdr.Err())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err = h.srv.Shutdown(ctx)
	if !errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("Shutdown with a running stream: %v, want ErrUnavailable (forced)", err)
	}
	for rdr.Next() {
	}
	if rdr.Err() == nil {
		t.Fatal("stream ended without error after a forced stop")
	}
}

func columnMetadata(f arrow.Field) *flightsql.ColumnMetadata {
	md := f.Metadata
	return &flightsql.ColumnMetadata{Data: &md}
}
