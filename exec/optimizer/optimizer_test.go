package optimizer_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/optimizer"
	"github.com/quiverdb/quiver/exec/planbuilder"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files in testdata")

// metaTable is a metadata-only table (never scanned).
type metaTable struct{ schema *arrow.Schema }

func (t *metaTable) Schema() *arrow.Schema { return t.schema }
func (t *metaTable) Scan(context.Context, catalog.ScanRequest) (catalog.Scan, error) {
	return nil, errs.Internalf("never scanned")
}

// pushTable classifies filters: `column <cmp> literal` is Exact, LIKE is
// Inexact, anything else Unsupported. It records the filters it was asked
// about, to prove they bind to the full table schema.
type pushTable struct {
	metaTable
	asked *[]string
}

func (t *pushTable) SupportsFilters(fs []expr.Expr) ([]catalog.Verdict, error) {
	out := make([]catalog.Verdict, len(fs))
	for i, f := range fs {
		for _, c := range expr.ColumnsUsed(f) {
			if c >= t.schema.NumFields() {
				return nil, errs.Internalf("filter %s reads column %d outside the table", f, c)
			}
		}
		*t.asked = append(*t.asked, f.String())
		switch n := f.(type) {
		case *expr.Binary:
			_, lc := n.Left.(*expr.Column)
			_, rl := n.Right.(*expr.Literal)
			if n.Op.IsComparison() && lc && rl {
				out[i] = catalog.FilterExact
			}
		case *expr.Like:
			out[i] = catalog.FilterInexact
		}
	}
	return out, nil
}

var _ catalog.FilterPushdowner = (*pushTable)(nil)

func field(name string, t arrow.DataType) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: true}
}

// testRoot builds demo.public.{plain,push}; it panics on setup errors so
// examples can use it too.
func testRoot(asked *[]string) *catalog.Root {
	cols := []arrow.Field{
		field("id", arrow.PrimitiveTypes.Int64),
		field("day", arrow.PrimitiveTypes.Int32),
		field("amount", arrow.PrimitiveTypes.Float64),
		field("region", arrow.BinaryTypes.String),
		field("note", arrow.BinaryTypes.String),
	}
	plain := &metaTable{arrow.NewSchema(cols, nil)}
	push := &pushTable{metaTable: metaTable{arrow.NewSchema(cols, nil)}, asked: asked}
	root := catalog.NewRoot()
	c := catalog.NewCatalog("demo")
	if err := c.AddSchema("public", catalog.NewStatic(map[string]catalog.Table{"plain": plain, "push": push})); err != nil {
		panic(err)
	}
	if err := root.Add(c); err != nil {
		panic(err)
	}
	return root
}

