package server

import "testing"

func TestLike(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"%", "", true},
		{"%", "anything", true},
		{"abc", "abc", true},
		{"abc", "ABC", true},
		{"abc", "abcd", false},
		{"a_c", "abc", true},
		{"a_c", "ac", false},
		{"a%", "a", true},
		{"a%c", "abbbc", true},
		{"a%c", "abbbd", false},
		{"%b%", "abc", true},
		{"%%%b", "aab", true},
		{"_", "é", true},
		{"%é_", "caféx", true},
		{`a\_b`, "a_b", true},
		{`a\_b`, "axb", false},
		{`100\%`, "100%", true},
		{`100\%`, "1000", false},
		{`a\\b`, `a\b`, true},
		{`a\`, `a\`, true},
		{"%a%a%a%a%b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"s%s_2", "sales_2", true},
	}
	for _, c := range cases {
		p := c.pattern
		if got := compileLike(&p).match(c.s); got != c.want {
			t.Errorf("%q LIKE %q = %v, want %v", c.s, c.pattern, got, c.want)
		}
	}
	if !compileLike(nil).match("x") {
		t.Error("nil pattern must match everything")
	}
}

func FuzzLike(f *testing.F) {
	f.Add("a%_\\", "abc")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		lp := compileLike(&pattern)
		lp.match(s) // must not panic or hang
		if !compileLike(&s).match(s) && !containsMeta(s) {
			t.Fatalf("%q does not match itself", s)
		}
	})
}

func containsMeta(s string) bool {
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			return true
		}
	}
	return false
}
