package integration_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	adbcflight "github.com/apache/arrow-adbc/go/adbc/driver/flightsql"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	_ "github.com/apache/arrow-go/v18/arrow/flight/flightsql/driver"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// adbcQuery runs sql through the ADBC Go driver and returns the rows
// rendered as strings ("NULL" for nulls), one []string per row.
func adbcQuery(t *testing.T, cnxn adbc.Connection, query string) ([]string, [][]string) {
	t.Helper()
	stmt, err := cnxn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	if err := stmt.SetSqlQuery(query); err != nil {
		t.Fatal(err)
	}
	rdr, _, err := stmt.ExecuteQuery(ctxT(t))
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rdr.Release()
	return collect(t, rdr)
}

func collect(t *testing.T, rdr array.RecordReader) ([]string, [][]string) {
	t.Helper()
	var names []string
	for _, f := range rdr.Schema().Fields() {
		names = append(names, f.Name)
	}
	var rows [][]string
	for rdr.Next() {
		rows = append(rows, render(rdr.RecordBatch())...)
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	return names, rows
}

func render(rec arrow.RecordBatch) [][]string {
	var rows [][]string
	for r := 0; r < int(rec.NumRows()); r++ {
		row := make([]string, rec.NumCols())
		for c := range row {
			if rec.Column(c).IsNull(r) {
				row[c] = "NULL"
			} else {
				row[c] = rec.Column(c).ValueStr(r)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func openADBC(t *testing.T, s *server) adbc.Connection {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	db, err := adbcflight.NewDriver(mem).NewDatabase(map[string]string{adbc.OptionKeyURI: s.URI()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cnxn, err := db.Open(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cnxn.Close() })
	return cnxn
}

func TestADBCGoDriverQueries(t *testing.T) {
	s := startServer(t)
	cnxn := openADBC(t, s)

	_, rows := adbcQuery(t, cnxn, "SELECT count(*) FROM tpch.region")
	if len(rows) != 1 || rows[0][0] != "5" {
		t.Fatalf("tpch.region count = %v, want 5", rows)
	}
	names, rows := adbcQuery(t, cnxn, "SELECT n_name, n_regionkey FROM demo.tpch.nation WHERE n_nationkey < 3 ORDER BY n_nationkey")
	if strings.Join(names, ",") != "n_name,n_regionkey" || len(rows) != 3 {
		t.Fatalf("nation: %v %v", names, rows)
	}
	_, rows = adbcQuery(t, cnxn, "SELECT region, count(*) AS n, sum(quantity) FROM sales WHERE day BETWEEN 10 AND 19 GROUP BY region ORDER BY region")
	total := 0
	for _, r := range rows {
		var n int
		for _, ch := range r[1] {
			n = n*10 + int(ch-'0')
		}
		total += n
	}
	if total != 100 { // 10 days × 10 rows a day in the demo data
		t.Fatalf("sales rows for days 10..19 = %d, want 100 (%v)", total, rows)
	}
	_, rows = adbcQuery(t, cnxn, "SELECT c.name, count(*) FROM customers c JOIN sales s ON s.customer_id = c.id WHERE c.id = 1 GROUP BY c.name")
	if len(rows) != 1 {
		t.Fatalf("join customers×sales for id=1: %v", rows)
	}
	_, rows = adbcQuery(t, cnxn, "SELECT name FROM customers WHERE id = 1")
	if len(rows) != 1 {
		t.Fatalf("customers id=1: %v", rows)
	}
	// SQL consoles introspect with SHOW and INFORMATION_SCHEMA.
	names, rows = adbcQuery(t, cnxn, "SHOW TABLES")
	if strings.Join(names, ",") != "Tables_in_public" || len(rows) != 3 || rows[0][0] != "customers" {
		t.Fatalf("SHOW TABLES: %v %v", names, rows)
	}
	_, rows = adbcQuery(t, cnxn, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'sales' AND ordinal_position = 7")
	if len(rows) != 1 || rows[0][0] != "amount" || rows[0][1] != "decimal" {
		t.Fatalf("information_schema.columns: %v", rows)
	}
	_, rows = adbcQuery(t, cnxn, "SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind")
	if len(rows) == 0 || len(rows) > 4 {
		t.Fatalf("events kinds: %v", rows)
	}
}

func TestADBCGoDriverMetadata(t *testing.T) {
	s := startServer(t)
	cnxn := openADBC(t, s)
	ctx := ctxT(t)

	schema, err := cnxn.GetTableSchema(ctx, ptr("demo"), ptr("tpch"), "lineitem")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := schema.FieldsByName("l_orderkey"); !ok {
		t.Fatalf("lineitem schema lacks l_orderkey: %v", schema)
	}
	rdr, err := cnxn.GetObjects(ctx, adbc.ObjectDepthTables, ptr("demo"), nil, ptr("sal%"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	found := false
	for rdr.Next() {
		js, _ := rdr.RecordBatch().MarshalJSON()
		if strings.Contains(string(js), `"sales"`) {
			found = true
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatal("GetObjects(table_name LIKE 'sal%') did not list demo.public.sales")
	}
	info, err := cnxn.GetInfo(ctx, []adbc.InfoCode{adbc.InfoVendorName})
	if err != nil {
		t.Fatal(err)
	}
	defer info.Release()
	var vendor string
	for info.Next() {
		js, _ := info.RecordBatch().MarshalJSON()
		vendor += string(js)
	}
	if !strings.Contains(vendor, "Quiver") {
		t.Fatalf("vendor name not reported: %s", vendor)
	}
}

func ptr(s string) *string { return &s }

func TestFlightSQLClientAndErrors(t *testing.T) {
	s := startServer(t)
	client, err := flightsql.NewClient(s.addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx := ctxT(t)

	info, err := client.Execute(ctx, "SELECT r_regionkey, r_name FROM tpch.region ORDER BY r_regionkey DESC LIMIT 2")
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Endpoint) != 1 || len(info.Endpoint[0].Location) != 0 {
		t.Fatalf("want one endpoint with no location, got %v", info.Endpoint)
	}
	rdr, err := client.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	_, rows := collect(t, rdr)
	rdr.Release()
	if len(rows) != 2 || rows[0][0] != "4" || rows[1][0] != "3" {
		t.Fatalf("rows = %v", rows)
	}

	for _, c := range []struct {
		sql  string
		code codes.Code
		want string
	}{
		{"SELEC 1", codes.InvalidArgument, "line 1"},
		{"SELECT * FROM no_such_table", codes.NotFound, "no_such_table"},
		{"SELECT no_such_column FROM tpch.region", codes.NotFound, "no_such_column"},
		{"DELETE FROM tpch.region WHERE 1 = 1", codes.Unimplemented, "cannot delete"},
		{"SELECT " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000), codes.ResourceExhausted, "nest deeper than 1000"},
	} {
		_, err := client.Execute(ctx, c.sql)
		st, _ := status.FromError(err)
		if err == nil || st.Code() != c.code || !strings.Contains(st.Message(), c.want) {
			t.Errorf("%.60s: got %v, want %v mentioning %q", c.sql, err, c.code, c.want)
		}
	}
	// The server keeps serving after errors.
	if _, err := client.Execute(ctx, "SELECT 1"); err != nil {
		t.Fatalf("server stopped answering after errors: %v", err)
	}
	if strings.Contains(s.Log(), "panic") {
		t.Fatalf("server logged a panic:\n%s", s.Log())
	}
}

func TestDatabaseSQLDriver(t *testing.T) {
	s := startServer(t)
	db, err := sql.Open("flightsql", "flightsql://"+s.addr+"?timeout=30s")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := ctxT(t)
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM tpch.nation").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 25 {
		t.Fatalf("nation count = %d, want 25", n)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE scratch.notes (id BIGINT, body VARCHAR(100))"); err != nil {
		t.Fatal(err)
	}
	res, err := db.ExecContext(ctx, "INSERT INTO scratch.notes VALUES (1, 'one'), (2, NULL), (3, 'three')")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := res.RowsAffected(); got != 3 {
		t.Fatalf("rows affected = %d, want 3", got)
	}
	rows, err := db.QueryContext(ctx, "SELECT id, body FROM scratch.notes WHERE body IS NOT NULL ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			t.Fatal(err)
		}
		got = append(got, body)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if strings.Join(got, ",") != "one,three" {
		t.Fatalf("got %v", got)
	}
	if _, err := db.ExecContext(ctx, "DROP TABLE scratch.notes"); err != nil {
		t.Fatal(err)
	}
	_, err = db.ExecContext(ctx, "DROP TABLE scratch.notes")
	if err == nil || status.Code(errors.Unwrap(err)) == codes.OK && !strings.Contains(err.Error(), "notes") {
		t.Fatalf("dropping a missing table: %v", err)
	}
}

// adbcBound prepares query, checks its parameter schema, binds rec and
// returns the rows.
func adbcBound(t *testing.T, cnxn adbc.Connection, query string, rec arrow.RecordBatch) (*arrow.Schema, [][]string) {
	t.Helper()
	ctx := ctxT(t)
	stmt, err := cnxn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	if err := stmt.SetSqlQuery(query); err != nil {
		t.Fatal(err)
	}
	if err := stmt.Prepare(ctx); err != nil {
		t.Fatalf("prepare %s: %v", query, err)
	}
	ps, err := stmt.GetParameterSchema()
	if err != nil {
		t.Fatal(err)
	}
	if err := stmt.Bind(ctx, rec); err != nil {
		t.Fatal(err)
	}
	rdr, _, err := stmt.ExecuteQuery(ctx)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rdr.Release()
	_, rows := collect(t, rdr)
	return ps, rows
}

func TestADBCGoDriverParameters(t *testing.T) {
	s := startServer(t)
	cnxn := openADBC(t, s)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	// An int32 bound to a BIGINT parameter (clients send what they have).
	ib := array.NewInt32Builder(mem)
	ib.Append(3)
	key := ib.NewArray()
	ib.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int32}}, nil), []arrow.Array{key}, 1)
	key.Release()
	ps, rows := adbcBound(t, cnxn, "SELECT n_name FROM tpch.nation WHERE n_nationkey = ?", rec)
	rec.Release()
	if ps.NumFields() != 1 || !arrow.TypeEqual(ps.Field(0).Type, arrow.PrimitiveTypes.Int64) {
		t.Fatalf("parameter schema %s, want one BIGINT", ps)
	}
	if len(rows) != 1 || rows[0][0] != "CANADA" {
		t.Fatalf("n_nationkey = 3: %v", rows)
	}

	// Two parameters, a string and a number.
	sb := array.NewStringBuilder(mem)
	sb.Append("ASIA")
	region := sb.NewArray()
	sb.Release()
	lb := array.NewInt64Builder(mem)
	lb.Append(10)
	lo := lb.NewArray()
	lb.Release()
	rec = array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "r", Type: arrow.BinaryTypes.String}, {Name: "lo", Type: arrow.PrimitiveTypes.Int64}}, nil),
		[]arrow.Array{region, lo}, 1)
	region.Release()
	lo.Release()
	ps, rows = adbcBound(t, cnxn, "SELECT n.n_name FROM tpch.nation n JOIN tpch.region r ON n.n_regionkey = r.r_regionkey WHERE r.r_name = ? AND n.n_nationkey > ? ORDER BY n.n_name", rec)
	rec.Release()
	if ps.NumFields() != 2 {
		t.Fatalf("parameter schema %s", ps)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r[0])
	}
	if strings.Join(got, ",") != "CHINA,JAPAN,VIETNAM" {
		t.Fatalf("ASIA nations with key > 10: %v", got)
	}
}

