package server

import (
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
	qmem "github.com/quiverdb/quiver/sources/memory"
)

// paramBatch builds a batch with one column per array (taking ownership).
func paramBatch(cols ...arrow.Array) arrow.RecordBatch {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: "p", Type: c.DataType(), Nullable: true}
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(cols[0].Len()))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

func int32Col(vals ...int32) arrow.Array {
	b := array.NewInt32Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vals, nil)
	return b.NewArray()
}

func stringCol(vals ...string) arrow.Array {
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vals, nil)
	return b.NewArray()
}

// Parameters end to end with the real engine: the parameter schema has the
// inferred types, values of other scalar types convert, updates bind each
// row, and bad values are InvalidArgument.
func TestParametersRealEngine(t *testing.T) {
	data := qmem.NewSchema("public")
	c := catalog.NewCatalog("demo")
	must(t, c.AddSchema("public", data))
	root := catalog.NewRoot()
	must(t, root.Add(c))
	h := start(t, func(cfg *Config) { cfg.Engine = exec.New(exec.Config{Root: root}) })
	t.Cleanup(data.Release)
	ctx := ctxT(t)

	_, err := h.cl.ExecuteUpdate(ctx, "CREATE TABLE t (a BIGINT, b VARCHAR(10))")
	must(t, err)
	u, err := h.cl.Prepare(ctx, "INSERT INTO t VALUES (?, ?)")
	must(t, err)
	ps := u.ParameterSchema()
	if ps.NumFields() != 2 || !arrow.TypeEqual(ps.Field(0).Type, arrow.PrimitiveTypes.Int64) || !arrow.TypeEqual(ps.Field(1).Type, arrow.BinaryTypes.String) {
		t.Fatalf("INSERT parameter schema %s", ps)
	}
	rows3 := paramBatch(int32Col(1, 2, 3), stringCol("one", "two", "three")) // int32 for BIGINT
	defer rows3.Release()
	u.SetParameters(rows3)
	n, err := u.ExecuteUpdate(ctx)
	must(t, err)
	if n != 3 {
		t.Fatalf("inserted %d rows, want 3", n)
	}
	must(t, u.Close(ctx))

	q, err := h.cl.Prepare(ctx, "SELECT b FROM t WHERE a = ?")
	must(t, err)
	if ps := q.ParameterSchema(); ps.NumFields() != 1 || !arrow.TypeEqual(ps.Field(0).Type, arrow.PrimitiveTypes.Int64) || ps.Field(0).Name != "1" {
		t.Fatalf("query parameter schema %s", ps)
	}
	for _, c := range []struct {
		col  arrow.Array
		want []string
	}{
		{int32Col(2), []string{"two"}},
		{stringCol("3"), []string{"three"}},
		{int32Col(7), nil},
	} {
		p := paramBatch(c.col)
		q.SetParameters(p)
		info, err := q.Execute(ctx)
		p.Release()
		must(t, err)
		sc, batches := h.fetch(info)
		if !sc.Equal(q.DatasetSchema()) {
			t.Fatalf("DoGet schema %s, prepared %s", sc, q.DatasetSchema())
		}
		var got []string
		for _, b := range batches {
			for i := 0; i < int(b.NumRows()); i++ {
				got = append(got, b.Column(0).ValueStr(i))
			}
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Fatalf("a = %v: rows %v, want %v", c.col, got, c.want)
		}
	}

	// A value that does not convert: InvalidArgument from GetFlightInfo
	// (the server binds before handing out the ticket).
	p := paramBatch(stringCol("abc"))
	defer p.Release()
	q.SetParameters(p)
	_, err = q.Execute(ctx)
	wantCode(t, err, codes.InvalidArgument)

	// Wrong count: InvalidArgument at bind time.
	two := paramBatch(int32Col(1), int32Col(2))
	defer two.Release()
	q.SetParameters(two)
	_, err = q.Execute(ctx)
	wantCode(t, err, codes.InvalidArgument)
	must(t, q.Close(ctx))
}
