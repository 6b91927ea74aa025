package expr

import (
	"math"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
)

// String collation.
//
// Quiver compares character strings (VARCHAR: Arrow STRING / LARGE_STRING)
// the way MySQL 8's default collation utf8mb4_0900_ai_ci does, at the
// precision that matters for queries:
//
//   - case-insensitive: 'a' = 'A';
//   - accent-insensitive for Latin letters: 'é' = 'e', 'ß' = 'ss', 'Æ' = 'ae';
//   - NO PAD: trailing spaces are significant ('a' != 'a ');
//   - order follows the Unicode Collation Algorithm's primary weights for
//     ASCII: whitespace < punctuation < digits < letters, so
//     'apple' < 'Banana' < 'cherry' and '_x' < '1' < 'a';
//   - other scripts compare by their simple case-folded code points, after
//     every Latin character (UCA also puts Latin first).
//
// Binary strings (VARBINARY: Arrow BINARY) compare bytewise, as MySQL's
// binary collation does; CAST(x AS BINARY) selects it.
//
// Everything that compares, hashes or orders strings must agree on this
// rule: =, <, IN, LIKE, NULLIF, GREATEST... (this package), and GROUP BY,
// DISTINCT, ORDER BY, joins and MIN/MAX (operators), which use CollationKey /
// CollationKeys: two strings are equal under the collation exactly when
// their keys are byte-equal, and keys sort in collation order.

// asciiWeight is the primary weight of each ASCII byte (0 = ignorable).
var asciiWeight = func() [128]byte {
	var w [128]byte
	next := byte(1)
	add := func(cs string) {
		for i := 0; i < len(cs); i++ {
			w[cs[i]] = next
			next++
		}
	}
	// UCA (DUCET) primary order of the ASCII repertoire.
	add("\t\n\v\f\r ")
	add("_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$")
	add("0123456789")
	for c := byte('a'); c <= 'z'; c++ {
		w[c] = next
		w[c-'a'+'A'] = next
		next++
	}
	return w
}()

// latinFold maps U+00C0..U+017F to their base letters (lower case), for
// accent-insensitive comparison. Empty entries are kept as they are.
var latinFold = func() map[rune]string {
	m := map[rune]string{}
	set := func(from rune, to ...string) {
		for i, s := range to {
			m[from+rune(i)] = s
		}
	}
	rep := func(n int, s string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = s
		}
		return out
	}
	// Latin-1 supplement, upper then lower halves share a layout.
	for _, base := range []rune{0xC0, 0xE0} {
		set(base, rep(6, "a")...)
		set(base+6, "ae", "c")
		set(base+8, rep(4, "e")...)
		set(base+12, rep(4, "i")...)
		set(base+16, "d", "n")
		set(base+18, rep(5, "o")...)
		set(base+24, "o")
		set(base+25, rep(4, "u")...)
		set(base+29, "y")
	}
	m[0xDF] = "ss"
	m[0xFF] = "y"
	// Latin Extended-A.
	set(0x100, rep(6, "a")...)
	set(0x106, rep(8, "c")...)
	set(0x10E, rep(4, "d")...)
	set(0x112, rep(10, "e")...)
	set(0x11C, rep(8, "g")...)
	set(0x124, rep(4, "h")...)
	set(0x128, rep(10, "i")...)
	set(0x132, "ij", "ij")
	set(0x134, "j", "j")
	set(0x136, rep(3, "k")...)
	set(0x139, rep(10, "l")...)
	set(0x143, rep(9, "n")...)
	set(0x14C, rep(6, "o")...)
	set(0x152, "oe", "oe")
	set(0x154, rep(6, "r")...)
	set(0x15A, rep(8, "s")...)
	set(0x162, rep(6, "t")...)
	set(0x168, rep(12, "u")...)
	set(0x174, "w", "w")
	set(0x176, rep(3, "y")...)
	set(0x179, rep(6, "z")...)
	m[0x17F] = "s"
	return m
}()

// foldRune returns the collation form of a non-ASCII rune: a Latin base
// string (ok=true) or a single case-folded rune.
func foldRune(r rune) (string, rune) {
	if s, ok := latinFold[r]; ok {
		return s, 0
	}
	return "", unicode.ToLower(unicode.ToUpper(r))
}

