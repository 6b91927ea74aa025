// Package sqltest reads and writes Quiver's SQL golden files, a
// sqllogictest-style text format (testdata/sql/*.slt), and renders query
// results the way those files show them. The test in this package runs every
// file against the engine twice, with the optimizer on and off (STYLE.md
// habits 8 and 9); other packages (e.g. server integration tests) can reuse
// Parse and the formatting helpers to run the same files over Flight SQL.
//
// File format: records separated by blank lines; lines starting with '#' are
// comments.
//
//	statement ok
//	CREATE TABLE t (a INT, b VARCHAR(10))
//
//	statement error unknown column
//	SELECT nope FROM t
//
//	query IT rowsort
//	SELECT a, b FROM t WHERE a > 1
//	----
//	2 x
//	3 NULL
//
//	query T explain
//	EXPLAIN SELECT a FROM t
//	----
//	<plan lines>
//
// "statement ok" runs SQL that must succeed (its rows, if any, are ignored).
// "statement error <text>" expects an error whose "<kind>: <message>" (e.g.
// "not implemented: JOIN is not supported") contains <text>,
// case-insensitively. "query <types> [rowsort] [explain]" runs SQL and
// compares its rows: <types> has one letter per column (I integer,
// R float or decimal, T text, B boolean, D date/time, ? anything); rowsort
// sorts the rendered rows before comparing (for queries without ORDER BY);
// explain marks output that depends on the plan, checked only with the
// optimizer on. Values render with arrow's ValueStr (decimals with all their
// scale's digits, as MySQL shows them), NULL as NULL, an empty
// string as (empty), columns joined by one space. In EXPLAIN ANALYZE
// output, bytes= and time= values are replaced by "?" (they vary by run).
// The SQL of a record may span several lines.
package sqltest

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Kind is a record kind.
type Kind int

// Record kinds.
const (
	StatementOK Kind = iota
	StatementError
	Query
)

// Record is one entry of a golden file.
type Record struct {
	Kind Kind
	// Line is the 1-based line of the record's header, for messages.
	Line int
	// Comments are the comment lines just before the record, with blank
	// lines between comment blocks as "" (kept on rewrite).
	Comments []string
	// Trailer holds comment lines after the last record of a file.
	Trailer []string
	SQL     string
	// ErrPattern is the expected error text (StatementError).
	ErrPattern string
	// Types, RowSort, Explain and Expected describe a Query.
	Types    string
	RowSort  bool
	Explain  bool
	Expected []string
}

// ParseFile reads a golden file.
func ParseFile(path string) ([]Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	recs, err := Parse(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return recs, nil
}

// Parse reads golden-file text.
func Parse(text string) ([]Record, error) {
	var recs []Record
	var comments []string
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	lineNo := 0
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		lineNo++
		return strings.TrimRight(sc.Text(), "\r"), true
	}
	for {
		line, ok := next()
		if !ok {
			break
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			// Keep blank lines inside comment blocks (e.g. a file header
			// followed by a blank line) so rewriting preserves them.
			if len(comments) > 0 && comments[len(comments)-1] != "" {
				comments = append(comments, "")
			}
			continue
		}
		if strings.HasPrefix(trimmed, "#") {
			comments = append(comments, line)
			continue
		}
		r := Record{Line: lineNo, Comments: comments}
		comments = nil
		fields := strings.Fields(trimmed)
		switch {
		case trimmed == "statement ok":
			r.Kind = StatementOK
		case fields[0] == "statement" && len(fields) > 1 && fields[1] == "error":
			r.Kind = StatementError
			r.ErrPattern = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(trimmed, "statement")), "error"))
		case fields[0] == "query" && len(fields) >= 2:
			r.Kind = Query
			r.Types = fields[1]
			for _, f := range fields[2:] {
				switch f {
				case "rowsort":
					r.RowSort = true
				case "explain":
					r.Explain = true
				default:
					return nil, fmt.Errorf("line %d: unknown query option %q (want rowsort or explain)", lineNo, f)
				}
			}
		default:
			return nil, fmt.Errorf("line %d: unknown record %q (want statement ok, statement error <text>, or query <types> [rowsort] [explain])", lineNo, trimmed)
		}
		var sql []string
		sawSep := false
		for {
			l, ok := next()
			if !ok || strings.TrimSpace(l) == "" {
				break
			}
			if r.Kind == Query && l == "----" {
				sawSep = true
				break
			}
			sql = append(sql, l)
		}
		if len(sql) == 0 {
			return nil, fmt.Errorf("line %d: record has no SQL", r.Line)
		}
		r.SQL = strings.Join(sql, "\n")
		if sawSep {
			for {
				l, ok := next()
				if !ok || l == "" {
					break
				}
				r.Expected = append(r.Expected, l)
			}
		}
		recs = append(recs, r)
	}
	if len(comments) > 0 && len(recs) > 0 {
		recs[len(recs)-1].Trailer = comments
	}
	return recs, sc.Err()
}

