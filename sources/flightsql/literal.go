package flightsql

import (
	"context"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
)

// Why literals at all. sqlgen sends every filter value as a bind parameter,
// never spliced into the SQL text. Over Flight SQL a bind parameter needs a
// prepared statement whose parameters the remote binds (DoPut of a
// parameter batch); many servers, Quiver itself included (its planner
// answers "parameter placeholders (?) are not supported yet"), cannot do
// that. So by default (parameters: inline) values are rendered as SQL
// literals by RenderLiteral below — the one place where values enter SQL
// text. It renders only types whose literal has one unambiguous spelling
// and meaning in the dialect, escapes every quote (and, for MySQL, every
// backslash, which MySQL's string syntax treats as an escape), and refuses
// everything else, so such a filter stays Unsupported and the engine
// evaluates it. `parameters: bind` restores true bind parameters for
// remotes that support them.

// RenderLiteral renders a non-NULL literal as SQL text for dialect d, or
// ok=false when it has no safe, unambiguous literal form there (the filter
// is then not pushed). The dialect's own Bind must also accept the literal
// (it encodes where the dialect's semantics differ, e.g. SQLite has no
// exact decimals). Pure; safe for concurrent use.
func RenderLiteral(d sqlgen.Dialect, l *expr.Literal) (string, bool) {
	if l == nil || l.Value == nil || d.Bind == nil {
		return "", false
	}
	bound, ok := d.Bind(l)
	if !ok {
		return "", false
	}
	if d.Name == sqlgen.SQLite.Name {
		// SQLite compares what BindText produced (dates as text, booleans
		// as 0/1): render that value.
		return renderGo(d, bound)
	}
	switch v := l.Value.(type) {
	case bool:
		if v {
			return "TRUE", true
		}
		return "FALSE", true
	case int64, uint64, string, []byte:
		return renderGo(d, bound)
	case float64:
		return renderFloat(d, v)
	case decimal128.Num:
		dt, ok := l.DataType.(*arrow.Decimal128Type)
		if !ok {
			return "", false
		}
		return signed(v.ToString(dt.Scale)), true
	case arrow.Date32:
		t := v.ToTime().UTC()
		if t.Year() < 1 || t.Year() > 9999 {
			return "", false
		}
		return "DATE '" + t.Format(sqlgen.DateTextLayout) + "'", true
	case arrow.Timestamp:
		ts, ok := l.DataType.(*arrow.TimestampType)
		if !ok {
			return "", false
		}
		t := v.ToTime(ts.Unit).UTC()
		if t.Year() < 1 || t.Year() > 9999 || t.Nanosecond()%int(time.Microsecond) != 0 {
			return "", false
		}
		text := t.Format(sqlgen.TimestampTextLayout)
		switch {
		case ts.TimeZone == "":
			return "TIMESTAMP '" + text + "'", true
		case ts.TimeZone == "UTC" && d.Name == sqlgen.Postgres.Name:
			return "TIMESTAMP WITH TIME ZONE '" + text + "+00'", true
		}
		// MySQL has no time-zone-qualified literal that reads the same
		// everywhere (it depends on the session's time_zone).
		return "", false
	}
	return "", false
}

// renderGo renders the Go values the dialects' Bind functions produce.
func renderGo(d sqlgen.Dialect, v any) (string, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return "TRUE", true
		}
		return "FALSE", true
	case int64:
		if x == math.MinInt64 {
			// -9223372036854775808 is a unary minus on a number that does
			// not fit BIGINT in most grammars: its type would change.
			return "", false
		}
		return signed(strconv.FormatInt(x, 10)), true
	case uint64:
		if x > math.MaxInt64 {
			return "", false
		}
		return strconv.FormatUint(x, 10), true
	case float64:
		return renderFloat(d, x)
	case string:
		return quoteString(d, x)
	case []byte:
		if d.Name == sqlgen.Postgres.Name {
			return "decode('" + hex.EncodeToString(x) + "', 'hex')", true
		}
		return "X'" + hex.EncodeToString(x) + "'", true
	}
	return "", false
}

