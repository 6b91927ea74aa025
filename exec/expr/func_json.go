package expr

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// JSON functions (MySQL 8 semantics) over JSON documents held as VARCHAR
// text: JSON_EXTRACT (and the -> / ->> operators the parser rewrites to
// JSON_EXTRACT / JSON_UNQUOTE(JSON_EXTRACT)), JSON_UNQUOTE, JSON_QUOTE,
// JSON_OBJECT, JSON_ARRAY, JSON_VALID, JSON_TYPE, JSON_LENGTH, JSON_KEYS
// and JSON_CONTAINS.
//
// Results that are JSON are printed in MySQL's normalized form: object
// members sorted by key length, then bytewise (MySQL's storage order), the
// last duplicate key winning, ", " between items and ": " after keys,
// DOUBLE values with a ".0" when integral. Text that is not valid JSON
// where a document is expected is an InvalidArgument error naming the
// function and argument, as in MySQL; a NULL document or path gives NULL.
//
// Quiver has no JSON column type: a JSON function's result is VARCHAR. So
// that JSON_OBJECT('a', JSON_ARRAY(1, 2)) nests the array instead of
// quoting it as a string, arguments that are themselves calls of JSON
// functions are passed to the kernels as LARGE_STRING (an internal marker
// meaning "JSON text"); any other string is a JSON string value.

// jsonMaxDepth is MySQL's nesting limit for JSON documents.
const jsonMaxDepth = 100

type jsonKind uint8

const (
	jNull jsonKind = iota
	jBool
	jInt
	jUint
	jDouble
	jDecimal // exact number kept as its text (from DECIMAL arguments)
	jString
	jArray
	jObject
)

// jsonVal is a parsed JSON value. Objects keep keys sorted in MySQL order
// (length, then bytes) with vals parallel to keys.
type jsonVal struct {
	kind jsonKind
	b    bool
	i    int64
	u    uint64
	f    float64
	s    string // jString value, jDecimal text
	arr  []jsonVal
	keys []string
	vals []jsonVal
}

func jsonKeyLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// setMember sets key (the last duplicate wins).
func (v *jsonVal) setMember(k string, x jsonVal) {
	i := sort.Search(len(v.keys), func(i int) bool { return !jsonKeyLess(v.keys[i], k) })
	if i < len(v.keys) && v.keys[i] == k {
		v.vals[i] = x
		return
	}
	v.keys = append(v.keys, "")
	v.vals = append(v.vals, jsonVal{})
	copy(v.keys[i+1:], v.keys[i:])
	copy(v.vals[i+1:], v.vals[i:])
	v.keys[i], v.vals[i] = k, x
}

// normalize sorts members appended in document order into MySQL order,
// keeping the last of duplicate keys (O(n log n)).
func (v *jsonVal) normalize() {
	n := len(v.keys)
	if n < 2 {
		return
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return jsonKeyLess(v.keys[idx[a]], v.keys[idx[b]]) })
	keys := make([]string, 0, n)
	vals := make([]jsonVal, 0, n)
	for _, i := range idx {
		if m := len(keys); m > 0 && keys[m-1] == v.keys[i] {
			vals[m-1] = v.vals[i] // stable sort: a later duplicate comes after
			continue
		}
		keys = append(keys, v.keys[i])
		vals = append(vals, v.vals[i])
	}
	v.keys, v.vals = keys, vals
}

func (v *jsonVal) member(k string) (jsonVal, bool) {
	i := sort.Search(len(v.keys), func(i int) bool { return !jsonKeyLess(v.keys[i], k) })
	if i < len(v.keys) && v.keys[i] == k {
		return v.vals[i], true
	}
	return jsonVal{}, false
}

// ---- parsing ----

type jsonParser struct {
	s   string
	pos int
}

type jsonSyntaxError struct {
	pos int
	msg string
}

func (e *jsonSyntaxError) Error() string {
	return e.msg + " at position " + strconv.Itoa(e.pos)
}

// parseJSON parses a whole JSON text.
func parseJSON(s string) (jsonVal, error) {
	p := &jsonParser{s: s}
	v, err := p.value(0)
	if err != nil {
		return jsonVal{}, err
	}
	p.ws()
	if p.pos != len(p.s) {
		return jsonVal{}, &jsonSyntaxError{p.pos, "The document root must not be followed by other values"}
	}
	return v, nil
}

