package sqlgen_test

import (
	"context"
	"database/sql"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
)

type row struct {
	id   int64
	i    *int64
	f    *float64
	s    *string
	bin  []byte
	flag *bool
	d    *string
	ts   *string
}

func p[T any](v T) *T { return &v }

var rows = []row{
	{1, p[int64](5), p(1.5), p("apple"), []byte{1}, p(true), p("2024-01-02"), p("2024-01-02 10:00:00.000000")},
	{2, p[int64](-3), p(-0.5), p("Apple"), []byte{2}, p(false), p("2023-12-31"), p("2023-12-31 23:59:59.999000")},
	{3, nil, nil, nil, nil, nil, nil, nil},
	{4, p[int64](0), p(2.5), p("banana"), []byte{1, 2}, p(true), p("2024-02-29"), p("2024-02-29 00:00:00.000000")},
	{5, p[int64](math.MaxInt64), p(1e300), p("a%b_c"), []byte{}, p(false), p("1999-01-01"), p("1999-01-01 00:00:00.001000")},
	{6, p[int64](10), p(0.5), p("kitty"), []byte{0}, p(true), p("2024-01-02"), p("2024-01-02 10:00:00.000000")},
	{7, p[int64](-10), p(3.0), p("Straße"), []byte{0x7f}, p(false), p("2020-06-15"), p("2020-06-15 12:30:00.000000")},
	{8, p[int64](7), p(math.Inf(1)), p("APPLE pie"), []byte{1}, nil, p("2024-01-03"), nil},
}

