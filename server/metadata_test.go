package server

import (
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql/schema_ref"
)

func strPtr(s string) *string { return &s }

// rows renders the string columns of batches as rows.
func rows(t *testing.T, batches []arrow.RecordBatch, cols ...int) [][]string {
	t.Helper()
	var out [][]string
	for _, b := range batches {
		for r := 0; r < int(b.NumRows()); r++ {
			row := make([]string, len(cols))
			for i, c := range cols {
				a := b.Column(c).(*array.String)
				if a.IsNull(r) {
					row[i] = "<null>"
				} else {
					row[i] = a.Value(r)
				}
			}
			out = append(out, row)
		}
	}
	return out
}

func checkSchemas(t *testing.T, info *flight.FlightInfo, stream, want *arrow.Schema) {
	t.Helper()
	if got := deserialize(t, info.Schema); !got.Equal(want) {
		t.Fatalf("FlightInfo schema\n%s\nwant\n%s", got, want)
	}
	if !stream.Equal(want) {
		t.Fatalf("DoGet schema\n%s\nwant\n%s", stream, want)
	}
	if info.TotalRecords != -1 || info.TotalBytes != -1 {
		t.Fatalf("totals %d/%d, want -1/-1", info.TotalRecords, info.TotalBytes)
	}
}

