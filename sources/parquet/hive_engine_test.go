package parquet

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
)

// queryRows runs sql on eng and returns its rows as "a|b" strings, in order.
func queryRows(t *testing.T, eng *exec.Engine, sql string, mem memory.Allocator) []string {
	t.Helper()
	st, err := eng.Prepare(context.Background(), catalog.Options{Catalog: "c", Schema: "s"}, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	rr, err := st.Execute(context.Background(), mem, nil)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rr.Release()
	var out []string
	for rr.Next() {
		b := rr.RecordBatch()
		for i := 0; i < int(b.NumRows()); i++ {
			cells := make([]string, b.NumCols())
			for c := range cells {
				cells[c] = b.Column(c).ValueStr(i)
			}
			out = append(out, strings.Join(cells, "|"))
		}
	}
	if err := rr.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// SQL over a Hive-partitioned Parquet directory through the engine: the
// partition filters reach the scan as Exact and prune files (EXPLAIN), and
// the answers are the same with the optimizer off (nothing pushed).
func TestHiveThroughEngine(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl, _ := hiveTable(t)
	c := catalog.NewCatalog("c")
	if err := c.AddSchema("s", catalog.NewStatic(map[string]catalog.Table{"sales": tbl})); err != nil {
		t.Fatal(err)
	}
	root := catalog.NewRoot()
	if err := root.Add(c); err != nil {
		t.Fatal(err)
	}
	on := exec.New(exec.Config{Root: root})
	off := exec.New(exec.Config{Root: root, DisableOptimizer: true})

	const q = `SELECT count(*), min(id), max(n), min(dt) FROM sales WHERE dt >= DATE '2024-01-02' AND n IS NOT NULL`
	plan := strings.Join(queryRows(t, on, "EXPLAIN "+q, mem), "\n")
	if !strings.Contains(plan, "files=1/4") || !strings.Contains(plan, "full_filters=") {
		t.Fatalf("EXPLAIN does not show the partition pruning:\n%s", plan)
	}
	for _, c := range []struct {
		sql  string
		want string
	}{
		{q, "100|100|1|2024-01-02"},
		{`SELECT s, count(*) FROM sales GROUP BY s ORDER BY s`, "(null)|100,a|100,a/z|100,b|100"},
		{`SELECT n, dt, count(*) FROM sales WHERE s LIKE 'a%' OR s IS NULL GROUP BY n, dt ORDER BY n, dt`, "(null)|2024-02-01|100,1|2024-01-01|100,2|2024-01-01|100"},
		{`SELECT id, s FROM sales WHERE n = 2 AND id % 50 = 0 ORDER BY id`, "200|(null),250|(null)"},
	} {
		for name, eng := range map[string]*exec.Engine{"optimizer on": on, "optimizer off": off} {
			if got := strings.Join(queryRows(t, eng, c.sql, mem), ","); got != c.want {
				t.Errorf("%s (%s): %s, want %s", c.sql, name, got, c.want)
			}
		}
	}
}
