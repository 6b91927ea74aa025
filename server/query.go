package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	pb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/exec/logical"
)

// service implements flightsql.Server. BaseServer supplies the SqlInfo
// handling (registered in newService) and Unimplemented answers for what
// Quiver does not do (transactions, Substrait). Safe for concurrent use:
// every field is read-only after newService, except the running registry,
// which locks.
type service struct {
	flightsql.BaseServer

	eng            queryEngine
	root           *catalog.Root
	mem            memory.Allocator
	log            *slog.Logger
	sign           *signer
	ttl            time.Duration
	defaultCatalog string
	defaultSchema  string
	running        *runningQueries
}

var _ flightsql.Server = (*service)(nil)

func newService(cfg Config, eng queryEngine) (*service, error) {
	s := &service{
		eng:            eng,
		root:           eng.Root(),
		mem:            cfg.Allocator,
		log:            cfg.Logger,
		sign:           newSigner(cfg.Secret, time.Now),
		ttl:            cfg.TicketTTL,
		defaultCatalog: cfg.DefaultCatalog,
		defaultSchema:  cfg.DefaultSchema,
		running:        newRunningQueries(),
	}
	s.Alloc = cfg.Allocator
	if err := s.registerSqlInfo(); err != nil {
		return nil, err
	}
	return s, nil
}

// prepare plans sql under opts with a fresh query id.
func (s *service) prepare(ctx context.Context, opts catalog.Options, sql string) (statement, error) {
	opts.QueryID = newQueryID()
	st, err := s.eng.Prepare(ctx, opts, sql)
	if err != nil {
		return nil, err
	}
	if st.Schema() == nil {
		return nil, errs.Internalf("engine returned a statement without a schema for %q", abbreviate(sql))
	}
	return st, nil
}

func newQueryID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// resultSchema is what clients are told a statement returns: the engine's
// schema (DMLSchema for updates) with Flight SQL column metadata.
// Unless the session sets allow_view_types, view and 256-bit types are
// announced (and sent) as their classic equivalents (wiretypes.go).
func resultSchema(st statement, opts catalog.Options) *arrow.Schema {
	if st.IsUpdate() {
		return withColumnMetadata(logical.DMLSchema, columnOrigin{})
	}
	if v, _ := opts.Get(optAllowViewTypes); v == "true" {
		return withColumnMetadata(st.Schema(), columnOrigin{})
	}
	return withColumnMetadata(wireSchema(st.Schema()), columnOrigin{})
}

func noTransactions(id []byte) error {
	if len(id) > 0 {
		return errs.NotImplementedf("transactions are not supported; run without a transaction id")
	}
	return nil
}

// ---- ad hoc statements

// GetFlightInfoStatement plans the query and returns one endpoint whose
// ticket carries the signed SQL and session options. DDL/DML is executed
// here, once, and its ticket carries the affected-row count (so a replayed
// ticket never repeats the change).
func (s *service) GetFlightInfoStatement(ctx context.Context, cmd flightsql.StatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	if err := noTransactions(cmd.GetTransactionId()); err != nil {
		return nil, err
	}
	opts, err := s.sessionOptions(ctx)
	if err != nil {
		return nil, err
	}
	return s.flightInfo(ctx, opts, cmd.GetQuery(), nil, desc)
}

// GetSchemaStatement plans the query and returns its result schema.
func (s *service) GetSchemaStatement(ctx context.Context, cmd flightsql.StatementQuery, _ *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	if err := noTransactions(cmd.GetTransactionId()); err != nil {
		return nil, err
	}
	opts, err := s.sessionOptions(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.prepare(ctx, opts, cmd.GetQuery())
	if err != nil {
		return nil, err
	}
	return &flight.SchemaResult{Schema: flight.SerializeSchema(resultSchema(st, opts), s.mem)}, nil
}

// DoGetStatement runs the statement a ticket from GetFlightInfo carries.
func (s *service) DoGetStatement(ctx context.Context, cmd flightsql.StatementQueryTicket) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	t, err := s.sign.open(cmd.GetStatementHandle(), kindStatement, kindResult)
	if err != nil {
		return nil, nil, err
	}
	if t.Kind == kindResult {
		return s.rowsAffected(t.RowsAffected)
	}
	return s.run(ctx, t.Options, t.SQL, t.Params)
}

