package planbuilder_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/planbuilder"
)

// FuzzBuild feeds arbitrary text to the SQL front end (parse + bind). It
// must never panic or hang, and every error must carry a kind other than
// ErrInternal (an internal error here is a bug), with a UTF-8 message. Run with
// go test -fuzz=FuzzBuild ./exec/planbuilder/; plain go test runs the seeds.
func FuzzBuild(f *testing.F) {
	for _, file := range []string{"select.txt", "dml.txt", "errors.txt"} {
		for _, c := range readGolden(f, filepath.Join("testdata", file)) {
			f.Add(c.sql)
		}
	}
	f.Add("SELECT ((((((1))))))")
	f.Add("SELECT a FROM demo.public.t WHERE a IN (1, 'x', NULL, 2.5)")
	f.Add("SELECT `a``b` FROM `t` /* ( */ -- (")
	root := testRoot(f)
	lim := planbuilder.Limits{MaxSQLBytes: 64 << 10, MaxNestingDepth: 200, MaxInListItems: 1000}
	f.Fuzz(func(t *testing.T, sql string) {
		b := &planbuilder.Builder{Root: root, Options: catalog.Options{Catalog: "demo", Schema: "public"}, Limits: lim}
		plan, err := b.Build(context.Background(), planbuilder.NewParser(), sql)
		if err != nil {
			if errKind(err) == "NO KIND" || errors.Is(err, errs.ErrInternal) {
				t.Fatalf("%q: error without a user-facing kind: %v", sql, err)
			}
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("%q: error message is not UTF-8: %q", sql, err)
			}
			return
		}
		if plan.Schema() == nil {
			t.Fatalf("%q: plan without a schema", sql)
		}
	})
}
