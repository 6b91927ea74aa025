package expr

import (
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// More string and bit functions (MySQL 8 semantics): CONV, BIN, OCT,
// CHAR(n, ... [USING charset]), FIND_IN_SET, MAKE_SET, EXPORT_SET, SOUNDEX,
// BIT_COUNT, INET_ATON and INET_NTOA.

// convDigits parses the longest prefix of s that is a number in base
// (2..36), as MySQL's CONV does (leading spaces and one sign allowed);
// overflow saturates at 2^64-1 (unsigned) or at the int64 bounds (signed).
func convDigits(s string, base int, signed bool) uint64 {
	s = strings.TrimLeft(s, " \t\n\r")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var v uint64
	overflow := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d int
		switch {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case c >= 'a' && c <= 'z':
			d = int(c-'a') + 10
		case c >= 'A' && c <= 'Z':
			d = int(c-'A') + 10
		default:
			d = 99
		}
		if d >= base {
			break
		}
		hi, lo := bits.Mul64(v, uint64(base))
		lo, carry := bits.Add64(lo, uint64(d), 0)
		if hi != 0 || carry != 0 {
			overflow = true
		}
		v = lo
	}
	if signed {
		switch {
		case overflow || (!neg && v > 1<<63-1):
			if neg {
				return 1 << 63
			}
			return 1<<63 - 1
		case neg && v > 1<<63:
			return 1 << 63
		case neg:
			return uint64(-int64(v))
		}
		return v
	}
	if overflow {
		return ^uint64(0)
	}
	if neg {
		return uint64(-int64(v))
	}
	return v
}

// convFormat renders v in base |to| (2..36), upper-case digits; a negative
// to reads v as signed.
func convFormat(v uint64, to int) string {
	if to < 0 && int64(v) < 0 {
		return "-" + strings.ToUpper(strconv.FormatUint(uint64(-int64(v)), -to))
	}
	if to < 0 {
		to = -to
	}
	return strings.ToUpper(strconv.FormatUint(v, to))
}

// soundexCodes maps A..Z to MySQL's soundex digits ('0' = not coded).
const soundexCodes = "01230120022455012623010202"

// soundex is MySQL's SOUNDEX: the first letter, then the codes of the
// following letters with repeats of the last kept code removed (vowels,
// H, W and Y are dropped and do not separate repeats), at least four
// characters long (not truncated).
// Non-letters are skipped.
func soundex(s string) string {
	var out []byte
	var last byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c < 'A' || c > 'Z' {
			continue
		}
		code := soundexCodes[c-'A']
		if out == nil {
			out = append(out, c)
			last = code
			continue
		}
		// As MySQL: a letter's code is kept unless uncoded or equal to
		// the last kept code (uncoded letters do not separate repeats:
		// SOUNDEX('hello all folks') is H4142).
		if code != '0' && code != last {
			out = append(out, code)
			last = code
		}
	}
	if out == nil {
		return ""
	}
	for len(out) < 4 {
		out = append(out, '0')
	}
	return string(out)
}

// inetAton is MySQL's INET_ATON: dotted quads, with short forms
// ('127.1' = 127.0.0.1); ok=false for anything else.
func inetAton(s string) (int64, bool) {
	var result, b int64
	dots := 0
	c := byte('.')
	for i := 0; i < len(s); i++ {
		c = s[i]
		switch {
		case c >= '0' && c <= '9':
			if b = b*10 + int64(c-'0'); b > 255 {
				return 0, false
			}
		case c == '.':
			dots++
			if dots > 3 {
				return 0, false
			}
			result = result<<8 + b
			b = 0
		default:
			return 0, false
		}
	}
	if c == '.' {
		return 0, false
	}
	switch dots {
	case 1:
		result <<= 16
	case 2:
		result <<= 8
	}
	return result<<8 + b, true
}

