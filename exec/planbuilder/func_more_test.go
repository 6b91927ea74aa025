package planbuilder_test

import (
	"strings"
	"testing"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/planbuilder"
)

func TestRegexpAndSessionFunctions(t *testing.T) {
	root := testRoot(t)
	p := planbuilder.NewParser()
	cases := []struct {
		schema, sql string
		want        []string // substrings of the plan text
	}{
		{"public", "SELECT c REGEXP 'x', c NOT RLIKE 'y' FROM t", []string{"regexp_like(c, 'x')", "NOT regexp_like(c, 'y')"}},
		{"public", "SELECT a FROM t WHERE c REGEXP '^a' AND c NOT REGEXP 'b'", []string{"regexp_like(c, '^a')", "NOT regexp_like(c, 'b')"}},
		{"public", "SELECT DATABASE(), SCHEMA()", []string{"'public'"}},
		{"", "SELECT DATABASE()", []string{"NULL"}},
		{"public", "SELECT a FROM t WHERE c->>'$.k' = 'v'", []string{"json_unquote(json_extract(c, '$.k'))"}},
	}
	for _, c := range cases {
		b := &planbuilder.Builder{Root: root, Options: catalog.Options{Catalog: "demo", Schema: c.schema}}
		got := buildText(t, b, p, c.sql)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s:\n%s\nlacks %q", c.sql, got, w)
			}
		}
	}
	b := &planbuilder.Builder{Root: root, Options: catalog.Options{Catalog: "demo", Schema: "public"}}
	if got := buildText(t, b, p, "SELECT DATABASE(1)"); !strings.Contains(got, "incorrect parameter count in the call to database") {
		t.Errorf("DATABASE(1): %s", got)
	}
}
