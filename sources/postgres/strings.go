package postgres

import (
	"strings"

	"github.com/quiverdb/quiver/exec/expr"
)

// String filters and PostgreSQL.
//
// The engine compares VARCHAR values under MySQL's utf8mb4_0900_ai_ci
// (exec/expr's collation rule: case- and accent-insensitive, Latin
// ligatures and ß expanded, controls and combining marks ignored, NO PAD).
// PostgreSQL has no such collation by default: "C" compares bytes, libc
// and ICU locales order differently and even their nondeterministic
// case/accent-insensitive ICU collations fold another Unicode version's
// tables in another way, and lower()/upper() depend on the database's
// ctype. Nothing in PostgreSQL can be proven to compare, order or group
// strings as the engine does, so no string comparison, sort key or group
// key is pushed as Exact (and no string TopN or GROUP BY is pushed).
//
// What can be proven is a superset. The engine's collation key of a string
// is the concatenation of its characters' keys (expr.CollationKey), so if
// x equals a literal L under the collation, every byte of every
// character's key in x occurs in key(L). An ASCII character c whose key
// has a byte absent from key(L) therefore cannot occur in any x equal to
// L. For x = L, x <=> L and x IN (L1, ...) (non-NULL string literals) the
// provider pushes, as an Inexact filter (the engine re-filters),
//
//	((x) COLLATE "C" !~ $n)        -- $n = '[\x62\x63...]'
//
// "x contains none of the excluded characters": a regular expression
// bracket of the excluded ASCII characters, each written as a \xhh escape
// (so no character is special), bound as one parameter (computed by the
// engine's own expr.CollationKey, never spliced into the SQL). Only ASCII
// characters are excluded: they are the same single character in every
// server encoding, and a bracket of explicit characters (no ranges, no
// classes, no case-insensitive flag) matches exactly those characters
// whatever the locale. COLLATE "C" keeps the regular expression legal on
// columns with a nondeterministic collation. (translate() expresses the
// same test but costs PostgreSQL ten times more per row than the scan.)
// For IN a character is excluded only when every list item excludes it.
// With the literal 'NAME1234' the source sends only values spelled with
// n, a, m, e, 1, 2, 3, 4 (any case, any accents) and ignorables.

// prefilter renders the superset condition of a string equality or IN
// filter, appending its bind value to *args; ok=false when f is not of that
// shape or nothing could be excluded.
func (t *Table) prefilter(f expr.Expr, args *[]any) (string, bool) {
	var input expr.Expr
	var lits []string
	switch n := f.(type) {
	case *expr.Binary:
		if n.Op != expr.OpEq && n.Op != expr.OpNullSafeEq {
			return "", false
		}
		l, r := n.Left, n.Right
		if _, isLit := l.(*expr.Literal); isLit {
			l, r = r, l
		}
		lit, ok := stringLit(r)
		if !ok {
			return "", false
		}
		input, lits = l, []string{lit}
	case *expr.In:
		if n.Negated {
			return "", false
		}
		input = n.Input
		for _, it := range n.List {
			if l, ok := it.(*expr.Literal); ok && l.Value == nil {
				continue // a NULL item never makes a row pass
			}
			lit, ok := stringLit(it)
			if !ok {
				return "", false
			}
			lits = append(lits, lit)
		}
		if len(lits) == 0 {
			return "", false
		}
	default:
		return "", false
	}
	c, ok := input.(*expr.Column)
	if !ok || !expr.IsCollatedString(c.DataType) {
		return "", false
	}
	x := t.colSQL(c.Index)
	excluded := excludedASCII(lits)
	if x == "" || excluded == "" {
		return "", false
	}
	*args = append(*args, excludedPattern(excluded))
	return "((" + x + `) COLLATE "C" !~ ` + dialect.Placeholder(len(*args)) + ")", true
}

// excludedPattern is a regular expression matching any one of the ASCII
// characters in chars, each as a \xhh escape.
func excludedPattern(chars string) string {
	const hex = "0123456789abcdef"
	var sb strings.Builder
	sb.WriteByte('[')
	for i := 0; i < len(chars); i++ {
		c := chars[i]
		sb.WriteString(`\x`)
		sb.WriteByte(hex[c>>4])
		sb.WriteByte(hex[c&15])
	}
	sb.WriteByte(']')
	return sb.String()
}

// stringLit returns the value of a non-NULL VARCHAR literal.
func stringLit(e expr.Expr) (string, bool) {
	l, ok := e.(*expr.Literal)
	if !ok || !expr.IsCollatedString(l.DataType) {
		return "", false
	}
	s, ok := l.Value.(string)
	return s, ok
}

// excludedASCII lists the ASCII characters (1..127) that cannot occur in a
// string equal, under the engine's collation, to any of lits: those whose
// collation key has a byte that no literal's key has.
func excludedASCII(lits []string) string {
	var present [256]bool
	var key []byte
	for _, l := range lits {
		key = expr.CollationKey(key[:0], l)
		for _, b := range key {
			present[b] = true
		}
	}
	var sb strings.Builder
	for c := 1; c < 128; c++ {
		key = expr.CollationKey(key[:0], string(rune(c)))
		for _, b := range key {
			if !present[b] {
				sb.WriteByte(byte(c))
				break
			}
		}
	}
	return sb.String()
}