// DoPutCommandStatementUpdate runs DDL/DML and returns the affected rows.
func (s *service) DoPutCommandStatementUpdate(ctx context.Context, cmd flightsql.StatementUpdate) (int64, error) {
	if err := noTransactions(cmd.GetTransactionId()); err != nil {
		return 0, err
	}
	opts, err := s.sessionOptions(ctx)
	if err != nil {
		return 0, err
	}
	st, err := s.prepare(ctx, opts, cmd.GetQuery())
	if err != nil {
		return 0, err
	}
	if !st.IsUpdate() {
		return 0, errs.Invalidf("%q returns rows; run it as a query, not as an update", abbreviate(cmd.GetQuery()))
	}
	return s.update(ctx, opts, st, nil)
}

// ---- prepared statements

// CreatePreparedStatement plans the query and returns a signed handle (SQL +
// session options, no expiry), the dataset schema (always, also for DDL/DML:
// the rows_affected schema), the parameter schema (always; empty without
// `?`) and whether the statement is an update.
func (s *service) CreatePreparedStatement(ctx context.Context, req flightsql.ActionCreatePreparedStatementRequest) (flightsql.ActionCreatePreparedStatementResult, error) {
	var res flightsql.ActionCreatePreparedStatementResult
	if err := noTransactions(req.GetTransactionId()); err != nil {
		return res, err
	}
	opts, err := s.sessionOptions(ctx)
	if err != nil {
		return res, err
	}
	st, err := s.prepare(ctx, opts, req.GetQuery())
	if err != nil {
		return res, err
	}
	isUpdate := st.IsUpdate()
	res.Handle = s.sign.seal(ticket{Kind: kindPrepared, SQL: req.GetQuery(), Options: opts})
	res.DatasetSchema = resultSchema(st, opts)
	res.ParameterSchema = parameterSchema(st)
	res.IsUpdate = &isUpdate
	return res, nil
}

func parameterSchema(st statement) *arrow.Schema {
	if ps := st.ParameterSchema(); ps != nil {
		return ps
	}
	return arrow.NewSchema(nil, nil)
}

// ClosePreparedStatement verifies the handle; handles hold no server state.
func (s *service) ClosePreparedStatement(_ context.Context, req flightsql.ActionClosePreparedStatementRequest) error {
	_, err := s.sign.open(req.GetPreparedStatementHandle(), kindPrepared)
	return err
}

// GetFlightInfoPreparedStatement is GetFlightInfoStatement for a handle.
func (s *service) GetFlightInfoPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	t, err := s.sign.open(cmd.GetPreparedStatementHandle(), kindPrepared)
	if err != nil {
		return nil, err
	}
	return s.flightInfo(ctx, t.Options, t.SQL, t.Params, desc)
}

// GetSchemaPreparedStatement returns the result schema of a handle's query.
func (s *service) GetSchemaPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery, _ *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	t, err := s.sign.open(cmd.GetPreparedStatementHandle(), kindPrepared)
	if err != nil {
		return nil, err
	}
	st, err := s.prepare(ctx, t.Options, t.SQL)
	if err != nil {
		return nil, err
	}
	return &flight.SchemaResult{Schema: flight.SerializeSchema(resultSchema(st, t.Options), s.mem)}, nil
}

// DoGetPreparedStatement runs a handle's statement directly (clients that
// use the handle itself as the ticket).
func (s *service) DoGetPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	t, err := s.sign.open(cmd.GetPreparedStatementHandle(), kindPrepared)
	if err != nil {
		return nil, nil, err
	}
	return s.run(ctx, t.Options, t.SQL, t.Params)
}

// DoPutPreparedStatementQuery binds parameter values to a handle: it
// returns a new handle carrying the (single) bound row. A statement without
// parameters keeps its handle (the batches, usually empty, are consumed and
// ignored).
func (s *service) DoPutPreparedStatementQuery(ctx context.Context, cmd flightsql.PreparedStatementQuery, rdr flight.MessageReader, _ flight.MetadataWriter) ([]byte, error) {
	t, err := s.sign.open(cmd.GetPreparedStatementHandle(), kindPrepared)
	if err != nil {
		return nil, err
	}
	st, err := s.prepare(ctx, t.Options, t.SQL)
	if err != nil {
		return nil, err
	}
	ps := parameterSchema(st)
	if ps.NumFields() == 0 {
		if err := drain(rdr); err != nil {
			return nil, err
		}
		return cmd.GetPreparedStatementHandle(), nil
	}
	row, err := readParamRow(rdr, ps, s.mem)
	if err != nil {
		return nil, err
	}
	t.Params = row
	return s.sign.seal(t), nil
}

