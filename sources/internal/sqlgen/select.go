package sqlgen

import "strings"

// OrderItem is one ORDER BY key. Expr is SQL text (a quoted column or the
// same expression colName returned for it). NullsFirst states where NULLs go
// explicitly, since dialects disagree on the default (the engine, like
// MySQL, puts NULLs first in ascending order: NullsFirst = !Desc).
type OrderItem struct {
	Expr       string
	Desc       bool
	NullsFirst bool
}

// QualifiedName quotes and dot-joins the non-empty parts of a table name
// (e.g. schema and table).
func QualifiedName(d Dialect, parts ...string) string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p != "" {
			out = append(out, d.QuoteIdent(p))
		}
	}
	return strings.Join(out, ".")
}

// BuildSelect renders
//
//	SELECT cols FROM table [WHERE w1 AND w2 ...] [ORDER BY ...] [LIMIT n]
//
// table and cols are SQL text (quote with d.QuoteIdent / QualifiedName);
// where are conditions from Translate (or the caller's own, e.g. a key
// range), joined with AND in the given order, which must be the order their
// bind values were appended. No cols renders SELECT 1 (rows without
// columns, for counting). limit < 0 means no LIMIT. NULL ordering is always
// explicit (NULLS FIRST/LAST, or for MySQL an `x IS NULL` key first).
func BuildSelect(d Dialect, table string, cols []string, where []string, orderBy []OrderItem, limit int64) string {
	return Query{Cols: cols, From: table, Where: where, OrderBy: orderBy, Limit: limit}.SQL(d)
}
