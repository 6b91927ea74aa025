package expr

import (
	"regexp"
	"strings"
)

// LIKE over binary strings: bytewise and case-sensitive, as MySQL's binary
// collation compares ('abc' LIKE BINARY 'ABC' is 0). The case- and
// accent-insensitive matcher in caseinlike.go serves every other LIKE.

// compileLikeBinary translates a LIKE pattern into an anchored regexp over
// bytes: '%' is any run, '_' one character, esc quotes the next character.
func compileLikeBinary(pat string, esc rune) *regexp.Regexp {
	var sb strings.Builder
	sb.WriteString(`(?s)\A`)
	escaped := false
	for _, r := range pat {
		switch {
		case escaped:
			sb.WriteString(regexp.QuoteMeta(string(r)))
			escaped = false
		case r == esc:
			escaped = true
		case r == '%':
			sb.WriteString(`.*`)
		case r == '_':
			sb.WriteString(`.`)
		default:
			sb.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	if escaped { // a trailing escape matches itself, as in MySQL
		sb.WriteString(regexp.QuoteMeta(string(esc)))
	}
	sb.WriteString(`\z`)
	return regexp.MustCompile(sb.String())
}

// likeBinaryRows sets bit i of out for each valid row (vb) of m whose text
// xr(i*xs) matches the pattern pr(i*ps) (negated for NOT LIKE). The
// pattern is compiled once per distinct value in a run.
func likeBinaryRows(m int, vb, out []byte, xr, pr func(int) string, xs, ps int, esc rune, negated bool) {
	var re *regexp.Regexp
	last := ""
	for i := 0; i < m; i++ {
		if !validBit(vb, i) {
			continue
		}
		pat := pr(i * ps)
		if re == nil || pat != last {
			re, last = compileLikeBinary(pat, esc), pat
		}
		if re.MatchString(xr(i*xs)) != negated {
			out[i>>3] |= 1 << (i & 7)
		}
	}
}
