package integration_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// randomSeed fixes the generated data and queries; change it to explore.
const randomSeed = 20261122

// randomQueryCount is how many generated SELECTs one run compares.
const randomQueryCount = 250

var fruits = []string{"apple", "banana", "cherry", "date", "elder", "fig"}

// writeRandomTables writes t1 (k, a, b, c, d) and t2 (k, x, y) as Parquet:
// small key domains so joins and groups collide, ~20% NULLs everywhere,
// lower-case strings only (dialect-neutral under MySQL's case-insensitive
// collation).
func writeRandomTables(t *testing.T, dir string, rng *rand.Rand) {
	t.Helper()
	nullable := func(f arrow.Field) arrow.Field { f.Nullable = true; return f }
	t1 := arrow.NewSchema([]arrow.Field{
		nullable(arrow.Field{Name: "k", Type: arrow.PrimitiveTypes.Int64}),
		nullable(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64}),
		nullable(arrow.Field{Name: "b", Type: arrow.BinaryTypes.String}),
		nullable(arrow.Field{Name: "c", Type: arrow.PrimitiveTypes.Float64}),
		nullable(arrow.Field{Name: "d", Type: arrow.FixedWidthTypes.Date32}),
	}, nil)
	t2 := arrow.NewSchema([]arrow.Field{
		nullable(arrow.Field{Name: "k", Type: arrow.PrimitiveTypes.Int64}),
		nullable(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64}),
		nullable(arrow.Field{Name: "y", Type: arrow.BinaryTypes.String}),
	}, nil)
	base := arrow.Date32FromTime(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	fill := func(schema *arrow.Schema, rows int) arrow.RecordBatch {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		defer b.Release()
		for r := 0; r < rows; r++ {
			for c, f := range schema.Fields() {
				fb := b.Field(c)
				if rng.IntN(5) == 0 {
					fb.AppendNull()
					continue
				}
				switch f.Name {
				case "k":
					fb.(*array.Int64Builder).Append(int64(rng.IntN(20) + 1))
				case "a", "x":
					fb.(*array.Int64Builder).Append(int64(rng.IntN(101) - 50))
				case "b", "y":
					fb.(*array.StringBuilder).Append(fruits[rng.IntN(len(fruits))])
				case "c":
					fb.(*array.Float64Builder).Append(float64(rng.IntN(2000)-1000) / 4)
				case "d":
					fb.(*array.Date32Builder).Append(base + arrow.Date32(rng.IntN(60)))
				}
			}
		}
		return b.NewRecordBatch()
	}
	for name, spec := range map[string]struct {
		schema *arrow.Schema
		rows   int
	}{"t1": {t1, 300}, "t2": {t2, 120}} {
		rec := fill(spec.schema, spec.rows)
		f, err := os.Create(filepath.Join(dir, name+".parquet"))
		if err != nil {
			t.Fatal(err)
		}
		w, err := pqarrow.NewFileWriter(spec.schema, f, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(64)), pqarrow.DefaultWriterProps())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// queryGen builds random dialect-neutral SELECTs over t1 and t2.
type queryGen struct{ rng *rand.Rand }

func (g *queryGen) pick(xs ...string) string { return xs[g.rng.IntN(len(xs))] }

func (g *queryGen) intLit() string { return fmt.Sprint(g.rng.IntN(61) - 30) }

// pred returns a boolean expression over t1's columns (qualified with q).
func (g *queryGen) pred(q string, depth int) string {
	if depth > 0 && g.rng.IntN(3) == 0 {
		switch g.rng.IntN(3) {
		case 0:
			return "(" + g.pred(q, depth-1) + " AND " + g.pred(q, depth-1) + ")"
		case 1:
			return "(" + g.pred(q, depth-1) + " OR " + g.pred(q, depth-1) + ")"
		default:
			return "NOT (" + g.pred(q, depth-1) + ")"
		}
	}
	col := func(c string) string { return q + c }
	switch g.rng.IntN(10) {
	case 0:
		return col(g.pick("a", "k")) + " " + g.pick("=", "<>", "<", "<=", ">", ">=") + " " + g.intLit()
	case 1:
		return col("b") + " " + g.pick("=", "<>", "<", ">") + " '" + g.pick(fruits...) + "'"
	case 2:
		return col("b") + " LIKE '" + g.pick("a%", "%e", "%an%", "_ig", "c%y") + "'"
	case 3:
		return col(g.pick("a", "b", "c", "d", "k")) + g.pick(" IS NULL", " IS NOT NULL")
	case 4:
		items := []string{g.intLit(), g.intLit(), g.intLit()}
		if g.rng.IntN(4) == 0 {
			items = append(items, "NULL")
		}
		return col("a") + g.pick(" IN (", " NOT IN (") + strings.Join(items, ", ") + ")"
	case 5:
		lo := g.rng.IntN(40) - 30
		return col("a") + g.pick(" BETWEEN ", " NOT BETWEEN ") + fmt.Sprint(lo) + " AND " + fmt.Sprint(lo+g.rng.IntN(30))
	case 6:
		return col("c") + " " + g.pick("<", ">", ">=") + " " + fmt.Sprint(float64(g.rng.IntN(800)-400)/4)
	case 7:
		return col("d") + " " + g.pick("<", ">=", "=") + " DATE '2020-01-" + fmt.Sprintf("%02d", g.rng.IntN(28)+1) + "'"
	case 8:
		return col("a") + " + " + col("k") + " > " + g.intLit()
	default:
		return "coalesce(" + col("a") + ", 0) " + g.pick("=", ">", "<") + " " + g.intLit()
	}
}

func (g *queryGen) scalar(q string) string {
	return g.pick(q+"a", q+"k", q+"b", q+"c", q+"d", q+"a + "+q+"k", q+"a * 2", "coalesce("+q+"a, -1)", "abs("+q+"a)",
		"CASE WHEN "+q+"a > 0 THEN 'pos' WHEN "+q+"a < 0 THEN 'neg' ELSE 'zero' END", q+"c - "+q+"a")
}

func (g *queryGen) agg(q string) string {
	return g.pick("count(*)", "count("+q+"a)", "sum("+q+"a)", "min("+q+"a)", "max("+q+"a)", "min("+q+"b)", "max("+q+"b)",
		"sum("+q+"c)", "avg("+q+"a)", "count(DISTINCT "+q+"b)", "max("+q+"d)")
}

func (g *queryGen) query() string {
	switch g.rng.IntN(7) {
	case 0:
		return fmt.Sprintf("SELECT %s, %s FROM t1 WHERE %s", g.scalar(""), g.scalar(""), g.pred("", 2))
	case 1:
		key := g.pick("k", "b", "d")
		return fmt.Sprintf("SELECT %s, %s, %s FROM t1 WHERE %s GROUP BY %s", key, g.agg(""), g.agg(""), g.pred("", 2), key)
	case 2:
		return fmt.Sprintf("SELECT %s, %s FROM t1 WHERE %s", g.agg(""), g.agg(""), g.pred("", 3))
	case 3:
		return fmt.Sprintf("SELECT DISTINCT %s FROM t1 WHERE %s", g.pick("b", "k", "b, k", "a > 0"), g.pred("", 1))
	case 4:
		return fmt.Sprintf("SELECT k, count(*) FROM t1 GROUP BY k HAVING count(*) > %d AND %s", g.rng.IntN(20), g.pick("sum(a) > 0", "min(b) < 'c'", "max(c) >= 0", "count(a) >= 1"))
	case 5:
		return fmt.Sprintf("SELECT t1.a, t2.x, t2.y FROM t1 %s t2 ON t1.k = t2.k WHERE %s", g.pick("JOIN", "LEFT JOIN", "INNER JOIN"), g.pred("t1.", 1))
	default:
		return fmt.Sprintf("SELECT t1.k, count(t2.x), sum(t2.x) FROM t1 %s t2 ON t1.k = t2.k AND t2.x > %s GROUP BY t1.k", g.pick("JOIN", "LEFT JOIN"), g.intLit())
	}
}

// TestDifferentialRandom compares randomQueryCount seeded random SELECTs
// (filters with three-valued logic, aggregates, DISTINCT, HAVING, joins) over
// NULL-heavy data with DuckDB's answers.
func TestDifferentialRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(randomSeed, 1))
	dir := t.TempDir()
	writeRandomTables(t, dir, rng)
	gen := &queryGen{rng: rng}
	queries := make([]diffQuery, randomQueryCount)
	for i := range queries {
		queries[i] = diffQuery{ID: fmt.Sprintf("r%03d", i), SQL: gen.query()}
	}
	duck := runDuckDB(t, dir, queries, 1)
	s := startServer(t, dir)
	client := flightClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	failures := 0
	for _, q := range queries {
		want := duck[q.ID]
		if want.Error != nil {
			t.Errorf("%s: DuckDB rejected a generated query (fix the generator): %s\n%s", q.ID, *want.Error, q.SQL)
			continue
		}
		got, err := quiverRows(ctx, client, q.SQL)
		if err != nil {
			t.Errorf("%s: %v\n%s", q.ID, err, q.SQL)
			failures++
		} else if diff := sameRows(got, want.Rows, false); diff != "" {
			t.Errorf("%s differs from DuckDB: %s\n%s", q.ID, diff, q.SQL)
			failures++
		}
		if failures > 10 {
			t.Fatal("stopping after 10 differences")
		}
	}
}
