package sqlgen

import (
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
)

// TopN and aggregate pushdown (catalog.TopNPushdowner,
// catalog.AggregatePushdowner) share the rule of Translate: the remote SQL
// either computes exactly what the engine would or the translation answers
// ok=false and the engine does the work.
//
// ORDER BY keys are pushed for numbers, booleans, dates and timestamps:
// strings not here, since the engine orders them under its own collation
// (MySQL's utf8mb4_0900_ai_ci, case- and accent-insensitive) and no
// remote byte or locale order is that; sqlpush.Table pushes them where
// the remote has that very collation (StringKeys, Collation). NULL placement is always explicit.
// Where the dialect orders NaN (PostgreSQL: above every number), a float key
// gets a leading NaN key, because the engine orders NaN below every number.
//
// GROUP BY keys follow the same type rule minus floats (-0 and NaN group
// differently). Aggregates: COUNT(*), COUNT(x) and COUNT(DISTINCT x) on
// groupable x; SUM and AVG of integers and decimals where the dialect has
// exact decimals (Dialect.DecimalType), SUM of integers in two exact
// 64-bit parts where the dialect has nothing wider (Dialect.IntSumParts,
// SQLite; see IntSum), SUM and AVG of floats in double
// precision; MIN and MAX of orderable keys except booleans (floats only
// where the dialect cannot store NaN).

// Query is one SELECT statement's parts, as SQL text. Zero Limit means
// LIMIT 0: set it to -1 for none.
type Query struct {
	// Cols is the SELECT list; empty renders SELECT 1.
	Cols []string
	// From is the (quoted) table.
	From string
	// Where are conditions ANDed in order (the order their bind values
	// were appended).
	Where []string
	// GroupBy are grouping expressions.
	GroupBy []string
	// OrderBy are the ORDER BY keys, NULL placement explicit.
	OrderBy []OrderItem
	// Limit < 0 means none.
	Limit int64
}

// SQL renders the query for dialect d:
//
//	SELECT cols FROM table [WHERE ...] [GROUP BY ...] [ORDER BY ...] [LIMIT n]
func (q Query) SQL(d Dialect) string {
	var sb strings.Builder
	sb.WriteString("SELECT ")
	if len(q.Cols) == 0 {
		sb.WriteString("1")
	} else {
		sb.WriteString(strings.Join(q.Cols, ", "))
	}
	sb.WriteString(" FROM ")
	sb.WriteString(q.From)
	if len(q.Where) > 0 {
		sb.WriteString(" WHERE ")
		sb.WriteString(strings.Join(q.Where, " AND "))
	}
	if len(q.GroupBy) > 0 {
		sb.WriteString(" GROUP BY ")
		sb.WriteString(strings.Join(q.GroupBy, ", "))
	}
	if len(q.OrderBy) > 0 {
		sb.WriteString(" ORDER BY ")
		for i, o := range q.OrderBy {
			if i > 0 {
				sb.WriteString(", ")
			}
			if d.Name == MySQL.Name {
				// MySQL has no NULLS FIRST/LAST: sort on "is null" first.
				sb.WriteString(o.Expr + " IS NULL")
				if o.NullsFirst {
					sb.WriteString(" DESC")
				}
				sb.WriteString(", ")
			}
			sb.WriteString(o.Expr)
			if o.Desc {
				sb.WriteString(" DESC")
			}
			if d.Name != MySQL.Name {
				if o.NullsFirst {
					sb.WriteString(" NULLS FIRST")
				} else {
					sb.WriteString(" NULLS LAST")
				}
			}
		}
	}
	if q.Limit >= 0 {
		sb.WriteString(" LIMIT ")
		sb.WriteString(strconv.FormatInt(q.Limit, 10))
	}
	return sb.String()
}

// orderable reports whether values of kind k order (and compare equal)
// remotely exactly as in the engine, floats aside.
func orderable(k kind) bool {
	switch k {
	case kBool, kInt, kUint, kDecimal, kDate, kTimestamp, kFloat:
		return true
	}
	return false
}

