package exec_test

import (
	"context"
	"testing"

	"github.com/quiverdb/quiver/exec"
)

func TestSetAndUseReturnASessionChange(t *testing.T) {
	f := newFixture(t, exec.Config{})
	ctx := context.Background()
	st, err := f.eng.Prepare(ctx, opts, "SET query_timeout = '2s'")
	if err != nil {
		t.Fatal(err)
	}
	sc := st.SessionChange()
	if sc == nil || len(sc.Set) != 1 || sc.Set[0].Name != "query_timeout" || sc.Set[0].Value != "2s" {
		t.Fatalf("SessionChange = %+v", sc)
	}
	if !st.IsUpdate() || st.Schema().NumFields() != 1 {
		t.Fatalf("SET is an update with the DML schema, got update=%v schema=%s", st.IsUpdate(), st.Schema())
	}
	// Executing it is a no-op reporting 0 rows: the caller applies it.
	if n, err := st.ExecuteUpdate(ctx, nil); err != nil || n != 0 {
		t.Fatalf("ExecuteUpdate = %d, %v", n, err)
	}
	if got := f.exec(t, "USE public"); len(got) != 1 || got[0] != "0" {
		t.Fatalf("USE rows %v", got)
	}
	st, err = f.eng.Prepare(ctx, opts, "USE public")
	if err != nil || st.SessionChange() == nil || st.SessionChange().Use != "public" {
		t.Fatalf("USE: %v %+v", err, st)
	}
	// Other statements have none.
	st, err = f.eng.Prepare(ctx, opts, "SELECT n FROM nums")
	if err != nil || st.SessionChange() != nil {
		t.Fatalf("SELECT: %v", err)
	}
}
