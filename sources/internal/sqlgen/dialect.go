// Package sqlgen translates Quiver's bound filter expressions (exec/expr)
// into SQL for a remote database, with every value sent as a bind parameter,
// never spliced into the text. SQL providers (postgres, sqlite, flightsql)
// share it.
//
// The one rule: Translate either renders an expression whose result, row by
// row, is exactly what the engine's evaluator (expr.Eval, MySQL semantics)
// would compute — NULLs and three-valued logic included — or it answers
// ok=false and the filter stays in the engine (FilterUnsupported). A
// provider's SupportsFilters calls the same Translate its Scan uses and
// answers FilterExact iff ok, so classification and translation cannot
// drift.
//
// Where the dialects differ from MySQL (and so from the engine), Dialect
// describes the difference and Translate either compensates or refuses:
//   - string comparisons follow the engine's collation (utf8mb4_0900_ai_ci:
//     case- and accent-insensitive, NO PAD): they are pushed only where the
//     remote has a collation that is exactly the engine's
//     (Dialect.EngineCollation: the sqlite provider registers one that
//     calls the engine's comparison), or, were the engine to compare bytes,
//     with an explicit byte collation (Dialect.ByteCollation);
//   - LIKE is ASCII-case-insensitive in the engine: SQLite's LIKE already is;
//     PostgreSQL gets an explicit ASCII lower-casing (translate()) of the
//     input and a lower-cased pattern — not ILIKE, whose locale-dependent
//     folding also folds characters such as U+212A KELVIN SIGN; only
//     literal, ASCII patterns are pushed;
//   - integer DIV and % return NULL on a zero divisor in the engine: the
//     divisor is wrapped in NULLIF(d, 0); + - * and DIV on BIGINT raise an
//     error on overflow in the engine, which only Dialect.IntOverflowErrors
//     dialects match (SQLite silently switches to REAL);
//   - PostgreSQL orders NaN above every number and NaN = NaN; the engine's
//     comparisons with NaN are false (except !=): float comparisons are
//     guarded with a CASE on Dialect.NaNLiteral;
//   - booleans bind as 0/1 where the dialect has no boolean type.
//
// Dialect values are plain structs: a provider may copy one and adjust it
// (e.g. a different Bind for its driver).
package sqlgen

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/quiverdb/quiver/exec/expr"
)

// Dialect describes how a remote database spells SQL and where its
// semantics differ from the engine's. The zero value is not usable; start
// from Postgres, SQLite or MySQL. Dialect values are immutable and safe to
// share between goroutines.
type Dialect struct {
	// Name identifies the dialect in messages ("postgres").
	Name string
	// QuoteIdent quotes an identifier (table or column name).
	QuoteIdent func(string) string
	// Placeholder renders the n-th bind parameter (1-based): "$1" or "?".
	Placeholder func(n int) string
	// NullSafeEq is the operator for the engine's <=> (never NULL):
	// "IS NOT DISTINCT FROM", "IS", "<=>".
	NullSafeEq string
	// ByteCollation is appended to the left operand of string comparisons
	// so they compare bytes as the engine does (e.g. ` COLLATE "C"`),
	// when the engine compares bytes (EngineComparesBytes). Empty: string
	// comparisons are not pushed that way.
	ByteCollation string
	// EngineCollation, when set, is appended to the left operand of string
	// comparisons and IN (e.g. ` COLLATE quiver_utf8mb4_0900_ai_ci`): a
	// collation the remote has that compares strings exactly as the engine
	// does, because it calls the engine's own comparison (the sqlite
	// provider registers one on its connections). It takes precedence over
	// ByteCollation. A copy of a dialect sets it only where the collation
	// is known to exist.
	EngineCollation string
	// LikeIsASCIIFold: the dialect's LIKE already matches ASCII letters
	// case-insensitively and only those (SQLite's default).
	LikeIsASCIIFold bool
	// LowerASCII, when set, wraps a string expression in SQL that lower-cases
	// ASCII letters only; LIKE is then pushed as a case-sensitive LIKE of
	// LowerASCII(x) against a lower-cased pattern. Ignored when
	// LikeIsASCIIFold. Neither set: LIKE is not pushed.
	LowerASCII func(x string) string
	// IntOverflowErrors: BIGINT + - * and integer division raise an error
	// on overflow, as in the engine. When false those are not pushed.
	IntOverflowErrors bool
	// IntDivOp is the integer-division operator for BIGINT operands ("/"
	// in PostgreSQL and SQLite, "DIV" in MySQL). Empty: DIV is not pushed.
	IntDivOp string
	// NaNLiteral, when set, is how the dialect writes a floating-point NaN;
	// it also means the dialect orders NaN (NaN = NaN, NaN > x), so float
	// comparisons are guarded. Empty: the dialect cannot store NaN (NaN
	// literals are then not pushed).
	NaNLiteral string
	// Bind converts a non-NULL literal to the value handed to the driver,
	// or ok=false when the dialect cannot take it with the same meaning.
	Bind func(l *expr.Literal) (v any, ok bool)

	// The fields below serve aggregate pushdown (see Aggregate); a zero
	// value refuses what it would enable.

	// DecimalType, when set, renders the dialect's exact DECIMAL(p,s) type
	// for CAST; it also means decimal columns hold exact values. nil: no
	// exact decimals (SQLite stores them as REAL).
	DecimalType func(precision, scale int32) string
	// DoubleType is the CAST target for double precision ("" = no cast:
	// the dialect's float aggregates already yield doubles).
	DoubleType string
	// NumericDiv, when set, renders the truncating integer quotient of two
	// exact numbers of any size (PostgreSQL's div(a, b)), and NumericType
	// names the unbounded exact type its operands are cast to (so that no
	// step overflows an integer type); AVG of integers and decimals is
	// pushed only with both.
	NumericDiv  func(a, b string) string
	NumericType string
	// IntSumParts: the dialect has no exact type wider than 64 bits, but
	// shifts and masks 64-bit integers (SQLite): a SUM of integers is
	// pushed as two 64-bit partial sums (see IntSum) the provider combines.
	IntSumParts bool
}