// OrderKey translates one ORDER BY key on a column: col is the SQL that
// reads it (as colName returns for filters; "" refuses) and t its Arrow
// type. It returns the ORDER BY items to emit in order (two for a float
// key where the dialect orders NaN) or ok=false when the remote order
// could differ from the engine's.
func OrderKey(d Dialect, col string, t arrow.DataType, desc, nullsFirst bool) ([]OrderItem, bool) {
	k := kindOf(t)
	if col == "" || !orderable(k) {
		return nil, false
	}
	if k == kTimestamp && !utcTimestamp(t) {
		return nil, false
	}
	if k == kDecimal && d.DecimalType == nil {
		return nil, false // stored inexactly (SQLite REAL)
	}
	main := OrderItem{Expr: col, Desc: desc, NullsFirst: nullsFirst}
	if k == kFloat && d.NaNLiteral != "" {
		// The engine orders NaN below every number; the dialect above.
		// (col = NaN) is NULL for NULL rows, true for NaN, false for
		// numbers: true first ascending, last descending.
		guard := OrderItem{Expr: "(" + col + " = " + d.NaNLiteral + ")", Desc: !desc, NullsFirst: nullsFirst}
		return []OrderItem{guard, main}, true
	}
	return []OrderItem{main}, true
}

func utcTimestamp(t arrow.DataType) bool {
	ts, ok := t.(*arrow.TimestampType)
	return ok && (ts.TimeZone == "" || ts.TimeZone == "UTC")
}

// GroupKey reports whether a column read by col, of Arrow type t, groups
// remotely exactly as in the engine (equal values, and only those, in one
// group; NULLs in one group).
func GroupKey(d Dialect, col string, t arrow.DataType) bool {
	k := kindOf(t)
	if col == "" || !orderable(k) || k == kFloat {
		return false
	}
	if k == kTimestamp && !utcTimestamp(t) {
		return false
	}
	return k != kDecimal || d.DecimalType != nil
}

// AggResult says how the value of a pushed aggregate arrives, for the
// provider's decoder.
type AggResult int

const (
	// AggAsIs: the SQL yields the aggregate's own result type (COUNT as a
	// 64-bit integer, MIN/MAX as the column, floats as double precision,
	// decimals cast to the result's DECIMAL(p,s)).
	AggAsIs AggResult = iota
	// AggIntSumParts: the SQL yields the text "hi,lo" of two 64-bit
	// partial sums whose total hi·2^32 + lo is the exact SUM of integers
	// (see IntSum); NULL when there was no value. The provider combines
	// them into the DECIMAL(38,0) result.
	AggIntSumParts
)

// Aggregate translates one aggregate whose argument (if any) is a column:
// colName(i) reads column i (as for Translate; "" refuses) and a.Arg must
// be a *expr.Column. It returns the SQL and how its value arrives, or
// ok=false when the remote result could differ from the engine's.
func Aggregate(d Dialect, a expr.AggregateCall, colName func(int) string) (sql string, res AggResult, ok bool) {
	if len(a.MoreArgs) > 0 || len(a.OrderBy) > 0 || a.DataType == nil {
		return "", 0, false
	}
	if a.Arg == nil {
		if a.Func == expr.AggCount && !a.Distinct {
			return "count(*)", AggAsIs, true
		}
		return "", 0, false
	}
	c, isCol := a.Arg.(*expr.Column)
	if !isCol || colName == nil {
		return "", 0, false
	}
	col := colName(c.Index)
	t := c.DataType
	k := kindOf(t)
	if col == "" {
		return "", 0, false
	}
	switch a.Func {
	case expr.AggCount:
		if !arrow.TypeEqual(a.DataType, expr.TypeInt64) {
			return "", 0, false
		}
		if a.Distinct {
			if !GroupKey(d, col, t) {
				return "", 0, false
			}
			return "count(DISTINCT " + col + ")", AggAsIs, true
		}
		if k == kUnsupported {
			return "", 0, false
		}
		return "count(" + col + ")", AggAsIs, true
	case expr.AggMin, expr.AggMax:
		if !arrow.TypeEqual(a.DataType, t) || !orderable(k) {
			return "", 0, false
		}
		switch {
		case k == kFloat && d.NaNLiteral != "":
			return "", 0, false // NaN is the remote's maximum, not the engine's
		case k == kBool:
			// The engine renders a computed boolean result as BIGINT 1/0
			// (physopt's BooleanResults), which a scanned column is not.
			return "", 0, false
		case k == kDecimal && d.DecimalType == nil:
			return "", 0, false
		case k == kTimestamp && !utcTimestamp(t):
			return "", 0, false
		}
		return string(a.Func) + "(" + col + ")", AggAsIs, true
	case expr.AggSum, expr.AggAvg:
		if a.Distinct {
			return "", 0, false
		}
		return sumAvg(d, a, col, k)
	}
	return "", 0, false
}

