package postgres

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
)

// BenchmarkSelectStar reads a 10M-row integer table (200k with -short)
// two ways in the same run:
//   - quiver: through the provider, every partition (ctid ranges) read on
//     its own goroutine as the engine does, into Arrow batches;
//   - copy_binary: PostgreSQL's own COPY ... TO STDOUT (FORMAT binary)
//     received by pgx (bytes only, no decoding: an upper bound).
//
// Both report rows/s. The target: quiver >= 0.7x copy_binary.
func BenchmarkSelectStar(b *testing.B) {
	rows := 10_000_000
	if testing.Short() {
		rows = 200_000
	}
	cfg := testConfig()
	cfg.Partitions = 4
	cfg.PartitionRows = 100_000
	s := openSchema(b, cfg)
	name := fmt.Sprintf("bench_ints_%d", rows)
	q := quoteIdent(name)
	ctx := context.Background()
	var have int64
	if err := s.src.pool.QueryRow(ctx, "SELECT count(*) FROM pg_class WHERE relname = $1", name).Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have == 0 {
		start := time.Now()
		execSQL(b, s, "CREATE TABLE "+q+" (id bigint NOT NULL, a integer, b bigint, c integer)")
		execSQL(b, s, fmt.Sprintf("INSERT INTO %s SELECT g, g %% 1000, g * 7, CASE WHEN g %% 10 = 0 THEN NULL ELSE g %% 97 END FROM generate_series(1, %d) g", q, rows))
		execSQL(b, s, "VACUUM ANALYZE "+q)
		b.Logf("loaded %d rows in %v", rows, time.Since(start))
	}
	tbl, err := s.Table(ctx, name)
	if err != nil {
		b.Fatal(err)
	}
	mem := memory.NewGoAllocator()

	// The same read forced into one partition (one connection), to compare
	// stream against stream.
	cfg1 := cfg
	cfg1.Partitions = 1
	tbl1, err := openSchema(b, cfg1).Table(ctx, name)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("quiver", func(b *testing.B) { benchRead(b, ctx, tbl, mem, rows) })
	b.Run("quiver_1partition", func(b *testing.B) { benchRead(b, ctx, tbl1, mem, rows) })
	b.Run("copy_binary", func(b *testing.B) {
		conn, err := s.src.pool.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Release()
		b.ResetTimer()
		start := time.Now()
		var bytes int64
		for i := 0; i < b.N; i++ {
			w := &countingWriter{}
			tag, err := conn.Conn().PgConn().CopyTo(ctx, w, "COPY "+q+" TO STDOUT (FORMAT binary)")
			if err != nil {
				b.Fatal(err)
			}
			if tag.RowsAffected() != int64(rows) {
				b.Fatalf("COPY sent %d rows, want %d", tag.RowsAffected(), rows)
			}
			bytes += w.n
		}
		el := time.Since(start)
		b.ReportMetric(float64(rows)*float64(b.N)/el.Seconds(), "rows/s")
		b.ReportMetric(float64(bytes)/float64(b.N)/float64(rows), "bytes/row")
	})
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)

// benchRead reads every partition of a full scan of tbl, each on its own
// goroutine, b.N times, and reports rows/s.
func benchRead(b *testing.B, ctx context.Context, tbl catalog.Table, mem memory.Allocator, rows int) {
	scan, err := tbl.Scan(ctx, catalog.ScanRequest{Limit: -1})
	if err != nil {
		b.Fatal(err)
	}
	parts := scan.Partitions()
	b.ResetTimer()
	start := time.Now()
	var total atomic.Int64
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		errc := make(chan error, len(parts))
		for _, p := range parts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rr, err := p.Open(ctx, mem)
				if err != nil {
					errc <- err
					return
				}
				defer rr.Release()
				for rr.Next() {
					total.Add(rr.RecordBatch().NumRows())
				}
				if err := rr.Err(); err != nil {
					errc <- err
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			b.Fatal(err)
		}
	}
	el := time.Since(start)
	if total.Load() != int64(rows)*int64(b.N) {
		b.Fatalf("read %d rows, want %d", total.Load(), int64(rows)*int64(b.N))
	}
	b.ReportMetric(float64(total.Load())/el.Seconds(), "rows/s")
	b.ReportMetric(float64(len(parts)), "partitions")
}
