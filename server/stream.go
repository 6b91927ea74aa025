package server

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	pb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/quiverdb/quiver/errs"
)

// maxChunkBytes is the largest batch body we put in one Flight message.
// Larger batches are sent as zero-copy slices: grpc clients default to a
// 4 MiB receive limit.
const maxChunkBytes = 2 << 20

// flightService is arrow-go's Flight SQL router with DoGet replaced. The
// stock DoGet leaks the batch it failed to write when a client disconnects
// mid-stream and keeps producing until the producer notices; ours cancels the
// producer and releases every batch it was handed (HARDENING.md).
type flightService struct {
	flight.FlightServer
	svc *service
	// maxPutBody bounds one uploaded message body (Config.MaxRecvMsgBytes).
	maxPutBody int
}

// DoPut checks every uploaded message header before arrow-go's decoder
// sees it (putguard.go), then routes like arrow-go.
func (f *flightService) DoPut(stream flight.FlightService_DoPutServer) error {
	return f.FlightServer.DoPut(&guardedPutStream{FlightService_DoPutServer: stream, maxBody: f.maxPutBody})
}

// DoGet decodes the ticket, asks the service for a stream and sends it.
func (f *flightService) DoGet(tkt *flight.Ticket, stream flight.FlightService_DoGetServer) error {
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	defer f.svc.running.track(tkt.GetTicket(), cancel)()
	schema, ch, err := f.svc.doGet(ctx, tkt.GetTicket())
	if err != nil {
		return err
	}
	return sendChunks(ctx, cancel, stream, schema, ch)
}

// sendChunks writes every chunk of ch as Flight data with schema. It owns
// the chunks: each batch is released after it is written or when the send
// fails, and on return the producer is cancelled and ch drained.
func sendChunks(ctx context.Context, cancel context.CancelFunc, stream flight.DataStreamWriter, schema *arrow.Schema, ch <-chan flight.StreamChunk) error {
	defer func() {
		cancel() // stop the producer first, then drain what it already sent
		for c := range ch {
			if c.Data != nil {
				c.Data.Release()
			}
		}
	}()
	w := flight.NewRecordWriter(stream, ipc.WithSchema(schema))
	defer w.Close()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c, ok := <-ch:
			if !ok {
				// Close sends the schema even for zero-row results.
				return w.Close()
			}
			if c.Err != nil {
				if c.Data != nil {
					c.Data.Release()
				}
				return c.Err
			}
			if c.Data == nil {
				continue
			}
			err := writeSliced(w, c.Data, c.AppMetadata)
			c.Data.Release()
			if err != nil {
				return err
			}
		}
	}
}

// writeSliced writes rec, cut into zero-copy slices of at most about
// maxChunkBytes each.
func writeSliced(w *flight.Writer, rec arrow.RecordBatch, meta []byte) error {
	n := rec.NumRows()
	size := batchBytes(rec)
	if size <= maxChunkBytes || n <= 1 {
		return w.WriteWithAppMetadata(rec, meta)
	}
	step := n * maxChunkBytes / size
	if step < 1 {
		step = 1
	}
	for off := int64(0); off < n; off += step {
		end := min(off+step, n)
		part := rec.NewSlice(off, end)
		err := w.WriteWithAppMetadata(part, meta)
		part.Release()
		meta = nil
		if err != nil {
			return err
		}
	}
	return nil
}

// batchBytes estimates rec's body size from its buffers (an upper bound for
// sliced input).
func batchBytes(rec arrow.RecordBatch) int64 {
	var total int64
	for _, col := range rec.Columns() {
		total += dataBytes(col.Data())
	}
	return total
}

