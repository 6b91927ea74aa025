package expr

import (
	"bytes"
	"context"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestCollationRule(t *testing.T) {
	eq := [][2]string{
		{"a", "A"}, {"Straße", "STRASSE"}, {"é", "E"}, {"Ångström", "angstrom"},
		{"ÆON", "aeon"}, {"Œuvre", "oeuvre"}, {"ΣΊΣΥΦΟΣ", "σίσυφος"}, {"", ""}, {"abc", "ABC"},
	}
	for _, p := range eq {
		if !EqualCollated(p[0], p[1]) || CompareCollated(p[0], p[1]) != 0 {
			t.Errorf("%q vs %q: want equal", p[0], p[1])
		}
		if !bytes.Equal(CollationKey(nil, p[0]), CollationKey(nil, p[1])) {
			t.Errorf("%q vs %q: keys differ", p[0], p[1])
		}
	}
	ne := [][2]string{{"a", "a "}, {"a", "b"}, {"abc", "abd"}, {"x", ""}, {"e", "f"}}
	for _, p := range ne {
		if EqualCollated(p[0], p[1]) || CompareCollated(p[0], p[1]) == 0 {
			t.Errorf("%q vs %q: want different", p[0], p[1])
		}
	}
	// UCA primary order: whitespace < punctuation < digits < letters,
	// letters case-insensitively; non-Latin after Latin.
	ordered := []string{" ", "_", "-", "!", "$", "0", "9", "a", "B", "ba", "C", "é1", "f", "z", "Ж"}
	for i := 0; i+1 < len(ordered); i++ {
		a, b := ordered[i], ordered[i+1]
		if CompareCollated(a, b) >= 0 || CompareCollated(b, a) <= 0 {
			t.Errorf("want %q < %q", a, b)
		}
		if bytes.Compare(CollationKey(nil, a), CollationKey(nil, b)) >= 0 {
			t.Errorf("keys: want %q < %q", a, b)
		}
	}
	shuffled := []string{"cherry", "Banana", "apple", "Apple", "banana2"}
	sort.SliceStable(shuffled, func(i, j int) bool { return CompareCollated(shuffled[i], shuffled[j]) < 0 })
	if got := shuffled; got[0] != "apple" || got[1] != "Apple" || got[2] != "Banana" || got[4] != "cherry" {
		t.Errorf("sorted: %q", got)
	}
}

func TestCollatedKeyBounds(t *testing.T) {
	lo, hi := CollatedKeyBounds([]byte("name0400"), []byte("name0499"))
	for _, v := range []string{"NAME0421", "name04", "Name04zz", "nàme0455"} {
		k := CollationKey(nil, v)
		if v != "nàme0455" && (bytes.Compare(k, lo) < 0 || bytes.Compare(k, hi) > 0) {
			t.Errorf("%q key outside bounds", v)
		}
	}
	if k := CollationKey(nil, "name0521"); bytes.Compare(k, hi) <= 0 {
		t.Errorf("name0521 should be above the bounds")
	}
	// A multi-byte character split by the common prefix is cut back.
	lo, _ = CollatedKeyBounds([]byte("aé"), []byte("aè"))
	if !bytes.Equal(lo, CollationKey(nil, "a")) {
		t.Errorf("split rune: lo = %x", lo)
	}
}

func TestCollatedComparisonsVectorized(t *testing.T) {
	vals := []string{"apple", "APPLE", "Äpple", "banana", "", "b"}
	for _, n := range batchSizes {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		b := array.NewStringBuilder(mem)
		for i := 0; i < n; i++ {
			if i%4 == 3 {
				b.AppendNull()
			} else {
				b.Append(vals[i%len(vals)])
			}
		}
		arr := b.NewArray()
		b.Release()
		schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: TypeString, Nullable: true}}, nil)
		batch := array.NewRecordBatch(schema, []arrow.Array{arr}, int64(n))
		s := &Column{Index: 0, Name: "s", DataType: TypeString}
		exprs := map[string]Expr{
			"eq":   ok(NewBinary(OpEq, s, NewLiteral("Apple"))),
			"lt":   ok(NewBinary(OpLt, s, NewLiteral("B"))),
			"in":   ok(NewIn(s, []Expr{NewLiteral("APPLE"), NewLiteral("B")}, false)),
			"like": ok(NewLike(s, NewLiteral("a%"), 0, false)),
		}
		want := map[string]func(string) bool{
			"eq":   func(v string) bool { return v == "apple" || v == "APPLE" || v == "Äpple" },
			"lt":   func(v string) bool { return v != "banana" && v != "b" },
			"in":   func(v string) bool { return v == "apple" || v == "APPLE" || v == "Äpple" || v == "b" },
			"like": func(v string) bool { return v == "apple" || v == "APPLE" || v == "Äpple" },
		}
		for name, e := range exprs {
			out, err := Eval(context.Background(), e, batch, mem)
			if err != nil {
				t.Fatal(err)
			}
			res := out.(*array.Boolean)
			for i := 0; i < n; i++ {
				if i%4 == 3 {
					if res.IsValid(i) {
						t.Errorf("n=%d %s row %d: want NULL", n, name, i)
					}
					continue
				}
				if got, w := res.Value(i), want[name](vals[i%len(vals)]); got != w || res.IsNull(i) {
					t.Errorf("n=%d %s(%q) = %v, want %v", n, name, vals[i%len(vals)], got, w)
				}
			}
			out.Release()
		}
		keys := CollationKeys(mem, arr)
		if keys.DataType().ID() != arrow.BINARY || keys.NullN() != arr.NullN() {
			t.Errorf("keys: %s with %d nulls", keys.DataType(), keys.NullN())
		}
		keys.Release()
		batch.Release()
		arr.Release()
		mem.AssertSize(t, 0)
	}
}
