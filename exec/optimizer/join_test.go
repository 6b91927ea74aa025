package optimizer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/optimizer"
)

// statsTable is a pushTable that knows its row count.
type statsTable struct {
	pushTable
	rows catalog.Count
}

func (t *statsTable) Statistics(context.Context) (catalog.Statistics, error) {
	return catalog.Statistics{NumRows: t.rows}, nil
}

var _ catalog.StatisticsProvider = (*statsTable)(nil)

// joinRoot builds demo.public.{big, mid, small, nostats}: big has 1000 rows
// (Exact), mid about 100 (Inexact), small 10 (Exact), nostats no
// statistics. Each has columns id, k, v.
func joinRoot(asked *[]string) *catalog.Root {
	schema := arrow.NewSchema([]arrow.Field{
		field("id", arrow.PrimitiveTypes.Int64),
		field("k", arrow.PrimitiveTypes.Int64),
		field("v", arrow.BinaryTypes.String),
	}, nil)
	mk := func(rows int64, p catalog.Precision) catalog.Table {
		return &statsTable{pushTable: pushTable{metaTable: metaTable{schema}, asked: asked}, rows: catalog.Count{Value: rows, Precision: p}}
	}
	tables := map[string]catalog.Table{
		"big":     mk(1000, catalog.Exact),
		"mid":     mk(100, catalog.Inexact),
		"small":   mk(10, catalog.Exact),
		"nostats": &pushTable{metaTable: metaTable{schema}, asked: asked},
	}
	root := catalog.NewRoot()
	c := catalog.NewCatalog("demo")
	if err := c.AddSchema("public", catalog.NewStatic(tables)); err != nil {
		panic(err)
	}
	if err := root.Add(c); err != nil {
		panic(err)
	}
	return root
}

// TestJoinRules prints join plans before and after DefaultRules
// (testdata/joins.txt) and checks what TestGolden checks: no mutation, a
// fixpoint, every rule a no-op afterwards, the schema kept. The file shows,
// in order: WHERE conjuncts distributed over an inner join (both-sided ones
// become its condition, equalities keys); a LEFT JOIN keeping its
// null-supplying side's filter above (IS NULL does not reject NULLs);
// null-rejecting filters turning outer joins into inner ones, an OR with a
// non-rejecting arm not doing so; ON conjuncts pushed into the
// null-supplying side only; join order from statistics (smallest first,
// then connected inputs) and kept as written when one is Absent; a LIMIT
// staying above a join; pruning through a join keeping key and condition
// columns.
func TestJoinRules(t *testing.T) {
	path := filepath.Join("testdata", "joins.txt")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	root := joinRoot(&asked)
	var out strings.Builder
	out.WriteString("# Join rules: sql, ----, the unoptimized plan, then the plan after\n# DefaultRules. Regenerate with go test -rewrite.\n\n")
	for _, block := range strings.Split(string(data), "\n\n") {
		block = strings.TrimSpace(block)
		if block == "" || strings.HasPrefix(block, "#") {
			continue
		}
		sqlPart, want, ok := strings.Cut(block, "\n----")
		if !ok {
			t.Fatalf("malformed block %q", block)
		}
		sql := strings.TrimSpace(strings.TrimPrefix(sqlPart, "sql:"))
		plan := build(t, root, sql)
		before := format(plan)
		opt, err := optimizer.Optimize(context.Background(), plan, optimizer.DefaultRules())
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if format(plan) != before {
			t.Errorf("%s: Optimize mutated its input", sql)
		}
		for _, r := range optimizer.DefaultRules() {
			if _, changed, err := r.Rewrite(context.Background(), opt); err != nil || changed {
				t.Errorf("%s: rule %s on an optimized plan: changed=%v err=%v", sql, r.Name(), changed, err)
			}
		}
		if !arrowSchemaEqual(plan.Schema(), opt.Schema()) {
			t.Errorf("%s: schema changed from %s to %s", sql, plan.Schema(), opt.Schema())
		}
		got := "before:\n" + before + "\nafter:\n" + format(opt)
		if *rewrite {
			out.WriteString("sql: " + sql + "\n----\n" + got + "\n\n")
			continue
		}
		if got != strings.TrimSpace(want) {
			t.Errorf("sql: %s\n--- got:\n%s\n--- want:\n%s", sql, got, strings.TrimSpace(want))
		}
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
