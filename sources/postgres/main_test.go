package postgres

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/sources/postgres/pgtest"
)

// cluster is the throw-away PostgreSQL server every test of the package
// uses (started once in TestMain).
var cluster *pgtest.Cluster

// stopAfter stops the cluster after the tests and before goleak looks.
type stopAfter struct{ m *testing.M }

func (s stopAfter) Run() int {
	defer cluster.Stop()
	return s.m.Run()
}

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	c, err := pgtest.Start(ctx)
	cancel()
	if err != nil {
		// Never skip: the postgres provider is tested against a real server.
		fmt.Fprintf(os.Stderr, "sources/postgres tests need a PostgreSQL server: %v\n(run `make test`, which installs it)\n", err)
		os.Exit(1)
	}
	cluster = c
	goleak.VerifyTestMain(stopAfter{m})
}

var tableSeq atomic.Int64

// uniqueName returns a fresh table name for a test.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), tableSeq.Add(1))
}

func testConfig() Config {
	return Config{Name: "test.pg", DSN: cluster.DSN(), Schema: "public", Partitions: 4, PartitionRows: 500}
}

// openSchema opens the test database's public schema, closed at cleanup.
func openSchema(t testing.TB, cfg Config) *Schema {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := OpenSchema(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// execSQL runs setup SQL through the schema's pool.
func execSQL(t testing.TB, s *Schema, sql string, args ...any) {
	t.Helper()
	if _, err := s.src.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func newMem(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}