// signed wraps a negative number in parentheses, so that it can never form
// a `--` comment or bind to a neighbouring operator.
func signed(s string) string {
	if strings.HasPrefix(s, "-") {
		return "(" + s + ")"
	}
	return s
}

// renderFloat renders a finite double so that every dialect reads a double
// (not an exact DECIMAL/NUMERIC): an exponent forces it in MySQL and
// SQLite, an explicit cast in PostgreSQL. Shortest round-trip digits.
func renderFloat(d sqlgen.Dialect, f float64) (string, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", false
	}
	text := strconv.FormatFloat(f, 'e', -1, 64)
	if d.Name == sqlgen.Postgres.Name {
		return "CAST('" + text + "' AS DOUBLE PRECISION)", true
	}
	return signed(text), true
}

// quoteString renders a string literal. Invalid UTF-8 and NUL bytes are
// refused (no dialect here stores them in text the same way). Quotes are
// doubled; MySQL also escapes backslashes (its strings treat them as
// escapes unless NO_BACKSLASH_ESCAPES); PostgreSQL uses an E'...' literal,
// whose backslash escapes do not depend on standard_conforming_strings.
func quoteString(d sqlgen.Dialect, s string) (string, bool) {
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return "", false
	}
	switch d.Name {
	case sqlgen.MySQL.Name:
		s = strings.ReplaceAll(s, `\`, `\\`)
		return "'" + strings.ReplaceAll(s, "'", "''") + "'", true
	case sqlgen.Postgres.Name:
		s = strings.ReplaceAll(s, `\`, `\\`)
		return "E'" + strings.ReplaceAll(s, "'", "''") + "'", true
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'", true
}

// translate renders filter f for the source's dialect. In bind mode values
// are placeholders and *args collects their literals (*expr.Literal, the
// bound row's values in order); in inline mode values are RenderLiteral
// text and *args stays as it was. ok=false: the filter is not pushable.
// SupportsFilters and Scan both call it, so Exact cannot drift from the SQL.
func translate(d sqlgen.Dialect, bind bool, f expr.Expr, col func(int) string, args *[]any) (string, bool) {
	base := d
	if bind {
		d.Bind = func(l *expr.Literal) (any, bool) {
			if _, ok := base.Bind(l); !ok || !bindable(l) {
				return nil, false
			}
			return l, true
		}
		return sqlgen.Translate(d, f, col, args)
	}
	// The placeholder of the n-th value is the value's own literal text:
	// sqlgen appends the bound value and then asks for its placeholder, so
	// the closure finds the text in vals.
	var vals []any
	d.Bind = func(l *expr.Literal) (any, bool) { return RenderLiteral(base, l) }
	d.Placeholder = func(n int) string {
		if n < 1 || n > len(vals) {
			panic("flightsql: placeholder out of range") // recovered by sqlgen.Translate → ok=false
		}
		return vals[n-1].(string)
	}
	return sqlgen.Translate(d, f, col, &vals)
}

// bindable reports whether a literal can travel in a parameter batch (its
// type is one the evaluator materialises).
func bindable(l *expr.Literal) bool {
	switch l.DataType.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16,
		arrow.UINT32, arrow.UINT64, arrow.FLOAT32, arrow.FLOAT64, arrow.STRING, arrow.BINARY,
		arrow.DECIMAL128, arrow.DATE32, arrow.TIMESTAMP:
		return true
	}
	return false
}

// paramBatch builds the one-row parameter batch of bind mode: one column
// per literal, named p1, p2, ... The caller releases it.
func paramBatch(ctx context.Context, mem memory.Allocator, lits []*expr.Literal) (arrow.RecordBatch, error) {
	one := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer one.Release()
	fields := make([]arrow.Field, len(lits))
	cols := make([]arrow.Array, 0, len(lits))
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	for i, l := range lits {
		a, err := expr.Eval(ctx, l, one, mem)
		if err != nil {
			return nil, errs.Wrap(errs.ErrInternal, err, "building parameter %d", i+1)
		}
		cols = append(cols, a)
		fields[i] = arrow.Field{Name: "p" + strconv.Itoa(i+1), Type: a.DataType(), Nullable: true}
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, 1), nil
}
