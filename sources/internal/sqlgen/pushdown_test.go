package sqlgen_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
)

func TestOrderKey(t *testing.T) {
	dec := &arrow.Decimal128Type{Precision: 12, Scale: 2}
	cases := []struct {
		d          sqlgen.Dialect
		typ        arrow.DataType
		desc, nf   bool
		want       string // rendered ORDER BY, "" = refused
		nItems     int
		dialectTag string
	}{
		{sqlgen.Postgres, arrow.PrimitiveTypes.Int64, false, true, `"x" NULLS FIRST`, 1, "pg int asc"},
		{sqlgen.Postgres, arrow.PrimitiveTypes.Int64, true, false, `"x" DESC NULLS LAST`, 1, "pg int desc"},
		{sqlgen.Postgres, arrow.PrimitiveTypes.Float64, false, true, `("x" = 'NaN'::float8) DESC NULLS FIRST, "x" NULLS FIRST`, 2, "pg float asc"},
		{sqlgen.Postgres, arrow.PrimitiveTypes.Float64, true, false, `("x" = 'NaN'::float8) NULLS LAST, "x" DESC NULLS LAST`, 2, "pg float desc"},
		{sqlgen.SQLite, arrow.PrimitiveTypes.Float64, false, true, `"x" NULLS FIRST`, 1, "sqlite float (no NaN)"},
		{sqlgen.Postgres, dec, false, true, `"x" NULLS FIRST`, 1, "pg decimal"},
		{sqlgen.SQLite, dec, false, true, "", 0, "sqlite decimal (REAL)"},
		{sqlgen.Postgres, arrow.BinaryTypes.String, false, true, "", 0, "string: collation"},
		{sqlgen.SQLite, arrow.BinaryTypes.Binary, false, true, "", 0, "binary"},
		{sqlgen.Postgres, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Europe/Paris"}, false, true, "", 0, "zoned timestamp"},
		{sqlgen.Postgres, expr.TypeTimestamp, false, true, `"x" NULLS FIRST`, 1, "timestamp"},
		{sqlgen.MySQL, arrow.FixedWidthTypes.Date32, true, true, "`x` IS NULL DESC, `x` DESC", 1, "mysql date"},
	}
	for _, c := range cases {
		items, ok := sqlgen.OrderKey(c.d, c.d.QuoteIdent("x"), c.typ, c.desc, c.nf)
		if c.want == "" {
			if ok {
				t.Errorf("%s: pushed %v, want refused", c.dialectTag, items)
			}
			continue
		}
		if !ok || len(items) != c.nItems {
			t.Fatalf("%s: ok=%v items=%v", c.dialectTag, ok, items)
		}
		got := sqlgen.Query{From: "t", OrderBy: items, Limit: -1}.SQL(c.d)
		if want := "SELECT 1 FROM t ORDER BY " + c.want; got != want {
			t.Errorf("%s:\n got %s\nwant %s", c.dialectTag, got, want)
		}
	}
	if _, ok := sqlgen.OrderKey(sqlgen.Postgres, "", arrow.PrimitiveTypes.Int64, false, true); ok {
		t.Error("a column without SQL must be refused")
	}
}

func TestQueryGroupBy(t *testing.T) {
	q := sqlgen.Query{Cols: []string{`"k"`, "count(*)"}, From: `"t"`, Where: []string{`("a" > $1)`}, GroupBy: []string{`"k"`},
		OrderBy: []sqlgen.OrderItem{{Expr: `"k"`, NullsFirst: true}}, Limit: 10}
	want := `SELECT "k", count(*) FROM "t" WHERE ("a" > $1) GROUP BY "k" ORDER BY "k" NULLS FIRST LIMIT 10`
	if got := q.SQL(sqlgen.Postgres); got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	// BuildSelect is the same renderer.
	if got := sqlgen.BuildSelect(sqlgen.Postgres, `"t"`, nil, nil, nil, 0); got != `SELECT 1 FROM "t" LIMIT 0` {
		t.Fatalf("BuildSelect: %s", got)
	}
}

func TestGroupKey(t *testing.T) {
	dec := &arrow.Decimal128Type{Precision: 10, Scale: 3}
	for _, c := range []struct {
		d    sqlgen.Dialect
		typ  arrow.DataType
		want bool
	}{
		{sqlgen.Postgres, arrow.PrimitiveTypes.Int32, true},
		{sqlgen.Postgres, arrow.FixedWidthTypes.Boolean, true},
		{sqlgen.Postgres, arrow.FixedWidthTypes.Date32, true},
		{sqlgen.Postgres, dec, true},
		{sqlgen.SQLite, dec, false},
		{sqlgen.Postgres, arrow.PrimitiveTypes.Float64, false},
		{sqlgen.SQLite, arrow.PrimitiveTypes.Float64, false},
		{sqlgen.Postgres, arrow.BinaryTypes.String, false},
		{sqlgen.SQLite, expr.TypeTimestamp, true},
	} {
		if got := sqlgen.GroupKey(c.d, `"x"`, c.typ); got != c.want {
			t.Errorf("%s %s: got %v want %v", c.d.Name, c.typ, got, c.want)
		}
	}
}

func TestAggregateSQL(t *testing.T) {
	i64 := &expr.Column{Index: 0, Name: "i", DataType: arrow.PrimitiveTypes.Int64}
	f64 := &expr.Column{Index: 1, Name: "f", DataType: arrow.PrimitiveTypes.Float64}
	dec := &expr.Column{Index: 2, Name: "d", DataType: &arrow.Decimal128Type{Precision: 12, Scale: 2}}
	str := &expr.Column{Index: 3, Name: "s", DataType: arrow.BinaryTypes.String}
	flag := &expr.Column{Index: 4, Name: "b", DataType: arrow.FixedWidthTypes.Boolean}
	names := []string{"i", "f", "d", "s", "b"}
	colName := func(d sqlgen.Dialect) func(int) string {
		return func(i int) string { return d.QuoteIdent(names[i]) }
	}
	agg := func(fn expr.AggFunc, arg expr.Expr, distinct bool) expr.AggregateCall {
		a, err := expr.NewAggregate(fn, arg, distinct)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	cases := []struct {
		d    sqlgen.Dialect
		a    expr.AggregateCall
		want string // "" = refused
		res  sqlgen.AggResult
	}{
		{sqlgen.Postgres, agg(expr.AggCount, nil, false), "count(*)", sqlgen.AggAsIs},
		{sqlgen.Postgres, agg(expr.AggCount, str, false), `count("s")`, sqlgen.AggAsIs},
		{sqlgen.Postgres, agg(expr.AggCount, i64, true), `count(DISTINCT "i")`, sqlgen.AggAsIs},
		{sqlgen.Postgres, agg(expr.AggCount, str, true), "", 0},
		{sqlgen.Postgres, agg(expr.AggSum, i64, false), `CAST(sum("i") AS numeric(38,0))`, sqlgen.AggAsIs},
		{sqlgen.Postgres, agg(expr.AggSum, dec, false), `CAST(sum("d") AS numeric(38,2))`, sqlgen.AggAsIs},
		{sqlgen.Postgres, agg(expr.AggSum, f64, false), `sum(CAST("f" AS float8))`, sqlgen.AggAsIs},
		{sqlgen.Postgres, agg(expr.AggAvg, i64, false), `CAST(sign(CAST(sum("i") AS numeric)) * div(2 * abs(CAST(sum("i") AS numeric)) * 10000 + count("i"), 2 * count("i")) * 0.0001 AS numeric(38,4))`, sqlgen.AggAsIs},
		{sqlgen.Postgres, agg(expr.AggAvg, dec, false), `CAST(sign(CAST(sum("d") AS numeric)) * div(2 * abs(CAST(sum("d") AS numeric)) * 1000000 + count("d"), 2 * count("d")) * 0.000001 AS numeric(38,6))`, sqlgen.AggAsIs},
		{sqlgen.Postgres, agg(expr.AggSum, i64, true), "", 0},
		{sqlgen.Postgres, agg(expr.AggMax, i64, false), `max("i")`, sqlgen.AggAsIs},
		{sqlgen.Postgres, agg(expr.AggMax, f64, false), "", 0}, // NaN is PostgreSQL's maximum
		{sqlgen.Postgres, agg(expr.AggMin, flag, false), "", 0},
		{sqlgen.Postgres, agg(expr.AggMin, str, false), "", 0},
		{sqlgen.SQLite, agg(expr.AggSum, i64, false), `sum(("i") >> 32) || ',' || sum(("i") & 4294967295)`, sqlgen.AggIntSumParts},
		{sqlgen.SQLite, agg(expr.AggAvg, i64, false), "", 0},
		{sqlgen.SQLite, agg(expr.AggSum, dec, false), "", 0},
		{sqlgen.SQLite, agg(expr.AggAvg, f64, false), `avg("f")`, sqlgen.AggAsIs},
		{sqlgen.SQLite, agg(expr.AggMax, f64, false), `max("f")`, sqlgen.AggAsIs},
		{sqlgen.SQLite, agg(expr.AggMin, flag, false), "", 0}, // the engine's MIN(bool) is BIGINT 1/0
		{sqlgen.SQLite, agg(expr.AggSum, flag, false), "", 0},
	}
	for _, c := range cases {
		got, res, ok := sqlgen.Aggregate(c.d, c.a, colName(c.d))
		if c.want == "" {
			if ok {
				t.Errorf("%s %s: pushed as %s, want refused", c.d.Name, c.a, got)
			}
			continue
		}
		if !ok || got != c.want || res != c.res {
			t.Errorf("%s %s: got %q res=%d ok=%v, want %q res=%d", c.d.Name, c.a, got, res, ok, c.want, c.res)
		}
	}
	// An argument that is not a plain column is refused.
	sum, err := expr.NewBinary(expr.OpAdd, i64, expr.NewLiteral(int64(1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := sqlgen.Aggregate(sqlgen.Postgres, agg(expr.AggSum, sum, false), colName(sqlgen.Postgres)); ok {
		t.Error("SUM(i + 1) must be refused")
	}
}