func sumAvg(d Dialect, a expr.AggregateCall, col string, k kind) (string, AggResult, bool) {
	fn := string(a.Func)
	switch k {
	case kFloat:
		if a.DataType.ID() != arrow.FLOAT64 {
			return "", 0, false
		}
		if d.DoubleType != "" {
			col = "CAST(" + col + " AS " + d.DoubleType + ")"
		}
		return fn + "(" + col + ")", AggAsIs, true
	case kInt, kDecimal:
	default:
		return "", 0, false
	}
	dt, isDec := a.DataType.(*arrow.Decimal128Type)
	if !isDec {
		return "", 0, false
	}
	if d.DecimalType == nil {
		// Without exact decimals only SUM of integers, in two parts.
		if a.Func == expr.AggSum && k == kInt && d.IntSumParts && dt.Scale == 0 {
			v, _ := IntSum(col)
			return v, AggIntSumParts, true
		}
		return "", 0, false
	}
	typ := d.DecimalType(dt.Precision, dt.Scale)
	if a.Func == expr.AggSum {
		return "CAST(sum(" + col + ") AS " + typ + ")", AggAsIs, true
	}
	if d.NumericDiv == nil || d.NumericType == "" {
		return "", 0, false
	}
	// AVG rounds sum/count half away from zero to the result's scale s
	// (MySQL, and the engine). Exactly, in integers:
	//   sign(S) * div(2*|S|*10^s + c, 2*c) * 10^-s
	// where div truncates; S*10^s is an integer since S's scale <= s. S is
	// cast to the unbounded exact type first (sum(int4) is a bigint, which
	// the scaling could overflow).
	// Over no non-NULL value S is NULL and so is the result (div is
	// strict, so it never sees the zero divisor).
	s := int(dt.Scale)
	sum := "CAST(sum(" + col + ") AS " + d.NumericType + ")"
	cnt := "count(" + col + ")"
	scaled := "2 * abs(" + sum + ")"
	if s > 0 {
		scaled += " * 1" + strings.Repeat("0", s)
	}
	q := "sign(" + sum + ") * " + d.NumericDiv(scaled+" + "+cnt, "2 * "+cnt)
	if s > 0 {
		q += " * 0." + strings.Repeat("0", s-1) + "1"
	}
	return "CAST(" + q + " AS " + typ + ")", AggAsIs, true
}

// IntSum renders an exact SUM of the 64-bit integers x for a dialect whose
// sum() stays in 64 bits (SQLite, which raises "integer overflow" beyond):
// x = (x >> 32)·2^32 + (x & 0xFFFFFFFF) with an arithmetic shift, so
//
//	value = sum(x >> 32) || ',' || sum(x & 4294967295)
//
// is the text "hi,lo" of two partial sums that overflow only past 2^31
// values per group (an error then, never a wrong sum), with
// SUM = hi·2^32 + lo (NULL when x had no value). orderKeys, ORDER BY-ed
// lexicographically, order groups by that SUM exactly: hi + (lo >> 32)
// then lo & 0xFFFFFFFF (lo >= 0, so its high part carries into hi).
func IntSum(x string) (value string, orderKeys [2]string) {
	hi := "sum((" + x + ") >> 32)"
	lo := "sum((" + x + ") & 4294967295)"
	return hi + " || ',' || " + lo, [2]string{"(" + hi + " + (" + lo + " >> 32))", "(" + lo + " & 4294967295)"}
}
