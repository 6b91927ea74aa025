package server

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
)

var upSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// uploadReader returns a reader of n batches of two rows each.
func uploadReader(t *testing.T, mem memory.Allocator, schema *arrow.Schema, n int) array.RecordReader {
	t.Helper()
	var batches []arrow.RecordBatch
	for i := range n {
		b := array.NewRecordBuilder(mem, schema)
		switch schema.Field(0).Type.ID() {
		case arrow.INT64:
			b.Field(0).(*array.Int64Builder).AppendValues([]int64{int64(2 * i), int64(2*i + 1)}, nil)
		default:
			b.Field(0).(*array.StringBuilder).AppendValues([]string{"x", "y"}, nil)
		}
		b.Field(1).(*array.StringBuilder).AppendValues([]string{"a", "b"}, nil)
		batches = append(batches, b.NewRecordBatch())
		b.Release()
	}
	rdr, err := array.NewRecordReader(schema, batches)
	must(t, err)
	for _, b := range batches {
		b.Release()
	}
	return rdr
}

func ingest(t *testing.T, h *harness, ctx context.Context, rdr array.RecordReader, table string, exists flightsql.TableDefinitionOptionsTableExistsOption, missing flightsql.TableDefinitionOptionsTableNotExistOption) (int64, error) {
	t.Helper()
	defer rdr.Release()
	return h.cl.ExecuteIngest(ctx, rdr, &flightsql.ExecuteIngestOpts{
		Table:                  table,
		TableDefinitionOptions: &flightsql.TableDefinitionOptions{IfExists: exists, IfNotExist: missing},
	})
}

func countRows(t *testing.T, h *harness, table string) int64 {
	t.Helper()
	info, err := h.cl.Execute(ctxT(t), "SELECT COUNT(*) FROM "+table)
	must(t, err)
	_, batches := h.fetch(info)
	return batches[0].Column(0).(*array.Int64).Value(0)
}

func TestIngest(t *testing.T) {
	h := realEngine(t)
	ctx := ctxT(t)
	const (
		unspec  = flightsql.TableDefinitionOptionsTableExistsOptionUnspecified
		appendM = flightsql.TableDefinitionOptionsTableExistsOptionAppend
		replace = flightsql.TableDefinitionOptionsTableExistsOptionReplace
		create  = flightsql.TableDefinitionOptionsTableNotExistOptionUnspecified
		failNE  = flightsql.TableDefinitionOptionsTableNotExistOptionFail
	)
	n, err := ingest(t, h, ctx, uploadReader(t, h.mem, upSchema, 3), "up", unspec, create)
	must(t, err)
	if n != 6 || countRows(t, h, "up") != 6 {
		t.Fatalf("create: %d rows", n)
	}
	// The created table has the upload's columns, queryable by name.
	info, err := h.cl.Execute(ctx, "SELECT name FROM up WHERE id = 5")
	must(t, err)
	if _, b := h.fetch(info); b[0].Column(0).ValueStr(0) != "b" {
		t.Fatalf("row %v", b)
	}

	_, err = ingest(t, h, ctx, uploadReader(t, h.mem, upSchema, 1), "up", unspec, create)
	wantCode(t, err, codes.AlreadyExists)

	n, err = ingest(t, h, ctx, uploadReader(t, h.mem, upSchema, 2), "up", appendM, create)
	must(t, err)
	if n != 4 || countRows(t, h, "up") != 10 {
		t.Fatalf("append: %d", n)
	}

	// A mismatched schema writes nothing.
	bad := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}, {Name: "name", Type: arrow.BinaryTypes.String}}, nil)
	_, err = ingest(t, h, ctx, uploadReader(t, h.mem, bad, 2), "up", appendM, create)
	wantCode(t, err, codes.InvalidArgument)
	if got := countRows(t, h, "up"); got != 10 {
		t.Fatalf("rejected ingest changed the table: %d rows", got)
	}

	n, err = ingest(t, h, ctx, uploadReader(t, h.mem, upSchema, 1), "up", replace, create)
	must(t, err)
	if n != 2 || countRows(t, h, "up") != 2 {
		t.Fatalf("replace: %d", n)
	}

	_, err = ingest(t, h, ctx, uploadReader(t, h.mem, upSchema, 1), "missing", appendM, failNE)
	wantCode(t, err, codes.NotFound)
	_, err = h.cl.Execute(ctx, "SELECT * FROM missing")
	wantCode(t, err, codes.NotFound)

	rdr := uploadReader(t, h.mem, upSchema, 1)
	defer rdr.Release()
	_, err = h.cl.ExecuteIngest(ctx, rdr, &flightsql.ExecuteIngestOpts{Table: "tmp", Temporary: true, TableDefinitionOptions: &flightsql.TableDefinitionOptions{}})
	wantCode(t, err, codes.Unimplemented)

	// Into another schema, named in the command.
	rdr2 := uploadReader(t, h.mem, upSchema, 1)
	defer rdr2.Release()
	schemaName := "misc"
	n, err = h.cl.ExecuteIngest(ctx, rdr2, &flightsql.ExecuteIngestOpts{Table: "up2", Schema: &schemaName, TableDefinitionOptions: &flightsql.TableDefinitionOptions{}})
	must(t, err)
	if n != 2 || countRows(t, h, "demo.misc.up2") != 2 {
		t.Fatalf("ingest into misc: %d", n)
	}
}

