package integration_test

import (
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/quiverdb/quiver/internal/tools/compatmatrix/matrix"
)

// updateCompat rewrites the committed compatibility results
// (integration_test/compat/<client>.jsonl) from this run, and re-renders
// docs/compatibility.md. Use it after an improvement, never to hide a
// regression.
var updateCompat = flag.Bool("update", false, "rewrite integration_test/compat/*.jsonl from this run and re-render docs/compatibility.md")

// compatMu serializes -update writes (client tests may run in parallel).
var compatMu sync.Mutex

func compatDir() string { return filepath.Join(repoRoot, "integration_test", "compat") }

func compatDoc() string { return filepath.Join(repoRoot, "docs", "compatibility.md") }

// compatLog collects one client's compatibility results in the order a test
// exercises the features. Not safe for concurrent use.
type compatLog struct {
	client  string
	results []matrix.Result
}

func newCompatLog(client string) *compatLog { return &compatLog{client: client} }

// Record notes the outcome of one feature: ok when err is nil (detail says
// what was checked), failed otherwise (the error's text becomes the detail;
// it must be deterministic).
func (c *compatLog) Record(feature string, err error, detail string) {
	r := matrix.Result{Client: c.client, Feature: feature, OK: err == nil, Detail: detail}
	if err != nil {
		r.Detail = err.Error()
	}
	c.results = append(c.results, r)
}

// checkCompat compares a client's fresh results with the committed
// integration_test/compat/<client>.jsonl. A difference fails the test with
// a per-feature explanation; with -update the file (and
// docs/compatibility.md) is rewritten instead.
func checkCompat(t *testing.T, client string, fresh []matrix.Result) {
	t.Helper()
	for _, r := range fresh {
		if err := r.Validate(); err != nil {
			t.Fatal(err)
		}
		if r.Client != client {
			t.Fatalf("result %+v belongs to client %q, not %q", r, r.Client, client)
		}
	}
	if len(fresh) == 0 {
		t.Fatalf("%s recorded no compatibility results", client)
	}
	path := filepath.Join(compatDir(), client+".jsonl")
	if *updateCompat {
		compatMu.Lock()
		defer compatMu.Unlock()
		if _, err := matrix.WriteFileIfChanged(path, matrix.Marshal(fresh)); err != nil {
			t.Fatal(err)
		}
		all, err := matrix.ReadDir(compatDir())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := matrix.WriteFileIfChanged(compatDoc(), matrix.Render(all)); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no committed results for %s (%v): run `go test ./integration_test -run %s -update` and commit %s", client, err, t.Name(), path)
	}
	committed, err := matrix.Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	if d := matrix.Diff(committed, fresh); d != "" {
		t.Errorf("%s behaves differently from the committed compatibility results (%s):\n%s"+
			"Fix a regression; after an improvement re-run `go test ./integration_test -run '%s' -update` and commit the .jsonl and docs/compatibility.md.",
			client, path, d, t.Name())
	}
}

// TestCompatibilityDoc asserts docs/compatibility.md is the rendering of the
// committed results, so the published matrix is what the tests measured.
func TestCompatibilityDoc(t *testing.T) {
	compatMu.Lock()
	defer compatMu.Unlock()
	all, err := matrix.ReadDir(compatDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatalf("no compatibility results in %s: the client tests record them (run with -update)", compatDir())
	}
	want := matrix.Render(all)
	if *updateCompat {
		if _, err := matrix.WriteFileIfChanged(compatDoc(), want); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(compatDoc())
	if err != nil {
		t.Fatalf("%v: run `go run ./internal/tools/compatmatrix`", err)
	}
	if string(have) != string(want) {
		t.Fatalf("docs/compatibility.md is not the rendering of integration_test/compat/*.jsonl: run `go run ./internal/tools/compatmatrix` and commit it")
	}
}
