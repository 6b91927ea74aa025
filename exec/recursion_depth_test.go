package exec_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec"
)

// The session's cte_max_recursion_depth bounds WITH RECURSIVE, as MySQL's
// variable of that name does, and @@cte_max_recursion_depth reports it.
func TestSessionRecursionDepth(t *testing.T) {
	f := newFixture(t, exec.Config{})
	const q = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 10) SELECT count(*) FROM c"
	o := opts
	o.Values = map[string]string{"cte_max_recursion_depth": "5"}
	st, err := f.eng.Prepare(context.Background(), o, q)
	if err != nil {
		t.Fatal(err)
	}
	rr, err := st.Execute(context.Background(), f.mem, nil)
	if err == nil {
		_, err = render(rr)
		rr.Release()
	}
	if !errors.Is(err, errs.ErrResourceExhausted) || !strings.Contains(err.Error(), "after 6 iterations") {
		t.Fatalf("depth 5: err = %v, want ResourceExhausted after 6 iterations", err)
	}
	if got := queryWith(t, f, "cte_max_recursion_depth", "20", q); len(got) != 1 || got[0] != "10" {
		t.Fatalf("depth 20: %v, want 10", got)
	}
	if got := queryWith(t, f, "cte_max_recursion_depth", "20", "SELECT @@cte_max_recursion_depth"); len(got) != 1 || got[0] != "20" {
		t.Fatalf("@@cte_max_recursion_depth = %v, want 20", got)
	}
}
