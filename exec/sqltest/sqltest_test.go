package sqltest_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/exec/sqltest"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of testdata/sql/*.slt from the optimized run")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const goldenDir = "../../testdata/sql"

// TestGolden runs every golden file twice, with the optimizer on and off;
// both runs must produce the file's expected rows (EXPLAIN records are
// checked with the optimizer on only).
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.slt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no golden files in %s", goldenDir)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".slt"), func(t *testing.T) {
			recs, err := sqltest.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, optimize := range []bool{true, false} {
				name := "optimized"
				if !optimize {
					name = "unoptimized"
				}
				t.Run(name, func(t *testing.T) {
					got := runFile(t, recs, optimize)
					if *rewrite && optimize {
						if err := os.WriteFile(path, []byte(sqltest.Format(got)), 0o644); err != nil {
							t.Fatal(err)
						}
						recs = got
					}
				})
			}
		})
	}
}

// runFile runs recs against a fresh catalog and returns them with Expected
// (and unmatched error patterns) replaced by what actually happened; it
// reports mismatches unless rewriting.
func runFile(t *testing.T, recs []sqltest.Record, optimize bool) []sqltest.Record {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	ctx := context.Background()
	root, cleanup := newRoot(t)
	eng := exec.New(exec.Config{Root: root, DisableOptimizer: !optimize, Parallelism: 2})
	opts := catalog.Options{QueryID: "golden", Catalog: "test", Schema: "public"}
	out := make([]sqltest.Record, len(recs))
	for i, r := range recs {
		out[i] = r
		rows, err := runOne(ctx, eng, opts, mem, r)
		where := fmt.Sprintf("line %d: %s", r.Line, r.SQL)
		switch r.Kind {
		case sqltest.StatementOK:
			if err != nil {
				t.Errorf("%s\nunexpected error: %v", where, err)
			}
		case sqltest.StatementError:
			if err == nil {
				t.Errorf("%s\nexpected error %q, got success", where, r.ErrPattern)
				continue
			}
			if msg := errorText(err); !strings.Contains(strings.ToLower(msg), strings.ToLower(r.ErrPattern)) {
				if *rewrite {
					out[i].ErrPattern = firstLine(msg)
				} else {
					t.Errorf("%s\nerror %q does not contain %q", where, msg, r.ErrPattern)
				}
			}
		case sqltest.Query:
			if err != nil {
				t.Errorf("%s\nunexpected error: %v", where, err)
				continue
			}
			if r.Explain && !optimize {
				continue
			}
			if r.RowSort {
				rows = sqltest.SortRows(rows)
			}
			out[i].Expected = rows
			if !*rewrite && strings.Join(rows, "\n") != strings.Join(r.Expected, "\n") {
				t.Errorf("%s\ngot:\n%s\nwant:\n%s", where, strings.Join(rows, "\n"), strings.Join(r.Expected, "\n"))
			}
		}
	}
	cleanup()
	mem.AssertSize(t, 0)
	return out
}

func runOne(ctx context.Context, eng *exec.Engine, opts catalog.Options, mem memory.Allocator, r sqltest.Record) ([]string, error) {
	st, err := eng.Prepare(ctx, opts, r.SQL)
	if err != nil {
		return nil, err
	}
	rr, err := st.Execute(ctx, mem, nil)
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	if r.Kind != sqltest.Query {
		for rr.Next() {
		}
		return nil, rr.Err()
	}
	rows, err := sqltest.Rows(rr, r.Types)
	if err != nil {
		return nil, err
	}
	if n := st.TotalRecords(); n >= 0 && n != int64(len(rows)) {
		return nil, fmt.Errorf("TotalRecords promised %d rows, got %d", n, len(rows))
	}
	return rows, nil
}

// errorText is "<kind>: <message>" for an error carrying an errs kind.
func errorText(err error) string {
	for _, k := range []error{errs.ErrInvalid, errs.ErrNotFound, errs.ErrAlreadyExists, errs.ErrNotImplemented,
		errs.ErrResourceExhausted, errs.ErrUnavailable, errs.ErrPermission, errs.ErrInternal} {
		if errors.Is(err, k) {
			return k.Error() + ": " + err.Error()
		}
	}
	return "no kind: " + err.Error()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
