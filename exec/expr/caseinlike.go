package expr

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// evalCase evaluates a searched CASE: the first WHEN whose condition is TRUE
// (NULL counts as not taken) selects its THEN; otherwise ELSE (or NULL).
func (ev *evaluator) evalCase(c *Case) (arrow.Array, error) {
	branches := make([]arrow.Array, 0, len(c.Whens)+1)
	defer func() { releaseAll(branches...) }()
	conds := make([]arrow.Array, 0, len(c.Whens))
	defer func() { releaseAll(conds...) }()
	for _, w := range c.Whens {
		cond, err := ev.evalBool(w.Cond)
		if err != nil {
			return nil, err
		}
		conds = append(conds, cond)
		th, err := ev.evalAs(w.Then, c.DataType)
		if err != nil {
			return nil, err
		}
		branches = append(branches, th)
	}
	if c.Else != nil {
		el, err := ev.evalAs(c.Else, c.DataType)
		if err != nil {
			return nil, err
		}
		branches = append(branches, el)
	}
	all := append(append([]arrow.Array{}, conds...), branches...)
	m := outLen(ev.n, all...)
	choice := make([]int32, m)
	views := make([]boolView, len(conds))
	for k, cnd := range conds {
		views[k] = viewBool(cnd, m)
	}
	elseIdx := int32(-1)
	if c.Else != nil {
		elseIdx = int32(len(c.Whens))
	}
	for i := 0; i < m; i++ {
		choice[i] = elseIdx
		for k := range views {
			if v, ok := views[k].at(i); ok && v {
				choice[i] = int32(k)
				break
			}
		}
	}
	return selectRows(ev.mem, c.DataType, branches, choice, m)
}

// evalAs evaluates e and casts it to t (a no-op when the types agree).
func (ev *evaluator) evalAs(e Expr, t arrow.DataType) (arrow.Array, error) {
	a, err := ev.eval(e)
	if err != nil {
		return nil, err
	}
	if arrow.TypeEqual(a.DataType(), t) || a.DataType().ID() == arrow.NULL {
		return a, nil
	}
	defer a.Release()
	out, err := castDatum(ev.mem, a, t)
	return out, ev.wrap(e, err)
}

// evalIn evaluates x [NOT] IN (list). Constant lists use a hash set;
// otherwise it is an OR of equalities. NULL semantics: NULL if x is NULL, or
// if nothing matched and some item is NULL.
func (ev *evaluator) evalIn(in *In) (arrow.Array, error) {
	x, err := ev.eval(in.Input)
	if err != nil {
		return nil, err
	}
	defer x.Release()
	allLits := true
	for _, it := range in.List {
		if _, ok := it.(*Literal); !ok {
			allLits = false
			break
		}
	}
	var res arrow.Array
	if allLits {
		res, err = inLiteralSet(ev.mem, x, in.List, ev.n)
	} else {
		res, err = ev.inByEquality(x, in.List)
	}
	if err != nil {
		return nil, ev.wrap(in, err)
	}
	if !in.Negated {
		return res, nil
	}
	defer res.Release()
	return notBool(ev.mem, res), nil
}

func (ev *evaluator) inByEquality(x arrow.Array, list []Expr) (arrow.Array, error) {
	var acc arrow.Array
	for _, it := range list {
		v, err := ev.eval(it)
		if err != nil {
			releaseAll(acc)
			return nil, err
		}
		eq, err := compareArrays(ev.mem, OpEq, x, v, ev.n)
		v.Release()
		if err != nil {
			releaseAll(acc)
			return nil, err
		}
		if acc == nil {
			acc = eq
			continue
		}
		next := kleene(ev.mem, false, acc, eq, ev.n)
		acc.Release()
		eq.Release()
		acc = next
	}
	if acc == nil {
		return nullArray(ev.mem, TypeBool, 1), nil
	}
	return acc, nil
}

