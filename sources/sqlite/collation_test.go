package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/sqlpush/pushtest"
	"github.com/quiverdb/quiver/sources/sourcetest"
	"github.com/quiverdb/quiver/sources/sqlite"
)

// trickyStrings are values on which byte order, locale order and the
// engine's collation (utf8mb4_0900_ai_ci: case- and accent-insensitive,
// NO PAD) disagree: case, accents (precomposed and combining), trailing
// and leading spaces, the empty string, ß/ss/ẞ, ligatures (æ, œ, ĳ, ﬁ),
// ignorable controls, other scripts, emoji and invalid UTF-8.
var trickyStrings = []string{
	"a", "A", "á", "Á", "à", "ä", "ae", "æ", "Æ", "AE", "ß", "ss", "SS", "ẞ",
	"ﬁ", "fi", "FI", "a ", " a", "a  ", "", "日本", "日本語", "Straße", "strasse",
	"STRASSE", "résumé", "resume", "RESUME", "e\u0301", "é", "e", "E", "ö",
	"oe", "œ", "Œ", "\x01a", "a\x01", "z", "Z", "1", "10", "_", "-", "İ", "i",
	"ı", "I", "ĳ", "ij", "Ω", "ω", "Ω", "😀", "a😀", "ab\xffc", "ÿ", "Ÿ", "y",
}

