package server

import (
	"unicode"
	"unicode/utf8"
)

// likePattern is a compiled SQL LIKE pattern as Flight SQL metadata requests
// carry them (db_schema_filter_pattern, table_name_filter_pattern): `%`
// matches any run of characters (also none), `_` exactly one character, and
// a backslash makes the next character literal (`\%`, `\_`, `\\`). A trailing
// lone backslash is a literal backslash. Matching is case-insensitive, like
// MySQL's default collation (catalog lookups fold case too).
//
// The zero value matches only the empty string (as the pattern "" does); a
// nil *likePattern (no filter) matches everything. Immutable after compileLike, so safe for concurrent use.
type likePattern struct {
	toks []likeTok
}

type likeTok struct {
	kind byte // 'c' literal rune, '_' any one rune, '%' any run
	r    rune
}

// compileLike compiles p. A nil p (the filter was not set) returns nil, which
// matches every name.
func compileLike(p *string) *likePattern {
	if p == nil {
		return nil
	}
	s := *p
	lp := &likePattern{toks: make([]likeTok, 0, len(s))}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch r {
		case '%':
			// Collapse runs of % (they mean the same and would make
			// backtracking quadratic for no reason).
			if k := len(lp.toks); k > 0 && lp.toks[k-1].kind == '%' {
				continue
			}
			lp.toks = append(lp.toks, likeTok{kind: '%'})
		case '_':
			lp.toks = append(lp.toks, likeTok{kind: '_'})
		case '\\':
			if i < len(s) {
				r, n = utf8.DecodeRuneInString(s[i:])
				i += n
			}
			lp.toks = append(lp.toks, likeTok{kind: 'c', r: unicode.ToLower(r)})
		default:
			lp.toks = append(lp.toks, likeTok{kind: 'c', r: unicode.ToLower(r)})
		}
	}
	return lp
}

// match reports whether s matches the pattern. It runs in O(len(s) *
// len(pattern)) worst case (single-star backtracking), never exponential.
func (lp *likePattern) match(s string) bool {
	if lp == nil {
		return true
	}
	rs := []rune(s)
	toks := lp.toks
	ti, si := 0, 0
	star, starSi := -1, 0
	for si < len(rs) {
		if ti < len(toks) {
			switch t := toks[ti]; t.kind {
			case '%':
				star, starSi = ti, si
				ti++
				continue
			case '_':
				ti++
				si++
				continue
			default:
				if t.r == unicode.ToLower(rs[si]) {
					ti++
					si++
					continue
				}
			}
		}
		if star < 0 {
			return false
		}
		// Backtrack: let the last % swallow one more character.
		starSi++
		si = starSi
		ti = star + 1
	}
	for ti < len(toks) && toks[ti].kind == '%' {
		ti++
	}
	return ti == len(toks)
}
