package server

import (
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
	qmem "github.com/quiverdb/quiver/sources/memory"
)

// DELETE, UPDATE, TRUNCATE, index and view DDL through a real Flight SQL
// client and the real engine: DoPutCommandStatementUpdate (ADBC
// execute_update) reports MySQL's affected-row counts, prepared updates
// bind their parameters, and DML sent as a query returns the count too.
func TestDMLThroughFlightSQL(t *testing.T) {
	data := qmem.NewSchema("public")
	c := catalog.NewCatalog("demo")
	must(t, c.AddSchema("public", data))
	root := catalog.NewRoot()
	must(t, root.Add(c))
	h := start(t, func(cfg *Config) { cfg.Engine = exec.New(exec.Config{Root: root}) })
	t.Cleanup(data.Release) // runs before the allocator check
	ctx := ctxT(t)

	update := func(sql string, want int64) {
		t.Helper()
		n, err := h.cl.ExecuteUpdate(ctx, sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if n != want {
			t.Fatalf("%s: %d rows affected, want %d", sql, n, want)
		}
	}
	query := func(sql string) []string {
		t.Helper()
		info, err := h.cl.Execute(ctx, sql)
		must(t, err)
		_, batches := h.fetch(info)
		var out []string
		for _, b := range batches {
			for i := 0; i < int(b.NumRows()); i++ {
				s := ""
				for j := 0; j < int(b.NumCols()); j++ {
					if j > 0 {
						s += "|"
					}
					s += b.Column(j).ValueStr(i)
				}
				out = append(out, s)
			}
		}
		return out
	}

	update("CREATE TABLE t (id INT NOT NULL, qty INT)", 0)
	update("INSERT INTO t VALUES (1, 10), (2, 20), (3, NULL), (4, 40)", 4)
	update("DELETE FROM t WHERE qty > 30", 1)
	update("DELETE FROM t WHERE qty > 1000", 0)
	update("UPDATE t SET qty = qty + 1 WHERE qty IS NOT NULL", 2)
	update("UPDATE t SET qty = 11 WHERE id = 1", 0) // matched, not changed
	if got, want := query("SELECT id, qty FROM t ORDER BY id"), []string{"1|11", "2|21", "3|(null)"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}

	// A prepared UPDATE with parameters, executed twice.
	p, err := h.cl.Prepare(ctx, "UPDATE t SET qty = ? WHERE id = ?")
	must(t, err)
	if upd, ok := p.IsUpdate(); ok && !upd {
		t.Fatal("prepared UPDATE not reported as an update")
	}
	for _, args := range [][2]int64{{5, 1}, {6, 3}} {
		p.SetParameters(dmlParams(t, args[0], args[1]))
		n, err := p.ExecuteUpdate(ctx)
		must(t, err)
		if n != 1 {
			t.Fatalf("prepared UPDATE %v: %d rows, want 1", args, n)
		}
	}
	must(t, p.Close(ctx))
	if got, want := query("SELECT qty FROM t ORDER BY id"), []string{"5", "21", "6"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after prepared updates %v, want %v", got, want)
	}

	// DML sent as a query (ADBC cursor.execute) returns the count as a row.
	info, err := h.cl.Execute(ctx, "DELETE FROM t WHERE id = 2")
	must(t, err)
	_, batches := h.fetch(info)
	if len(batches) != 1 || batches[0].Column(0).(*array.Int64).Value(0) != 1 {
		t.Fatalf("DELETE as a query returned %v", batches)
	}

	update("CREATE INDEX i_qty ON t (qty)", 0)
	update("DROP INDEX i_qty ON t", 0)
	update("CREATE VIEW v AS SELECT id * 10 AS x FROM t", 0)
	if got, want := query("SELECT x FROM v ORDER BY x"), []string{"10", "30"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("view rows %v, want %v", got, want)
	}
	// GetTables lists the view as a VIEW, its schema planned from its query.
	info, err = h.cl.GetTables(ctx, &flightsql.GetTablesOpts{IncludeSchema: true})
	must(t, err)
	_, batches = h.fetch(info)
	if got := rows(t, batches, 2, 3); !reflect.DeepEqual(got, [][]string{{"t", "TABLE"}, {"v", "VIEW"}}) {
		t.Fatalf("GetTables %v", got)
	}
	for _, b := range batches {
		for i := 0; i < int(b.NumRows()); i++ {
			sc, err := flight.DeserializeSchema(b.Column(4).(*array.Binary).Value(i), memory.DefaultAllocator)
			must(t, err)
			if b.Column(2).ValueStr(i) == "v" && (sc.NumFields() != 1 || sc.Field(0).Name != "x") {
				t.Fatalf("view schema %s, want one column x", sc)
			}
		}
	}
	info, err = h.cl.GetTables(ctx, &flightsql.GetTablesOpts{TableTypes: []string{"VIEW"}})
	must(t, err)
	_, batches = h.fetch(info)
	if got := rows(t, batches, 2, 3); !reflect.DeepEqual(got, [][]string{{"v", "VIEW"}}) {
		t.Fatalf("GetTables VIEW %v", got)
	}
	update("DROP VIEW v", 0)
	update("TRUNCATE TABLE t", 0)
	if got := query("SELECT count(*) FROM t"); !reflect.DeepEqual(got, []string{"0"}) {
		t.Fatalf("count after TRUNCATE %v", got)
	}

	// Errors keep their kinds across the wire.
	_, err = h.cl.ExecuteUpdate(ctx, "UPDATE t SET nope = 1")
	wantCode(t, err, codes.NotFound)
	_, err = h.cl.ExecuteUpdate(ctx, "DELETE FROM missing")
	wantCode(t, err, codes.NotFound)
	_, err = h.cl.ExecuteUpdate(ctx, "DROP INDEX nope ON t")
	wantCode(t, err, codes.NotFound)
}

// dmlParams is one row of two BIGINT parameters.
func dmlParams(t *testing.T, a, b int64) arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "1", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "2", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer bld.Release()
	bld.Field(0).(*array.Int64Builder).Append(a)
	bld.Field(1).(*array.Int64Builder).Append(b)
	rec := bld.NewRecordBatch()
	t.Cleanup(rec.Release)
	return rec
}