// TestSemanticsOnSQLite runs every translated filter on a real SQLite table
// and compares the ids with expr.FilterBatch over the same rows.
func TestSemanticsOnSQLite(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// STRICT: every stored value has the declared type, so plain column
	// references read exactly what the Arrow batch holds.
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, f REAL, s TEXT COLLATE NOCASE, bin BLOB, flag INTEGER, d TEXT, ts TEXT) STRICT`); err != nil {
		t.Fatal(err)
	}
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for _, r := range rows {
		var flag any
		if r.flag != nil {
			flag = 0
			if *r.flag {
				flag = 1
			}
		}
		var binv any
		if r.bin != nil {
			binv = r.bin
		}
		if _, err := db.Exec(`INSERT INTO t VALUES (?,?,?,?,?,?,?,?)`, r.id, r.i, r.f, r.s, binv, flag, r.d, r.ts); err != nil {
			t.Fatal(err)
		}
		b.Field(0).(*array.Int64Builder).Append(r.id)
		appendOpt(b.Field(1).(*array.Int64Builder).Append, b.Field(1), r.i)
		appendOpt(b.Field(2).(*array.Float64Builder).Append, b.Field(2), r.f)
		appendOpt(b.Field(3).(*array.StringBuilder).Append, b.Field(3), r.s)
		if r.bin == nil {
			b.Field(4).AppendNull()
		} else {
			b.Field(4).(*array.BinaryBuilder).Append(r.bin)
		}
		appendOpt(b.Field(5).(*array.BooleanBuilder).Append, b.Field(5), r.flag)
		if r.d == nil {
			b.Field(6).AppendNull()
		} else {
			b.Field(6).(*array.Date32Builder).Append(date(*r.d))
		}
		if r.ts == nil {
			b.Field(7).AppendNull()
		} else {
			ts, err := arrow.TimestampFromString(*r.ts, arrow.Microsecond)
			if err != nil {
				t.Fatal(err)
			}
			b.Field(7).(*array.TimestampBuilder).Append(ts)
		}
	}
	batch := b.NewRecordBatch()
	defer batch.Release()

	i, f, s, flag, d := col("i"), col("f"), col("s"), col("flag"), col("d")
	like := func(x expr.Expr, pat string, neg bool) expr.Expr {
		e, err := expr.NewLike(x, lit(pat), 0, neg)
		return must(t, e, err)
	}
	in := func(x expr.Expr, neg bool, items ...any) expr.Expr {
		l := make([]expr.Expr, len(items))
		for k, v := range items {
			l[k] = lit(v)
		}
		e, err := expr.NewIn(x, l, neg)
		return must(t, e, err)
	}
	tsLit, _ := arrow.TimestampFromString("2024-01-02 10:00:00", arrow.Microsecond)
	filters := []expr.Expr{
		bin(t, expr.OpGt, i, lit(3)),
		bin(t, expr.OpEq, i, lit(5)),
		bin(t, expr.OpNotEq, i, lit(5)),
		bin(t, expr.OpNullSafeEq, i, lit(nil)),
		bin(t, expr.OpNullSafeEq, i, lit(7)),
		bin(t, expr.OpGt, i, lit(nil)),
		not(t, bin(t, expr.OpGt, i, lit(3))),
		&expr.IsNull{Input: i},
		&expr.IsNull{Input: s, Negated: true},
		in(i, false, 5, 10, nil),
		in(i, true, 5, nil),
		in(i, true, 5, 10),
		not(t, in(i, false, 5, nil)),
		bin(t, expr.OpEq, bin(t, expr.OpMod, i, lit(3)), lit(1)),
		&expr.IsNull{Input: bin(t, expr.OpMod, i, lit(0))},
		bin(t, expr.OpEq, s, lit("apple")),
		bin(t, expr.OpLt, s, lit("b")),
		bin(t, expr.OpGtEq, s, lit("S")),
		in(s, false, "apple", "kitty"),
		like(s, "app%", false),
		like(s, "%PIE", false),
		like(s, `a\%b\_c`, false),
		like(s, "a_ple", false),
		like(s, "%pp%", true),
		bin(t, expr.OpGt, f, lit(1.0)),
		bin(t, expr.OpNullSafeEq, f, lit(2.5)),
		bin(t, expr.OpLt, f, lit(math.Inf(1))),
		flag,
		not(t, flag),
		bin(t, expr.OpEq, flag, lit(true)),
		bin(t, expr.OpLt, flag, lit(true)),
		i,
		f,
		bin(t, expr.OpGt, d, lit(date("2024-01-01"))),
		bin(t, expr.OpEq, d, lit(date("2024-01-02"))),
		bin(t, expr.OpGtEq, col("ts"), lit(tsLit)),
		bin(t, expr.OpEq, col("bin"), lit([]byte{1})),
		bin(t, expr.OpGt, col("bin"), lit([]byte{1})),
		bin(t, expr.OpAnd, bin(t, expr.OpOr, bin(t, expr.OpGt, i, lit(3)), &expr.IsNull{Input: s}), not(t, bin(t, expr.OpLt, f, lit(1.0)))),
		bin(t, expr.OpOr, bin(t, expr.OpLt, i, lit(0)), bin(t, expr.OpEq, s, lit("banana"))),
	}
	for _, e := range filters {
		var args []any
		where, ok := sqlgen.Translate(sqlgen.SQLite, e, quoted, &args)
		if !ok {
			_, isLike := e.(*expr.Like)
			if n, isNot := e.(*expr.Not); isNot {
				_, isLike = n.Input.(*expr.Like)
			}
			collated := (isLike && !sqlgen.EngineLikeIsASCIIFold()) || (usesString(e) && !sqlgen.EngineComparesBytes())
			if !collated {
				t.Errorf("%s: not translated for SQLite", e)
			}
			continue
		}
		q := sqlgen.BuildSelect(sqlgen.SQLite, `"t"`, []string{`"id"`}, []string{where}, []sqlgen.OrderItem{{Expr: `"id"`}}, -1)
		got := queryIDs(t, db, q, args)
		want := engineIDs(t, ctx, e, batch, mem)
		if !slices.Equal(got, want) {
			t.Errorf("%s\n  sql %s %v\n  sqlite %v\n  engine %v", e, q, args, got, want)
		}
	}
}

func appendOpt[T any](app func(T), b array.Builder, v *T) {
	if v == nil {
		b.AppendNull()
		return
	}
	app(*v)
}

func queryIDs(t *testing.T, db *sql.DB, q string, args []any) []int64 {
	t.Helper()
	rs, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	out := []int64{}
	for rs.Next() {
		var id int64
		if err := rs.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func engineIDs(t *testing.T, ctx context.Context, e expr.Expr, batch arrow.RecordBatch, mem memory.Allocator) []int64 {
	t.Helper()
	out, err := expr.FilterBatch(ctx, e, batch, mem)
	if err != nil {
		t.Fatalf("FilterBatch(%s): %v", e, err)
	}
	defer out.Release()
	ids := append([]int64{}, out.Column(0).(*array.Int64).Int64Values()...)
	slices.Sort(ids)
	return ids
}
