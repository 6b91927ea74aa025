package expr

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

// Regular expressions: the REGEXP / RLIKE operators (the planner binds
// "x REGEXP p" as REGEXP_LIKE(x, p)), REGEXP_LIKE, REGEXP_INSTR,
// REGEXP_SUBSTR and REGEXP_REPLACE with MySQL 8 semantics, on Go's RE2
// engine instead of ICU:
//
//   - Matching is case-insensitive when both operands are VARCHAR (the
//     default collation utf8mb4_0900_ai_ci is case-insensitive) and
//     case-sensitive when either is VARBINARY; match_type overrides: c (case-sensitive),
//     i (case-insensitive), m (multi-line: ^ and $ match at line breaks),
//     n ('.' matches line terminators), u (Unix line endings: accepted,
//     RE2 only knows '\n' anyway). The last of c and i wins.
//   - Positions (pos, the REGEXP_INSTR result) count characters from 1.
//     A pos outside 1..CHAR_LENGTH(expr)+1 is an error, as in MySQL.
//     Matching starts at pos as if the text began there (^ matches at pos;
//     ICU would not), the only difference from MySQL in anchored patterns.
//   - ICU features RE2 lacks (backreferences, lookaround, possessive
//     quantifiers) and malformed patterns are InvalidArgument errors that
//     name the pattern. An empty pattern is an error, as in MySQL.
//   - REGEXP_REPLACE's replacement refers to groups as $0..$9 (and ${n}) and
//     escapes with a backslash, as ICU does.
//
// Compiled patterns are cached process-wide (bounded), so constant
// patterns compile once; each batch still resolves its distinct patterns
// through a batch-local map.

// reCacheMax bounds the process-wide compiled-pattern cache.
const reCacheMax = 512

var reCache struct {
	mu sync.Mutex
	m  map[string]*regexp.Regexp
}

// regexpFlags is a resolved match_type.
type regexpFlags struct{ ci, multiline, dotAll bool }

// parseMatchType applies match_type letters to the defaults.
func parseMatchType(fn string, mt string, f regexpFlags) (regexpFlags, error) {
	for _, c := range mt {
		switch c {
		case 'c':
			f.ci = false
		case 'i':
			f.ci = true
		case 'm':
			f.multiline = true
		case 'n':
			f.dotAll = true
		case 'u':
		default:
			return f, invalidf("incorrect arguments to %s: match_type %q may hold only c, i, m, n and u", fn, mt)
		}
	}
	return f, nil
}

// compileRegexp compiles pattern under f (cached). Errors are ErrInvalid
// and name the pattern.
func compileRegexp(fn, pattern string, f regexpFlags) (*regexp.Regexp, error) {
	if pattern == "" {
		return nil, invalidf("illegal argument to a regular expression in %s: the pattern is empty", fn)
	}
	prefix := ""
	if f.ci {
		prefix += "i"
	}
	if f.multiline {
		prefix += "m"
	}
	if f.dotAll {
		prefix += "s"
	}
	src := unicodePOSIXClasses(pattern)
	if prefix != "" {
		src = "(?" + prefix + ")" + src
	}
	reCache.mu.Lock()
	re, ok := reCache.m[src]
	reCache.mu.Unlock()
	if ok {
		return re, nil
	}
	re, err := regexp.Compile(src)
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "error parsing regexp") {
			msg = msg[i+2:]
		}
		return nil, invalidf("%s: invalid regular expression %s: %s (Quiver uses RE2 syntax: no backreferences or lookaround)", fn, quoteString(pattern), msg)
	}
	reCache.mu.Lock()
	if reCache.m == nil || len(reCache.m) >= reCacheMax {
		reCache.m = map[string]*regexp.Regexp{}
	}
	reCache.m[src] = re
	reCache.mu.Unlock()
	return re, nil
}

// regexpArgs is the per-batch view of a REGEXP_* call's arguments.
type regexpArgs struct {
	fn       string
	subject  func(int) string
	pattern  func(int) string
	mt       func(int) string // nil without match_type
	defaults regexpFlags
	last     string
	lastRe   *regexp.Regexp
	batch    map[string]*regexp.Regexp
}

