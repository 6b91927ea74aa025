package integration_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/quiverdb/quiver/internal/tools/compatmatrix/matrix"
)

// pythonClients are the clients integration_test/python records results
// for, each into integration_test/compat/<client>.jsonl.
var pythonClients = []string{"adbc-python", "flightsql-dbapi", "pyarrow-flight"}

// TestPythonClients runs the pytest suite in integration_test/python (ADBC
// Python with pandas/pyarrow, flightsql-dbapi with SQLAlchemy 1.4, and a raw
// pyarrow.flight script) in the repo's .venv (`make python-deps`) against a
// freshly started server, then compares each client's compatibility results
// with the committed ones (see checkCompat).
func TestPythonClients(t *testing.T) {
	python := filepath.Join(repoRoot, ".venv", "bin", "python")
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("no Python virtual environment at %s: run `make test` (or `make python-deps`) first", filepath.Dir(filepath.Dir(python)))
	}
	srv := startServer(t)
	out := filepath.Join(t.TempDir(), "compat.jsonl")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "integration_test/python")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(),
		"QUIVER_URI="+srv.URI(),
		"QUIVER_COMPAT_OUT="+out,
		"PYTHONDONTWRITEBYTECODE=1", // keep __pycache__ out of the work tree
	)
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pytest failed: %v\n%s\n--- server log:\n%s", err, output, srv.Log())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("pytest wrote no compatibility results (%v):\n%s", err, output)
	}
	results, err := matrix.Parse(out, data)
	if err != nil {
		t.Fatal(err)
	}
	byClient := map[string][]matrix.Result{}
	for _, r := range results {
		byClient[r.Client] = append(byClient[r.Client], r)
	}
	for _, c := range pythonClients {
		t.Run(c, func(t *testing.T) { checkCompat(t, c, byClient[c]) })
		delete(byClient, c)
	}
	for c := range byClient {
		t.Errorf("pytest recorded results for unexpected client %q: add it to pythonClients", c)
	}
}