// inLiteralSet looks x up in a hash set of the literal items. Items have
// been coerced to x's type by NewIn.
func inLiteralSet(mem memory.Allocator, x arrow.Array, list []Expr, n int) (arrow.Array, error) {
	m := x.Len()
	hasNull := false
	for _, it := range list {
		if it.(*Literal).Value == nil {
			hasNull = true
		}
	}
	if allNull(x) {
		return nullArray(mem, TypeBool, m), nil
	}
	vals := newBitmap(mem, m)
	out := vals.Bytes()
	switch x.DataType().ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.BOOL, arrow.DATE32, arrow.TIMESTAMP, arrow.TIME64:
		set := map[int64]struct{}{}
		for _, it := range list {
			if l := it.(*Literal); l.Value != nil {
				set[literalInt64(l)] = struct{}{}
			}
		}
		r := int64Reader(x)
		if x.DataType().ID() == arrow.TIMESTAMP || x.DataType().ID() == arrow.TIME64 {
			v := fixedVals[int64](x)
			r = func(i int) (int64, bool) { return v[i], true }
		} else if x.DataType().ID() == arrow.DATE32 {
			v := fixedVals[int32](x)
			r = func(i int) (int64, bool) { return int64(v[i]), true }
		}
		for i := 0; i < m; i++ {
			k, _ := r(i)
			if _, ok := set[k]; ok {
				out[i>>3] |= 1 << (i & 7)
			}
		}
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		set := map[uint64]struct{}{}
		for _, it := range list {
			if l := it.(*Literal); l.Value != nil {
				set[l.Value.(uint64)] = struct{}{}
			}
		}
		r := uint64Reader(x)
		for i := 0; i < m; i++ {
			k, _ := r(i)
			if _, ok := set[k]; ok {
				out[i>>3] |= 1 << (i & 7)
			}
		}
	case arrow.FLOAT32, arrow.FLOAT64:
		set := map[float64]struct{}{}
		for _, it := range list {
			if l := it.(*Literal); l.Value != nil {
				set[l.Value.(float64)] = struct{}{}
			}
		}
		r := float64Reader(x)
		for i := 0; i < m; i++ {
			if _, ok := set[r(i)]; ok {
				out[i>>3] |= 1 << (i & 7)
			}
		}
	case arrow.DECIMAL128:
		set := map[decimal128.Num]struct{}{}
		for _, it := range list {
			if l := it.(*Literal); l.Value != nil {
				set[l.Value.(decimal128.Num)] = struct{}{}
			}
		}
		v := fixedVals[decimal128.Num](x)
		for i := 0; i < m; i++ {
			if _, ok := set[v[i]]; ok {
				out[i>>3] |= 1 << (i & 7)
			}
		}
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		// VARCHAR matches under the collation (keys), VARBINARY bytewise.
		collated := IsCollatedString(x.DataType())
		set := map[string]struct{}{}
		var key []byte
		for _, it := range list {
			if l := it.(*Literal); l.Value != nil {
				var v string
				switch lv := l.Value.(type) {
				case string:
					v = lv
				case []byte:
					v = string(lv)
				}
				if collated {
					key = CollationKey(key[:0], v)
					v = string(key)
				}
				set[v] = struct{}{}
			}
		}
		r := stringReader(x)
		for i := 0; i < m; i++ {
			v := r(i)
			if collated {
				key = CollationKey(key[:0], v)
				_, ok := set[string(key)] // no allocation: map lookup of a converted []byte
				if ok {
					out[i>>3] |= 1 << (i & 7)
				}
				continue
			}
			if _, ok := set[v]; ok {
				out[i>>3] |= 1 << (i & 7)
			}
		}
	default:
		vals.Release()
		return nil, notImplementedf("IN over %s values", TypeName(x.DataType()))
	}
	validity := copyValidity(mem, x)
	if hasNull {
		// Non-matching rows become NULL.
		validity = ensureValidity(mem, validity, m)
		vb := validity.Bytes()
		for i := 0; i < m; i++ {
			if out[i>>3]&(1<<(i&7)) == 0 {
				vb[i>>3] &^= 1 << (i & 7)
			}
		}
	}
	return makeBoolArray(m, validity, vals), nil
}