// re returns row i's compiled pattern.
func (r *regexpArgs) re(i int) (*regexp.Regexp, error) {
	p := r.pattern(i)
	key := p
	f := r.defaults
	if r.mt != nil {
		m := r.mt(i)
		var err error
		if f, err = parseMatchType(r.fn, m, f); err != nil {
			return nil, err
		}
		key = m + "\x00" + p
	}
	if r.lastRe != nil && key == r.last {
		return r.lastRe, nil
	}
	re, ok := r.batch[key]
	if !ok {
		var err error
		if re, err = compileRegexp(r.fn, p, f); err != nil {
			return nil, err
		}
		if r.batch == nil {
			r.batch = map[string]*regexp.Regexp{}
		}
		if len(r.batch) < reCacheMax {
			r.batch[key] = re
		}
	}
	r.last, r.lastRe = key, re
	return re, nil
}

// at returns row i's compiled pattern, its subject, and the byte offset
// in the subject of 1-based character position pos; the error is the
// pattern's (or match_type's) or, when pos lies outside the subject,
// errRegexpIndex for the function.
func (r *regexpArgs) at(i int, pos int64) (*regexp.Regexp, string, int, error) {
	re, err := r.re(i)
	if err != nil {
		return nil, "", 0, err
	}
	s := r.subject(i)
	off, ok := byteOffset(s, pos)
	if !ok {
		return nil, "", 0, errRegexpIndex(r.fn, pos)
	}
	return re, s, off, nil
}

func newRegexpArgs(fn string, a []arrow.Array, mtIdx int) *regexpArgs {
	r := &regexpArgs{fn: fn, subject: stringReader(a[0]), pattern: stringReader(a[1])}
	// VARCHAR on both sides brings the case-insensitive collation; a
	// VARBINARY operand (x REGEXP BINARY 'p', CAST(... AS BINARY)) makes
	// the match case-sensitive, as binary wins MySQL's collation rules.
	r.defaults.ci = IsCollatedString(a[0].DataType()) && IsCollatedString(a[1].DataType())
	if mtIdx < len(a) {
		r.mt = stringReader(a[mtIdx])
	}
	return r
}

// regexpResolve types a REGEXP_* call: subject and pattern keep VARCHAR or
// VARBINARY (others become VARCHAR), the other arguments are BIGINT except
// string ones listed in strIdx.
func regexpResolve(result arrow.DataType, strIdx ...int) func([]arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
	return func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
		out := make([]arrow.DataType, len(args))
		for i, t := range args {
			isStr := i < 2
			for _, k := range strIdx {
				isStr = isStr || k == i
			}
			switch {
			case isStr && t.ID() == arrow.LARGE_BINARY:
				out[i] = TypeBinary
			case isStr && (classOf(t) == clsString || classOf(t) == clsBinary):
			case isStr:
				out[i] = TypeString
			default:
				out[i] = TypeInt64
			}
		}
		if result.ID() == arrow.STRING && classOf(args[0]) == clsBinary {
			result = TypeBinary
		}
		return out, result, nil
	}
}

// byteOffset converts a 1-based character position to a byte offset of s;
// ok=false outside 1..chars+1.
func byteOffset(s string, pos int64) (int, bool) {
	if pos < 1 {
		return 0, false
	}
	if isASCII(s) {
		if pos-1 > int64(len(s)) {
			return 0, false
		}
		return int(pos - 1), true
	}
	off := 0
	for k := int64(1); k < pos; k++ {
		if off >= len(s) {
			return 0, false
		}
		_, size := utf8.DecodeRuneInString(s[off:])
		off += size
	}
	return off, true
}

func errRegexpIndex(fn string, pos int64) error {
	return invalidf("index out of bounds in regular expression search: %s position %d is outside the string", fn, pos)
}

// nthMatch returns the byte bounds (relative to s) of the occurrence-th
// match in s starting at byte offset off, or nil.
func nthMatch(re *regexp.Regexp, s string, off int, occurrence int64) []int {
	if occurrence < 1 {
		occurrence = 1
	}
	var found []int
	n := int64(0)
	for _, m := range re.FindAllStringIndex(s[off:], int(min(occurrence, 1<<30))) {
		n++
		if n == occurrence {
			found = []int{m[0] + off, m[1] + off}
			break
		}
	}
	return found
}