// charBytes appends MySQL's CHAR(n) bytes of v: big-endian, without
// leading zero bytes (CHAR(0) is one zero byte... MySQL gives "\x00").
func charBytes(dst []byte, v uint32) []byte {
	switch {
	case v > 0xffffff:
		return append(dst, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	case v > 0xffff:
		return append(dst, byte(v>>16), byte(v>>8), byte(v))
	case v > 0xff:
		return append(dst, byte(v>>8), byte(v))
	}
	return append(dst, byte(v))
}

func strMoreBuiltins() map[string]ScalarFunc {
	str, i64 := TypeString, TypeInt64
	// CONV(N, from_base, to_base): NULL when a base is outside 2..36 (in
	// absolute value); a negative from_base reads N as signed.
	conv := ScalarFunc{MinArgs: 3, MaxArgs: 3,
		// N is read as text in from_base (MySQL reads numbers through
		// their decimal text too: CONV(1.5, 10, 2) is '1').
		Resolve: resolveFixed(str, str, i64, i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			from, to := int64Vals(a[1]), int64Vals(a[2])
			var num func(i int, base int, signed bool) uint64
			switch a[0].DataType().ID() {
			case arrow.INT64:
				v := fixedVals[int64](a[0])
				num = func(i int, _ int, _ bool) uint64 { return uint64(v[i]) }
			case arrow.UINT64:
				v := fixedVals[uint64](a[0])
				num = func(i int, _ int, _ bool) uint64 { return v[i] }
			default:
				s := stringReader(a[0])
				num = func(i int, base int, signed bool) uint64 { return convDigits(s(i), base, signed) }
			}
			return rowWiseString(kc, a, func(i int) (string, bool) {
				f, t := from(i), to(i)
				if f < 0 {
					f = -f
				}
				if f < 2 || f > 36 || t < -36 || t > 36 || (t > -2 && t < 2) {
					return "", false
				}
				return convFormat(num(i, int(f), from(i) < 0), int(t)), true
			}), nil
		}}
	radix := func(base int) ScalarFunc {
		return ScalarFunc{MinArgs: 1, MaxArgs: 1,
			Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
				if classOf(args[0]) == clsUint {
					return []arrow.DataType{TypeUint64}, str, nil
				}
				return []arrow.DataType{i64}, str, nil
			},
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				if a[0].DataType().ID() == arrow.UINT64 {
					v := fixedVals[uint64](a[0])
					return rowWiseString(kc, a, func(i int) (string, bool) { return strings.ToUpper(strconv.FormatUint(v[i], base)), true }), nil
				}
				v := int64Vals(a[0])
				return rowWiseString(kc, a, func(i int) (string, bool) {
					return strings.ToUpper(strconv.FormatUint(uint64(v(i)), base)), true
				}), nil
			}}
	}
	// CHAR(N, ... [USING charset]): the parser passes the charset name (or
	// NULL) as the last argument. NULL codes are skipped. Without USING
	// the result is VARBINARY; with a character set it is VARCHAR and NULL
	// when the bytes are not valid UTF-8.
	charFn := ScalarFunc{MinArgs: 1, MaxArgs: -1,
		Bind: func(args []Expr) ([]arrow.DataType, arrow.DataType, error) {
			out := make([]arrow.DataType, len(args))
			for i := range out {
				out[i] = i64
			}
			res := TypeBinary
			last := args[len(args)-1]
			out[len(out)-1] = nil
			if cs, ok := constString(last); ok {
				switch strings.ToLower(cs) {
				case "binary":
				case "utf8", "utf8mb4", "utf8mb3", "ascii", "latin1":
					res = str
				default:
					return nil, nil, notImplementedf("CHAR(... USING %s): only utf8mb4, utf8, ascii, latin1 and binary are supported", cs)
				}
			} else if l, ok := last.(*Literal); !ok || l.Value != nil {
				return nil, nil, invalidf("CHAR(...): the last argument must be the character set (the parser's USING clause)")
			}
			return out, res, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			codes := a[:len(a)-1]
			vals := make([]func(int) int64, len(codes))
			for k := range codes {
				vals[k] = int64Vals(codes[k])
			}
			asText := kc.Result != nil && kc.Result.ID() == arrow.STRING
			// row returns row i's bytes (NULL codes skipped), valid until
			// the next call.
			var buf []byte
			row := func(i int) []byte {
				buf = buf[:0]
				for k := range codes {
					if validAt(codes[k], i) {
						buf = charBytes(buf, uint32(vals[k](i)))
					}
				}
				return buf
			}
			if asText {
				b := array.NewStringBuilder(kc.Mem)
				defer b.Release()
				b.Reserve(kc.N)
				for i := 0; i < kc.N; i++ {
					if r := row(i); utf8.Valid(r) {
						b.BinaryBuilder.Append(r)
					} else {
						b.AppendNull()
					}
				}
				return b.NewArray(), nil
			}
			b := array.NewBinaryBuilder(kc.Mem, arrow.BinaryTypes.Binary)
			defer b.Release()
			b.Reserve(kc.N)
			for i := 0; i < kc.N; i++ {
				b.Append(row(i))
			}
			return b.NewArray(), nil
		}}
	// FIND_IN_SET(str, list): the 1-based position of str among the
	// comma-separated items of list (compared under the collation), 0 when
	// absent or when str contains a comma.
	findInSet := ScalarFunc{MinArgs: 2, MaxArgs: 2, Resolve: stringArgs(i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s, l := stringReader(a[0]), stringReader(a[1])
			return rowWiseInt64(kc, a, func(i int) (int64, bool) {
				needle, list := s(i), l(i)
				if strings.IndexByte(needle, ',') >= 0 || list == "" {
					return 0, true
				}
				k := int64(1)
				for {
					item, rest, more := strings.Cut(list, ",")
					if EqualCollated(item, needle) {
						return k, true
					}
					if !more {
						return 0, true
					}
					list = rest
					k++
				}
			}), nil
		}}
	// MAKE_SET(bits, str1, str2, ...): the strings whose bit is set in bits,
	// comma-separated; NULL strings are skipped.
	makeSet := ScalarFunc{MinArgs: 2, MaxArgs: -1,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			out := fixed(args, str)
			out[0] = TypeUint64
			if c := classOf(args[0]); c == clsInt || c == clsBool {
				out[0] = i64
			}
			return out, str, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			bitsOf := uint64Vals(a[0])
			rs := make([]func(int) string, len(a))
			for k := 1; k < len(a); k++ {
				rs[k] = stringReader(a[k])
			}
			var sb strings.Builder
			return rowWiseString(kc, a[:1], func(i int) (string, bool) {
				sb.Reset()
				v := bitsOf(i)
				first := true
				for k := 1; k < len(a) && k <= 64; k++ {
					if v&(1<<(k-1)) == 0 || !validAt(a[k], i) {
						continue
					}
					if !first {
						sb.WriteByte(',')
					}
					first = false
					sb.WriteString(rs[k](i))
				}
				return sb.String(), true
			}), nil
		}}
	// EXPORT_SET(bits, on, off[, separator[, number_of_bits]]): separator
	// defaults to ',' and number_of_bits to 64 (values above 64, or
	// negative ones, mean 64).
	exportSet := ScalarFunc{MinArgs: 3, MaxArgs: 5,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			out := fixed(args, str)
			out[0] = TypeUint64
			if c := classOf(args[0]); c == clsInt || c == clsBool {
				out[0] = i64
			}
			if len(args) == 5 {
				out[4] = i64
			}
			return out, str, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			bitsOf := uint64Vals(a[0])
			on, off := stringReader(a[1]), stringReader(a[2])
			sep := func(int) string { return "," }
			if len(a) >= 4 {
				sep = stringReader(a[3])
			}
			nb := func(int) int64 { return 64 }
			if len(a) == 5 {
				nb = int64Vals(a[4])
			}
			var sb strings.Builder
			return rowWiseString(kc, a, func(i int) (string, bool) {
				sb.Reset()
				n := nb(i)
				if n < 0 || n > 64 {
					n = 64
				}
				v := bitsOf(i)
				for k := int64(0); k < n; k++ {
					if k > 0 {
						sb.WriteString(sep(i))
					}
					if v&(1<<k) != 0 {
						sb.WriteString(on(i))
					} else {
						sb.WriteString(off(i))
					}
					if sb.Len() > maxStringResult {
						return "", false
					}
				}
				return sb.String(), true
			}), nil
		}}
	soundexFn := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: stringArgs(str),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			return mapStrings(kc, a[0], soundex), nil
		}}
	// BIT_COUNT(N): set bits of N as a 64-bit integer.
	bitCount := ScalarFunc{MinArgs: 1, MaxArgs: 1,
		// A VARBINARY argument (b'101', X'FF', CAST(... AS BINARY)) counts
		// the bits of its bytes, as MySQL 8 does for binary strings.
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			switch classOf(args[0]) {
			case clsUint:
				return []arrow.DataType{TypeUint64}, i64, nil
			case clsBinary:
				return []arrow.DataType{nil}, i64, nil
			}
			return []arrow.DataType{i64}, i64, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			if classOf(a[0].DataType()) == clsBinary {
				return stringsToInt64(kc, a[0], func(s string) int64 {
					c := 0
					for k := 0; k < len(s); k++ {
						c += bits.OnesCount8(s[k])
					}
					return int64(c)
				}), nil
			}
			v := uint64Vals(a[0])
			return rowWiseInt64(kc, a, func(i int) (int64, bool) { return int64(bits.OnesCount64(v(i))), true }), nil
		}}
	inetAtonFn := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: stringArgs(i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s := stringReader(a[0])
			return rowWiseInt64(kc, a, func(i int) (int64, bool) { return inetAton(s(i)) }), nil
		}}
	inetNtoa := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: resolveFixed(str, i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			v := int64Vals(a[0])
			return rowWiseString(kc, a, func(i int) (string, bool) {
				x := v(i)
				if x < 0 || x > 0xffffffff {
					return "", false
				}
				return strconv.Itoa(int(x>>24)) + "." + strconv.Itoa(int(x>>16&0xff)) + "." +
					strconv.Itoa(int(x>>8&0xff)) + "." + strconv.Itoa(int(x&0xff)), true
			}), nil
		}}
	return map[string]ScalarFunc{
		"conv": conv, "bin": radix(2), "oct": radix(8), "char_func": charFn,
		"find_in_set": findInSet, "make_set": makeSet, "export_set": exportSet,
		"soundex": soundexFn, "bit_count": bitCount,
		"inet_aton": inetAtonFn, "inet_ntoa": inetNtoa,
	}
}

// uint64Vals reads an INT64 or UINT64 argument as 64 raw bits.
func uint64Vals(a arrow.Array) func(i int) uint64 {
	switch a.DataType().ID() {
	case arrow.UINT64:
		v := fixedVals[uint64](a)
		return func(i int) uint64 { return v[i] }
	case arrow.INT64:
		v := fixedVals[int64](a)
		return func(i int) uint64 { return uint64(v[i]) }
	}
	r := int64Vals(a)
	return func(i int) uint64 { return uint64(r(i)) }
}