func literalInt64(l *Literal) int64 {
	switch v := l.Value.(type) {
	case int64:
		return v
	case bool:
		if v {
			return 1
		}
		return 0
	case arrow.Date32:
		return int64(v)
	case arrow.Timestamp:
		return int64(v)
	case arrow.Time64:
		return int64(v)
	}
	return 0
}

// likeMatcher matches one LIKE pattern, case-insensitively (MySQL's default
// collation), with the given escape character.
type likeMatcher struct {
	kind int    // 0 regexp, 1 exact, 2 prefix, 3 suffix, 4 contains, 5 any, 6 segments
	lit  string // lower-cased ASCII literal for kinds 1-4
	re   *regexp.Regexp
	// kind 6: lower-cased ASCII segments between '%'s, and whether the
	// pattern starts / ends with '%'.
	segs              []string
	leading, trailing bool
}

func compileLike(pattern string, escape rune) *likeMatcher {
	// Tokenize: literal runes, '%' (any run) and '_' (one character).
	var toks []likeTok
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == escape && i+1 < len(rs):
			i++
			toks = append(toks, likeTok{r: rs[i]})
		case c == '%':
			if len(toks) == 0 || toks[len(toks)-1].wild != '%' {
				toks = append(toks, likeTok{wild: '%'})
			}
		case c == '_':
			toks = append(toks, likeTok{wild: '_'})
		default:
			toks = append(toks, likeTok{r: c})
		}
	}
	leading := len(toks) > 0 && toks[0].wild == '%'
	trailing := len(toks) > 0 && toks[len(toks)-1].wild == '%'
	var lit strings.Builder
	simple := true
	for k, t := range toks {
		switch {
		case t.wild == '_':
			simple = false
		case t.wild == '%' && k != 0 && k != len(toks)-1:
			simple = false
		case t.wild == 0:
			lit.WriteRune(t.r)
		}
	}
	l := lit.String()
	if !simple {
		if m, ok := segmentsMatcher(toks, leading, trailing); ok {
			return m
		}
	}
	if simple && isASCII(l) {
		m := &likeMatcher{lit: strings.ToLower(l)}
		switch {
		case leading && trailing && l == "":
			m.kind = 5
		case leading && trailing:
			m.kind = 4
		case leading:
			m.kind = 3
		case trailing:
			m.kind = 2
		default:
			m.kind = 1
		}
		return m
	}
	var sb strings.Builder
	sb.WriteString("(?is)^")
	for _, t := range toks {
		switch t.wild {
		case '%':
			sb.WriteString(".*")
		case '_':
			sb.WriteString(".")
		default:
			sb.WriteString(regexp.QuoteMeta(string(t.r)))
		}
	}
	sb.WriteString("$")
	return &likeMatcher{re: regexp.MustCompile(sb.String())}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether s starts with lowerPrefix (ASCII lower-case),
// ignoring ASCII case.
func hasPrefixFold(s, lower string) bool {
	return len(s) >= len(lower) && equalFoldASCII(s[:len(lower)], lower)
}

