package optimizer_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/optimizer"
)

// rangeTable is a table with exact row counts and integer [min, max]
// column statistics (as Parquet footers give), no distinct counts.
type rangeTable struct {
	pushTable
	rows   int64
	ranges [][2]int64
}

func (t *rangeTable) Statistics(context.Context) (catalog.Statistics, error) {
	st := catalog.Statistics{NumRows: catalog.Count{Value: t.rows, Precision: catalog.Exact}}
	for _, r := range t.ranges {
		st.Columns = append(st.Columns, catalog.ColumnStatistics{
			Min: catalog.Bound{Value: r[0], Precision: catalog.Exact},
			Max: catalog.Bound{Value: r[1], Precision: catalog.Exact},
		})
	}
	return st, nil
}

// starRoot builds a TPC-H Q5-like schema: nation (25), supp (10,000),
// cust (150,000), ord (1,500,000), li (6,000,000); nation keys 0..24.
func starRoot(asked *[]string) *catalog.Root {
	mk := func(rows int64, cols []string, ranges [][2]int64) catalog.Table {
		fs := make([]arrow.Field, len(cols))
		for i, c := range cols {
			fs[i] = field(c, arrow.PrimitiveTypes.Int64)
		}
		return &rangeTable{pushTable: pushTable{metaTable: metaTable{arrow.NewSchema(fs, nil)}, asked: asked}, rows: rows, ranges: ranges}
	}
	tables := map[string]catalog.Table{
		"nation": mk(25, []string{"n_nk"}, [][2]int64{{0, 24}}),
		"supp":   mk(10_000, []string{"s_sk", "s_nk"}, [][2]int64{{1, 10_000}, {0, 24}}),
		"cust":   mk(150_000, []string{"c_ck", "c_nk"}, [][2]int64{{1, 150_000}, {0, 24}}),
		"ord":    mk(1_500_000, []string{"o_ok", "o_ck"}, [][2]int64{{1, 1_500_000}, {1, 150_000}}),
		"li":     mk(6_000_000, []string{"l_ok", "l_sk"}, [][2]int64{{1, 1_500_000}, {1, 10_000}}),
		"part":   mk(200_000, []string{"p_pk", "p_x"}, [][2]int64{{1, 200_000}, {1, 100}}),
		"ps":     mk(800_000, []string{"ps_pk", "ps_sk"}, [][2]int64{{1, 200_000}, {1, 10_000}}),
		"li2":    mk(6_000_000, []string{"l_pk", "l_sk2"}, [][2]int64{{1, 200_000}, {1, 10_000}}),
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

var scanRE = regexp.MustCompile(`Scan: demo\.public\.(\w+)`)

// scanOrder lists the scanned tables in plan order (the left-deep join
// order).
func scanOrder(plan string) []string {
	var out []string
	for _, m := range scanRE.FindAllStringSubmatch(plan, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestJoinReorderAvoidsManyToManyIntermediate: joining the smallest
// connected input next would join supp and cust on the nation key alone
// (10,000 × 150,000 / 25 = 60M rows); the cost-based order never does, and
// reaches li (6M rows) through a key join, not last after a blow-up.
func TestJoinReorderAvoidsManyToManyIntermediate(t *testing.T) {
	var asked []string
	root := starRoot(&asked)
	sql := `SELECT count(*) FROM nation, supp, cust, ord, li
		WHERE s_nk = n_nk AND c_nk = s_nk AND c_ck = o_ck AND l_ok = o_ok AND l_sk = s_sk`
	plan := build(t, root, sql)
	opt, err := optimizer.Optimize(context.Background(), plan, optimizer.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	text := format(opt)
	order := scanOrder(text)
	if len(order) != 5 {
		t.Fatalf("want 5 scans, got %v in\n%s", order, text)
	}
	pos := map[string]int{}
	for i, n := range order {
		pos[n] = i
	}
	// supp and cust must not meet before a key join connects one of them
	// to ord or li: with both among the first three inputs and neither ord
	// nor li, their only link is the nation key.
	first3 := strings.Join(order[:3], ",")
	if pos["supp"] < 3 && pos["cust"] < 3 && pos["ord"] >= 3 && pos["li"] >= 3 {
		t.Fatalf("order %s joins supp and cust on the nation key only:\n%s", first3, text)
	}
	// Idempotent: every rule is a no-op on the result.
	for _, r := range optimizer.DefaultRules() {
		if _, changed, err := r.Rewrite(context.Background(), opt); err != nil || changed {
			t.Fatalf("rule %s on the optimized plan: changed=%v err=%v\n%s", r.Name(), changed, err, text)
		}
	}
	// The schema is kept.
	if !opt.Schema().Equal(plan.Schema()) {
		t.Fatalf("schema changed: %s vs %s", opt.Schema(), plan.Schema())
	}
	t.Logf("order %v", order)
}

// TestJoinReorderCompositeForeignKey: li2 references ps by the composite
// key (l_pk, l_sk2); treating the two equalities as independent would
// estimate li2 ⋈ ps at a few hundred rows and join them first, when it is
// all 6M lineitem rows. The filtered part must join li2 first.
func TestJoinReorderCompositeForeignKey(t *testing.T) {
	var asked []string
	root := starRoot(&asked)
	sql := `SELECT count(*) FROM ps, li2, part
		WHERE p_pk = l_pk AND ps_pk = l_pk AND ps_sk = l_sk2 AND p_x < 5`
	plan := build(t, root, sql)
	opt, err := optimizer.Optimize(context.Background(), plan, optimizer.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	text := format(opt)
	if got := strings.Join(scanOrder(text), ","); got == "ps,li2,part" || got == "li2,ps,part" {
		t.Fatalf("order %s joins the composite foreign key before the filtered part:\n%s", got, text)
	}
	for _, r := range optimizer.DefaultRules() {
		if _, changed, err := r.Rewrite(context.Background(), opt); err != nil || changed {
			t.Fatalf("rule %s on the optimized plan: changed=%v err=%v\n%s", r.Name(), changed, err, text)
		}
	}
}

// TestJoinReorderKeepsOrderWithoutStatistics: an input without statistics
// keeps the written order.
func TestJoinReorderKeepsOrderWithoutStatistics(t *testing.T) {
	var asked []string
	root := joinRoot(&asked)
	plan := build(t, root, `SELECT big.v FROM big JOIN nostats ON big.k = nostats.k JOIN small ON nostats.id = small.id`)
	opt, err := optimizer.Optimize(context.Background(), plan, optimizer.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(scanOrder(format(opt)), ","); got != "big,nostats,small" {
		t.Fatalf("order %s, want the written big,nostats,small:\n%s", got, format(opt))
	}
}
