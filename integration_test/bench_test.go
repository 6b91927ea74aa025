package integration_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
	quiverserver "github.com/quiverdb/quiver/server"
	memsrc "github.com/quiverdb/quiver/sources/memory"
)

const (
	benchRows      = 1 << 20
	benchBatchRows = 64 << 10
)

// benchBatches builds benchRows rows of (id BIGINT, price DOUBLE, tag VARCHAR, qty BIGINT).
func benchBatches() (*arrow.Schema, []arrow.RecordBatch) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "price", Type: arrow.PrimitiveTypes.Float64},
		{Name: "tag", Type: arrow.BinaryTypes.String},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	var out []arrow.RecordBatch
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	tags := []string{"alpha", "beta", "gamma", "delta"}
	for i := 0; i < benchRows; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.Float64Builder).Append(float64(i) * 0.25)
		b.Field(2).(*array.StringBuilder).Append(tags[i%4])
		b.Field(3).(*array.Int64Builder).Append(int64(i % 100))
		if (i+1)%benchBatchRows == 0 {
			out = append(out, b.NewRecordBatch())
		}
	}
	return schema, out
}

// bareServer serves the batches with a plain arrow-go DoGet: the baseline
// for what Flight itself costs.
type bareServer struct {
	flight.BaseFlightServer
	schema  *arrow.Schema
	batches []arrow.RecordBatch
}

func (s *bareServer) DoGet(_ *flight.Ticket, stream flight.FlightService_DoGetServer) error {
	w := flight.NewRecordWriter(stream, ipcSchema(s.schema))
	defer w.Close()
	for _, b := range s.batches {
		if err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func serveGRPC(b *testing.B, register func(*grpc.Server)) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	gs := grpc.NewServer()
	register(gs)
	go gs.Serve(lis)
	b.Cleanup(gs.Stop)
	return lis.Addr().String()
}

func drain(b *testing.B, r *flight.Reader) int64 {
	var n int64
	for r.Next() {
		n += r.RecordBatch().NumRows()
	}
	if err := r.Err(); err != nil && err != io.EOF {
		b.Fatal(err)
	}
	r.Release()
	return n
}

// BenchmarkSelectStarStreaming compares `SELECT *` from the memory provider
// through Quiver's Flight SQL path with a bare arrow-go DoGet of the same
// batches, in the same run. Compare the two sub-benchmarks' MB/s.
func BenchmarkSelectStarStreaming(b *testing.B) {
	schema, batches := benchBatches()
	defer func() {
		for _, r := range batches {
			r.Release()
		}
	}()
	var bytes int64
	for _, r := range batches {
		for _, c := range r.Columns() {
			for _, buf := range c.Data().Buffers() {
				if buf != nil {
					bytes += int64(buf.Len())
				}
			}
		}
	}

	b.Run("bare-doget", func(b *testing.B) {
		addr := serveGRPC(b, func(gs *grpc.Server) {
			flight.RegisterFlightServiceServer(gs, &bareServer{schema: schema, batches: batches})
		})
		client, err := flight.NewClientWithMiddleware(addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.Fatal(err)
		}
		defer client.Close()
		b.SetBytes(bytes)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			stream, err := client.DoGet(context.Background(), &flight.Ticket{Ticket: []byte("x")})
			if err != nil {
				b.Fatal(err)
			}
			r, err := flight.NewRecordReader(stream)
			if err != nil {
				b.Fatal(err)
			}
			if n := drain(b, r); n != benchRows {
				b.Fatalf("rows %d", n)
			}
		}
	})

	b.Run("quiver-select-star", func(b *testing.B) {
		root := catalog.NewRoot()
		cat := catalog.NewCatalog("bench")
		table, err := memsrc.NewTable(schema, batches...)
		if err != nil {
			b.Fatal(err)
		}
		defer table.Release()
		if err := cat.AddSchema("public", catalog.NewStatic(map[string]catalog.Table{"t": table})); err != nil {
			b.Fatal(err)
		}
		if err := root.Add(cat); err != nil {
			b.Fatal(err)
		}
		srv, err := quiverserver.New(quiverserver.Config{Engine: exec.New(exec.Config{Root: root}), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DefaultCatalog: "bench", DefaultSchema: "public"})
		if err != nil {
			b.Fatal(err)
		}
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		go srv.Serve(lis)
		defer srv.Shutdown(context.Background())
		client, err := flightsql.NewClient(lis.Addr().String(), nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.Fatal(err)
		}
		defer client.Close()
		b.SetBytes(bytes)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			info, err := client.Execute(context.Background(), "SELECT * FROM t")
			if err != nil {
				b.Fatal(err)
			}
			r, err := client.DoGet(context.Background(), info.Endpoint[0].Ticket)
			if err != nil {
				b.Fatal(err)
			}
			if n := drain(b, r); n != benchRows {
				b.Fatalf("rows %d", n)
			}
		}
	})
}

func ipcSchema(s *arrow.Schema) ipc.Option { return ipc.WithSchema(s) }