// stallingReader yields its first batches, then blocks until ctx is done
// and fails (an upload cut off mid-stream). Ending with an error rather
// than a clean EOF matters: on a clean EOF the client half-closes the
// stream, which is a complete upload the server rightly commits.
type stallingReader struct {
	array.RecordReader
	ctx  context.Context
	left int
	err  error
}

func (r *stallingReader) Next() bool {
	if r.left == 0 {
		<-r.ctx.Done()
		r.err = r.ctx.Err()
		return false
	}
	r.left--
	return r.RecordReader.Next()
}

func (r *stallingReader) Err() error { return r.err }

func TestIngestCutOffLeavesNothing(t *testing.T) {
	h := realEngine(t)
	for _, table := range []string{"cut_new", "cut_old"} {
		if table == "cut_old" {
			_, err := ingest(t, h, ctxT(t), uploadReader(t, h.mem, upSchema, 1), table, 0, 0)
			must(t, err)
		}
		ctx, cancel := context.WithCancel(ctxT(t))
		src := uploadReader(t, h.mem, upSchema, 5)
		rdr := &stallingReader{RecordReader: src, ctx: ctx, left: 3}
		done := make(chan error, 1)
		go func() {
			_, err := h.cl.ExecuteIngest(ctx, rdr, &flightsql.ExecuteIngestOpts{Table: table,
				TableDefinitionOptions: &flightsql.TableDefinitionOptions{IfExists: flightsql.TableDefinitionOptionsTableExistsOptionAppend}})
			done <- err
		}()
		time.Sleep(100 * time.Millisecond) // three batches are on the server
		cancel()
		if err := <-done; err == nil {
			t.Fatal("cut-off ingest succeeded")
		}
		src.Release()
		// The server notices the cut and fails its single Insert.
		deadline := time.Now().Add(600 * time.Millisecond)
		for time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			info, err := h.cl.Execute(ctxT(t), "SELECT COUNT(*) FROM "+table)
			if table == "cut_new" {
				if err == nil {
					_, b := h.fetch(info)
					t.Fatalf("cut-off create left a table with %s rows", b[0].Column(0).ValueStr(0))
				}
				continue
			}
			must(t, err)
			if _, b := h.fetch(info); b[0].Column(0).(*array.Int64).Value(0) != 2 {
				t.Fatalf("cut-off append left %s rows, want the 2 from before", b[0].Column(0).ValueStr(0))
			}
		}
	}
}
