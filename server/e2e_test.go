package server

import (
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"google.golang.org/grpc/codes"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
	qmem "github.com/quiverdb/quiver/sources/memory"
)

// End to end with the real engine and a writable memory schema: DDL, DML
// and queries through a real Flight SQL client.
func TestEndToEndRealEngine(t *testing.T) {
	data := qmem.NewSchema("public")
	c := catalog.NewCatalog("demo")
	must(t, c.AddSchema("public", data))
	root := catalog.NewRoot()
	must(t, root.Add(c))
	h := start(t, func(cfg *Config) { cfg.Engine = exec.New(exec.Config{Root: root}) })
	t.Cleanup(data.Release) // runs before the allocator check
	ctx := ctxT(t)

	_, err := h.cl.ExecuteUpdate(ctx, "CREATE TABLE t (a INT, b VARCHAR(10))")
	must(t, err)

	// DML arriving as a query (ADBC cursor.execute): executed, count returned.
	info, err := h.cl.Execute(ctx, "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')")
	must(t, err)
	_, batches := h.fetch(info)
	if len(batches) != 1 || batches[0].Column(0).(*array.Int64).Value(0) != 3 {
		t.Fatalf("INSERT as query returned %v", batches)
	}

	p, err := h.cl.Prepare(ctx, "SELECT b, a * 10 AS x FROM t WHERE a >= 2 ORDER BY a")
	must(t, err)
	if upd, ok := p.IsUpdate(); !ok || upd {
		t.Fatalf("IsUpdate %v %v", upd, ok)
	}
	info, err = p.Execute(ctx)
	must(t, err)
	sc, batches := h.fetch(info)
	if !sc.Equal(p.DatasetSchema()) {
		t.Fatalf("DoGet schema\n%s\nprepare schema\n%s", sc, p.DatasetSchema())
	}
	var got []string
	for _, b := range batches {
		for i := 0; i < int(b.NumRows()); i++ {
			got = append(got, b.Column(0).ValueStr(i)+"="+b.Column(1).ValueStr(i))
		}
	}
	if want := []string{"two=20", "three=30"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	must(t, p.Close(ctx))

	// Zero rows still carry the schema.
	info, err = h.cl.Execute(ctx, "SELECT a FROM t WHERE 1 = 0")
	must(t, err)
	sc, batches = h.fetch(info)
	if sc.NumFields() != 1 || len(int64RowsAny(batches)) != 0 {
		t.Fatalf("schema %s, batches %v", sc, batches)
	}

	// Metadata sees the new table.
	info, err = h.cl.GetTables(ctx, &flightsql.GetTablesOpts{TableNameFilterPattern: strPtr("t"), IncludeSchema: true})
	must(t, err)
	_, batches = h.fetch(info)
	if got := rows(t, batches, 0, 1, 2, 3); !reflect.DeepEqual(got, [][]string{{"demo", "public", "t", "TABLE"}}) {
		t.Fatalf("GetTables %v", got)
	}

	// Error codes from the real planner.
	_, err = h.cl.Execute(ctx, "SELEC a FROM t")
	wantCode(t, err, codes.InvalidArgument)
	_, err = h.cl.Execute(ctx, "SELECT a FROM nowhere")
	wantCode(t, err, codes.NotFound)
	if !strings.Contains(err.Error(), "nowhere") {
		t.Fatalf("message does not name the table: %v", err)
	}
}

func int64RowsAny(batches []arrow.RecordBatch) []int {
	var out []int
	for _, b := range batches {
		for i := 0; i < int(b.NumRows()); i++ {
			out = append(out, i)
		}
	}
	return out
}