func equalFoldASCII(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func containsFold(s, lower string) bool { return indexFold(s, lower) >= 0 }

// likeTok is one token of a LIKE pattern: a literal rune (wild 0), '%'
// or '_'.
type likeTok struct {
	wild rune
	r    rune
}

// segmentsMatcher compiles a pattern of ASCII literals separated by '%'
// (no '_'), e.g. '%special%requests%', into kind 6: its literal segments
// are found left to right, case-insensitively, without a regexp. ok is
// false for other patterns.
func segmentsMatcher(toks []likeTok, leading, trailing bool) (*likeMatcher, bool) {
	var segs []string
	var cur strings.Builder
	for _, t := range toks {
		switch t.wild {
		case '_':
			return nil, false
		case '%':
			if cur.Len() > 0 {
				segs = append(segs, strings.ToLower(cur.String()))
				cur.Reset()
			}
		default:
			if t.r >= utf8.RuneSelf {
				return nil, false
			}
			cur.WriteRune(t.r)
		}
	}
	if cur.Len() > 0 {
		segs = append(segs, strings.ToLower(cur.String()))
	}
	if len(segs) < 2 {
		return nil, false
	}
	return &likeMatcher{kind: 6, segs: segs, leading: leading, trailing: trailing}, true
}

// matchSegments reports whether s holds m.segs in order (each after the
// previous one ends), anchored at the start unless the pattern began with
// '%' and at the end unless it ended with one. Taking the first occurrence
// of each middle segment is enough: an earlier match leaves more room for
// the rest.
func (m *likeMatcher) matchSegments(s string) bool {
	pos := 0
	last := len(m.segs) - 1
	for k, seg := range m.segs {
		switch {
		case k == 0 && !m.leading:
			if !hasPrefixFold(s, seg) {
				return false
			}
			pos = len(seg)
		case k == last && !m.trailing:
			return len(s)-len(seg) >= pos && equalFoldASCII(s[len(s)-len(seg):], seg)
		default:
			j := indexFold(s[pos:], seg)
			if j < 0 {
				return false
			}
			pos += j + len(seg)
		}
	}
	return true
}

// indexFold is the index of the first occurrence of lower (ASCII
// lower-case) in s, ignoring ASCII case, or -1.
func indexFold(s, lower string) int {
	if lower == "" {
		return 0
	}
	c0 := lower[0]
	c1 := c0
	if 'a' <= c0 && c0 <= 'z' {
		c1 = c0 - ('a' - 'A')
	}
	for i := 0; i+len(lower) <= len(s); i++ {
		if b := s[i]; (b == c0 || b == c1) && equalFoldASCII(s[i:i+len(lower)], lower) {
			return i
		}
	}
	return -1
}

func (m *likeMatcher) match(s string) bool {
	switch m.kind {
	case 6:
		return m.matchSegments(s)
	case 1:
		return equalFoldASCII(s, m.lit)
	case 2:
		return hasPrefixFold(s, m.lit)
	case 3:
		return len(s) >= len(m.lit) && equalFoldASCII(s[len(s)-len(m.lit):], m.lit)
	case 4:
		return containsFold(s, m.lit)
	case 5:
		return true
	}
	return m.re.MatchString(s)
}

func (ev *evaluator) evalLike(l *Like) (arrow.Array, error) {
	x, err := ev.eval(l.Input)
	if err != nil {
		return nil, err
	}
	defer x.Release()
	p, err := ev.eval(l.Pattern)
	if err != nil {
		return nil, err
	}
	defer p.Release()
	m := outLen(ev.n, x, p)
	if allNull(x) || allNull(p) {
		return nullArray(ev.mem, TypeBool, m), nil
	}
	esc := l.Escape
	if esc == 0 {
		esc = '\\'
	}
	xs, ps := strideOf(x, m), strideOf(p, m)
	xr, pr := stringReader(x), stringReader(p)
	validity := combineValidity(ev.mem, m, x, p)
	var vb []byte
	if validity != nil {
		vb = validity.Bytes()
	}
	vals := newBitmap(ev.mem, m)
	out := vals.Bytes()
	if x.DataType().ID() == arrow.BINARY || p.DataType().ID() == arrow.BINARY {
		likeBinaryRows(m, vb, out, xr, pr, xs, ps, esc, l.Negated)
		return makeBoolArray(m, validity, vals), nil
	}
	var matcher *likeMatcher
	lastPat := ""
	for i := 0; i < m; i++ {
		if !validBit(vb, i) {
			continue
		}
		pat := pr(i * ps)
		if matcher == nil || pat != lastPat {
			// Case- and accent-insensitive (collation.go): match folded text.
			fesc := esc
			if 'A' <= fesc && fesc <= 'Z' {
				fesc += 'a' - 'A'
			}
			matcher, lastPat = compileLike(foldText(pat), fesc), pat
		}
		sv := xr(i * xs)
		if !isASCII(sv) {
			sv = foldText(sv)
		}
		if matcher.match(sv) != l.Negated {
			out[i>>3] |= 1 << (i & 7)
		}
	}
	return makeBoolArray(m, validity, vals), nil
}
