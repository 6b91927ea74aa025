package exec_test

import (
	"context"
	"testing"

	"github.com/quiverdb/quiver/exec"
)

// Every capability is checked against the planner, so what front ends
// advertise cannot drift from what the engine does.
func TestCapabilitiesMatchThePlanner(t *testing.T) {
	f := newFixture(t, exec.Config{})
	c := f.eng.Capabilities()
	for _, p := range []struct {
		name string
		has  bool
		sql  string
	}{
		{"InnerJoins", c.InnerJoins, "SELECT a.n FROM nums a JOIN nums b ON a.n = b.n"},
		{"OuterJoins", c.OuterJoins, "SELECT a.n FROM nums a LEFT JOIN nums b ON a.n = b.n"},
		{"FullOuterJoins", c.FullOuterJoins, "SELECT a.n FROM nums a FULL OUTER JOIN nums b ON a.n = b.n"},
		{"SubqueryComparisons", c.SubqueryComparisons, "SELECT n FROM nums WHERE n = (SELECT MAX(n) FROM nums)"},
		{"SubqueryExists", c.SubqueryExists, "SELECT n FROM nums WHERE EXISTS (SELECT 1 FROM nums)"},
		{"SubqueryIn", c.SubqueryIn, "SELECT n FROM nums WHERE n IN (SELECT n FROM nums)"},
		{"SubqueryQuantified", c.SubqueryQuantified, "SELECT n FROM nums WHERE n > ANY (SELECT n FROM nums)"},
		{"CorrelatedSubqueries", c.CorrelatedSubqueries, "SELECT n FROM nums a WHERE EXISTS (SELECT 1 FROM nums b WHERE b.s = a.s)"},
		{"Union", c.Union, "SELECT n FROM nums UNION SELECT n FROM nums"},
		{"UnionAll", c.UnionAll, "SELECT n FROM nums UNION ALL SELECT n FROM nums"},
		{"GroupByUnrelated", c.GroupByUnrelated, "SELECT COUNT(*) FROM nums GROUP BY s"},
		{"OrderByUnrelated", c.OrderByUnrelated, "SELECT n FROM nums ORDER BY s"},
		{"Transactions", c.Transactions, "START TRANSACTION"},
		{"WindowFunctions", c.WindowFunctions, "SELECT ROW_NUMBER() OVER (ORDER BY n) FROM nums"},
	} {
		_, err := f.eng.Prepare(context.Background(), opts, p.sql)
		if got := err == nil; got != p.has {
			t.Errorf("Capabilities.%s = %v but planning %q gave %v", p.name, p.has, p.sql, err)
		}
	}
}
