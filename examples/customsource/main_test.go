package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

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

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"providers: [accounts csv jsonl memory parquet tpch]", "id = 7", "Exact", "Inexact", "Unsupported"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}