func dataBytes(d arrow.ArrayData) int64 {
	var total int64
	for _, b := range d.Buffers() {
		if b != nil {
			total += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		total += dataBytes(c)
	}
	return total
}

// oneBatch returns a closed channel holding rec; ownership of rec moves to
// the channel's consumer.
func oneBatch(rec arrow.RecordBatch) <-chan flight.StreamChunk {
	ch := make(chan flight.StreamChunk, 1)
	ch <- flight.StreamChunk{Data: rec}
	close(ch)
	return ch
}

// streamReader starts a goroutine that moves rdr's batches into the
// returned channel, re-labelled with schema (the announced schema, with
// column metadata; types must match rdr's up to the wire conversions of
// wiretypes.go, which are applied). It releases rdr, stops when ctx
// is done, and turns a panic into an ErrInternal chunk (logged as a bug).
// onDone runs after rdr is released, before the channel closes.
func (s *service) streamReader(ctx context.Context, rdr array.RecordReader, schema *arrow.Schema, onDone func()) <-chan flight.StreamChunk {
	ch := make(chan flight.StreamChunk)
	go func() {
		defer close(ch)
		defer onDone()
		defer rdr.Release()
		send := func(c flight.StreamChunk) bool {
			select {
			case ch <- c:
				return true
			case <-ctx.Done():
				if c.Data != nil {
					c.Data.Release()
				}
				return false
			}
		}
		defer func() {
			if r := recover(); r != nil {
				send(flight.StreamChunk{Err: panicError(s.log, "result stream", r)})
			}
		}()
		plan, casts, err := castPlan(schema, rdr.Schema())
		if err != nil {
			send(flight.StreamChunk{Err: err})
			return
		}
		for rdr.Next() {
			if ctx.Err() != nil {
				return
			}
			rec := rdr.RecordBatch()
			if _, _, err := castPlan(schema, rec.Schema()); err != nil {
				send(flight.StreamChunk{Err: err})
				return
			}
			var out arrow.RecordBatch
			if casts {
				cols, err := castColumns(ctx, s.mem, rec, plan)
				if err != nil {
					send(flight.StreamChunk{Err: err})
					return
				}
				out = array.NewRecordBatch(schema, cols, rec.NumRows())
				for _, c := range cols {
					c.Release()
				}
			} else {
				// NewRecordBatch retains the columns; the new batch is
				// owned by the channel's consumer.
				out = array.NewRecordBatch(schema, rec.Columns(), rec.NumRows())
			}
			if !send(flight.StreamChunk{Data: out}) {
				return
			}
		}
		if err := rdr.Err(); err != nil {
			send(flight.StreamChunk{Err: err})
		}
	}()
	return ch
}

// doGet routes a DoGet ticket (a protobuf Any holding a Flight SQL command)
// to the handler for its command, like arrow-go's router does.
func (s *service) doGet(ctx context.Context, raw []byte) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	var anycmd anypb.Any
	if err := proto.Unmarshal(raw, &anycmd); err != nil {
		return nil, nil, errs.Invalidf("ticket is not a Flight SQL command; use the ticket from GetFlightInfo")
	}
	cmd, err := anycmd.UnmarshalNew()
	if err != nil {
		return nil, nil, errs.Invalidf("ticket holds an unknown command %q; use the ticket from GetFlightInfo", anycmd.GetTypeUrl())
	}
	switch cmd := cmd.(type) {
	case *pb.TicketStatementQuery:
		return s.DoGetStatement(ctx, cmd)
	case *pb.CommandPreparedStatementQuery:
		return s.DoGetPreparedStatement(ctx, cmd)
	case *pb.CommandGetCatalogs:
		return s.DoGetCatalogs(ctx)
	case *pb.CommandGetDbSchemas:
		return s.DoGetDBSchemas(ctx, dbSchemasCmd{cmd})
	case *pb.CommandGetTables:
		return s.DoGetTables(ctx, tablesCmd{cmd})
	case *pb.CommandGetTableTypes:
		return s.DoGetTableTypes(ctx)
	case *pb.CommandGetXdbcTypeInfo:
		return s.DoGetXdbcTypeInfo(ctx, xdbcCmd{cmd})
	case *pb.CommandGetSqlInfo:
		return s.DoGetSqlInfo(ctx, cmd)
	case *pb.CommandGetPrimaryKeys:
		return s.DoGetPrimaryKeys(ctx, flightsql.TableRef{Catalog: cmd.Catalog, DBSchema: cmd.DbSchema, Table: cmd.Table})
	case *pb.CommandGetExportedKeys:
		return s.DoGetExportedKeys(ctx, flightsql.TableRef{Catalog: cmd.Catalog, DBSchema: cmd.DbSchema, Table: cmd.Table})
	case *pb.CommandGetImportedKeys:
		return s.DoGetImportedKeys(ctx, flightsql.TableRef{Catalog: cmd.Catalog, DBSchema: cmd.DbSchema, Table: cmd.Table})
	case *pb.CommandGetCrossReference:
		return s.DoGetCrossReference(ctx, flightsql.CrossTableRef{
			PKRef: flightsql.TableRef{Catalog: cmd.PkCatalog, DBSchema: cmd.PkDbSchema, Table: cmd.PkTable},
			FKRef: flightsql.TableRef{Catalog: cmd.FkCatalog, DBSchema: cmd.FkDbSchema, Table: cmd.FkTable},
		})
	default:
		return nil, nil, errs.Invalidf("DoGet does not accept %q; use the ticket from GetFlightInfo", anycmd.GetTypeUrl())
	}
}

// Adapters from the protobuf commands to flightsql's getter interfaces
// (proto3 optional fields are pointers in the struct, values in getters).
type dbSchemasCmd struct{ *pb.CommandGetDbSchemas }

func (c dbSchemasCmd) GetCatalog() *string               { return c.Catalog }
func (c dbSchemasCmd) GetDBSchemaFilterPattern() *string { return c.DbSchemaFilterPattern }

type tablesCmd struct{ *pb.CommandGetTables }

func (c tablesCmd) GetCatalog() *string                { return c.Catalog }
func (c tablesCmd) GetDBSchemaFilterPattern() *string  { return c.DbSchemaFilterPattern }
func (c tablesCmd) GetTableNameFilterPattern() *string { return c.TableNameFilterPattern }

type xdbcCmd struct{ *pb.CommandGetXdbcTypeInfo }

func (c xdbcCmd) GetDataType() *int32 { return c.DataType }