func TestGetCatalogs(t *testing.T) {
	h := start(t, nil)
	info, err := h.cl.GetCatalogs(ctxT(t))
	must(t, err)
	sc, batches := h.fetch(info)
	checkSchemas(t, info, sc, schema_ref.Catalogs)
	if got, want := rows(t, batches, 0), [][]string{{"demo"}, {"other"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("catalogs %v, want %v", got, want)
	}
	res, err := h.cl.GetCatalogsSchema(ctxT(t))
	must(t, err)
	if !deserialize(t, res.Schema).Equal(schema_ref.Catalogs) {
		t.Fatal("GetSchema(GetCatalogs) differs from schema_ref")
	}
}

func TestGetDBSchemas(t *testing.T) {
	h := start(t, nil)
	cases := []struct {
		name string
		opts *flightsql.GetDBSchemasOpts
		want [][]string
	}{
		{"all", &flightsql.GetDBSchemasOpts{}, [][]string{{"demo", "down"}, {"demo", "public"}, {"demo", "scratch"}, {"other", "misc"}}},
		{"catalog", &flightsql.GetDBSchemasOpts{Catalog: strPtr("other")}, [][]string{{"other", "misc"}}},
		{"empty catalog matches none", &flightsql.GetDBSchemasOpts{Catalog: strPtr("")}, nil},
		{"like %", &flightsql.GetDBSchemasOpts{DbSchemaFilterPattern: strPtr("%c%")}, [][]string{{"demo", "public"}, {"demo", "scratch"}, {"other", "misc"}}},
		{"like _", &flightsql.GetDBSchemasOpts{DbSchemaFilterPattern: strPtr("_ow_")}, [][]string{{"demo", "down"}}},
		{"like case-insensitive", &flightsql.GetDBSchemasOpts{Catalog: strPtr("DEMO"), DbSchemaFilterPattern: strPtr("PUB%")}, [][]string{{"demo", "public"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info, err := h.cl.GetDBSchemas(ctxT(t), c.opts)
			must(t, err)
			sc, batches := h.fetch(info)
			checkSchemas(t, info, sc, schema_ref.DBSchemas)
			if got := rows(t, batches, 0, 1); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestGetTables(t *testing.T) {
	h := start(t, nil)
	cases := []struct {
		name string
		opts *flightsql.GetTablesOpts
		want [][]string
	}{
		{"all (broken schema skipped)", &flightsql.GetTablesOpts{}, [][]string{
			{"demo", "public", "customers", "TABLE"}, {"demo", "public", "sales", "TABLE"}, {"demo", "public", "sales_2", "TABLE"},
			{"demo", "scratch", "tmp", "TABLE"}, {"other", "misc", "t_x", "TABLE"}}},
		{"table like with escape", &flightsql.GetTablesOpts{TableNameFilterPattern: strPtr(`%\_%`)}, [][]string{
			{"demo", "public", "sales_2", "TABLE"}, {"other", "misc", "t_x", "TABLE"}}},
		{"schema and table like", &flightsql.GetTablesOpts{Catalog: strPtr("demo"), DbSchemaFilterPattern: strPtr("pub%"), TableNameFilterPattern: strPtr("sales")}, [][]string{
			{"demo", "public", "sales", "TABLE"}}},
		{"types TABLE", &flightsql.GetTablesOpts{TableTypes: []string{"VIEW", "table"}, TableNameFilterPattern: strPtr("t%")}, [][]string{
			{"demo", "scratch", "tmp", "TABLE"}, {"other", "misc", "t_x", "TABLE"}}},
		{"types VIEW only", &flightsql.GetTablesOpts{TableTypes: []string{"VIEW"}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info, err := h.cl.GetTables(ctxT(t), c.opts)
			must(t, err)
			sc, batches := h.fetch(info)
			checkSchemas(t, info, sc, schema_ref.Tables)
			if len(batches) != 1 {
				t.Fatalf("%d batches, want exactly 1 (ADBC reads only the first)", len(batches))
			}
			if got := rows(t, batches, 0, 1, 2, 3); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestGetTablesIncludeSchema(t *testing.T) {
	h := start(t, nil)
	info, err := h.cl.GetTables(ctxT(t), &flightsql.GetTablesOpts{
		Catalog: strPtr("demo"), TableNameFilterPattern: strPtr("sales"), IncludeSchema: true,
	})
	must(t, err)
	sc, batches := h.fetch(info)
	checkSchemas(t, info, sc, schema_ref.TablesWithIncludedSchema)
	if got := rows(t, batches, 0, 1, 2, 3); !reflect.DeepEqual(got, [][]string{{"demo", "public", "sales", "TABLE"}}) {
		t.Fatalf("rows %v", got)
	}
	ts := deserialize(t, batches[0].Column(4).(*array.Binary).Value(0))
	if ts.NumFields() != salesSchema.NumFields() {
		t.Fatalf("table schema %s", ts)
	}
	for i, f := range ts.Fields() {
		want := salesSchema.Field(i)
		if f.Name != want.Name || !arrow.TypeEqual(f.Type, want.Type) || f.Nullable != want.Nullable {
			t.Fatalf("field %d = %s, want %s", i, f, want)
		}
		md := columnMetadata(f)
		if v, _ := md.TableName(); v != "sales" {
			t.Errorf("%s TABLE_NAME %q", f.Name, v)
		}
		if v, _ := md.SchemaName(); v != "public" {
			t.Errorf("%s SCHEMA_NAME %q", f.Name, v)
		}
		if v, _ := md.CatalogName(); v != "demo" {
			t.Errorf("%s CATALOG_NAME %q", f.Name, v)
		}
		if v, ok := md.TypeName(); !ok || v == "" {
			t.Errorf("%s has no TYPE_NAME", f.Name)
		}
	}
	amount := columnMetadata(ts.Field(1))
	if p, _ := amount.Precision(); p != 12 {
		t.Errorf("amount PRECISION %d, want 12", p)
	}
	if s, _ := amount.Scale(); s != 2 {
		t.Errorf("amount SCALE %d, want 2", s)
	}
	if v, _ := ts.Field(0).Metadata.GetValue(isNullableKey); v != "0" {
		t.Errorf("id IS_NULLABLE %q, want 0", v)
	}
	if v, _ := ts.Field(1).Metadata.GetValue(isNullableKey); v != "1" {
		t.Errorf("amount IS_NULLABLE %q, want 1", v)
	}
}

func TestGetTableTypes(t *testing.T) {
	h := start(t, nil)
	info, err := h.cl.GetTableTypes(ctxT(t))
	must(t, err)
	sc, batches := h.fetch(info)
	checkSchemas(t, info, sc, schema_ref.TableTypes)
	if got := rows(t, batches, 0); !reflect.DeepEqual(got, [][]string{{"TABLE"}, {"VIEW"}}) {
		t.Fatalf("table types %v", got)
	}
}

func TestKeysAreValidEmptyResults(t *testing.T) {
	h := start(t, nil)
	ref := flightsql.TableRef{Catalog: strPtr("demo"), DBSchema: strPtr("public"), Table: "sales"}
	type call struct {
		name string
		get  func() (*flight.FlightInfo, error)
		want *arrow.Schema
	}
	for _, c := range []call{
		{"PrimaryKeys", func() (*flight.FlightInfo, error) { return h.cl.GetPrimaryKeys(ctxT(t), ref) }, schema_ref.PrimaryKeys},
		{"ExportedKeys", func() (*flight.FlightInfo, error) { return h.cl.GetExportedKeys(ctxT(t), ref) }, schema_ref.ExportedKeys},
		{"ImportedKeys", func() (*flight.FlightInfo, error) { return h.cl.GetImportedKeys(ctxT(t), ref) }, schema_ref.ImportedKeys},
		{"CrossReference", func() (*flight.FlightInfo, error) { return h.cl.GetCrossReference(ctxT(t), ref, ref) }, schema_ref.CrossReference},
	} {
		t.Run(c.name, func(t *testing.T) {
			info, err := c.get()
			must(t, err)
			sc, batches := h.fetch(info)
			checkSchemas(t, info, sc, c.want)
			var n int64
			for _, b := range batches {
				n += b.NumRows()
			}
			if n != 0 {
				t.Fatalf("%d rows, want 0", n)
			}
		})
	}
}

func TestGetXdbcTypeInfo(t *testing.T) {
	h := start(t, nil)
	info, err := h.cl.GetXdbcTypeInfo(ctxT(t), nil)
	must(t, err)
	sc, batches := h.fetch(info)
	checkSchemas(t, info, sc, schema_ref.XdbcTypeInfo)
	names := map[string]bool{}
	for _, r := range rows(t, batches, 0) {
		names[r[0]] = true
	}
	for _, want := range []string{"BIGINT", "INT", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT", "DECIMAL", "VARCHAR", "VARBINARY", "DATE", "DATETIME", "TIMESTAMP", "TIME", "BOOLEAN"} {
		if !names[want] {
			t.Errorf("type %s missing from %v", want, names)
		}
	}
	// sorted by data_type
	dt := batches[0].Column(1).(*array.Int32)
	for i := 1; i < dt.Len(); i++ {
		if dt.Value(i) < dt.Value(i-1) {
			t.Fatalf("not sorted by data_type: %v", dt)
		}
	}

	// filtered by data_type
	varchar := int32(12)
	info, err = h.cl.GetXdbcTypeInfo(ctxT(t), &varchar)
	must(t, err)
	_, batches = h.fetch(info)
	if got := rows(t, batches, 0); !reflect.DeepEqual(got, [][]string{{"VARCHAR"}}) {
		t.Fatalf("data_type 12: %v", got)
	}
}