// expandICU appends repl with $n / ${n} group references and backslash
// escapes resolved against match (submatch byte indexes into src).
func expandICU(dst []byte, fn, repl, src string, match []int, groups int) ([]byte, error) {
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch c {
		case '\\':
			if i+1 < len(repl) {
				i++
				dst = append(dst, repl[i])
			}
			continue
		case '$':
		default:
			dst = append(dst, c)
			continue
		}
		// $n (greedy while the group exists) or ${n}
		j := i + 1
		g := -1
		if j < len(repl) && repl[j] == '{' {
			end := strings.IndexByte(repl[j:], '}')
			if end < 0 {
				return nil, invalidf("%s: unterminated ${...} in the replacement %s", fn, quoteString(repl))
			}
			v, err := strconv.Atoi(repl[j+1 : j+end])
			if err != nil {
				return nil, invalidf("%s: the replacement %s names group %q; use group numbers", fn, quoteString(repl), repl[j+1:j+end])
			}
			g, i = v, j+end
		} else {
			for j < len(repl) && repl[j] >= '0' && repl[j] <= '9' {
				v := g
				if v < 0 {
					v = 0
				}
				v = v*10 + int(repl[j]-'0')
				if g >= 0 && v > groups {
					break
				}
				g = v
				j++
			}
			if g < 0 {
				return nil, invalidf("%s: '$' in the replacement %s must be followed by a group number (write \\$ for a dollar sign)", fn, quoteString(repl))
			}
			i = j - 1
		}
		if g < 0 || g > groups {
			return nil, invalidf("%s: the replacement %s refers to group %d but the pattern has %d", fn, quoteString(repl), g, groups)
		}
		if s, e := match[2*g], match[2*g+1]; s >= 0 {
			dst = append(dst, src[s:e]...)
		}
	}
	return dst, nil
}

func regexpBuiltins() map[string]ScalarFunc {
	// REGEXP_LIKE(expr, pat[, match_type]) → BOOLEAN.
	like := ScalarFunc{MinArgs: 2, MaxArgs: 3, Resolve: regexpResolve(TypeBool, 2),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			r := newRegexpArgs("regexp_like", a, 2)
			n := kc.N
			validity := newBitmap(kc.Mem, n)
			values := newBitmap(kc.Mem, n)
			vb, ob := validity.Bytes(), values.Bytes()
			for i := 0; i < n; i++ {
				if !allValid(a, i) {
					continue
				}
				re, err := r.re(i)
				if err != nil {
					validity.Release()
					values.Release()
					return nil, err
				}
				bitutil.SetBit(vb, i)
				if re.MatchString(r.subject(i)) {
					bitutil.SetBit(ob, i)
				}
			}
			return makeArray(TypeBool, n, validity, values), nil
		}}
	// REGEXP_INSTR(expr, pat[, pos[, occurrence[, return_option[, match_type]]]]).
	instr := ScalarFunc{MinArgs: 2, MaxArgs: 6, Resolve: regexpResolve(TypeInt64, 5),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			r := newRegexpArgs("regexp_instr", a, 5)
			pos, occ, ret := optInt(a, 2, 1), optInt(a, 3, 1), optInt(a, 4, 0)
			var ferr error
			out := rowWiseInt64(kc, a, func(i int) (int64, bool) {
				if ferr != nil {
					return 0, false
				}
				re, s, off, err := r.at(i, pos(i))
				if err != nil {
					ferr = err
					return 0, false
				}
				ro := ret(i)
				if ro != 0 && ro != 1 {
					ferr = invalidf("incorrect arguments to regexp_instr: return_option must be 0 or 1, got %d", ro)
					return 0, false
				}
				m := nthMatch(re, s, off, occ(i))
				if m == nil {
					return 0, true
				}
				at := m[0]
				if ro == 1 {
					at = m[1]
				}
				return int64(utf8.RuneCountInString(s[:at])) + 1, true
			})
			if ferr != nil {
				out.Release()
				return nil, ferr
			}
			return out, nil
		}}
	// REGEXP_SUBSTR(expr, pat[, pos[, occurrence[, match_type]]]): NULL
	// when there is no such match.
	substr := ScalarFunc{MinArgs: 2, MaxArgs: 5, Resolve: regexpResolve(TypeString, 4),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			r := newRegexpArgs("regexp_substr", a, 4)
			pos, occ := optInt(a, 2, 1), optInt(a, 3, 1)
			var ferr error
			out := rowWiseStringOrBinary(kc, a, func(i int) (string, bool) {
				if ferr != nil {
					return "", false
				}
				re, s, off, err := r.at(i, pos(i))
				if err != nil {
					ferr = err
					return "", false
				}
				m := nthMatch(re, s, off, occ(i))
				if m == nil {
					return "", false
				}
				return s[m[0]:m[1]], true
			})
			if ferr != nil {
				out.Release()
				return nil, ferr
			}
			return out, nil
		}}
	// REGEXP_REPLACE(expr, pat, repl[, pos[, occurrence[, match_type]]]):
	// occurrence 0 (the default) replaces every match at or after pos.
	replace := ScalarFunc{MinArgs: 3, MaxArgs: 6, Resolve: regexpResolve(TypeString, 2, 5),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			r := newRegexpArgs("regexp_replace", a, 5)
			repl := stringReader(a[2])
			pos, occ := optInt(a, 3, 1), optInt(a, 4, 0)
			var ferr error
			var buf []byte
			out := rowWiseStringOrBinary(kc, a, func(i int) (string, bool) {
				if ferr != nil {
					return "", false
				}
				re, s, off, err := r.at(i, pos(i))
				if err != nil {
					ferr = err
					return "", false
				}
				o := occ(i)
				limit := -1
				if o > 0 {
					limit = int(min(o, 1<<30))
				}
				buf = append(buf[:0], s[:off]...)
				prev := off
				k := int64(0)
				for _, m := range re.FindAllStringSubmatchIndex(s[off:], limit) {
					k++
					if o > 0 && k != o {
						continue
					}
					for j := range m {
						if m[j] >= 0 {
							m[j] += off
						}
					}
					buf = append(buf, s[prev:m[0]]...)
					if buf, err = expandICU(buf, "regexp_replace", repl(i), s, m, re.NumSubexp()); err != nil {
						ferr = err
						return "", false
					}
					prev = m[1]
					if len(buf) > maxStringResult {
						return "", false
					}
				}
				buf = append(buf, s[prev:]...)
				return string(buf), true
			})
			if ferr != nil {
				out.Release()
				return nil, ferr
			}
			return out, nil
		}}
	return map[string]ScalarFunc{
		"regexp_like":  like,
		"regexp_instr": instr, "regexp_substr": substr, "regexp_replace": replace,
	}
}

