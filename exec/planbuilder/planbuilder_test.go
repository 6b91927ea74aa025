package planbuilder_test

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/planbuilder"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files in testdata")

const goldenHeader = "# Golden plans: sql, ----, then logical.Format of the unoptimized plan or\n# \"error: <kind>: <message>\". Regenerate with go test -rewrite.\n\n"

func buildText(t *testing.T, b *planbuilder.Builder, p *planbuilder.Parser, sql string) string {
	t.Helper()
	plan, err := b.Build(context.Background(), p, sql)
	if err != nil {
		return "error: " + errKind(err) + ": " + err.Error()
	}
	return formatPlan(plan)
}

// formatPlan is logical.Format plus the rows of Values nodes, which
// logical.Format only counts.
func formatPlan(p logical.Plan) string {
	var sb strings.Builder
	var walk func(p logical.Plan, depth int)
	walk = func(p logical.Plan, depth int) {
		ind := strings.Repeat("  ", depth)
		sb.WriteString(ind + p.String() + "\n")
		if v, ok := p.(*logical.Values); ok && v.Out.NumFields() > 0 {
			for i, row := range v.Rows {
				fmt.Fprintf(&sb, "%s  row %d: %s\n", ind, i, logical.JoinExprs(row))
			}
		}
		for _, c := range p.Children() {
			walk(c, depth+1)
		}
	}
	walk(p, 0)
	return strings.TrimSpace(sb.String())
}

func runGolden(t *testing.T, file string) {
	root := testRoot(t)
	b := &planbuilder.Builder{Root: root, Options: catalog.Options{Catalog: "demo", Schema: "public"}}
	p := planbuilder.NewParser()
	path := filepath.Join("testdata", file)
	cases := readGolden(t, path)
	if len(cases) == 0 {
		t.Fatalf("%s has no cases", path)
	}
	for i := range cases {
		got := buildText(t, b, p, cases[i].sql)
		if *rewrite {
			cases[i].want = got
			continue
		}
		if got != cases[i].want {
			t.Errorf("%s\nsql: %s\n--- got:\n%s\n--- want:\n%s", path, cases[i].sql, got, cases[i].want)
		}
	}
	if *rewrite {
		writeGolden(t, path, cases, goldenHeader)
	}
}

func TestGoldenSelect(t *testing.T) { runGolden(t, "select.txt") }
func TestGoldenDML(t *testing.T)    { runGolden(t, "dml.txt") }
func TestGoldenErrors(t *testing.T) { runGolden(t, "errors.txt") }