// DoPutPreparedStatementUpdate runs a handle's DDL/DML, once per uploaded
// parameter row when it has parameters; it returns the summed count.
func (s *service) DoPutPreparedStatementUpdate(ctx context.Context, cmd flightsql.PreparedStatementUpdate, rdr flight.MessageReader) (int64, error) {
	t, err := s.sign.open(cmd.GetPreparedStatementHandle(), kindPrepared)
	if err != nil {
		return 0, err
	}
	st, err := s.prepare(ctx, t.Options, t.SQL)
	if err != nil {
		return 0, err
	}
	if !st.IsUpdate() {
		return 0, errs.Invalidf("%q returns rows; run it as a query, not as an update", abbreviate(t.SQL))
	}
	var total int64
	err = forEachParamRow(rdr, parameterSchema(st), func(row arrow.RecordBatch) error {
		n, err := s.update(ctx, t.Options, st, row)
		total += n
		return err
	})
	return total, err
}

// drain consumes a DoPut stream whose batches carry nothing we use.
func drain(rdr flight.MessageReader) error {
	for rdr.Next() {
	}
	if err := rdr.Err(); err != nil {
		return errs.Wrap(errs.ErrInvalid, err, "reading the uploaded batches")
	}
	return nil
}

// ---- shared

// flightInfo plans sql and describes its result: the schema, one endpoint
// with an empty location (= this server, any replica) and a signed ticket,
// total_records exact or -1, total_bytes -1. DDL/DML runs here (see
// GetFlightInfoStatement).
func (s *service) flightInfo(ctx context.Context, opts catalog.Options, sql string, params []byte, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	st, err := s.prepare(ctx, opts, sql)
	if err != nil {
		return nil, err
	}
	if n := parameterSchema(st).NumFields(); n > 0 && len(params) == 0 {
		return nil, errMissingParams(n)
	}
	expires := time.Now().Add(s.ttl)
	t := ticket{Kind: kindStatement, Expires: expires, SQL: sql, Options: opts, Params: params}
	total := st.TotalRecords()
	if len(params) > 0 && !st.IsUpdate() {
		// Bind now: a value that does not convert is reported here, not
		// at DoGet, and the bound plan may know its row count.
		bound, err := s.bindRow(ctx, st, params)
		if err != nil {
			return nil, err
		}
		total = bound.TotalRecords()
	}
	if st.IsUpdate() {
		n, err := s.executeUpdate(ctx, opts, st, params)
		if err != nil {
			return nil, err
		}
		t = ticket{Kind: kindResult, Expires: expires, RowsAffected: n}
		total = 1
	}
	if total < 0 {
		total = -1
	}
	tkt, err := statementTicket(s.sign.seal(t))
	if err != nil {
		return nil, err
	}
	return &flight.FlightInfo{
		Schema:           flight.SerializeSchema(resultSchema(st, opts), s.mem),
		FlightDescriptor: desc,
		Endpoint: []*flight.FlightEndpoint{{
			Ticket:         &flight.Ticket{Ticket: tkt},
			ExpirationTime: timestamppb.New(expires),
		}},
		TotalRecords: total,
		TotalBytes:   -1,
	}, nil
}

// statementTicket wraps signed bytes as the Flight SQL TicketStatementQuery
// that DoGet routes.
func statementTicket(handle []byte) ([]byte, error) {
	var a anypb.Any
	if err := a.MarshalFrom(&pb.TicketStatementQuery{StatementHandle: handle}); err != nil {
		return nil, errs.Wrap(errs.ErrInternal, err, "encoding a ticket")
	}
	b, err := proto.Marshal(&a)
	if err != nil {
		return nil, errs.Wrap(errs.ErrInternal, err, "encoding a ticket")
	}
	return b, nil
}

// run plans and executes sql and returns the result stream. DDL/DML
// returns its one-row affected-count result.
func (s *service) run(ctx context.Context, opts catalog.Options, sql string, params []byte) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	st, err := s.prepare(ctx, opts, sql)
	if err != nil {
		return nil, nil, err
	}
	if n := parameterSchema(st).NumFields(); n > 0 && len(params) == 0 {
		return nil, nil, errMissingParams(n)
	}
	if st.IsUpdate() {
		n, err := s.executeUpdate(ctx, opts, st, params)
		if err != nil {
			return nil, nil, err
		}
		return s.rowsAffected(n)
	}
	var row arrow.RecordBatch
	if len(params) > 0 {
		if row, err = decodeParamRow(params, s.mem); err != nil {
			return nil, nil, err
		}
	}
	release := func() {
		if row != nil {
			row.Release()
		}
	}
	execCtx, cancel, limit := withQueryTimeout(ctx, opts)
	rdr, err := st.Execute(execCtx, s.mem, row)
	if err != nil {
		cancel()
		release()
		return nil, nil, timeoutError(execCtx, limit, err)
	}
	if rdr == nil {
		cancel()
		release()
		return nil, nil, errs.Internalf("engine returned no reader for %q", abbreviate(sql))
	}
	if limit > 0 {
		rdr = &deadlineReader{RecordReader: rdr, ctx: execCtx, limit: limit}
	}
	prev := release
	release = func() { cancel(); prev() }
	schema := resultSchema(st, opts)
	// The bound row lives until the stream ends (the reader may use it).
	return schema, s.streamReader(ctx, rdr, schema, release), nil
}