func TestDatabaseSQLParameters(t *testing.T) {
	s := startServer(t)
	db, err := sql.Open("flightsql", "flightsql://"+s.addr+"?timeout=30s")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := ctxT(t)
	var name string
	if err := db.QueryRowContext(ctx, "SELECT n_name FROM tpch.nation WHERE n_nationkey = ?", 3).Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != "CANADA" {
		t.Fatalf("n_nationkey = 3: %q", name)
	}
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM tpch.nation WHERE n_name LIKE ? AND n_regionkey = ?", "%A%", 2).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no nation matched LIKE '%A%' in region 2")
	}
	// A prepared statement runs many times.
	st, err := db.PrepareContext(ctx, "SELECT n_name FROM tpch.nation WHERE n_nationkey = ?")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for key, want := range map[int64]string{0: "ALGERIA", 1: "ARGENTINA", 24: "UNITED STATES"} {
		if err := st.QueryRowContext(ctx, key).Scan(&name); err != nil || name != want {
			t.Fatalf("key %d: %q %v", key, name, err)
		}
	}
	// Updates with parameters.
	if _, err := db.ExecContext(ctx, "CREATE TABLE scratch.pnotes (id BIGINT, body VARCHAR(100))"); err != nil {
		t.Fatal(err)
	}
	defer db.ExecContext(ctx, "DROP TABLE scratch.pnotes")
	for i, body := range []string{"one", "two"} {
		res, err := db.ExecContext(ctx, "INSERT INTO scratch.pnotes VALUES (?, ?)", int64(i+1), body)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := res.RowsAffected(); got != 1 {
			t.Fatalf("rows affected %d", got)
		}
	}
	if err := db.QueryRowContext(ctx, "SELECT body FROM scratch.pnotes WHERE id = ?", 2).Scan(&name); err != nil || name != "two" {
		t.Fatalf("id = 2: %q %v", name, err)
	}
	// Wrong count: an error, not a hang or a crash.
	if err := db.QueryRowContext(ctx, "SELECT n_name FROM tpch.nation WHERE n_nationkey = ?", 1, 2).Scan(&name); err == nil {
		t.Fatal("two values for one ? succeeded")
	}
}