func (p *jsonParser) ws() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// eat consumes the next byte when it is c and reports whether it did.
func (p *jsonParser) eat(c byte) bool {
	if p.pos < len(p.s) && p.s[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *jsonParser) fail(msg string) error { return &jsonSyntaxError{p.pos, msg} }

func (p *jsonParser) value(depth int) (jsonVal, error) {
	p.ws()
	if depth >= jsonMaxDepth && p.pos < len(p.s) && (p.s[p.pos] == '[' || p.s[p.pos] == '{') {
		return jsonVal{}, p.fail("The JSON document exceeds the maximum depth of 100")
	}
	if p.pos >= len(p.s) {
		if p.pos == 0 {
			return jsonVal{}, p.fail("The document is empty")
		}
		return jsonVal{}, p.fail("Missing a value")
	}
	switch c := p.s[p.pos]; {
	case c == '{':
		p.pos++
		obj := jsonVal{kind: jObject}
		p.ws()
		if p.eat('}') {
			return obj, nil
		}
		for {
			p.ws()
			if p.pos >= len(p.s) || p.s[p.pos] != '"' {
				return jsonVal{}, p.fail("Missing a name for object member")
			}
			k, err := p.str()
			if err != nil {
				return jsonVal{}, err
			}
			p.ws()
			if p.pos >= len(p.s) || p.s[p.pos] != ':' {
				return jsonVal{}, p.fail("Missing a colon after a name of object member")
			}
			p.pos++
			v, err := p.value(depth + 1)
			if err != nil {
				return jsonVal{}, err
			}
			obj.keys = append(obj.keys, k)
			obj.vals = append(obj.vals, v)
			p.ws()
			if p.eat(',') {
				continue
			}
			if p.eat('}') {
				obj.normalize()
				return obj, nil
			}
			return jsonVal{}, p.fail("Missing a comma or '}' after an object member")
		}
	case c == '[':
		p.pos++
		arr := jsonVal{kind: jArray, arr: []jsonVal{}}
		p.ws()
		if p.eat(']') {
			return arr, nil
		}
		for {
			v, err := p.value(depth + 1)
			if err != nil {
				return jsonVal{}, err
			}
			arr.arr = append(arr.arr, v)
			p.ws()
			if p.eat(',') {
				continue
			}
			if p.eat(']') {
				return arr, nil
			}
			return jsonVal{}, p.fail("Missing a comma or ']' after an array element")
		}
	case c == '"':
		s, err := p.str()
		return jsonVal{kind: jString, s: s}, err
	case c == 't' && strings.HasPrefix(p.s[p.pos:], "true"):
		p.pos += 4
		return jsonVal{kind: jBool, b: true}, nil
	case c == 'f' && strings.HasPrefix(p.s[p.pos:], "false"):
		p.pos += 5
		return jsonVal{kind: jBool}, nil
	case c == 'n' && strings.HasPrefix(p.s[p.pos:], "null"):
		p.pos += 4
		return jsonVal{kind: jNull}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return jsonVal{}, p.fail("Invalid value")
}

func (p *jsonParser) number() (jsonVal, error) {
	start := p.pos
	if p.s[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	intStart := p.pos
	if digits() == 0 {
		return jsonVal{}, p.fail("Invalid value")
	}
	if p.s[intStart] == '0' && p.pos-intStart > 1 {
		return jsonVal{}, &jsonSyntaxError{intStart, "Invalid value"}
	}
	isFloat := false
	if p.eat('.') {
		isFloat = true
		if digits() == 0 {
			return jsonVal{}, p.fail("Miss fraction part in number")
		}
	}
	if p.pos < len(p.s) && (p.s[p.pos] == 'e' || p.s[p.pos] == 'E') {
		p.pos++
		isFloat = true
		if p.pos < len(p.s) && (p.s[p.pos] == '+' || p.s[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return jsonVal{}, p.fail("Miss exponent in number")
		}
	}
	txt := p.s[start:p.pos]
	if !isFloat {
		if v, err := strconv.ParseInt(txt, 10, 64); err == nil {
			return jsonVal{kind: jInt, i: v}, nil
		}
		if v, err := strconv.ParseUint(txt, 10, 64); err == nil {
			return jsonVal{kind: jUint, u: v}, nil
		}
	}
	f, err := strconv.ParseFloat(txt, 64)
	if err != nil && !math.IsInf(f, 0) {
		return jsonVal{}, &jsonSyntaxError{start, "Invalid value"}
	}
	if math.IsInf(f, 0) {
		return jsonVal{}, &jsonSyntaxError{start, "Number too big to be stored in double"}
	}
	return jsonVal{kind: jDouble, f: f}, nil
}

// str parses a JSON string at p.pos (the opening quote).
func (p *jsonParser) str() (string, error) {
	p.pos++
	start := p.pos
	// Fast path: no escapes.
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == '"' {
			s := p.s[start:p.pos]
			p.pos++
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.pos++
	}
	var sb strings.Builder
	sb.WriteString(p.s[start:p.pos])
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			return sb.String(), nil
		case c < 0x20:
			return "", p.fail("Invalid encoding in string")
		case c != '\\':
			sb.WriteByte(c)
			p.pos++
			continue
		}
		p.pos++
		if p.pos >= len(p.s) {
			break
		}
		e := p.s[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			sb.WriteByte(e)
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.fail("Incorrect hex digit after \\u escape in string")
			}
			if utf16.IsSurrogate(r) {
				if strings.HasPrefix(p.s[p.pos:], "\\u") {
					p.pos += 2
					r2, ok := p.hex4()
					if !ok {
						return "", p.fail("Incorrect hex digit after \\u escape in string")
					}
					r = utf16.DecodeRune(r, r2)
				} else {
					r = utf8.RuneError
				}
			}
			sb.WriteRune(r)
		default:
			return "", p.fail("Invalid escape character in string")
		}
	}
	return "", p.fail("Missing a closing quotation mark in string")
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.pos+4 > len(p.s) {
		return 0, false
	}
	v, err := strconv.ParseUint(p.s[p.pos:p.pos+4], 16, 32)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(v), true
}

// ---- printing ----

func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			if c < 0x20 {
				dst = append(dst, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
			} else {
				dst = append(dst, c)
			}
		}
	}
	return append(dst, '"')
}