// optInt reads optional BIGINT argument k (def when absent).
func optInt(a []arrow.Array, k int, def int64) func(int) int64 {
	if k < len(a) {
		return int64Vals(a[k])
	}
	return func(int) int64 { return def }
}

// rowWiseStringOrBinary is rowWiseString building VARBINARY when the
// first argument is VARBINARY (REGEXP_SUBSTR/REPLACE keep the subject's
// type).
func rowWiseStringOrBinary(kc KernelContext, args []arrow.Array, f func(i int) (string, bool)) arrow.Array {
	if args[0].DataType().ID() != arrow.BINARY {
		return rowWiseString(kc, args, f)
	}
	b := array.NewBinaryBuilder(kc.Mem, arrow.BinaryTypes.Binary)
	return rowWise(b, kc, args, f, b.AppendString)
}

// posixUnicode maps POSIX bracket classes to the Unicode classes MySQL's
// ICU engine gives them (RE2's are ASCII-only): 'här' REGEXP
// 'h[[:alpha:]]+r' is 1 in MySQL 8.
var posixUnicode = strings.NewReplacer(
	"[:alpha:]", `\p{L}`,
	"[:alnum:]", `\p{L}\p{Nd}`,
	"[:digit:]", `\p{Nd}`,
	"[:upper:]", `\p{Lu}`,
	"[:lower:]", `\p{Ll}`,
	"[:punct:]", `\p{P}`,
	"[:space:]", `\s\p{Z}`,
)

// unicodePOSIXClasses rewrites the POSIX classes of a pattern (see
// posixUnicode); patterns without "[:" are returned as they are.
func unicodePOSIXClasses(pattern string) string {
	if !strings.Contains(pattern, "[:") {
		return pattern
	}
	return posixUnicode.Replace(pattern)
}
