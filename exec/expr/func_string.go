package expr

import (
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// String functions (MySQL semantics): positions and lengths count
// characters (runes) except LENGTH/OCTET_LENGTH, which count bytes; NULL in
// any argument gives NULL unless noted (CONCAT_WS, FIELD, ELT).

func runeSlice(s string) []rune { return []rune(s) }

// foldRuneForSearch maps one rune to its case- and accent-insensitive form
// when that form is a single character (LOCATE/INSTR keep positions).
func foldRuneForSearch(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	if s, fr := foldRune(r); s != "" {
		if len(s) == 1 {
			return rune(s[0])
		}
		return r
	} else {
		return fr
	}
}

// locateRunes is LOCATE(sub, s, pos) under the collation: the 1-based
// character position of sub in s at or after pos, 0 when absent.
func locateRunes(sub, s string, pos int64) int64 {
	if pos < 1 {
		return 0
	}
	if isASCII(sub) && isASCII(s) {
		if pos-1 > int64(len(s)) {
			return 0
		}
		if i := indexFoldASCII(s[pos-1:], sub); i >= 0 {
			return int64(i) + pos
		}
		return 0
	}
	rs, rsub := runeSlice(s), runeSlice(sub)
	for i := range rs {
		rs[i] = foldRuneForSearch(rs[i])
	}
	for i := range rsub {
		rsub[i] = foldRuneForSearch(rsub[i])
	}
	for i := int(pos - 1); i+len(rsub) <= len(rs); i++ {
		match := true
		for j := range rsub {
			if rs[i+j] != rsub[j] {
				match = false
				break
			}
		}
		if match {
			return int64(i) + 1
		}
	}
	return 0
}

// locateBytes is LOCATE over binary strings: the 1-based byte position of
// sub in s at or after byte pos, 0 when absent.
func locateBytes(sub, s string, pos int64) int64 {
	if pos < 1 || pos-1 > int64(len(s)) {
		return 0
	}
	if i := strings.Index(s[pos-1:], sub); i >= 0 {
		return int64(i) + pos
	}
	return 0
}

func indexFoldASCII(s, sub string) int {
	lsub := strings.ToLower(sub)
	for i := 0; i+len(sub) <= len(s); i++ {
		if equalFoldASCII(s[i:i+len(sub)], lsub) {
			return i
		}
	}
	return -1
}

func leftRunes(s string, n int64) string {
	if n <= 0 {
		return ""
	}
	if isASCII(s) {
		if n >= int64(len(s)) {
			return s
		}
		return s[:n]
	}
	i := 0
	for k := int64(0); k < n && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

func rightRunes(s string, n int64) string {
	if n <= 0 {
		return ""
	}
	c := int64(utf8.RuneCountInString(s))
	if n >= c {
		return s
	}
	return substringRunes(s, c-n+1, n, true)
}

// padRunes is LPAD/RPAD: NULL (ok=false) for a negative length, or when
// padding is needed but pad is empty, or the result is too large.
func padRunes(s string, n int64, pad string, left bool) (string, bool) {
	if n < 0 || n > maxStringResult {
		return "", false
	}
	c := int64(utf8.RuneCountInString(s))
	if n <= c {
		return leftRunes(s, n), true
	}
	if pad == "" {
		return "", false
	}
	need := n - c
	pr := runeSlice(pad)
	var sb strings.Builder
	if !left {
		sb.WriteString(s)
	}
	for k := int64(0); k < need; k++ {
		sb.WriteRune(pr[k%int64(len(pr))])
	}
	if left {
		sb.WriteString(s)
	}
	return sb.String(), true
}

func reverseRunes(s string) string {
	if isASCII(s) {
		b := []byte(s)
		for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
			b[i], b[j] = b[j], b[i]
		}
		return string(b)
	}
	r := runeSlice(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// trimString is TRIM([BOTH|LEADING|TRAILING] [rem] FROM s): removes whole
// repeated occurrences of rem (case-sensitive, as in MySQL).
func trimString(s, rem, dir string) string {
	if rem == "" {
		return s
	}
	if dir != "TRAILING" {
		for strings.HasPrefix(s, rem) {
			s = s[len(rem):]
		}
	}
	if dir != "LEADING" {
		for strings.HasSuffix(s, rem) {
			s = s[:len(s)-len(rem)]
		}
	}
	return s
}

// substringIndex is SUBSTRING_INDEX(s, delim, count) (case-sensitive).
func substringIndex(s, delim string, count int64) string {
	if delim == "" || count == 0 {
		return ""
	}
	if count > 0 {
		idx := 0
		for k := int64(0); k < count; k++ {
			j := strings.Index(s[idx:], delim)
			if j < 0 {
				return s
			}
			if k == count-1 {
				return s[:idx+j]
			}
			idx += j + len(delim)
		}
		return s
	}
	end := len(s)
	for k := int64(0); k < -count; k++ {
		j := strings.LastIndex(s[:end], delim)
		if j < 0 {
			return s
		}
		if k == -count-1 {
			return s[j+len(delim):]
		}
		end = j
	}
	return s
}

// formatNumber is FORMAT(x, d) for the en_US locale: thousands separators,
// d decimals (0..30), rounded half away from zero.
func formatNumber(txt string, d int64) string {
	neg := strings.HasPrefix(txt, "-")
	txt = strings.TrimPrefix(txt, "-")
	intPart, frac, _ := strings.Cut(txt, ".")
	var sb strings.Builder
	if neg && strings.Trim(intPart+frac, "0") != "" {
		sb.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			sb.WriteByte(',')
		}
		sb.WriteRune(c)
	}
	if d > 0 {
		sb.WriteByte('.')
		sb.WriteString(frac)
	}
	return sb.String()
}

// hexOfInt is HEX(n) for numbers: the 64-bit two's complement in hex.
func hexOfInt(v int64) string { return strings.ToUpper(strconv.FormatUint(uint64(v), 16)) }

func stringBuiltins() map[string]ScalarFunc {
	str := TypeString
	i64 := TypeInt64
	concatWS := ScalarFunc{MinArgs: 2, MaxArgs: -1, Resolve: stringArgs(str),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			rs := make([]func(int) string, len(a))
			for k := range a {
				rs[k] = stringReader(a[k])
			}
			var sb strings.Builder
			return rowWiseString(kc, a[:1], func(i int) (string, bool) {
				sb.Reset()
				first := true
				for k := 1; k < len(a); k++ {
					if !validAt(a[k], i) {
						continue // CONCAT_WS skips NULL arguments
					}
					if !first {
						sb.WriteString(rs[0](i))
					}
					first = false
					sb.WriteString(rs[k](i))
				}
				return sb.String(), true
			}), nil
		}}
	leftRight := func(left bool) ScalarFunc {
		return ScalarFunc{MinArgs: 2, MaxArgs: 2, Resolve: resolveFixed(str, str, i64),
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				s, n := stringReader(a[0]), int64Vals(a[1])
				return rowWiseString(kc, a, func(i int) (string, bool) {
					if left {
						return leftRunes(s(i), n(i)), true
					}
					return rightRunes(s(i), n(i)), true
				}), nil
			}}
	}
	pad := func(left bool) ScalarFunc {
		return ScalarFunc{MinArgs: 3, MaxArgs: 3, Resolve: resolveFixed(str, str, i64, str),
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				s, n, p := stringReader(a[0]), int64Vals(a[1]), stringReader(a[2])
				return rowWiseString(kc, a, func(i int) (string, bool) { return padRunes(s(i), n(i), p(i), left) }), nil
			}}
	}
	repeat := ScalarFunc{MinArgs: 2, MaxArgs: 2, Resolve: resolveFixed(str, str, i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s, n := stringReader(a[0]), int64Vals(a[1])
			return rowWiseString(kc, a, func(i int) (string, bool) {
				c := n(i)
				if c <= 0 {
					return "", true
				}
				if c > maxStringResult || int64(len(s(i)))*c > maxStringResult {
					return "", false
				}
				return strings.Repeat(s(i), int(c)), true
			}), nil
		}}
	space := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: resolveFixed(str, i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			n := int64Vals(a[0])
			return rowWiseString(kc, a, func(i int) (string, bool) {
				c := n(i)
				if c <= 0 {
					return "", true
				}
				if c > maxStringResult {
					return "", false
				}
				return strings.Repeat(" ", int(c)), true
			}), nil
		}}
	reverse := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: stringArgs(str),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			return mapStrings(kc, a[0], reverseRunes), nil
		}}
	// LOCATE(sub, s[, pos]); INSTR(s, sub) and POSITION(sub IN s) reorder.
	locate := func(swap bool) ScalarFunc {
		maxArgs := 3
		if swap {
			maxArgs = 2
		}
		// A binary-string operand (BINARY 'x', X'..', CAST(.. AS BINARY))
		// makes the search bytewise and case-sensitive, positions in
		// bytes, as in MySQL: INSTR('hello', BINARY 'HE') is 0.
		return ScalarFunc{MinArgs: 2, MaxArgs: maxArgs,
			Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
				t := str
				if classOf(args[0]) == clsBinary || classOf(args[1]) == clsBinary {
					t = TypeBinary
				}
				return resolveFixed(i64, t, t, i64)(args)
			},
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				sub, s := stringReader(a[0]), stringReader(a[1])
				if swap {
					sub, s = s, sub
				}
				var pos func(int) int64
				if len(a) == 3 {
					pos = int64Vals(a[2])
				}
				search := locateRunes
				if a[0].DataType().ID() == arrow.BINARY {
					search = locateBytes
				}
				return rowWiseInt64(kc, a, func(i int) (int64, bool) {
					p := int64(1)
					if pos != nil {
						p = pos(i)
					}
					return search(sub(i), s(i), p), true
				}), nil
			}}
	}
	trim := ScalarFunc{MinArgs: 1, MaxArgs: 3, Resolve: stringArgs(str),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s := stringReader(a[0])
			rem, dir := func(int) string { return " " }, func(int) string { return "BOTH" }
			if len(a) >= 2 {
				rem = stringReader(a[1])
			}
			if len(a) == 3 {
				dir = stringReader(a[2])
			}
			return rowWiseString(kc, a, func(i int) (string, bool) {
				return trimString(s(i), rem(i), strings.ToUpper(dir(i))), true
			}), nil
		}}
	ascii := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: stringArgs(i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			return stringsToInt64(kc, a[0], func(s string) int64 {
				if s == "" {
					return 0
				}
				return int64(s[0])
			}), nil
		}}
	ord := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: stringArgs(i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			return stringsToInt64(kc, a[0], func(s string) int64 {
				if s == "" {
					return 0
				}
				_, size := utf8.DecodeRuneInString(s)
				var v int64
				for k := 0; k < size; k++ {
					v = v<<8 | int64(s[k])
				}
				return v
			}), nil
		}}
	strcmp := ScalarFunc{MinArgs: 2, MaxArgs: 2,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			// Binary operands compare bytewise, others under the collation.
			if classOf(args[0]) == clsBinary || classOf(args[1]) == clsBinary {
				return []arrow.DataType{TypeBinary, TypeBinary}, i64, nil
			}
			return []arrow.DataType{str, str}, i64, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			l, r := stringReader(a[0]), stringReader(a[1])
			collated := IsCollatedString(a[0].DataType())
			return rowWiseInt64(kc, a, func(i int) (int64, bool) {
				if collated {
					return int64(CompareCollated(l(i), r(i))), true
				}
				return int64(strings.Compare(l(i), r(i))), true
			}), nil
		}}
	// FIELD(x, a, b, ...): 1-based index of the first item equal to x, 0
	// when none (or x is NULL); compared as strings when all are strings,
	// else as numbers (DOUBLE).
	field := ScalarFunc{MinArgs: 2, MaxArgs: -1, AcceptsConstants: false,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			allStr := true
			for _, t := range args {
				if c := classOf(t); c != clsString && c != clsBinary && c != clsNull {
					allStr = false
				}
			}
			if allStr {
				return fixed(args, str), i64, nil
			}
			return fixed(args, TypeFloat64), i64, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			isStr := a[0].DataType().ID() == arrow.STRING
			b := array.NewInt64Builder(kc.Mem)
			defer b.Release()
			b.Reserve(kc.N)
			var sr []func(int) string
			var fr []func(int) float64
			for _, x := range a {
				if isStr {
					sr = append(sr, stringReader(x))
				} else if x.DataType().ID() == arrow.FLOAT64 {
					v := fixedVals[float64](x)
					fr = append(fr, func(i int) float64 { return v[i] })
				} else {
					fr = append(fr, float64Reader(x))
				}
			}
			for i := 0; i < kc.N; i++ {
				res := int64(0)
				if validAt(a[0], i) {
					for k := 1; k < len(a); k++ {
						if !validAt(a[k], i) {
							continue
						}
						if (isStr && EqualCollated(sr[0](i), sr[k](i))) || (!isStr && fr[0](i) == fr[k](i)) {
							res = int64(k)
							break
						}
					}
				}
				b.UnsafeAppend(res)
			}
			return b.NewArray(), nil
		}}
	elt := ScalarFunc{MinArgs: 2, MaxArgs: -1, Resolve: resolveFixed(str, i64, str),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			n := int64Vals(a[0])
			rs := make([]func(int) string, len(a))
			for k := 1; k < len(a); k++ {
				rs[k] = stringReader(a[k])
			}
			return rowWiseString(kc, a[:1], func(i int) (string, bool) {
				k := n(i)
				if k < 1 || k >= int64(len(a)) || !validAt(a[k], i) {
					return "", false
				}
				return rs[k](i), true
			}), nil
		}}
	hexFn := ScalarFunc{MinArgs: 1, MaxArgs: 1,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			switch c := classOf(args[0]); {
			case c == clsString || c == clsBinary || c == clsNull:
				return []arrow.DataType{nil}, str, nil
			case isNumericClass(c):
				return []arrow.DataType{nil}, str, nil
			}
			return []arrow.DataType{str}, str, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			x := a[0]
			switch classOf(x.DataType()) {
			case clsString, clsBinary:
				s := stringReader(x)
				return rowWiseString(kc, a, func(i int) (string, bool) {
					return strings.ToUpper(hex.EncodeToString([]byte(s(i)))), true
				}), nil
			case clsUint:
				r := uint64Reader(x)
				return rowWiseString(kc, a, func(i int) (string, bool) {
					v, _ := r(i)
					return strings.ToUpper(strconv.FormatUint(v, 16)), true
				}), nil
			case clsFloat, clsDecimal:
				f := float64Reader(x)
				return rowWiseString(kc, a, func(i int) (string, bool) {
					v := math.Round(f(i))
					if v >= 1.8446744073709551615e19 {
						return "FFFFFFFFFFFFFFFF", true
					}
					if v < 0 {
						if v < -9.223372036854775808e18 {
							return "8000000000000000", true
						}
						return hexOfInt(int64(v)), true
					}
					return strings.ToUpper(strconv.FormatUint(uint64(v), 16)), true
				}), nil
			}
			r := int64Reader(x)
			return rowWiseString(kc, a, func(i int) (string, bool) { v, _ := r(i); return hexOfInt(v), true }), nil
		}}
	unhex := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: stringArgs(TypeBinary),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s := stringReader(a[0])
			b := array.NewBinaryBuilder(kc.Mem, arrow.BinaryTypes.Binary)
			defer b.Release()
			for i := 0; i < kc.N; i++ {
				if !validAt(a[0], i) {
					b.AppendNull()
					continue
				}
				t := s(i)
				if len(t)%2 == 1 {
					t = "0" + t
				}
				v, err := hex.DecodeString(t)
				if err != nil {
					b.AppendNull()
					continue
				}
				b.Append(v)
			}
			return b.NewArray(), nil
		}}
	// FORMAT(x, d): x is rounded as a DECIMAL with d digits (half away
	// from zero), then grouped by thousands.
	format := ScalarFunc{MinArgs: 2, MaxArgs: 3,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			out := []arrow.DataType{nil, i64}
			if c := classOf(args[0]); !isNumericClass(c) || c == clsBool {
				out[0] = TypeFloat64
			}
			if len(args) == 3 {
				out = append(out, str) // locale: only en_US-style output
			}
			return out, str, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			x, d := a[0], int64Vals(a[1])
			var text func(i int, digits int32) string
			switch classOf(x.DataType()) {
			case clsDecimal:
				v := fixedVals[decimal128.Num](x)
				_, sc := decimalOf(x.DataType())
				text = func(i int, digits int32) string {
					return rescale256(to256(v[i]), sc, digits).ToString(digits)
				}
			case clsInt, clsUint:
				r := formatReader(x)
				text = func(i int, digits int32) string {
					s := r(i)
					if digits > 0 {
						s += "." + strings.Repeat("0", int(digits))
					}
					return s
				}
			default:
				f := float64Reader(x)
				text = func(i int, digits int32) string {
					v := f(i)
					if math.IsNaN(v) || math.IsInf(v, 0) {
						return formatFloat(v)
					}
					// Round half away from zero on the decimal text.
					s := strconv.FormatFloat(v, 'f', -1, 64)
					if dv, ok := parseDecimalText(s, digits); ok {
						return dv.ToString(digits)
					}
					return strconv.FormatFloat(v, 'f', int(digits), 64)
				}
			}
			return rowWiseString(kc, a[:2], func(i int) (string, bool) {
				digits := d(i)
				if digits < 0 {
					digits = 0
				}
				if digits > 30 {
					digits = 30
				}
				return formatNumber(text(i, int32(digits)), digits), true
			}), nil
		}}
	substringIndexFn := ScalarFunc{MinArgs: 3, MaxArgs: 3, Resolve: resolveFixed(str, str, str, i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s, d, c := stringReader(a[0]), stringReader(a[1]), int64Vals(a[2])
			return rowWiseString(kc, a, func(i int) (string, bool) { return substringIndex(s(i), d(i), c(i)), true }), nil
		}}
	insert := ScalarFunc{MinArgs: 4, MaxArgs: 4, Resolve: resolveFixed(str, str, i64, i64, str),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s, p, l, ns := stringReader(a[0]), int64Vals(a[1]), int64Vals(a[2]), stringReader(a[3])
			return rowWiseString(kc, a, func(i int) (string, bool) {
				rs := runeSlice(s(i))
				pos, ln := p(i), l(i)
				if pos < 1 || pos > int64(len(rs))+1 { // pos len+1 appends, as in MySQL
					return s(i), true
				}
				end := int64(len(rs))
				if ln >= 0 && pos-1+ln < end {
					end = pos - 1 + ln
				}
				return string(rs[:pos-1]) + ns(i) + string(rs[end:]), true
			}), nil
		}}
	crc := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: stringArgs(i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			return stringsToInt64(kc, a[0], func(s string) int64 { return int64(crc32.ChecksumIEEE([]byte(s))) }), nil
		}}
	// QUOTE(NULL) is the word NULL, not a NULL (MySQL).
	quote := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: stringArgs(str),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\x00", `\0`, "\x1a", `\Z`)
			s := stringReader(a[0])
			b := array.NewStringBuilder(kc.Mem)
			defer b.Release()
			b.Reserve(a[0].Len())
			for i := 0; i < a[0].Len(); i++ {
				if validAt(a[0], i) {
					b.Append("'" + r.Replace(s(i)) + "'")
				} else {
					b.Append("NULL")
				}
			}
			return b.NewArray(), nil
		}}
	bitLength := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: stringArgs(i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			return stringsToInt64(kc, a[0], func(s string) int64 { return 8 * int64(len(s)) }), nil
		}}
	initcapLike := func(f func(string) string) ScalarFunc {
		return ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: stringArgs(str),
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				return mapStrings(kc, a[0], f), nil
			}}
	}
	_ = unicode.IsSpace
	return map[string]ScalarFunc{
		"concat_ws": concatWS, "left": leftRight(true), "right": leftRight(false),
		"lpad": pad(true), "rpad": pad(false), "repeat": repeat, "space": space, "reverse": reverse,
		"locate": locate(false), "instr": locate(true), "position": locate(false),
		"trim": trim, "ascii": ascii, "ord": ord, "strcmp": strcmp, "field": field, "elt": elt,
		"hex": hexFn, "unhex": unhex, "format": format, "substring_index": substringIndexFn,
		"insert": insert, "insert_func": insert, "crc32": crc, "quote": quote, "bit_length": bitLength,
		"mid":   builtins()["substring"],
		"ltrim": initcapLike(func(s string) string { return strings.TrimLeft(s, " ") }),
		"rtrim": initcapLike(func(s string) string { return strings.TrimRight(s, " ") }),
	}
}

var _ = fmt.Sprintf