// jsonDouble prints a DOUBLE the way MySQL's JSON does: shortest form,
// ".0" added to integral values, exponents without '+'.
func jsonDouble(f float64) string {
	// Plain digits up to 1e15 (1e6 is 1000000.0), exponents beyond and
	// below 1e-4, like MySQL's my_gcvt.
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if a := math.Abs(f); a != 0 && (a >= 1e15 || a < 1e-4) {
		s = strconv.FormatFloat(f, 'e', -1, 64)
	}
	if strings.ContainsAny(s, "e") {
		mant, exp, _ := strings.Cut(s, "e")
		exp = strings.TrimPrefix(exp, "+")
		neg := strings.HasPrefix(exp, "-")
		exp = strings.TrimLeft(strings.TrimPrefix(exp, "-"), "0")
		if neg {
			exp = "-" + exp
		}
		return mant + "e" + exp
	}
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func appendJSON(dst []byte, v jsonVal) []byte {
	switch v.kind {
	case jNull:
		return append(dst, "null"...)
	case jBool:
		if v.b {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case jInt:
		return strconv.AppendInt(dst, v.i, 10)
	case jUint:
		return strconv.AppendUint(dst, v.u, 10)
	case jDouble:
		return append(dst, jsonDouble(v.f)...)
	case jDecimal:
		return append(dst, v.s...)
	case jString:
		return appendJSONString(dst, v.s)
	case jArray:
		dst = append(dst, '[')
		for i, x := range v.arr {
			if i > 0 {
				dst = append(dst, ',', ' ')
			}
			dst = appendJSON(dst, x)
		}
		return append(dst, ']')
	}
	dst = append(dst, '{')
	for i, k := range v.keys {
		if i > 0 {
			dst = append(dst, ',', ' ')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':', ' ')
		dst = appendJSON(dst, v.vals[i])
	}
	return append(dst, '}')
}

func (v jsonVal) String() string { return string(appendJSON(nil, v)) }

func (v jsonVal) typeName() string {
	switch v.kind {
	case jNull:
		return "NULL"
	case jBool:
		return "BOOLEAN"
	case jInt:
		return "INTEGER"
	case jUint:
		return "UNSIGNED INTEGER"
	case jDouble:
		return "DOUBLE"
	case jDecimal:
		return "DECIMAL"
	case jString:
		return "STRING"
	case jArray:
		return "ARRAY"
	}
	return "OBJECT"
}

// ---- paths ----

type jsonLegKind uint8

const (
	legMember     jsonLegKind = iota // .name
	legAnyMember                     // .*
	legIndex                         // [n], [last-n], [n to m]
	legAnyIndex                      // [*]
	legDescendant                    // **
)

// jsonIndex is an array position: n, or last-n when fromEnd.
type jsonIndex struct {
	n       int64
	fromEnd bool
}

func (x jsonIndex) resolve(length int) int64 {
	if x.fromEnd {
		return int64(length) - 1 - x.n
	}
	return x.n
}

type jsonLeg struct {
	kind     jsonLegKind
	name     string
	lo, hi   jsonIndex
	hasRange bool
}

type jsonPath struct {
	legs     []jsonLeg
	wildcard bool // has *, ** or a range: may match several values
}

func errJSONPath(fn, path string, pos int) error {
	return invalidf("%s: invalid JSON path expression %s: the error is around character position %d", fn, quoteString(path), pos)
}

// parseJSONPath parses a MySQL JSON path ('$.a[1].*', '$**.b', '$[last-1]',
// '$[0 to 2]', '$."key with spaces"').
func parseJSONPath(fn, s string) (jsonPath, error) {
	var p jsonPath
	i := 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			i++
		}
	}
	skip()
	if i >= len(s) || s[i] != '$' {
		return p, errJSONPath(fn, s, i+1)
	}
	i++
	for {
		skip()
		if i >= len(s) {
			break
		}
		switch s[i] {
		case '.':
			i++
			skip()
			if i < len(s) && s[i] == '*' {
				i++
				p.legs = append(p.legs, jsonLeg{kind: legAnyMember})
				p.wildcard = true
				continue
			}
			if i < len(s) && s[i] == '"' {
				jp := &jsonParser{s: s, pos: i}
				name, err := jp.str()
				if err != nil {
					return p, errJSONPath(fn, s, i+1)
				}
				i = jp.pos
				p.legs = append(p.legs, jsonLeg{kind: legMember, name: name})
				continue
			}
			start := i
			for i < len(s) && (s[i] == '_' || s[i] == '$' || s[i] >= 0x80 || s[i] >= '0' && s[i] <= '9' ||
				s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
				i++
			}
			if i == start || (s[start] >= '0' && s[start] <= '9') {
				return p, errJSONPath(fn, s, start+1)
			}
			p.legs = append(p.legs, jsonLeg{kind: legMember, name: s[start:i]})
		case '[':
			i++
			skip()
			if i < len(s) && s[i] == '*' {
				i++
				skip()
				if i >= len(s) || s[i] != ']' {
					return p, errJSONPath(fn, s, i+1)
				}
				i++
				p.legs = append(p.legs, jsonLeg{kind: legAnyIndex})
				p.wildcard = true
				continue
			}
			readIndex := func() (jsonIndex, bool) {
				skip()
				var x jsonIndex
				if strings.HasPrefix(s[i:], "last") {
					i += 4
					x.fromEnd = true
					skip()
					if i < len(s) && s[i] == '-' {
						i++
						skip()
					} else {
						return x, true
					}
				}
				start := i
				for i < len(s) && s[i] >= '0' && s[i] <= '9' {
					i++
				}
				if i == start {
					return x, false
				}
				v, err := strconv.ParseInt(s[start:i], 10, 64)
				if err != nil {
					return x, false
				}
				x.n = v
				return x, true
			}
			lo, ok := readIndex()
			if !ok {
				return p, errJSONPath(fn, s, i+1)
			}
			leg := jsonLeg{kind: legIndex, lo: lo, hi: lo}
			skip()
			if strings.HasPrefix(s[i:], "to") {
				i += 2
				hi, ok := readIndex()
				if !ok {
					return p, errJSONPath(fn, s, i+1)
				}
				leg.hi, leg.hasRange = hi, true
				p.wildcard = true
				skip()
			}
			if i >= len(s) || s[i] != ']' {
				return p, errJSONPath(fn, s, i+1)
			}
			i++
			p.legs = append(p.legs, leg)
		case '*':
			if i+1 >= len(s) || s[i+1] != '*' {
				return p, errJSONPath(fn, s, i+1)
			}
			i += 2
			p.legs = append(p.legs, jsonLeg{kind: legDescendant})
			p.wildcard = true
		default:
			return p, errJSONPath(fn, s, i+1)
		}
	}
	if n := len(p.legs); n > 0 && p.legs[n-1].kind == legDescendant {
		return p, errJSONPath(fn, s, len(s))
	}
	return p, nil
}