// collIter yields the collation units of a string: ASCII weights (1..127)
// or 0x80+folded rune for other characters. Ignorable characters are skipped.
type collIter struct {
	s       string
	i       int
	pending string // rest of a multi-letter fold ("ss")
}

func (it *collIter) next() (uint32, bool) {
	for {
		if it.pending != "" {
			c := it.pending[0]
			it.pending = it.pending[1:]
			return uint32(asciiWeight[c]), true
		}
		if it.i >= len(it.s) {
			return 0, false
		}
		c := it.s[it.i]
		if c < utf8.RuneSelf {
			it.i++
			if w := asciiWeight[c]; w != 0 {
				return uint32(w), true
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(it.s[it.i:])
		it.i += size
		s, fr := foldRune(r)
		if s != "" {
			it.pending = s
			continue
		}
		if unicode.Is(unicode.Mn, fr) { // combining marks: accent-insensitive
			continue
		}
		return 0x80 + uint32(fr), true
	}
}

// CompareCollated compares two character strings under Quiver's string
// collation (see the package's collation rule): -1, 0 or +1.
func CompareCollated(a, b string) int {
	if isASCII(a) && isASCII(b) {
		i, j := 0, 0
		for {
			for i < len(a) && asciiWeight[a[i]] == 0 {
				i++
			}
			for j < len(b) && asciiWeight[b[j]] == 0 {
				j++
			}
			switch {
			case i == len(a) && j == len(b):
				return 0
			case i == len(a):
				return -1
			case j == len(b):
				return 1
			}
			wa, wb := asciiWeight[a[i]], asciiWeight[b[j]]
			if wa != wb {
				if wa < wb {
					return -1
				}
				return 1
			}
			i++
			j++
		}
	}
	ia, ib := collIter{s: a}, collIter{s: b}
	for {
		ua, oka := ia.next()
		ub, okb := ib.next()
		switch {
		case !oka && !okb:
			return 0
		case !oka:
			return -1
		case !okb:
			return 1
		case ua != ub:
			if ua < ub {
				return -1
			}
			return 1
		}
	}
}

// EqualCollated reports whether a and b are equal under the collation.
func EqualCollated(a, b string) bool {
	if len(a) == len(b) {
		// Fast path: ASCII strings without ignorables, position by position.
		for i := 0; i < len(a); i++ {
			ca, cb := a[i], b[i]
			if ca >= utf8.RuneSelf || cb >= utf8.RuneSelf || asciiWeight[ca] != asciiWeight[cb] || asciiWeight[ca] == 0 {
				return CompareCollated(a, b) == 0
			}
		}
		return true
	}
	return CompareCollated(a, b) == 0
}

// CollationKey appends the collation key of s to dst and returns it. Keys
// of two strings are byte-equal exactly when the strings are equal under the
// collation, and bytes.Compare of keys orders them like CompareCollated.
// Use it to hash, group, join or sort VARCHAR values.
func CollationKey(dst []byte, s string) []byte {
	if isASCII(s) {
		for i := 0; i < len(s); i++ {
			if w := asciiWeight[s[i]]; w != 0 {
				dst = append(dst, w)
			}
		}
		return dst
	}
	it := collIter{s: s}
	for {
		u, ok := it.next()
		if !ok {
			return dst
		}
		if u < 0x80 {
			dst = append(dst, byte(u))
		} else {
			dst = utf8.AppendRune(dst, rune(u-0x80))
		}
	}
}

// IsCollatedString reports whether values of type t compare under the
// string collation (VARCHAR) rather than bytewise: STRING, LARGE_STRING
// and STRING_VIEW.
func IsCollatedString(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}

// CollationKeys returns, for a VARCHAR array, a VARBINARY array of the
// collation keys of its values (NULLs stay NULL); any other array is
// returned as is (retained). The caller releases the result. Operators
// group, hash, join and sort on the keys to get MySQL's case- and
// accent-insensitive semantics; they still output the original values.
//
// Keys are written straight into allocator buffers; ASCII values (the
// common case) cost one table lookup per byte.
func CollationKeys(mem memory.Allocator, a arrow.Array) arrow.Array {
	if !IsCollatedString(a.DataType()) {
		a.Retain()
		return a
	}
	switch x := a.(type) {
	case *array.String:
		return collationKeysOf(mem, a, x.ValueBytes(), x.ValueOffsets(), nil)
	case *array.LargeString:
		return collationKeysOf(mem, a, x.ValueBytes(), x.ValueOffsets(), nil)
	case *array.StringView:
		return collationKeysOf[int32](mem, a, nil, nil, func(i int) []byte {
			s := x.Value(i)
			return unsafe.Slice(unsafe.StringData(s), len(s))
		})
	}
	a.Retain()
	return a
}

// collationKeysOf builds the BINARY key array of a's values: row i is
// vals[offs[i]-offs[0]:offs[i+1]-offs[0]], or value(i) when value is set.
func collationKeysOf[O int32 | int64](mem memory.Allocator, a arrow.Array, vals []byte, offs []O, value func(i int) []byte) arrow.Array {
	n := a.Len()
	offBuf := memory.NewResizableBuffer(mem)
	offBuf.Resize((n + 1) * arrow.Int32SizeBytes)
	outOffs := arrow.Int32Traits.CastFromBytes(offBuf.Bytes())
	dataBuf := memory.NewResizableBuffer(mem)
	// ASCII keys are never longer than their values.
	dataBuf.Reserve(max(len(vals), 8))
	data := dataBuf.Buf()[:0]
	hasNulls := a.NullN() > 0
	var base O
	if len(offs) > 0 {
		base = offs[0]
	}
	for i := 0; i < n; i++ {
		outOffs[i] = int32(len(data))
		if hasNulls && a.IsNull(i) {
			continue
		}
		var v []byte
		if value != nil {
			v = value(i)
		} else {
			v = vals[offs[i]-base : offs[i+1]-base]
		}
		if len(data)+len(v) > cap(data) {
			data = growKeyData(dataBuf, data, len(v))
		}
		// ASCII prefix: one table lookup per byte, written in place (an
		// ignorable byte, weight 0, is overwritten by the next one).
		k, j := len(data), 0
		data = data[:k+len(v)]
		for ; j < len(v); j++ {
			c := v[j]
			if c >= utf8.RuneSelf {
				break
			}
			w := asciiWeight[c&0x7F]
			data[k] = w
			k += int((uint(w) + 0xFF) >> 8) // 1 unless w == 0
		}
		data = data[:k]
		if j < len(v) {
			// Non-ASCII: the rest of the value through the general rule
			// (its key may outgrow the value).
			it := collIter{s: bytesToString(v[j:])}
			for {
				u, ok := it.next()
				if !ok {
					break
				}
				if len(data)+utf8.UTFMax > cap(data) {
					data = growKeyData(dataBuf, data, utf8.UTFMax)
				}
				if u < 0x80 {
					data = append(data, byte(u))
				} else {
					data = utf8.AppendRune(data, rune(u-0x80))
				}
			}
		}
	}
	if len(data) > math.MaxInt32 {
		// Keys of one batch past 2 GiB cannot take int32 offsets; batches
		// are far smaller, so this is a bug in the caller.
		offBuf.Release()
		dataBuf.Release()
		panic("collation keys exceed 2 GiB in one batch")
	}
	outOffs[n] = int32(len(data))
	dataBuf.ResizeNoShrink(len(data))
	validity := copyValidity(mem, a)
	d := array.NewData(arrow.BinaryTypes.Binary, n, []*memory.Buffer{validity, offBuf, dataBuf}, nil, a.NullN(), 0)
	out := array.MakeFromData(d)
	d.Release()
	offBuf.Release()
	dataBuf.Release()
	if validity != nil {
		validity.Release()
	}
	return out
}

// growKeyData grows buf to hold at least need more bytes after data and
// returns data re-sliced over the new storage.
func growKeyData(buf *memory.Buffer, data []byte, need int) []byte {
	n := len(data)
	buf.Reserve(max(2*cap(data), n+need))
	return buf.Buf()[:n]
}

// bytesToString views b as a string without copying; b must not change
// while the string is in use.
func bytesToString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// WeightStringFunc is the name of the function NewCollationKey builds:
// MySQL's WEIGHT_STRING(s), the collation weight of a string as VARBINARY.
// Quiver's weights are its CollationKey bytes (not MySQL's byte-for-byte),
// with the same contract: equal exactly when the strings are equal under
// the collation, ordered bytewise as the strings are under it.
const WeightStringFunc = "weight_string"

// maxKeyInputBytes bounds the string bytes of one CollationKeys input from
// the WEIGHT_STRING kernel: keys take int32 offsets and may be somewhat
// longer than the values (case folding can lengthen a character's UTF-8).
const maxKeyInputBytes = math.MaxInt32 / 2

// stringDataBytes is the total value bytes of a string array.
func stringDataBytes(a arrow.Array) int {
	switch x := a.(type) {
	case *array.String:
		return len(x.ValueBytes())
	case *array.LargeString:
		return len(x.ValueBytes())
	}
	return 0
}

// collationKeyFunc is the one-argument WEIGHT_STRING(s) of a VARCHAR s that
// plan rewrites insert (see NewCollationKey): CollationKeys, written
// straight into the result buffers. The SQL-callable WEIGHT_STRING in the
// registry computes the same keys.
var collationKeyFunc = ScalarFunc{
	MinArgs: 1, MaxArgs: 1,
	Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
		if !IsCollatedString(args[0]) {
			return nil, nil, invalidf("collation key of a %s value: only VARCHAR has a collation", TypeName(args[0]))
		}
		return []arrow.DataType{nil}, arrow.BinaryTypes.Binary, nil
	},
	Kernel: func(kc KernelContext, args []arrow.Array) (arrow.Array, error) {
		a := args[0]
		if !IsCollatedString(a.DataType()) {
			return nil, errs.Internalf("collation key of a %s array", a.DataType())
		}
		if n := stringDataBytes(a); n > maxKeyInputBytes {
			return nil, errs.Exhaustedf("collation keys of %d bytes of strings in one batch: at most %d bytes fit; use smaller batches", n, maxKeyInputBytes)
		}
		return CollationKeys(kc.Mem, a), nil
	},
	AcceptsConstants: true,
}

// NewCollationKey returns WEIGHT_STRING(e) for a VARCHAR expression e: a
// VARBINARY expression whose values are equal exactly when e's are equal
// under the collation and that sorts bytewise in e's collation order.
// Plan rewrites substitute it for string grouping, join, sort and
// partition keys. Any other e is returned unchanged.
func NewCollationKey(e Expr) Expr {
	if !IsCollatedString(e.Type()) {
		return e
	}
	f := collationKeyFunc
	return &Call{Name: WeightStringFunc, Args: []Expr{e}, DataType: arrow.BinaryTypes.Binary, Func: &f}
}

// foldText returns s in a canonical text form for case- and
// accent-insensitive matching (LIKE): ASCII lower case, Latin letters
// without accents, other characters case-folded. Ignorable controls are
// kept (LIKE's '_' must still see them).
func foldText(s string) string {
	if isASCII(s) {
		for i := 0; i < len(s); i++ {
			if c := s[i]; 'A' <= c && c <= 'Z' {
				b := []byte(s)
				for j := i; j < len(b); j++ {
					if 'A' <= b[j] && b[j] <= 'Z' {
						b[j] += 'a' - 'A'
					}
				}
				return string(b)
			}
		}
		return s
	}
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			out = append(out, byte(r))
			continue
		}
		str, fr := foldRune(r)
		if str != "" {
			out = append(out, str...)
			continue
		}
		if unicode.Is(unicode.Mn, fr) {
			continue
		}
		out = utf8.AppendRune(out, fr)
	}
	return string(out)
}

// CollatedKeyBounds turns bytewise bounds of a set of VARCHAR values (e.g.
// Parquet min/max statistics: lo <= v <= hi bytewise) into bounds of their
// collation keys: klo <= CollationKey(v) <= khi. Every such v starts with
// the common prefix P of lo and hi (cut to a character boundary), and keys
// are built character by character, so every key starts with
// CollationKey(P); khi is that key followed by 0xFF, above any key byte.
// The bounds are loose but sound: a group outside them cannot match.
func CollatedKeyBounds(lo, hi []byte) (klo, khi []byte) {
	n := 0
	for n < len(lo) && n < len(hi) && lo[n] == hi[n] {
		n++
	}
	for n > 0 && n < len(lo) && !utf8.RuneStart(lo[n]) {
		n--
	}
	klo = CollationKey(nil, string(lo[:n]))
	khi = append(append([]byte(nil), klo...), 0xFF)
	return klo, khi
}
