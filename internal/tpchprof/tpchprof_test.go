// Package tpchprof profiles single TPC-H queries at scale factor 1 through
// exec.Engine (no Flight SQL, no DuckDB), for CPU/memory profiling of the
// engine's hot paths:
//
//	go test ./internal/tpchprof -run '^$' -bench 'SF1/q05' -benchtime 1x -cpuprofile /tmp/cpu.out
//
// The benchmark needs the Parquet files in .cache/tpch-sf1 (see
// internal/tools/tpchparquet); without them it fails with a hint.
package tpchprof

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/internal/gctune"
	"github.com/quiverdb/quiver/sources/parquet"
)

// TestMain tunes the collector as `quiver serve` does, so profiles show
// what the server spends.
func TestMain(m *testing.M) {
	gctune.Apply()
	goleak.VerifyTestMain(m)
}

const repoRoot = "../.."

func openRoot(b testing.TB, dir string) *catalog.Root {
	b.Helper()
	tables := map[string]catalog.Table{}
	for _, n := range []string{"customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"} {
		t, err := parquet.OpenFile(context.Background(), filepath.Join(dir, n+".parquet"))
		if err != nil {
			b.Fatalf("open %s (generate with: go run ./internal/tools/tpchparquet -scale 1 -out .cache/tpch-sf1): %v", n, err)
		}
		tables[n] = t
	}
	c := catalog.NewCatalog("files")
	if err := c.AddSchema("public", catalog.NewStatic(tables)); err != nil {
		b.Fatal(err)
	}
	root := catalog.NewRoot()
	if err := root.Add(c); err != nil {
		b.Fatal(err)
	}
	return root
}

// BenchmarkSF1 runs each TPC-H query once per iteration through the engine
// and reports its wall time (s), process CPU time (cpu-s, steadier on a
// shared machine) and result rows.
func BenchmarkSF1(b *testing.B) {
	dir := filepath.Join(repoRoot, ".cache", "tpch-sf1")
	root := openRoot(b, dir)
	defer root.Close()
	paths, err := filepath.Glob(filepath.Join(repoRoot, "testdata", "tpch", "queries", "q*.sql"))
	if err != nil || len(paths) == 0 {
		b.Fatal("no queries", err)
	}
	sort.Strings(paths)
	eng := exec.New(exec.Config{Root: root})
	opts := catalog.Options{Catalog: "files", Schema: "public"}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		id := strings.TrimSuffix(filepath.Base(p), ".sql")
		b.Run(id, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
				cpu0 := cpuTime()
				start := time.Now()
				st, err := eng.Prepare(ctx, opts, string(data))
				if err != nil {
					cancel()
					b.Fatalf("%s: %v", id, err)
				}
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				rr, err := st.Execute(ctx, mem, nil)
				if err != nil {
					cancel()
					b.Fatalf("%s: %v", id, err)
				}
				rows := 0
				for rr.Next() {
					rows += int(rr.RecordBatch().NumRows())
				}
				err = rr.Err()
				rr.Release()
				cancel()
				if err != nil {
					b.Fatalf("%s: %v", id, err)
				}
				b.ReportMetric(time.Since(start).Seconds(), "s")
				b.ReportMetric((cpuTime() - cpu0).Seconds(), "cpu-s")
				b.ReportMetric(float64(rows), "rows")
				runtime.GC()
			}
		})
	}
}

// cpuTime is the process's user+system CPU time: on a shared, loaded
// machine it varies far less than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkExplain logs each query's EXPLAIN (run with -v; no timing).
func BenchmarkExplain(b *testing.B) {
	dir := filepath.Join(repoRoot, ".cache", "tpch-sf1")
	root := openRoot(b, dir)
	defer root.Close()
	paths, _ := filepath.Glob(filepath.Join(repoRoot, "testdata", "tpch", "queries", "q*.sql"))
	sort.Strings(paths)
	eng := exec.New(exec.Config{Root: root})
	opts := catalog.Options{Catalog: "files", Schema: "public"}
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		id := strings.TrimSuffix(filepath.Base(p), ".sql")
		b.Run(id, func(b *testing.B) {
			st, err := eng.Prepare(context.Background(), opts, "EXPLAIN "+string(data))
			if err != nil {
				b.Fatalf("%s: %v", id, err)
			}
			rr, err := st.Execute(context.Background(), memory.NewGoAllocator(), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer rr.Release()
			var sb strings.Builder
			for rr.Next() {
				rec := rr.RecordBatch()
				for r := 0; r < int(rec.NumRows()); r++ {
					sb.WriteString(rec.Column(int(rec.NumCols()) - 1).ValueStr(r))
					sb.WriteByte('\n')
				}
			}
			b.Logf("%s\n%s", id, sb.String())
		})
	}
}
