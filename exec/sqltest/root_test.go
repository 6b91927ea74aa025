package sqltest_test

import (
	"context"
	"testing"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/sources/infoschema"
	"github.com/quiverdb/quiver/sources/memory"
	"github.com/quiverdb/quiver/sources/parquet"
	"github.com/quiverdb/quiver/sources/tpch"
)

// newRoot builds a fresh catalog for one golden file:
//
//	test.public  writable memory schema (the session's default)
//	test.demo    sales: the demo Parquet files (Inexact row-group pruning)
//	test.tpch    the TPC-H tables at scale 0.01 (Exact key filters), in
//	             partitions of about 4000 rows
//	test.information_schema  the INFORMATION_SCHEMA views
//
// cleanup releases every memory table's data.
func newRoot(t *testing.T) (*catalog.Root, func()) {
	t.Helper()
	ctx := context.Background()
	root := catalog.NewRoot()
	c := catalog.NewCatalog("test")
	mem := memory.NewSchema("public")
	must(t, c.AddSchema("public", mem))
	sales, err := parquet.Factory().Table(ctx, catalog.ProviderOptions{
		Path: "test.demo.sales", BaseDir: "../..", Values: map[string]any{parquet.OptPath: "testdata/sales/*.parquet"},
	})
	must(t, err)
	must(t, c.AddSchema("demo", catalog.NewStatic(map[string]catalog.Table{"sales": sales})))
	tp, err := tpch.NewSchema(0.01, 4000)
	must(t, err)
	must(t, c.AddSchema("tpch", tp))
	must(t, root.Add(c))
	must(t, infoschema.Attach(root))
	return root, mem.Release
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