// makeTrickyFile writes table s (id, name TEXT, tag VARCHAR) and its
// STRICT twin st with every tricky string twice (different ids and tags),
// NULLs, and in s a number stored in a TEXT column.
func makeTrickyFile(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tricky.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"CREATE TABLE s (id INTEGER, name TEXT, tag VARCHAR(10))",
		"CREATE TABLE st (id INTEGER, name TEXT, tag TEXT) STRICT",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	id := 0
	for _, tbl := range []string{"s", "st"} {
		for rep := 0; rep < 2; rep++ {
			for i, v := range trickyStrings {
				id++
				var tag any = trickyStrings[(i*7+rep)%len(trickyStrings)]
				if i%9 == 0 {
					tag = nil
				}
				if _, err := db.Exec("INSERT INTO "+tbl+" VALUES (?, ?, ?)", id, v, tag); err != nil {
					t.Fatal(err)
				}
			}
		}
		for i := 0; i < 3; i++ {
			id++
			if _, err := db.Exec("INSERT INTO "+tbl+" VALUES (?, NULL, ?)", id, trickyStrings[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := db.Exec("INSERT INTO s VALUES (?, 10, 1.5)", id+1); err != nil {
		t.Fatal(err)
	}
	return path
}

func openNamed(t testing.TB, path, name string) *sqlite.Table {
	t.Helper()
	tbl, err := sqlite.OpenTable(context.Background(), sqlite.Config{Path: path}, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	lastTable.Store(tbl)
	return tbl
}

// sqlLit renders s as a MySQL string literal.
func sqlLit(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// TestStringPushdownMatchesEngine pushes string comparisons, IN,
// BETWEEN, ORDER BY, GROUP BY, MIN/MAX and COUNT(DISTINCT) on strings to
// SQLite under the registered collation and requires the engine's answers
// exactly, with the COLLATE clause in EXPLAIN's SQL. LIKE stays in the
// engine (its matching is not a collation comparison).
func TestStringPushdownMatchesEngine(t *testing.T) {
	path := makeTrickyFile(t)
	s, st := openNamed(t, path, "s"), openNamed(t, path, "st")
	on, off := pushtest.Engines(t, "lite", "main", catalog.NewStatic(map[string]catalog.Table{"s": s, "st": st}))
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	const coll = "COLLATE " + sqlite.CollationName
	var cases []pushtest.Case
	for _, tbl := range []string{"s", "st"} {
		for _, lit := range []string{"a", "ss", "ae", "e", "resume", "", "a ", "fi", "日本", "ij", "STRASSE", "i", "10"} {
			for _, op := range []string{"=", "<>", "<", "<=", ">", ">=", "<=>"} {
				if lit == "" && op == "<" {
					continue // nothing is below '': an empty answer proves nothing
				}
				q := fmt.Sprintf("SELECT id, name FROM %s WHERE name %s %s", tbl, op, sqlLit(lit))
				cases = append(cases, pushtest.Case{SQL: q, Explain: coll})
			}
		}
		cases = append(cases,
			pushtest.Case{SQL: "SELECT id FROM " + tbl + " WHERE name IN ('SS', 'æ', 'RÉSUMÉ', '', NULL)", Explain: coll},
			pushtest.Case{SQL: "SELECT id FROM " + tbl + " WHERE name NOT IN ('a', 'oe', 'Z')", Explain: coll},
			pushtest.Case{SQL: "SELECT id FROM " + tbl + " WHERE name BETWEEN 'ae' AND 'STRASSE'", Explain: coll},
			pushtest.Case{SQL: "SELECT id FROM " + tbl + " WHERE name = tag", Explain: coll},
			pushtest.Case{SQL: "SELECT id FROM " + tbl + " WHERE name < tag OR tag IS NULL", Explain: coll},
			pushtest.Case{SQL: "SELECT id, name FROM " + tbl + " ORDER BY name, id LIMIT 25", Ordered: true, Explain: coll + " NULLS FIRST"},
			pushtest.Case{SQL: "SELECT id, name FROM " + tbl + " ORDER BY name DESC, id DESC LIMIT 40", Ordered: true, Explain: coll + " DESC NULLS LAST"},
			pushtest.Case{SQL: "SELECT id, name, tag FROM " + tbl + " WHERE name >= 'b' ORDER BY tag, name DESC, id LIMIT 30", Ordered: true, Explain: "ORDER BY"},
			// Which spelling represents a group (or a MIN among equals)
			// is unspecified (MySQL too): compare collation weights.
			pushtest.Case{SQL: "SELECT weight_string(name), count(*), min(id), max(id) FROM " + tbl + " GROUP BY name", Explain: "GROUP BY"},
			pushtest.Case{SQL: "SELECT weight_string(tag), count(DISTINCT name), weight_string(min(name)), weight_string(max(name)) FROM " + tbl + " GROUP BY tag", Explain: "count(DISTINCT"},
			pushtest.Case{SQL: "SELECT count(DISTINCT name), weight_string(min(name)), weight_string(max(tag)) FROM " + tbl, Explain: coll},
			pushtest.Case{SQL: "SELECT weight_string(name), count(*) AS c FROM " + tbl + " GROUP BY name ORDER BY c DESC, weight_string(name) LIMIT 5", Ordered: true, Explain: "GROUP BY"},
			pushtest.Case{SQL: "SELECT count(*) AS c, min(id) FROM " + tbl + " GROUP BY name ORDER BY name LIMIT 7", Ordered: true, Explain: "GROUP BY"},
			pushtest.Case{SQL: "SELECT id FROM " + tbl + " WHERE name LIKE 'a%'"},
			pushtest.Case{SQL: "SELECT id FROM " + tbl + " WHERE name LIKE 'st_asse'"},
		)
	}
	pushtest.Check(t, on, off, liteOpts, cases, mem)
	for _, q := range []string{"SELECT id FROM s WHERE name LIKE 'a%'", "SELECT id FROM st WHERE name LIKE '%E'"} {
		if plan := pushtest.Explain(t, on, liteOpts, q, mem); strings.Contains(plan, " LIKE ") && strings.Contains(plan, "sql=") && strings.Contains(plan[strings.Index(plan, "sql="):], "LIKE") {
			t.Errorf("%s: LIKE must stay in the engine (accent-insensitive there), EXPLAIN says\n%s", q, plan)
		}
	}
}

// TestStringConformance runs the conformance kit on the tricky strings
// with string filters of every comparison: Exact filters must equal the
// engine's, TopN and aggregates on the string columns must match the
// engine's operators, also after a PartitionCodec round trip.
func TestStringConformance(t *testing.T) {
	path := makeTrickyFile(t)
	for _, name := range []string{"s", "st"} {
		t.Run(name, func(t *testing.T) {
			schema := openNamed(t, path, name).Schema()
			str := func(v string) expr.Expr { return sourcetest.Lit(arrow.BinaryTypes.String, v) }
			nameCol := sourcetest.Col(schema, "name")
			filters := []expr.Expr{
				sourcetest.Cmp(schema, "name", expr.OpEq, "ss"),
				sourcetest.Cmp(schema, "name", expr.OpNotEq, "A"),
				sourcetest.Cmp(schema, "name", expr.OpLt, "e"),
				sourcetest.Cmp(schema, "name", expr.OpGtEq, "resume"),
				sourcetest.Cmp(schema, "name", expr.OpNullSafeEq, "ae"),
				sourcetest.Cmp(schema, "tag", expr.OpLtEq, "a "),
				sourcetest.Cmp(schema, "tag", expr.OpGt, ""),
				&expr.In{Input: nameCol, List: []expr.Expr{str("SS"), str("Œ"), str("")}},
				&expr.In{Input: nameCol, List: []expr.Expr{str("fi"), str("ĳ")}, Negated: true},
				&expr.Binary{Op: expr.OpEq, Left: nameCol, Right: sourcetest.Col(schema, "tag"), DataType: arrow.FixedWidthTypes.Boolean},
			}
			sourcetest.Run(t, sourcetest.Harness{
				New: func(t testing.TB) catalog.Table {
					return openNamed(t, copyDB(t, path), name)
				},
				Filters: filters,
				IOCount: func() int64 { return lastTable.Load().IOCount() },
			})
		})
	}
}