// binder is the optional part of a statement that binds parameter values
// ahead of execution (*exec.Statement).
type binder interface {
	Bind(ctx context.Context, params arrow.RecordBatch) (*exec.Statement, error)
}

// bindRow decodes an encoded parameter row and binds it to st when the
// engine supports binding ahead of execution; otherwise st is returned
// as is (Execute binds).
func (s *service) bindRow(ctx context.Context, st statement, params []byte) (statement, error) {
	b, ok := st.(binder)
	if !ok {
		return st, nil
	}
	row, err := decodeParamRow(params, s.mem)
	if err != nil {
		return nil, err
	}
	defer row.Release()
	return b.Bind(ctx, row)
}

// executeUpdate runs an update with its bound row (encoded; may be empty).
func (s *service) executeUpdate(ctx context.Context, opts catalog.Options, st statement, params []byte) (int64, error) {
	if len(params) == 0 {
		return s.update(ctx, opts, st, nil)
	}
	row, err := decodeParamRow(params, s.mem)
	if err != nil {
		return 0, err
	}
	defer row.Release()
	return s.update(ctx, opts, st, row)
}

// sessionChanger is the optional part of a statement that SET and USE
// implement (*exec.Statement).
type sessionChanger interface {
	SessionChange() *exec.SessionChange
}

// update runs DDL/DML under the session's query_timeout, or applies a
// SET/USE statement to the caller's session (0 rows affected).
func (s *service) update(ctx context.Context, opts catalog.Options, st statement, row arrow.RecordBatch) (int64, error) {
	if sc, ok := st.(sessionChanger); ok {
		if change := sc.SessionChange(); change != nil {
			return 0, s.applySessionChange(ctx, change)
		}
	}
	ctx, cancel, limit := withQueryTimeout(ctx, opts)
	defer cancel()
	n, err := st.ExecuteUpdate(ctx, row)
	return n, timeoutError(ctx, limit, err)
}

// rowsAffected is the one-row result of an update.
func (s *service) rowsAffected(n int64) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	schema := withColumnMetadata(logical.DMLSchema, columnOrigin{})
	b := array.NewInt64Builder(s.mem)
	defer b.Release()
	b.Append(n)
	col := b.NewInt64Array()
	defer col.Release()
	return schema, oneBatch(array.NewRecordBatch(schema, []arrow.Array{col}, 1)), nil
}

// ---- PollFlightInfo: queries are planned synchronously, so a poll answers
// with the complete FlightInfo (no retry descriptor, progress 1).

func completePoll(info *flight.FlightInfo) *flight.PollInfo {
	done := 1.0
	return &flight.PollInfo{Info: info, Progress: &done}
}

// PollFlightInfoStatement is GetFlightInfoStatement as a completed poll.
func (s *service) PollFlightInfoStatement(ctx context.Context, cmd flightsql.StatementQuery, desc *flight.FlightDescriptor) (*flight.PollInfo, error) {
	info, err := s.GetFlightInfoStatement(ctx, cmd, desc)
	if err != nil {
		return nil, err
	}
	return completePoll(info), nil
}

// PollFlightInfoPreparedStatement is GetFlightInfoPreparedStatement as a
// completed poll.
func (s *service) PollFlightInfoPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery, desc *flight.FlightDescriptor) (*flight.PollInfo, error) {
	info, err := s.GetFlightInfoPreparedStatement(ctx, cmd, desc)
	if err != nil {
		return nil, err
	}
	return completePoll(info), nil
}

// PollFlightInfo receives descriptors that are not Flight SQL queries.
func (s *service) PollFlightInfo(context.Context, *flight.FlightDescriptor) (*flight.PollInfo, error) {
	return nil, errs.Invalidf("PollFlightInfo accepts Flight SQL statement and prepared-statement queries only")
}