func build(t *testing.T, root *catalog.Root, sql string) logical.Plan {
	t.Helper()
	b := &planbuilder.Builder{Root: root, Options: catalog.Options{Catalog: "demo", Schema: "public"}}
	p, err := b.Build(context.Background(), planbuilder.NewParser(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return p
}

func format(p logical.Plan) string { return strings.TrimSpace(logical.Format(p)) }

// TestGolden prints each plan before and after DefaultRules, checks that
// the input plan was not mutated, that a second Optimize changes nothing
// and that each rule is then a no-op reporting changed=false.
func TestGolden(t *testing.T) {
	path := filepath.Join("testdata", "rules.txt")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	root := testRoot(&asked)
	var out strings.Builder
	out.WriteString("# sql, ----, the unoptimized plan, then the plan after DefaultRules.\n# Regenerate with go test -rewrite.\n\n")
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
		got := "before:\n" + before + "\nafter:\n" + format(opt)
		if format(plan) != before {
			t.Errorf("%s: Optimize mutated its input", sql)
		}
		again, err := optimizer.Optimize(context.Background(), opt, optimizer.DefaultRules())
		if err != nil {
			t.Fatal(err)
		}
		if format(again) != format(opt) {
			t.Errorf("%s: not at a fixpoint:\n%s\nthen\n%s", sql, format(opt), format(again))
		}
		for _, r := range optimizer.DefaultRules() {
			if _, changed, err := r.Rewrite(context.Background(), opt); err != nil || changed {
				t.Errorf("%s: rule %s on an optimized plan: changed=%v err=%v", sql, r.Name(), changed, err)
			}
		}
		if !arrowSchemaEqual(plan.Schema(), opt.Schema()) {
			t.Errorf("%s: schema changed from %s to %s", sql, plan.Schema(), opt.Schema())
		}
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

func arrowSchemaEqual(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.Fields() {
		if a.Field(i).Name != b.Field(i).Name || !arrow.TypeEqual(a.Field(i).Type, b.Field(i).Type) {
			return false
		}
	}
	return true
}

func TestNoRulesKeepsPlan(t *testing.T) {
	var asked []string
	plan := build(t, testRoot(&asked), "SELECT id FROM push WHERE day > 1 LIMIT 3")
	for _, rules := range [][]optimizer.Rule{nil, {}} {
		got, err := optimizer.Optimize(context.Background(), plan, rules)
		if err != nil || got != plan {
			t.Fatalf("Optimize with no rules: %v, same=%v", err, got == plan)
		}
	}
}

func TestPushdownBindsToTableSchema(t *testing.T) {
	var asked []string
	root := testRoot(&asked)
	// Pruning first narrows the scan; a later pushdown must still hand the
	// table filters over its full schema (region is column 3).
	plan := build(t, root, "SELECT region FROM push WHERE region = 'EU'")
	rules := []optimizer.Rule{optimizer.ProjectionPruning{}, optimizer.PredicatePushdown{}}
	opt, err := optimizer.Optimize(context.Background(), plan, rules)
	if err != nil {
		t.Fatal(err)
	}
	want := "Project: region\n  Scan: demo.public.push projection=[region] full_filters=[region = 'EU']"
	if format(opt) != want {
		t.Fatalf("got\n%s\nwant\n%s", format(opt), want)
	}
	var s *logical.Scan
	for p := opt; p != nil; {
		if sc, ok := p.(*logical.Scan); ok {
			s = sc
			break
		}
		p = p.Children()[0]
	}
	if c := s.FullFilters[0].(*expr.Binary).Left.(*expr.Column); c.Index != 3 {
		t.Fatalf("pushed filter reads column %d, want 3 (table schema)", c.Index)
	}
}

type panicRule struct{}

func (panicRule) Name() string { return "panics" }
func (panicRule) Rewrite(context.Context, logical.Plan) (logical.Plan, bool, error) {
	panic("boom")
}

type badVerdicts struct{ metaTable }

func (badVerdicts) SupportsFilters([]expr.Expr) ([]catalog.Verdict, error) { return nil, nil }

func TestRuleFailures(t *testing.T) {
	var asked []string
	plan := build(t, testRoot(&asked), "SELECT id FROM plain")
	_, err := optimizer.Optimize(context.Background(), plan, []optimizer.Rule{panicRule{}})
	if !errors.Is(err, errs.ErrInternal) || !strings.Contains(err.Error(), "panics") {
		t.Fatalf("panicking rule: %v", err)
	}

	bad := &badVerdicts{metaTable{arrow.NewSchema([]arrow.Field{field("a", arrow.PrimitiveTypes.Int64)}, nil)}}
	col := &expr.Column{Index: 0, Name: "a", DataType: arrow.PrimitiveTypes.Int64}
	pred, err := expr.NewBinary(expr.OpGt, col, expr.NewLiteral(1))
	if err != nil {
		t.Fatal(err)
	}
	p := &logical.Filter{Input: &logical.Scan{Name: catalog.Name{Catalog: "c", Schema: "s", Table: "bad"}, Table: bad, Limit: -1}, Predicate: pred}
	_, err = optimizer.Optimize(context.Background(), p, optimizer.DefaultRules())
	if !errors.Is(err, errs.ErrInternal) || !strings.Contains(err.Error(), "verdicts") {
		t.Fatalf("wrong verdict count: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := optimizer.Optimize(ctx, plan, optimizer.DefaultRules()); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
