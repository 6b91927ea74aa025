package sqlgen_test

import (
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"go.uber.org/goleak"
	_ "modernc.org/sqlite"

	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var schema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "ts", Type: expr.TypeTimestamp, Nullable: true},
}, nil)

func col(name string) *expr.Column {
	i := schema.FieldIndices(name)[0]
	return &expr.Column{Index: i, Name: name, DataType: schema.Field(i).Type}
}

func quoted(i int) string { return sqlgen.SQLite.QuoteIdent(schema.Field(i).Name) }

func must(t testing.TB, e expr.Expr, err error) expr.Expr {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func bin(t testing.TB, op expr.Op, l, r expr.Expr) expr.Expr {
	t.Helper()
	e, err := expr.NewBinary(op, l, r)
	return must(t, e, err)
}

func not(t testing.TB, e expr.Expr) expr.Expr {
	t.Helper()
	n, err := expr.NewNot(e)
	return must(t, n, err)
}

func lit(v any) expr.Expr { return expr.NewLiteral(v) }

func date(s string) arrow.Date32 {
	tm, _ := time.Parse("2006-01-02", s)
	return arrow.Date32FromTime(tm)
}

func TestTranslateText(t *testing.T) {
	var (
		i, s, f, b = col("i"), col("s"), col("f"), col("bin")
	)
	like := func(x expr.Expr, p string, neg bool) expr.Expr {
		e, err := expr.NewLike(x, lit(p), 0, neg)
		return must(t, e, err)
	}
	in := func(x expr.Expr, items ...any) expr.Expr {
		l := make([]expr.Expr, len(items))
		for k, v := range items {
			l[k] = lit(v)
		}
		e, err := expr.NewIn(x, l, false)
		return must(t, e, err)
	}
	pgCol := func(k int) string { return sqlgen.Postgres.QuoteIdent(schema.Field(k).Name) }
	myCol := func(k int) string { return sqlgen.MySQL.QuoteIdent(schema.Field(k).Name) }
	cases := []struct {
		name string
		d    sqlgen.Dialect
		col  func(int) string
		e    expr.Expr
		sql  string // "" = unsupported
		args []any
	}{
		{"pg int gt", sqlgen.Postgres, pgCol, bin(t, expr.OpGt, i, lit(3)), `("i" > $1)`, []any{int64(3)}},
		{"sqlite int gt", sqlgen.SQLite, quoted, bin(t, expr.OpGt, i, lit(3)), `("i" > ?)`, []any{int64(3)}},
		{"mysql not eq", sqlgen.MySQL, myCol, bin(t, expr.OpNotEq, i, lit(3)), "(`i` <> ?)", []any{int64(3)}},
		{"pg string eq collates", sqlgen.Postgres, pgCol, bin(t, expr.OpEq, s, lit("a'b")), `(("s") COLLATE "C" = $1)`, []any{"a'b"}},
		{"mysql string unsupported", sqlgen.MySQL, myCol, bin(t, expr.OpEq, s, lit("a")), "", nil},
		{"pg like lower-cases ASCII", sqlgen.Postgres, pgCol, like(s, "App%", false),
			`(translate("s", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') LIKE $1 ESCAPE $2)`, []any{"app%", `\`}},
		{"sqlite not like", sqlgen.SQLite, quoted, like(s, "%pie", true), `("s" NOT LIKE ? ESCAPE ?)`, []any{"%pie", `\`}},
		{"like regex with k refused", sqlgen.SQLite, quoted, like(s, "kit_y", false), "", nil},
		{"like regex with s refused", sqlgen.SQLite, quoted, like(s, "Stra%e", false), "", nil},
		{"like regex without k/s", sqlgen.SQLite, quoted, like(s, "a_ple", false), `("s" LIKE ? ESCAPE ?)`, []any{"a_ple", `\`}},
		{"like non-ASCII literal refused", sqlgen.Postgres, pgCol, like(s, "ß%", false), "", nil},
		{"like trailing escape refused", sqlgen.Postgres, pgCol, like(s, `ab\`, false), "", nil},
		{"mysql like unsupported", sqlgen.MySQL, myCol, like(s, "a%", false), "", nil},
		{"pg div nullif", sqlgen.Postgres, pgCol, bin(t, expr.OpEq, bin(t, expr.OpIntDiv, i, lit(2)), lit(1)), `(("i" / NULLIF($1, 0)) = $2)`, []any{int64(2), int64(1)}},
		{"sqlite div refused", sqlgen.SQLite, quoted, bin(t, expr.OpEq, bin(t, expr.OpIntDiv, i, lit(2)), lit(1)), "", nil},
		{"sqlite add refused", sqlgen.SQLite, quoted, bin(t, expr.OpGt, bin(t, expr.OpAdd, i, lit(2)), lit(1)), "", nil},
		{"sqlite mod", sqlgen.SQLite, quoted, bin(t, expr.OpEq, bin(t, expr.OpMod, i, lit(3)), lit(1)), `(("i" % NULLIF(?, 0)) = ?)`, []any{int64(3), int64(1)}},
		{"pg float nan guard", sqlgen.Postgres, pgCol, bin(t, expr.OpGt, f, lit(1.5)), `(CASE WHEN "f" = 'NaN'::float8 THEN FALSE ELSE "f" > $1 END)`, []any{1.5}},
		{"pg float != nan", sqlgen.Postgres, pgCol, bin(t, expr.OpNotEq, f, lit(math.NaN())), `(CASE WHEN "f" IS NULL THEN NULL ELSE TRUE END)`, nil},
		{"sqlite nan refused", sqlgen.SQLite, quoted, bin(t, expr.OpEq, f, lit(math.NaN())), "", nil},
		{"null-safe eq", sqlgen.SQLite, quoted, bin(t, expr.OpNullSafeEq, i, lit(nil)), `("i" IS NULL)`, nil},
		{"pg in", sqlgen.Postgres, pgCol, in(i, 1, 2, nil), `("i" IN ($1, $2, NULL))`, []any{int64(1), int64(2)}},
		{"sqlite string in collates", sqlgen.SQLite, quoted, in(s, "a", "b"), `(("s") COLLATE BINARY IN (?, ?))`, []any{"a", "b"}},
		{"binary eq", sqlgen.Postgres, pgCol, bin(t, expr.OpEq, b, lit([]byte{1})), `("bin" = $1)`, []any{[]byte{1}}},
		{"int truthiness", sqlgen.SQLite, quoted, i, `("i" <> 0)`, nil},
		{"string truthiness refused", sqlgen.SQLite, quoted, s, "", nil},
		{"unusable column", sqlgen.SQLite, func(int) string { return "" }, bin(t, expr.OpGt, i, lit(3)), "", nil},
		{"sqlite date text", sqlgen.SQLite, quoted, bin(t, expr.OpGt, col("d"), lit(date("2024-01-01"))), `("d" > ?)`, []any{"2024-01-01"}},
		{"sqlite bool int", sqlgen.SQLite, quoted, bin(t, expr.OpEq, col("flag"), lit(true)), `("flag" = ?)`, []any{int64(1)}},
		{"pg bool native", sqlgen.Postgres, pgCol, bin(t, expr.OpEq, col("flag"), lit(true)), `("flag" = $1)`, []any{true}},
		{"compare with null", sqlgen.SQLite, quoted, bin(t, expr.OpGt, i, lit(nil)), `(CAST(NULL AS INTEGER))`, nil},
		{"or and not", sqlgen.Postgres, pgCol, bin(t, expr.OpOr, bin(t, expr.OpLt, i, lit(0)), not(t, bin(t, expr.OpEq, i, lit(5)))),
			`(("i" < $1) OR (NOT ("i" = $2)))`, []any{int64(0), int64(5)}},
		{"cast refused", sqlgen.Postgres, pgCol, &expr.Cast{Input: i, To: expr.TypeString}, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []any{"pre"}
			got, ok := sqlgen.Translate(c.d, c.e, c.col, &args)
			// String comparisons and LIKE follow the engine's own string
			// semantics (probed): with a collated engine they stay there.
			if _, isLike := c.e.(*expr.Like); (isLike && !sqlgen.EngineLikeIsASCIIFold()) ||
				(!isLike && usesString(c.e) && !sqlgen.EngineComparesBytes()) {
				c.sql = ""
			}
			if c.sql == "" {
				if ok || len(args) != 1 {
					t.Fatalf("Translate(%s) = %q %v, want unsupported with args untouched", c.e, got, args)
				}
				if sqlgen.Supported(c.d, c.e, c.col) {
					t.Fatal("Supported disagrees with Translate")
				}
				return
			}
			if !ok {
				t.Fatalf("Translate(%s) unsupported, want %s", c.e, c.sql)
			}
			want := c.sql
			if c.d.Name == "postgres" {
				// placeholders are numbered after the existing argument
				want = renumber(want)
			}
			if got != want {
				t.Fatalf("Translate(%s)\n got %s\nwant %s", c.e, got, want)
			}
			if !reflect.DeepEqual(args[1:], c.args) && !(len(args) == 1 && len(c.args) == 0) {
				t.Fatalf("args %#v, want %#v", args[1:], c.args)
			}
		})
	}
}

// usesString reports whether e reads the VARCHAR column s.
func usesString(e expr.Expr) bool {
	return slices.Contains(expr.ColumnsUsed(e), col("s").Index)
}

// renumber shifts $n to $n+1 (the tests pre-fill one argument).
func renumber(s string) string {
	out := []byte{}
	for k := 0; k < len(s); k++ {
		if s[k] == '$' && k+1 < len(s) && s[k+1] >= '0' && s[k+1] <= '9' {
			out = append(out, '$', s[k+1]+1)
			k++
			continue
		}
		out = append(out, s[k])
	}
	return string(out)
}

func TestBuildSelect(t *testing.T) {
	got := sqlgen.BuildSelect(sqlgen.Postgres, sqlgen.QualifiedName(sqlgen.Postgres, "public", "t"), []string{`"a"`, `"b"`},
		[]string{`("a" > $1)`, `("b" IS NULL)`}, []sqlgen.OrderItem{{Expr: `"a"`, NullsFirst: true}, {Expr: `"b"`, Desc: true}}, 10)
	want := `SELECT "a", "b" FROM "public"."t" WHERE ("a" > $1) AND ("b" IS NULL) ORDER BY "a" NULLS FIRST, "b" DESC NULLS LAST LIMIT 10`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := sqlgen.BuildSelect(sqlgen.SQLite, `"t"`, nil, nil, nil, -1); got != `SELECT 1 FROM "t"` {
		t.Fatal(got)
	}
	got = sqlgen.BuildSelect(sqlgen.MySQL, "`t`", []string{"`a`"}, nil, []sqlgen.OrderItem{{Expr: "`a`", NullsFirst: true}}, 0)
	if got != "SELECT `a` FROM `t` ORDER BY `a` IS NULL DESC, `a` LIMIT 0" {
		t.Fatal(got)
	}
	if q := sqlgen.QualifiedName(sqlgen.MySQL, "", "we`ird"); q != "`we``ird`" {
		t.Fatal(q)
	}
}
