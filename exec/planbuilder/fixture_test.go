package planbuilder_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// metaTable is a metadata-only table: the planner never scans it.
type metaTable struct{ schema *arrow.Schema }

func (t *metaTable) Schema() *arrow.Schema { return t.schema }
func (t *metaTable) Scan(context.Context, catalog.ScanRequest) (catalog.Scan, error) {
	return nil, errs.Internalf("metaTable is never scanned")
}

// writableTable also accepts inserts (never called by the planner).
type writableTable struct{ metaTable }

func (t *writableTable) Insert(context.Context, array.RecordReader) (int64, error) {
	return 0, errs.Internalf("never called")
}

// scratchSchema is a Creatable schema.
type scratchSchema struct {
	*catalog.Static
}

func (s *scratchSchema) CreateTable(context.Context, string, *arrow.Schema, bool) error { return nil }
func (s *scratchSchema) DropTable(context.Context, string, bool) error                  { return nil }

var _ catalog.Creatable = (*scratchSchema)(nil)

func field(name string, t arrow.DataType, nullable bool) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: nullable}
}

// testRoot builds catalogs demo (schemas public, scratch) and other (s).
func testRoot(t testing.TB) *catalog.Root {
	t.Helper()
	sales := &metaTable{arrow.NewSchema([]arrow.Field{
		field("id", arrow.PrimitiveTypes.Int64, false),
		field("day", arrow.PrimitiveTypes.Int32, true),
		field("amount", &arrow.Decimal128Type{Precision: 10, Scale: 2}, true),
		field("region", arrow.BinaryTypes.String, true),
		field("price", arrow.PrimitiveTypes.Float64, true),
	}, nil)}
	tt := &metaTable{arrow.NewSchema([]arrow.Field{
		field("a", arrow.PrimitiveTypes.Int64, true),
		field("b", arrow.PrimitiveTypes.Int64, true),
		field("c", arrow.BinaryTypes.String, true),
		field("d", arrow.FixedWidthTypes.Date32, true),
	}, nil)}
	w := &writableTable{metaTable{arrow.NewSchema([]arrow.Field{
		field("k", arrow.PrimitiveTypes.Int64, false),
		field("v", arrow.BinaryTypes.String, true),
		field("x", arrow.PrimitiveTypes.Float64, true),
	}, nil)}}
	root := catalog.NewRoot()
	demo := catalog.NewCatalog("demo")
	must(t, demo.AddSchema("public", catalog.NewStatic(map[string]catalog.Table{"sales": sales, "t": tt})))
	must(t, demo.AddSchema("scratch", &scratchSchema{Static: catalog.NewStatic(map[string]catalog.Table{"w": w})}))
	other := catalog.NewCatalog("other")
	must(t, other.AddSchema("s", catalog.NewStatic(map[string]catalog.Table{"t2": tt})))
	must(t, root.Add(demo))
	must(t, root.Add(other))
	return root
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// errKind names an error's kind for goldens.
func errKind(err error) string {
	for _, k := range []struct {
		name string
		err  error
	}{
		{"Invalid", errs.ErrInvalid}, {"NotFound", errs.ErrNotFound}, {"AlreadyExists", errs.ErrAlreadyExists},
		{"NotImplemented", errs.ErrNotImplemented}, {"ResourceExhausted", errs.ErrResourceExhausted},
		{"Permission", errs.ErrPermission}, {"Internal", errs.ErrInternal},
	} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "NO KIND"
}

// golden cases: blocks of "sql: <text>" (one or more lines), "----", the
// expected output, then a blank line. Lines starting with # are comments.
type goldenCase struct {
	sql, want string
}

func readGolden(t testing.TB, path string) []goldenCase {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	var out []goldenCase
	blocks := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n\n")
	for _, b := range blocks {
		var lines []string
		for _, l := range strings.Split(b, "\n") {
			if !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
		b = strings.TrimSpace(strings.Join(lines, "\n"))
		if b == "" {
			continue
		}
		sqlPart, want, ok := strings.Cut(b, "\n----")
		if !ok || !strings.HasPrefix(sqlPart, "sql:") {
			t.Fatalf("%s: malformed block %q", path, b)
		}
		out = append(out, goldenCase{sql: strings.TrimSpace(strings.TrimPrefix(sqlPart, "sql:")), want: strings.TrimSpace(want)})
	}
	return out
}

func writeGolden(t *testing.T, path string, cases []goldenCase, header string) {
	t.Helper()
	var sb strings.Builder
	sb.WriteString(header)
	for _, c := range cases {
		sb.WriteString("sql: " + c.sql + "\n----\n" + c.want + "\n\n")
	}
	must(t, os.WriteFile(path, []byte(sb.String()), 0o644))
}
