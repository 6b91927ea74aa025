package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/sqlpush/pushtest"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

// trickyStrings are values on which byte order, PostgreSQL's collations
// and the engine's (utf8mb4_0900_ai_ci) disagree: case, accents
// (precomposed and combining), spaces, the empty string, ß/ss/ẞ,
// ligatures, ignorable controls, other scripts.
var trickyStrings = []string{
	"a", "A", "á", "Á", "ä", "ae", "æ", "Æ", "AE", "ß", "ss", "SS", "ẞ", "ﬁ", "fi",
	"a ", " a", "", "日本", "Straße", "strasse", "STRASSE", "résumé", "resume",
	"RESUME", "e\u0301", "é", "e", "ö", "oe", "œ", "\x01a", "a\x01", "z", "1",
	"10", "_", "İ", "i", "ı", "ĳ", "ij", "Ω", "ω", "😀", "name1234", "NAME1243",
	"Náme1234", "name12345", "name5",
}

// TestStringPrefilterMatchesEngine: string equality and IN are Inexact on
// PostgreSQL (a provable superset prefilter, the engine re-filters), every
// other string comparison stays Unsupported, and answers equal the
// engine's on tricky data, with the prefilter cutting the rows sent.
func TestStringPrefilterMatchesEngine(t *testing.T) {
	s := openSchema(t, testConfig())
	name := uniqueName("strs")
	q := quoteIdent(name)
	execSQL(t, s, `CREATE TABLE `+q+` (id int8 NOT NULL, s text, v varchar(20), c char(6))`)
	for i, v := range append(trickyStrings, trickyStrings...) {
		var null any
		if i%11 == 0 {
			execSQL(t, s, "INSERT INTO "+q+" VALUES ($1, NULL, $2, NULL)", i, v)
			continue
		}
		execSQL(t, s, "INSERT INTO "+q+" VALUES ($1, $2, $3, $4)", i, v, strings.ToUpper(v), null)
	}
	t.Cleanup(func() { execSQL(t, s, "DROP TABLE IF EXISTS "+q) })
	tbl, err := s.Table(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	sch := tbl.Schema()
	str := func(v string) expr.Expr { return sourcetest.Lit(arrow.BinaryTypes.String, v) }
	col := sourcetest.Col(sch, "s")
	fp := tbl.(catalog.FilterPushdowner)
	verdicts, err := fp.SupportsFilters([]expr.Expr{
		sourcetest.Cmp(sch, "s", expr.OpEq, "NAME1234"),
		sourcetest.Cmp(sch, "s", expr.OpNullSafeEq, "ss"),
		&expr.In{Input: col, List: []expr.Expr{str("SS"), str("æ"), sourcetest.Lit(arrow.BinaryTypes.String, nil)}},
		sourcetest.Cmp(sch, "s", expr.OpLt, "b"),
		sourcetest.Cmp(sch, "s", expr.OpNotEq, "a"),
		&expr.In{Input: col, List: []expr.Expr{str("a")}, Negated: true},
		sourcetest.Cmp(sch, "id", expr.OpGt, 3),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []catalog.Verdict{catalog.FilterInexact, catalog.FilterInexact, catalog.FilterInexact,
		catalog.FilterUnsupported, catalog.FilterUnsupported, catalog.FilterUnsupported, catalog.FilterExact}
	for i := range want {
		if verdicts[i] != want[i] {
			t.Errorf("filter %d: verdict %v, want %v", i, verdicts[i], want[i])
		}
	}

	on, off := engines(t, s)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var cases []pushtest.Case
	for _, lit := range []string{"a", "ss", "ae", "resume", "", "a ", "fi", "日本", "ij", "STRASSE", "i", "name1234", "e"} {
		for _, op := range []string{"=", "<=>"} {
			for _, c := range []string{"s", "v"} {
				cases = append(cases, pushtest.Case{SQL: fmt.Sprintf("SELECT id, s FROM %s WHERE %s %s '%s'", name, c, op, lit)})
			}
		}
	}
	cases = append(cases,
		pushtest.Case{SQL: "SELECT id FROM " + name + " WHERE s IN ('SS', 'Æ', 'RÉSUMÉ', NULL)"},
		pushtest.Case{SQL: "SELECT id FROM " + name + " WHERE s = 'NAME1234' AND id > 3"},
		pushtest.Case{SQL: "SELECT id FROM " + name + " WHERE s < 'b'"},
		pushtest.Case{SQL: "SELECT id, s FROM " + name + " ORDER BY s, id LIMIT 10", Ordered: true},
		pushtest.Case{SQL: "SELECT weight_string(s), count(*) FROM " + name + " GROUP BY s"},
	)
	pushtest.Check(t, on, off, pgOpts, cases, mem)

	// The prefilter is in the SQL, with its characters bound, and cuts
	// the rows PostgreSQL sends.
	plan := explain(t, on, "SELECT id FROM "+name+" WHERE s = 'NAME1234'", mem)
	if !strings.Contains(plan, `((\"s\") COLLATE \"C\" !~ $1)`) || !strings.Contains(plan, "partial_filters") {
		t.Errorf("EXPLAIN lacks the Inexact prefilter:\n%s", plan)
	}
	req := catalog.ScanRequest{Filters: []expr.Expr{sourcetest.Cmp(sch, "s", expr.OpEq, "NAME1234")}, Limit: -1}
	rows := sourcetest.ReadRows(t, tbl, req, mem)
	all := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Limit: -1}, mem)
	if len(rows) == 0 || len(rows) >= len(all)*2/3 {
		t.Errorf("the prefilter sent %d of %d rows", len(rows), len(all))
	}
	for _, r := range rows {
		for _, gone := range []string{`"z"`, `"strasse"`, `"resume"`, `"10"`, `"_"`, `"name12345"`, `"name5"`} {
			if strings.Contains(r, gone) {
				t.Errorf("the prefilter for NAME1234 let %s through", r)
			}
		}
	}
}

// TestExcludedASCII pins the superset argument: a character is excluded
// only when its collation key has a byte no literal's key has, so every
// string equal to a literal survives the prefilter.
func TestExcludedASCII(t *testing.T) {
	ex := excludedASCII([]string{"NAME1234"})
	for _, c := range "nNaAmMeE1234\x01\x02" {
		if strings.ContainsRune(ex, c) {
			t.Errorf("%q excluded for NAME1234", c)
		}
	}
	for _, c := range "bzZ05 _-\t" {
		if !strings.ContainsRune(ex, c) {
			t.Errorf("%q not excluded for NAME1234", c)
		}
	}
	if p := excludedPattern("b]-\\^\x7f"); p != `[\x62\x5d\x2d\x5c\x5e\x7f]` {
		t.Errorf("pattern %s", p)
	}
	// Every tricky string equal (under the collation) to a literal keeps
	// all its ASCII characters.
	for _, lit := range trickyStrings {
		ex := excludedASCII([]string{lit})
		for _, x := range trickyStrings {
			if expr.EqualCollated(x, lit) && strings.ContainsAny(x, ex) {
				t.Errorf("%q equals %q but contains an excluded character (%q)", x, lit, ex)
			}
		}
	}
}

// TestPushedPartitionsShip: a pushed TopN's and a pushed aggregate's
// partitions encode as metadata and decode on another Table of the same
// remote table into the same query and rows; tampering with the SQL, a
// bind value, the request or the version is ErrInvalid.
func TestPushedPartitionsShip(t *testing.T) {
	s := openSchema(t, testConfig())
	name := uniqueName("ship")
	createKitTable(t, s, name, 200)
	t.Cleanup(func() { execSQL(t, s, "DROP TABLE IF EXISTS "+quoteIdent(name)) })
	ctx := context.Background()
	tbl, err := s.Table(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	other, err := openSchema(t, testConfig()).Table(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	mem := newMem(t)
	sch := tbl.Schema()
	id, small := sourcetest.Col(sch, "id"), sourcetest.Col(sch, "small")
	filter := sourcetest.Cmp(sch, "id", expr.OpGt, 17)
	sum, err := expr.NewAggregate(expr.AggSum, id, false)
	if err != nil {
		t.Fatal(err)
	}
	agg, ok, err := tbl.(catalog.AggregatePushdowner).PushAggregate(catalog.AggregateRequest{
		Filters: []expr.Expr{filter}, GroupBy: []expr.Expr{small}, Aggs: []expr.AggregateCall{sum},
		Schema: arrow.NewSchema([]arrow.Field{sch.Field(small.Index), {Name: "s", Type: sum.DataType, Nullable: true}}, nil)})
	if err != nil || !ok {
		t.Fatalf("PushAggregate: ok=%v err=%v", ok, err)
	}
	top, ok, err := agg.(catalog.TopNPushdowner).PushTopN(catalog.TopNRequest{Keys: []catalog.SortKey{{Column: 1, Desc: true}}, Limit: 5})
	if err != nil || !ok {
		t.Fatalf("PushTopN over the groups: ok=%v err=%v", ok, err)
	}
	top2, ok, err := tbl.(catalog.TopNPushdowner).PushTopN(catalog.TopNRequest{Keys: []catalog.SortKey{{Column: small.Index, Desc: true}, {Column: id.Index}}, Limit: 7})
	if err != nil || !ok {
		t.Fatalf("PushTopN: ok=%v err=%v", ok, err)
	}
	for _, c := range []struct {
		name string
		tbl  catalog.Table
		req  catalog.ScanRequest
	}{
		{"aggregate", agg, catalog.ScanRequest{Limit: -1}},
		{"aggregate topn projected", top, catalog.ScanRequest{Projection: []int{1}, Limit: -1}},
		{"aggregate count", agg, catalog.ScanRequest{Projection: []int{}, Limit: -1}},
		{"topn", top2, catalog.ScanRequest{Projection: []int{0, 1}, Filters: []expr.Expr{filter}, Limit: 6}},
	} {
		sc, err := c.tbl.Scan(ctx, c.req)
		if err != nil {
			t.Fatal(err)
		}
		want := sourcetest.ReadPartitionRows(t, sc.Partitions()[0], sc.Schema(), mem)
		data, err := tbl.(catalog.PartitionCodec).EncodePartition(sc.Partitions()[0])
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		p, err := other.(catalog.PartitionCodec).DecodePartition(ctx, data)
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, data)
		}
		got := sourcetest.ReadPartitionRows(t, p, sc.Schema(), mem)
		if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) == 0 {
			t.Errorf("%s: decoded rows %v, want %v", c.name, got, want)
		}
		enc := string(data)
		for _, bad := range []string{
			strings.Replace(enc, `"v":2`, `"v":1`, 1),
			strings.Replace(enc, `"sql":"SELECT `, `"sql":"SELECT pg_sleep(1), `, 1),
			strings.Replace(enc, `{"t":"i","v":"17"}`, `{"t":"i","v":"18"}`, 1),
			strings.Replace(enc, `"limit":`, `"limit2":1,"limit":`, 1),
			strings.Replace(enc, `"func":"sum"`, `"func":"avg"`, 1),
			strings.Replace(enc, `"desc":true`, `"nulls_first":true`, 1),
		} {
			if bad == enc || (c.name == "aggregate count" && strings.Contains(bad, `"func":"avg"`)) {
				// This shape has no such part, or (counting groups) the
				// aggregate does not reach the SQL: any call gives the
				// same query and rows.
				continue
			}
			if _, err := other.(catalog.PartitionCodec).DecodePartition(ctx, []byte(bad)); !errors.Is(err, errs.ErrInvalid) {
				t.Errorf("%s: decoding tampered %s: %v, want ErrInvalid", c.name, bad, err)
			}
		}
	}
}
