package infoschema_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/infoschema"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type metaTable struct{ schema *arrow.Schema }

func (t metaTable) Schema() *arrow.Schema { return t.schema }
func (t metaTable) Scan(context.Context, catalog.ScanRequest) (catalog.Scan, error) {
	return nil, errs.Internalf("never scanned")
}

// brokenSchema fails to list, like an unreachable PostgreSQL.
type brokenSchema struct{}

func (brokenSchema) TableNames(context.Context) ([]string, error) {
	return nil, errs.New(errs.ErrUnavailable, "source down")
}
func (brokenSchema) Table(context.Context, string) (catalog.Table, error) {
	return nil, errs.New(errs.ErrUnavailable, "source down")
}

func newRoot(t *testing.T) *catalog.Root {
	t.Helper()
	root := catalog.NewRoot()
	c := catalog.NewCatalog("cat")
	tbl := metaTable{arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
	}, nil)}
	if err := c.AddSchema("sales", catalog.NewStatic(map[string]catalog.Table{"orders": tbl})); err != nil {
		t.Fatal(err)
	}
	if err := c.AddSchema("down", brokenSchema{}); err != nil {
		t.Fatal(err)
	}
	if err := root.Add(c); err != nil {
		t.Fatal(err)
	}
	if err := infoschema.Attach(root); err != nil {
		t.Fatal(err)
	}
	return root
}

// read scans a view with the given pushed filters and renders its rows.
func read(t *testing.T, root *catalog.Root, view string, filters ...expr.Expr) []string {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl, err := root.ResolveTable(context.Background(), catalog.Name{Catalog: "cat", Schema: "INFORMATION_SCHEMA", Table: strings.ToLower(view)})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Filters: filters, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, p := range sc.Partitions() {
		rr, err := p.Open(context.Background(), mem)
		if err != nil {
			t.Fatal(err)
		}
		for rr.Next() {
			b := rr.RecordBatch()
			for r := 0; r < int(b.NumRows()); r++ {
				var cells []string
				for c := 0; c < int(b.NumCols()); c++ {
					cells = append(cells, b.Column(c).ValueStr(r))
				}
				rows = append(rows, strings.Join(cells, "|"))
			}
		}
		rr.Release()
	}
	return rows
}

func TestViews(t *testing.T) {
	root := newRoot(t)
	// The broken schema is listed in SCHEMATA (listing schemas is free)
	// but its tables are skipped instead of failing the view.
	if got := read(t, root, "SCHEMATA"); len(got) != 3 || !strings.HasPrefix(got[0], "cat|down|utf8mb4") {
		t.Fatalf("SCHEMATA = %v", got)
	}
	tables := read(t, root, "TABLES")
	want := []string{
		"cat|information_schema|COLUMNS|SYSTEM VIEW|(null)|(null)|utf8mb4_0900_ai_ci|",
		"cat|information_schema|SCHEMATA|SYSTEM VIEW|(null)|(null)|utf8mb4_0900_ai_ci|",
		"cat|information_schema|TABLES|SYSTEM VIEW|(null)|(null)|utf8mb4_0900_ai_ci|",
		"cat|information_schema|VIEWS|SYSTEM VIEW|(null)|(null)|utf8mb4_0900_ai_ci|",
		"cat|sales|orders|BASE TABLE|Quiver|(null)|utf8mb4_0900_ai_ci|",
	}
	if strings.Join(tables, "\n") != strings.Join(want, "\n") {
		t.Fatalf("TABLES =\n%s\nwant\n%s", strings.Join(tables, "\n"), strings.Join(want, "\n"))
	}
	// A pushed TABLE_SCHEMA equality (any case, as the engine compares)
	// is applied exactly.
	schemaCol := &expr.Column{Index: 1, Name: "TABLE_SCHEMA", DataType: arrow.BinaryTypes.String}
	eq, err := expr.NewBinary(expr.OpEq, schemaCol, expr.NewLiteral("SALES"))
	if err != nil {
		t.Fatal(err)
	}
	cols := read(t, root, "COLUMNS", eq)
	wantCols := []string{
		"cat|sales|orders|id|1|(null)|NO|bigint|(null)|19|0|(null)|(null)|(null)|bigint|||",
		"cat|sales|orders|amount|2|(null)|YES|decimal|(null)|12|2|(null)|(null)|(null)|decimal(12,2)|||",
		"cat|sales|orders|ts|3|(null)|YES|datetime|(null)|(null)|(null)|6|(null)|(null)|datetime(6)|||",
	}
	if strings.Join(cols, "\n") != strings.Join(wantCols, "\n") {
		t.Fatalf("COLUMNS =\n%s\nwant\n%s", strings.Join(cols, "\n"), strings.Join(wantCols, "\n"))
	}
}

func TestInformationSchemaNameIsReserved(t *testing.T) {
	root := catalog.NewRoot()
	c := catalog.NewCatalog("cat")
	if err := c.AddSchema("Information_Schema", catalog.NewStatic(nil)); err != nil {
		t.Fatal(err)
	}
	if err := root.Add(c); err != nil {
		t.Fatal(err)
	}
	if err := infoschema.Attach(root); !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "reserved") {
		t.Fatalf("Attach = %v, want ErrInvalid saying the name is reserved", err)
	}
}

func TestUnknownView(t *testing.T) {
	root := newRoot(t)
	_, err := root.ResolveTable(context.Background(), catalog.Name{Catalog: "cat", Schema: "information_schema", Table: "ROUTINES"})
	if !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("err = %v, want NotFound", err)
	}
}