// jsonPathBudget bounds the values one path evaluation may visit: paths
// with several ** legs revisit every descendant once per leg. A variable
// only so tests can lower it.
var jsonPathBudget = 1 << 22

// eval appends the values path selects in v; ErrInvalid
// when the evaluation would visit more than jsonPathBudget values.
func (p jsonPath) eval(v jsonVal, out []jsonVal) ([]jsonVal, error) {
	budget := jsonPathBudget
	out = evalLegs(p.legs, v, out, &budget)
	if budget < 0 {
		return out, invalidf("a JSON path visits more than %d values; use fewer ** legs", jsonPathBudget)
	}
	return out, nil
}

func evalLegs(legs []jsonLeg, v jsonVal, out []jsonVal, budget *int) []jsonVal {
	if *budget--; *budget < 0 {
		return out
	}
	if len(legs) == 0 {
		return append(out, v)
	}
	leg, rest := legs[0], legs[1:]
	switch leg.kind {
	case legMember:
		if v.kind == jObject {
			if x, ok := v.member(leg.name); ok {
				out = evalLegs(rest, x, out, budget)
			}
		}
	case legAnyMember:
		if v.kind == jObject {
			for _, x := range v.vals {
				out = evalLegs(rest, x, out, budget)
			}
		}
	case legAnyIndex:
		if v.kind == jArray {
			for _, x := range v.arr {
				out = evalLegs(rest, x, out, budget)
			}
		}
	case legIndex:
		// A non-array behaves as a one-element array (MySQL auto-wrapping).
		elems := v.arr
		if v.kind != jArray {
			elems = []jsonVal{v}
		}
		lo, hi := leg.lo.resolve(len(elems)), leg.hi.resolve(len(elems))
		if lo < 0 {
			lo = 0
		}
		if hi >= int64(len(elems)) {
			hi = int64(len(elems)) - 1
		}
		for k := lo; k <= hi; k++ {
			out = evalLegs(rest, elems[k], out, budget)
		}
	case legDescendant:
		out = evalLegs(rest, v, out, budget)
		switch v.kind {
		case jObject:
			for _, x := range v.vals {
				out = evalLegs(legs, x, out, budget)
			}
		case jArray:
			for _, x := range v.arr {
				out = evalLegs(legs, x, out, budget)
			}
		}
	}
	return out
}

