package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConformance(t *testing.T) {
	s := accountsSchema
	sourcetest.Run(t, sourcetest.Harness{
		New: func(testing.TB) catalog.Table { return NewAccounts(300) },
		Filters: []expr.Expr{
			sourcetest.Cmp(s, "id", expr.OpEq, 42),
			sourcetest.Cmp(s, "id", expr.OpEq, 100000), // no such id
			sourcetest.Cmp(s, "balance", expr.OpGt, 7000.5),
			sourcetest.Cmp(s, "balance", expr.OpGt, 1e9), // prunes everything
			sourcetest.Cmp(s, "name", expr.OpEq, "customer-005"),
			&expr.Binary{Op: expr.OpLt, Left: &expr.Literal{DataType: arrow.PrimitiveTypes.Float64, Value: 2500.0}, Right: sourcetest.Col(s, "balance"), DataType: arrow.FixedWidthTypes.Boolean},
		},
	})
}

func TestPlanClassifies(t *testing.T) {
	s := accountsSchema
	a := NewAccounts(100)
	vs, err := a.SupportsFilters([]expr.Expr{
		sourcetest.Cmp(s, "id", expr.OpEq, 1),
		sourcetest.Cmp(s, "balance", expr.OpGt, 10.0),
		sourcetest.Cmp(s, "id", expr.OpGt, 1),
		sourcetest.Cmp(s, "balance", expr.OpLt, 10.0),
		sourcetest.IsNull(s, "name", false),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []catalog.Verdict{catalog.FilterExact, catalog.FilterInexact, catalog.FilterUnsupported, catalog.FilterUnsupported, catalog.FilterUnsupported}
	for i := range want {
		if vs[i] != want[i] {
			t.Errorf("verdict %d = %s, want %s", i, vs[i], want[i])
		}
	}
	// Pruning really skips buckets.
	all, _ := a.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	some, _ := a.Scan(context.Background(), catalog.ScanRequest{Limit: -1, Filters: []expr.Expr{sourcetest.Cmp(s, "balance", expr.OpGt, 8000.0)}})
	if len(some.Partitions()) >= len(all.Partitions()) {
		t.Errorf("balance > 8000 kept %d of %d buckets", len(some.Partitions()), len(all.Partitions()))
	}
}

// TestServeAndQuery builds this example binary, serves the accounts
// provider over Flight SQL and queries it with arrow-go's Flight SQL client:
// the custom provider's pushdown shows in EXPLAIN and its rows come back.
func TestServeAndQuery(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "customsource")
	build := osexec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := osexec.CommandContext(ctx, bin, "serve", "--listen", "127.0.0.1:0")
	srv.Cancel = func() error { return srv.Process.Signal(os.Interrupt) }
	srv.WaitDelay = 10 * time.Second
	stderr, err := srv.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = srv.Wait() }()
	addr := ""
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := regexp.MustCompile(`grpc://([0-9.]+:[0-9]+)`).FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
			break
		}
	}
	if addr == "" {
		t.Fatal("the example did not log its serving line")
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()

	query := func(sql string) []string {
		var out bytes.Buffer
		cmd := osexec.CommandContext(ctx, bin, "query", "--server", "grpc://"+addr, "--format", "csv", sql)
		cmd.Stdout = &out
		cmd.Stderr = &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\n%s", sql, err, out.String())
		}
		return strings.Split(strings.TrimSpace(out.String()), "\n")
	}
	if got := query("SELECT id FROM accounts WHERE id = 7"); len(got) != 2 || got[1] != "7" {
		t.Fatalf("id = 7: %q", got)
	}
	plan := strings.Join(query("EXPLAIN SELECT id, name FROM accounts WHERE id = 7 AND balance > 9000 AND name LIKE 'a%'"), "\n")
	for _, want := range []string{"full_filters=[id = 7]", "partial_filters=[balance > ", "unsupported=[name LIKE 'a%']"} {
		if !strings.Contains(plan, want) {
			t.Errorf("EXPLAIN lacks %q:\n%s", want, plan)
		}
	}
	if got := query("SELECT count(*) FROM accounts"); len(got) != 2 || got[1] != "1000" {
		t.Fatalf("count: %q", got)
	}
}
