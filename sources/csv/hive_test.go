package csv_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/csv"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

// hiveDir writes 8 files under year=2023..2024/region=<name>/ (2 rows each).
func hiveDir(t testing.TB) string {
	dir := t.TempDir()
	id := 0
	for _, year := range []string{"2023", "2024"} {
		for _, region := range []string{"east", "north", "south", "west"} {
			body := "id,amount\n"
			for r := 0; r < 2; r++ {
				id++
				body += fmt.Sprintf("%d,%d.5\n", id, id*10)
			}
			write(t, dir, filepath.Join("sales", "year="+year, "region="+region, "part.csv"), body)
		}
	}
	return dir
}

func TestHivePartitions(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := hiveDir(t)
	for _, loc := range []string{"sales", "file://" + filepath.ToSlash(dir) + "/sales/"} {
		tbl := factoryTable(t, dir, map[string]any{"path": loc}).(*csv.Table)
		s := tbl.Schema()
		if got := s.String(); !strings.Contains(got, "year: type=int64") || !strings.Contains(got, "region: type=utf8") {
			t.Fatalf("schema: %s", got)
		}
		filters := []expr.Expr{
			sourcetest.Cmp(s, "year", expr.OpEq, int64(2024)),
			sourcetest.Cmp(s, "region", expr.OpGtEq, "south"),
			sourcetest.Cmp(s, "amount", expr.OpGt, 1.0),
		}
		verdicts, err := tbl.SupportsFilters(filters)
		if err != nil {
			t.Fatal(err)
		}
		if verdicts[0] != catalog.FilterExact || verdicts[1] != catalog.FilterExact || verdicts[2] != catalog.FilterUnsupported {
			t.Fatalf("verdicts %v", verdicts)
		}
		scan, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1, Filters: filters[:2], Projection: []int{3, 0, 2}})
		if err != nil {
			t.Fatal(err)
		}
		if d := scan.(interface{ Describe() string }).Describe(); d != "files=2/8" {
			t.Fatalf("Describe: %s", d)
		}
		opens := tbl.Opens()
		rows := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Limit: -1, Filters: filters[:2], Projection: []int{3, 0, 2}}, mem)
		if got := strings.Join(rows, ";"); got != `"south" | 13 | 2024;"south" | 14 | 2024;"west" | 15 | 2024;"west" | 16 | 2024` {
			t.Fatalf("%s: rows %s", loc, got)
		}
		if tbl.Opens()-opens != 2 {
			t.Fatalf("opened %d files, want 2", tbl.Opens()-opens)
		}
	}
}

func TestHiveConformance(t *testing.T) {
	dir := hiveDir(t)
	var last *csv.Table
	schema := factoryTable(t, dir, map[string]any{"path": "sales"}).Schema()
	sourcetest.Run(t, sourcetest.Harness{
		New: func(t testing.TB) catalog.Table {
			last = factoryTable(t, dir, map[string]any{"path": "sales", "batch_rows": 1}).(*csv.Table)
			return last
		},
		IOCount: func() int64 { return last.Opens() },
		Filters: []expr.Expr{
			sourcetest.Cmp(schema, "year", expr.OpLt, int64(2024)),
			sourcetest.Cmp(schema, "region", expr.OpEq, "north"),
			sourcetest.Cmp(schema, "id", expr.OpGt, int64(3)),
		},
	})
}
