package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/internal/tools/slcorpus/slt"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestExpandAndPick(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"a/1.test", "a/2.test", "a/b/3.test", "a/notes.txt", "c.test"} {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rel := func(ps []string) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i], _ = filepath.Rel(dir, p)
		}
		return out
	}
	got, err := expand(filepath.Join(dir, "a"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a/1.test", "a/2.test", "a/b/3.test"}; !reflect.DeepEqual(rel(got), want) {
		t.Errorf("directory: %v", rel(got))
	}
	if got, err = expand(filepath.Join(dir, "*.test")); err != nil || !reflect.DeepEqual(rel(got), []string{"c.test"}) {
		t.Errorf("glob: %v %v", rel(got), err)
	}
	if got, err = expand(filepath.Join(dir, "c.test")); err != nil || !reflect.DeepEqual(rel(got), []string{"c.test"}) {
		t.Errorf("file: %v %v", rel(got), err)
	}
	if _, err := expand(filepath.Join(dir, "missing.test")); err == nil {
		t.Error("a missing file was accepted")
	}
	files := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	if got := pick(files, 3); !reflect.DeepEqual(got, []string{"0", "3", "6"}) {
		t.Errorf("pick 3: %v", got)
	}
	if got := pick(files, 0); len(got) != 10 {
		t.Errorf("pick 0: %v", got)
	}
}

func TestClassify(t *testing.T) {
	q := slt.Record{Kind: slt.Query}
	for _, c := range []struct {
		detail, want string
	}{
		{"wrong value count: expected 3 got 4", "query: wrong row count"},
		{"wrong result hash", "query: wrong values"},
		{"wrong value 2: expected [1] got [2]", "query: wrong values"},
		{"invalid argument: unknown column 'x' in 't1', 42 rows", "query: invalid argument: unknown column '?' in '?', N rows"},
		{`invalid argument: SQL syntax error at line 1 column 7 near "FOO BAR"`, "query: invalid argument: SQL syntax error at"},
	} {
		if got := classify(slt.Result{Record: q, Detail: c.detail}); got != c.want {
			t.Errorf("classify(%q) = %q, want %q", c.detail, got, c.want)
		}
	}
}
