package expr

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The '%'-segments fast path must agree with the general regexp matcher on
// every pattern it accepts.
func TestLikeSegmentsMatchesRegexp(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	alphabet := []string{"a", "B", "b", "%", "x", "ab", "\\%"}
	tested := 0
	subjects := []string{"", "a", "ab", "AB", "aab", "ba", "xabx", "a%b", "abab", "bxa", "special requests", "SPECIAL foo REQUESTS"}
	for range 3000 {
		var pb strings.Builder
		for n := 1 + rng.IntN(6); n > 0; n-- {
			pb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		pat := pb.String()
		m := compileLike(foldText(pat), '\\')
		if m.kind != 6 {
			continue
		}
		tested++
		re := regexpLike(foldText(pat))
		for _, s := range append(subjects, strings.ReplaceAll(pat, "%", "zz")) {
			fs := foldText(s)
			if got, want := m.match(fs), re.MatchString(fs); got != want {
				t.Fatalf("%q LIKE %q: segments %v, regexp %v", s, pat, got, want)
			}
		}
	}
	if tested < 100 {
		t.Fatalf("only %d random patterns took the segments path", tested)
	}
	for _, c := range []struct {
		s, p string
		want bool
	}{
		{"a special request, then requests", "%special%requests%", true},
		{"Special Requests", "%special%requests%", true},
		{"requests special", "%special%requests%", false},
		{"abc", "a%c", true}, {"ac", "a%c", true}, {"a", "a%a", false}, {"aXa", "a%a", true},
		{"xaby", "%a%b", false}, {"xab", "%a%b", true},
	} {
		if got := compileLike(foldText(c.p), '\\').match(foldText(c.s)); got != c.want {
			t.Errorf("%q LIKE %q = %v, want %v", c.s, c.p, got, c.want)
		}
	}
}

// regexpLike is the reference: the same translation compileLike uses for
// patterns without a fast path.
func regexpLike(pattern string) *regexp.Regexp {
	var sb strings.Builder
	sb.WriteString("(?is)^")
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; {
		case c == '\\' && i+1 < len(rs):
			i++
			sb.WriteString(regexp.QuoteMeta(string(rs[i])))
		case c == '%':
			sb.WriteString(".*")
		case c == '_':
			sb.WriteString(".")
		default:
			sb.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	sb.WriteString("$")
	return regexp.MustCompile(sb.String())
}