// Format renders records back to golden-file text (used by -rewrite).
func Format(recs []Record) string {
	var sb strings.Builder
	for i, r := range recs {
		if i > 0 {
			sb.WriteByte('\n')
		}
		for _, c := range r.Comments {
			sb.WriteString(c + "\n")
		}
		switch r.Kind {
		case StatementOK:
			sb.WriteString("statement ok\n")
		case StatementError:
			sb.WriteString("statement error " + r.ErrPattern + "\n")
		case Query:
			sb.WriteString("query " + r.Types)
			if r.RowSort {
				sb.WriteString(" rowsort")
			}
			if r.Explain {
				sb.WriteString(" explain")
			}
			sb.WriteByte('\n')
		}
		sb.WriteString(r.SQL + "\n")
		if r.Kind == Query {
			sb.WriteString("----\n")
			for _, l := range r.Expected {
				sb.WriteString(l + "\n")
			}
		}
		if len(r.Trailer) > 0 {
			sb.WriteString("\n" + strings.TrimRight(strings.Join(r.Trailer, "\n"), "\n") + "\n")
		}
	}
	return sb.String()
}

var volatile = regexp.MustCompile(`\b(bytes|time)=[^ ]+`)

// Rows renders every batch of rr as lines (one per row, values joined by one
// space), normalizing EXPLAIN ANALYZE's run-dependent bytes= and time=. It
// checks the column types against types (one letter per column, see the
// package doc). It does not Release rr.
func Rows(rr array.RecordReader, types string) ([]string, error) {
	sch := rr.Schema()
	if len(types) != sch.NumFields() {
		return nil, fmt.Errorf("query returns %d columns %v, record declares %d (%q)", sch.NumFields(), fieldNames(sch), len(types), types)
	}
	for i, f := range sch.Fields() {
		if !typeMatches(types[i], f.Type) {
			return nil, fmt.Errorf("column %d (%s) is %s, record declares %q", i, f.Name, f.Type, string(types[i]))
		}
	}
	var out []string
	for rr.Next() {
		b := rr.RecordBatch()
		if !b.Schema().Equal(sch) {
			return nil, fmt.Errorf("batch schema %v differs from the reader's %v", b.Schema(), sch)
		}
		cols := b.Columns()
		vals := make([]string, len(cols))
		for row := 0; row < int(b.NumRows()); row++ {
			for c, col := range cols {
				vals[c] = valueString(col, row)
			}
			out = append(out, volatile.ReplaceAllString(strings.Join(vals, " "), "$1=?"))
		}
	}
	return out, rr.Err()
}

// SortRows sorts rendered rows (rowsort).
func SortRows(rows []string) []string {
	s := append([]string(nil), rows...)
	sort.Strings(s)
	return s
}

func valueString(a arrow.Array, i int) string {
	if a.IsNull(i) || a.DataType().ID() == arrow.NULL { // a NullArray has no validity bitmap
		return "NULL"
	}
	var s string
	switch arr := a.(type) {
	case *array.Decimal128:
		// Keep the scale's trailing zeros, as MySQL clients show them.
		s = arr.Value(i).ToString(arr.DataType().(*arrow.Decimal128Type).Scale)
	default:
		s = a.ValueStr(i)
	}
	if s == "" {
		return "(empty)"
	}
	return s
}

func fieldNames(s *arrow.Schema) []string {
	out := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		out[i] = f.Name
	}
	return out
}

func typeMatches(letter byte, t arrow.DataType) bool {
	switch letter {
	case '?':
		return true
	case 'I':
		return arrow.IsInteger(t.ID())
	case 'R':
		return arrow.IsFloating(t.ID()) || arrow.IsDecimal(t.ID())
	case 'T':
		switch t.ID() {
		case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
			return true
		}
	case 'B':
		return t.ID() == arrow.BOOL
	case 'D':
		switch t.ID() {
		case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64:
			return true
		}
	}
	return false
}
