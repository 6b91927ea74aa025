package matrix

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/errs"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseMarshalRoundTrip(t *testing.T) {
	in := []Result{
		{Client: "adbc-python", Feature: "query: fetch", OK: true, Detail: "5 rows <a&b>"},
		{Client: "adbc-python", Feature: "ingest: create", OK: false, Detail: "Unimplemented: ingest"},
	}
	data := Marshal(in)
	want := `{"client":"adbc-python","feature":"query: fetch","ok":true,"detail":"5 rows <a&b>"}` + "\n" +
		`{"client":"adbc-python","feature":"ingest: create","ok":false,"detail":"Unimplemented: ingest"}` + "\n"
	if string(data) != want {
		t.Fatalf("Marshal:\n%s\nwant:\n%s", data, want)
	}
	got, err := Parse("x", append([]byte("\n"), data...))
	if err != nil {
		t.Fatal(err)
	}
	if Diff(in, got) != "" || len(got) != 2 {
		t.Fatalf("round trip: %v", got)
	}
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ name, data, msg string }{
		{"unknown field", `{"client":"a","feature":"f","ok":true,"detail":"","extra":1}`, "not a compat result"},
		{"bad client", `{"client":"A B","feature":"f","ok":true,"detail":""}`, "client"},
		{"empty feature", `{"client":"a","feature":" ","ok":true,"detail":""}`, "feature"},
		{"duplicate", `{"client":"a","feature":"f","ok":true,"detail":""}` + "\n" + `{"client":"a","feature":"f","ok":false,"detail":""}`, "twice"},
		{"two objects", `{"client":"a","feature":"f","ok":true,"detail":""} {}`, "one JSON object"},
		{"not json", `ok`, "not a compat result"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("f.jsonl", []byte(tc.data))
			if err == nil || !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want ErrInvalid mentioning %q", err, tc.msg)
			}
		})
	}
}

func TestReadDirChecksFileClient(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, rs ...Result) {
		if err := os.WriteFile(filepath.Join(dir, name), Marshal(rs), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b.jsonl", Result{Client: "b", Feature: "f2", OK: true})
	write("a.jsonl", Result{Client: "a", Feature: "f1", OK: true}, Result{Client: "a", Feature: "f2", OK: false, Detail: "no"})
	write("ignored.txt")
	rs, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[0].Client != "a" || rs[2].Client != "b" {
		t.Fatalf("ReadDir order: %v", rs)
	}
	write("c.jsonl", Result{Client: "a", Feature: "f3", OK: true})
	if _, err := ReadDir(dir); err == nil || !strings.Contains(err.Error(), "only its own client") {
		t.Fatalf("a file with another client's results must be rejected, got %v", err)
	}
}

func TestRender(t *testing.T) {
	rs := []Result{
		{Client: "zeta", Feature: "query: select", OK: true, Detail: "3 rows"},
		{Client: "zeta", Feature: "ingest: create", OK: false, Detail: "Unimplemented | a\nb"},
		{Client: "alpha", Feature: "query: select", OK: false, Detail: "boom"},
		{Client: "alpha", Feature: "metadata: tables", OK: true, Detail: "ok"},
	}
	doc := string(Render(rs))
	for _, want := range []string{
		"| feature | alpha | zeta |\n|---|:-:|:-:|\n",
		"| query: select | ❌ | ✅ |\n",
		"| metadata: tables | ✅ |  |\n",
		"| ingest: create |  | ❌ |\n",
		"| **passed** | 1/2 | 1/2 |\n",
		"## alpha\n",
		"| ingest: create | ❌ | Unimplemented \\| a b |\n",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("rendering lacks %q:\n%s", want, doc)
		}
	}
	// Rows follow first appearance with clients sorted: alpha's features first.
	if strings.Index(doc, "| query: select |") > strings.Index(doc, "| metadata: tables |") ||
		strings.Index(doc, "| metadata: tables |") > strings.Index(doc, "| ingest: create |  |") {
		t.Errorf("row order:\n%s", doc)
	}
	if string(Render(rs)) != doc {
		t.Error("Render is not deterministic")
	}
	if !strings.Contains(string(Render(nil)), "No results recorded yet.") {
		t.Error("empty rendering")
	}
}

func TestDiff(t *testing.T) {
	was := []Result{
		{Client: "c", Feature: "a", OK: true, Detail: "x"},
		{Client: "c", Feature: "b", OK: false, Detail: "y"},
		{Client: "c", Feature: "gone", OK: true},
	}
	now := []Result{
		{Client: "c", Feature: "a", OK: false, Detail: "broke"},
		{Client: "c", Feature: "b", OK: true, Detail: "fixed"},
		{Client: "c", Feature: "new", OK: true},
	}
	d := Diff(was, now)
	for _, want := range []string{`REGRESSION "a"`, `improvement "b"`, `new feature "new"`, `feature "gone" no longer recorded`} {
		if !strings.Contains(d, want) {
			t.Errorf("Diff lacks %q:\n%s", want, d)
		}
	}
	if Diff(was, was) != "" {
		t.Error("Diff of equal results must be empty")
	}
	if !strings.Contains(Diff(was, []Result{was[1], was[0], was[2]}), "different order") {
		t.Error("reordering must be reported")
	}
}

func TestWriteFileIfChanged(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "f.md")
	for i, want := range []bool{true, false} {
		wrote, err := WriteFileIfChanged(p, []byte("x"))
		if err != nil || wrote != want {
			t.Fatalf("call %d: wrote=%v err=%v, want wrote=%v", i, wrote, err, want)
		}
	}
}