// ---- comparison (JSON_CONTAINS) ----

func jsonNumber(v jsonVal) (float64, bool) {
	switch v.kind {
	case jInt:
		return float64(v.i), true
	case jUint:
		return float64(v.u), true
	case jDouble:
		return v.f, true
	case jDecimal:
		f, err := strconv.ParseFloat(v.s, 64)
		return f, err == nil
	}
	return 0, false
}

func jsonEqual(a, b jsonVal) bool {
	if x, ok := jsonNumber(a); ok {
		y, ok := jsonNumber(b)
		if !ok {
			return false
		}
		if a.kind == jInt && b.kind == jInt {
			return a.i == b.i
		}
		return x == y
	}
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case jNull:
		return true
	case jBool:
		return a.b == b.b
	case jString:
		return a.s == b.s
	case jArray:
		if len(a.arr) != len(b.arr) {
			return false
		}
		for i := range a.arr {
			if !jsonEqual(a.arr[i], b.arr[i]) {
				return false
			}
		}
		return true
	case jObject:
		if len(a.keys) != len(b.keys) {
			return false
		}
		for i := range a.keys {
			if a.keys[i] != b.keys[i] || !jsonEqual(a.vals[i], b.vals[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// jsonContains is MySQL's JSON_CONTAINS(target, candidate).
func jsonContains(t, c jsonVal) bool {
	switch {
	case t.kind == jArray && c.kind == jArray:
		for _, x := range c.arr {
			if !jsonContains(t, x) {
				return false
			}
		}
		return true
	case t.kind == jArray:
		for _, x := range t.arr {
			if jsonContains(x, c) {
				return true
			}
		}
		return false
	case t.kind == jObject && c.kind == jObject:
		for i, k := range c.keys {
			x, ok := t.member(k)
			if !ok || !jsonContains(x, c.vals[i]) {
				return false
			}
		}
		return true
	case t.kind == jObject || c.kind == jArray || c.kind == jObject:
		return false
	}
	return jsonEqual(t, c)
}

// ---- SQL values → JSON ----

// jsonReader returns, for an argument of a JSON_OBJECT/JSON_ARRAY call, a
// reader of row i as a JSON value. LARGE_STRING arguments are JSON text.
func jsonReader(fn string, a arrow.Array, argNo int) func(i int) (jsonVal, error) {
	if a.DataType().ID() == arrow.NULL {
		return func(int) (jsonVal, error) { return jsonVal{kind: jNull}, nil }
	}
	null := func(i int) bool { return !validAt(a, i) }
	wrap := func(f func(i int) jsonVal) func(i int) (jsonVal, error) {
		return func(i int) (jsonVal, error) {
			if null(i) {
				return jsonVal{kind: jNull}, nil
			}
			return f(i), nil
		}
	}
	switch a.DataType().ID() {
	case arrow.LARGE_STRING:
		s := stringReader(a)
		return func(i int) (jsonVal, error) {
			if null(i) {
				return jsonVal{kind: jNull}, nil
			}
			v, err := parseJSON(s(i))
			if err != nil {
				return v, errJSONText(fn, argNo, err)
			}
			return v, nil
		}
	case arrow.BOOL:
		b := a.(*array.Boolean)
		return wrap(func(i int) jsonVal { return jsonVal{kind: jBool, b: b.Value(i)} })
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		r := int64Reader(a)
		return wrap(func(i int) jsonVal { v, _ := r(i); return jsonVal{kind: jInt, i: v} })
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		r := uint64Reader(a)
		return wrap(func(i int) jsonVal { v, _ := r(i); return jsonVal{kind: jUint, u: v} })
	case arrow.FLOAT32, arrow.FLOAT64:
		r := float64Reader(a)
		return wrap(func(i int) jsonVal { return jsonVal{kind: jDouble, f: r(i)} })
	case arrow.DECIMAL128:
		v := fixedVals[decimal128.Num](a)
		_, sc := decimalOf(a.DataType())
		return wrap(func(i int) jsonVal { return jsonVal{kind: jDecimal, s: v[i].ToString(sc)} })
	case arrow.TIMESTAMP:
		v := fixedVals[arrow.Timestamp](a)
		u := timestampUnit(a.DataType())
		return wrap(func(i int) jsonVal {
			return jsonVal{kind: jString, s: v[i].ToTime(u).UTC().Format("2006-01-02 15:04:05.000000")}
		})
	case arrow.TIME64:
		v := fixedVals[int64](a)
		u := timeUnit(a.DataType())
		return wrap(func(i int) jsonVal {
			s := formatTime(v[i], u)
			if !strings.Contains(s, ".") {
				s += ".000000"
			}
			return jsonVal{kind: jString, s: s}
		})
	}
	f := formatReader(a)
	return wrap(func(i int) jsonVal { return jsonVal{kind: jString, s: f(i)} })
}

func errJSONText(fn string, argNo int, err error) error {
	return invalidf("invalid JSON text in argument %d to function %s: %s", argNo, fn, err.Error())
}

// jsonFuncs are the functions whose result is a JSON document.
var jsonFuncs = map[string]bool{"json_extract": true, "json_object": true, "json_array": true, "json_keys": true}

// jsonValueArgs types the value arguments of JSON_OBJECT / JSON_ARRAY:
// results of JSON functions become LARGE_STRING (JSON text), everything
// else keeps its type.
func jsonValueArgs(args []Expr) []arrow.DataType {
	out := make([]arrow.DataType, len(args))
	for i, a := range args {
		if c, ok := a.(*Call); ok && jsonFuncs[c.Name] {
			out[i] = arrow.BinaryTypes.LargeString
		} else if a.Type().ID() == arrow.LARGE_STRING {
			out[i] = TypeString // a plain (large) string value, not JSON text
		}
	}
	return out
}

// jsonDocs reads argument k as JSON documents (parse errors name fn).
func jsonDocs(fn string, a arrow.Array, argNo int) func(i int) (jsonVal, error) {
	s := stringReader(a)
	return func(i int) (jsonVal, error) {
		v, err := parseJSON(s(i))
		if err != nil {
			return v, errJSONText(fn, argNo, err)
		}
		return v, nil
	}
}

// jsonPaths reads path arguments, caching the last parse (paths are
// nearly always constants).
func jsonPaths(fn string, a arrow.Array) func(i int) (jsonPath, error) {
	s := stringReader(a)
	var last string
	var lastP jsonPath
	have := false
	return func(i int) (jsonPath, error) {
		txt := s(i)
		if have && txt == last {
			return lastP, nil
		}
		p, err := parseJSONPath(fn, txt)
		if err != nil {
			return p, err
		}
		last, lastP, have = txt, p, true
		return p, nil
	}
}

// jsonStringKernel is the shape of most JSON kernels: every argument
// non-NULL → f(i) → VARCHAR (ok=false: NULL); the first error stops.
func jsonStringKernel(kc KernelContext, args []arrow.Array, f func(i int) (string, bool, error)) (arrow.Array, error) {
	var ferr error
	out := rowWiseString(kc, args, func(i int) (string, bool) {
		if ferr != nil {
			return "", false
		}
		s, ok, err := f(i)
		if err != nil {
			ferr = err
			return "", false
		}
		return s, ok
	})
	if ferr != nil {
		out.Release()
		return nil, ferr
	}
	return out, nil
}

func jsonInt64Kernel(kc KernelContext, args []arrow.Array, f func(i int) (int64, bool, error)) (arrow.Array, error) {
	var ferr error
	out := rowWiseInt64(kc, args, func(i int) (int64, bool) {
		if ferr != nil {
			return 0, false
		}
		v, ok, err := f(i)
		if err != nil {
			ferr = err
			return 0, false
		}
		return v, ok
	})
	if ferr != nil {
		out.Release()
		return nil, ferr
	}
	return out, nil
}

// textArgs converts every argument to VARCHAR (JSON text, paths).
func textArgs(result arrow.DataType) func([]arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
	return func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
		out := make([]arrow.DataType, len(args))
		for i, t := range args {
			if classOf(t) != clsString {
				out[i] = TypeString
			}
		}
		return out, result, nil
	}
}

func jsonBuiltins() map[string]ScalarFunc {
	str, i64 := TypeString, TypeInt64
	// JSON_EXTRACT(doc, path, ...): one path without wildcards gives the
	// value; several paths or wildcards give an array of every match; no
	// match gives NULL.
	extract := ScalarFunc{MinArgs: 2, MaxArgs: -1, Resolve: textArgs(str),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			doc := jsonDocs("json_extract", a[0], 1)
			paths := make([]func(int) (jsonPath, error), len(a)-1)
			for k := range paths {
				paths[k] = jsonPaths("json_extract", a[k+1])
			}
			var buf []byte
			var matches []jsonVal
			return jsonStringKernel(kc, a, func(i int) (string, bool, error) {
				v, err := doc(i)
				if err != nil {
					return "", false, err
				}
				matches = matches[:0]
				wrap := len(paths) > 1
				for _, pf := range paths {
					p, err := pf(i)
					if err != nil {
						return "", false, err
					}
					wrap = wrap || p.wildcard
					if matches, err = p.eval(v, matches); err != nil {
						return "", false, err
					}
				}
				if len(matches) == 0 {
					return "", false, nil
				}
				if wrap {
					buf = appendJSON(buf[:0], jsonVal{kind: jArray, arr: matches})
				} else {
					buf = appendJSON(buf[:0], matches[0])
				}
				return string(buf), true, nil
			})
		}}
	// JSON_UNQUOTE(s): the unescaped contents of a JSON string literal; any
	// other text is returned as is.
	unquote := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: textArgs(str),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s := stringReader(a[0])
			return jsonStringKernel(kc, a, func(i int) (string, bool, error) {
				t := s(i)
				if len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' {
					p := &jsonParser{s: t}
					v, err := p.str()
					if err != nil || p.pos != len(t) {
						if err == nil {
							err = &jsonSyntaxError{p.pos, "The document root must not be followed by other values"}
						}
						return "", false, errJSONText("json_unquote", 1, err)
					}
					return v, true, nil
				}
				return t, true, nil
			})
		}}
	quote := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: textArgs(str),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s := stringReader(a[0])
			var buf []byte
			return rowWiseString(kc, a, func(i int) (string, bool) {
				buf = appendJSONString(buf[:0], s(i))
				return string(buf), true
			}), nil
		}}
	// JSON_OBJECT(key, value, ...) and JSON_ARRAY(value, ...) never return
	// NULL: SQL NULL values become JSON null.
	object := ScalarFunc{MinArgs: 0, MaxArgs: -1,
		Bind: func(args []Expr) ([]arrow.DataType, arrow.DataType, error) {
			if len(args)%2 != 0 {
				return nil, nil, invalidf("incorrect parameter count in the call to native function 'json_object': it takes key, value pairs")
			}
			out := jsonValueArgs(args)
			for k := 0; k < len(args); k += 2 {
				out[k] = nil
				if classOf(args[k].Type()) != clsString {
					out[k] = str
				}
			}
			return out, str, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			keys := make([]func(int) string, len(a)/2)
			vals := make([]func(int) (jsonVal, error), len(a)/2)
			for k := range keys {
				keys[k] = stringReader(a[2*k])
				vals[k] = jsonReader("json_object", a[2*k+1], 2*k+2)
			}
			var buf []byte
			return jsonStringKernel(kc, nil, func(i int) (string, bool, error) {
				obj := jsonVal{kind: jObject}
				for k := range keys {
					if !validAt(a[2*k], i) {
						return "", false, invalidf("json_object: JSON documents may not contain NULL member names (argument %d)", 2*k+1)
					}
					v, err := vals[k](i)
					if err != nil {
						return "", false, err
					}
					obj.setMember(keys[k](i), v)
				}
				buf = appendJSON(buf[:0], obj)
				return string(buf), true, nil
			})
		}}
	arrayFn := ScalarFunc{MinArgs: 0, MaxArgs: -1,
		Bind: func(args []Expr) ([]arrow.DataType, arrow.DataType, error) {
			return jsonValueArgs(args), str, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			vals := make([]func(int) (jsonVal, error), len(a))
			for k := range a {
				vals[k] = jsonReader("json_array", a[k], k+1)
			}
			var buf []byte
			elems := make([]jsonVal, len(a))
			return jsonStringKernel(kc, nil, func(i int) (string, bool, error) {
				for k := range vals {
					v, err := vals[k](i)
					if err != nil {
						return "", false, err
					}
					elems[k] = v
				}
				buf = appendJSON(buf[:0], jsonVal{kind: jArray, arr: elems})
				return string(buf), true, nil
			})
		}}
	valid := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: textArgs(i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s := stringReader(a[0])
			return rowWiseInt64(kc, a, func(i int) (int64, bool) {
				if _, err := parseJSON(s(i)); err != nil {
					return 0, true
				}
				return 1, true
			}), nil
		}}
	typeFn := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: textArgs(str),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			doc := jsonDocs("json_type", a[0], 1)
			return jsonStringKernel(kc, a, func(i int) (string, bool, error) {
				v, err := doc(i)
				if err != nil {
					return "", false, err
				}
				return v.typeName(), true, nil
			})
		}}
	// at resolves the optional path argument k: the single value it
	// selects (ok=false: none). Wildcards are an error, as in MySQL.
	at := func(fn string, a []arrow.Array, k int) func(i int, v jsonVal) (jsonVal, bool, error) {
		if k >= len(a) {
			return func(_ int, v jsonVal) (jsonVal, bool, error) { return v, true, nil }
		}
		paths := jsonPaths(fn, a[k])
		var buf []jsonVal
		return func(i int, v jsonVal) (jsonVal, bool, error) {
			p, err := paths(i)
			if err != nil {
				return v, false, err
			}
			if p.wildcard {
				return v, false, invalidf("%s: the path expression may not contain the * or ** wildcards or ranges", fn)
			}
			if buf, err = p.eval(v, buf[:0]); err != nil {
				return v, false, err
			}
			if len(buf) == 0 {
				return v, false, nil
			}
			return buf[0], true, nil
		}
	}
	length := ScalarFunc{MinArgs: 1, MaxArgs: 2, Resolve: textArgs(i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			doc, path := jsonDocs("json_length", a[0], 1), at("json_length", a, 1)
			return jsonInt64Kernel(kc, a, func(i int) (int64, bool, error) {
				v, err := doc(i)
				if err != nil {
					return 0, false, err
				}
				v, ok, err := path(i, v)
				if err != nil || !ok {
					return 0, false, err
				}
				switch v.kind {
				case jArray:
					return int64(len(v.arr)), true, nil
				case jObject:
					return int64(len(v.keys)), true, nil
				}
				return 1, true, nil
			})
		}}
	keysFn := ScalarFunc{MinArgs: 1, MaxArgs: 2, Resolve: textArgs(str),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			doc, path := jsonDocs("json_keys", a[0], 1), at("json_keys", a, 1)
			var buf []byte
			return jsonStringKernel(kc, a, func(i int) (string, bool, error) {
				v, err := doc(i)
				if err != nil {
					return "", false, err
				}
				v, ok, err := path(i, v)
				if err != nil || !ok || v.kind != jObject {
					return "", false, err
				}
				ks := jsonVal{kind: jArray, arr: make([]jsonVal, len(v.keys))}
				for k, key := range v.keys {
					ks.arr[k] = jsonVal{kind: jString, s: key}
				}
				buf = appendJSON(buf[:0], ks)
				return string(buf), true, nil
			})
		}}
	contains := ScalarFunc{MinArgs: 2, MaxArgs: 3, Resolve: textArgs(i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			target, cand := jsonDocs("json_contains", a[0], 1), jsonDocs("json_contains", a[1], 2)
			path := at("json_contains", a, 2)
			return jsonInt64Kernel(kc, a, func(i int) (int64, bool, error) {
				t, err := target(i)
				if err != nil {
					return 0, false, err
				}
				c, err := cand(i)
				if err != nil {
					return 0, false, err
				}
				t, ok, err := path(i, t)
				if err != nil || !ok {
					return 0, false, err
				}
				if jsonContains(t, c) {
					return 1, true, nil
				}
				return 0, true, nil
			})
		}}
	return map[string]ScalarFunc{
		"json_extract": extract, "json_unquote": unquote, "json_quote": quote,
		"json_object": object, "json_array": arrayFn, "json_valid": valid, "json_type": typeFn,
		"json_length": length, "json_keys": keysFn, "json_contains": contains,
	}
}