// Postgres is PostgreSQL (pgx placeholders $n).
var Postgres = Dialect{
	Name:              "postgres",
	QuoteIdent:        quoteDouble,
	Placeholder:       func(n int) string { return "$" + strconv.Itoa(n) },
	NullSafeEq:        "IS NOT DISTINCT FROM",
	ByteCollation:     ` COLLATE "C"`,
	LowerASCII:        func(x string) string { return "translate(" + x + ", '" + upperASCII + "', '" + lowerASCII + "')" },
	IntOverflowErrors: true,
	IntDivOp:          "/",
	NaNLiteral:        "'NaN'::float8",
	Bind:              BindNative,
	DecimalType: func(p, s int32) string {
		return "numeric(" + strconv.Itoa(int(p)) + "," + strconv.Itoa(int(s)) + ")"
	},
	DoubleType:  "float8",
	NumericDiv:  func(a, b string) string { return "div(" + a + ", " + b + ")" },
	NumericType: "numeric",
}

// SQLite is SQLite (placeholders ?). Dates and timestamps bind as the
// canonical text the sqlite provider stores and compares
// ('YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS.ffffff'); booleans as 0/1.
var SQLite = Dialect{
	Name:            "sqlite",
	QuoteIdent:      quoteDouble,
	Placeholder:     func(int) string { return "?" },
	NullSafeEq:      "IS",
	ByteCollation:   " COLLATE BINARY",
	LikeIsASCIIFold: true,
	IntDivOp:        "/",
	Bind:            BindText,
	// DoubleType stays empty: the sqlite provider reads float columns
	// already coerced to REAL, whose sum() and avg() are REAL.
	IntSumParts: true,
}

// MySQL is MySQL / MariaDB (placeholders ?). Its default collations are
// case-insensitive, so string comparisons and LIKE are not pushed; copy the
// dialect and set ByteCollation (e.g. " COLLATE utf8mb4_bin") when the
// remote's character set allows it.
var MySQL = Dialect{
	Name:              "mysql",
	QuoteIdent:        quoteBacktick,
	Placeholder:       func(int) string { return "?" },
	NullSafeEq:        "<=>",
	IntOverflowErrors: true,
	IntDivOp:          "DIV",
	Bind:              BindNative,
}

const (
	upperASCII = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lowerASCII = "abcdefghijklmnopqrstuvwxyz"
)

func quoteDouble(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func quoteBacktick(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// BindNative binds literals as the Go values database drivers take natively:
// bool, int64, float64, string, []byte, decimals as their exact text, DATE
// as a UTC midnight time.Time, TIMESTAMP as a UTC time.Time. Unsigned values
// above MaxInt64 and TIME values are refused.
func BindNative(l *expr.Literal) (any, bool) {
	switch v := l.Value.(type) {
	case bool, int64, float64, string:
		return v, true
	case []byte:
		return v, true
	case uint64:
		if v > math.MaxInt64 {
			return nil, false
		}
		return int64(v), true
	case decimal128.Num:
		d, ok := l.DataType.(*arrow.Decimal128Type)
		if !ok {
			return nil, false
		}
		return v.ToString(d.Scale), true
	case arrow.Date32:
		return v.ToTime().UTC(), true
	case arrow.Timestamp:
		ts, ok := l.DataType.(*arrow.TimestampType)
		if !ok || (ts.TimeZone != "" && ts.TimeZone != "UTC") {
			return nil, false
		}
		return v.ToTime(ts.Unit).UTC(), true
	}
	return nil, false
}

// TimestampTextLayout is the canonical text of a timestamp in BindText:
// fixed width, so byte order is time order.
const TimestampTextLayout = "2006-01-02 15:04:05.000000"

// DateTextLayout is the canonical text of a date in BindText.
const DateTextLayout = "2006-01-02"

// BindText binds like BindNative except: booleans as 0/1, dates as
// 'YYYY-MM-DD' and timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC; years
// 0000-9999 only, so text order is time order), decimals refused (SQLite
// stores them as REAL, so comparisons would not be exact), NaN refused.
func BindText(l *expr.Literal) (any, bool) {
	switch v := l.Value.(type) {
	case bool:
		if v {
			return int64(1), true
		}
		return int64(0), true
	case float64:
		if math.IsNaN(v) {
			return nil, false
		}
		return v, true
	case decimal128.Num:
		return nil, false
	case arrow.Date32:
		t := v.ToTime().UTC()
		if t.Year() < 0 || t.Year() > 9999 {
			return nil, false
		}
		return t.Format(DateTextLayout), true
	case arrow.Timestamp:
		ts, ok := l.DataType.(*arrow.TimestampType)
		if !ok || (ts.TimeZone != "" && ts.TimeZone != "UTC") {
			return nil, false
		}
		t := v.ToTime(ts.Unit).UTC()
		if t.Year() < 0 || t.Year() > 9999 || t.Nanosecond()%int(time.Microsecond) != 0 {
			return nil, false
		}
		return t.Format(TimestampTextLayout), true
	}
	return BindNative(l)
}
