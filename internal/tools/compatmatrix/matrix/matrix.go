// Package matrix reads the client compatibility results that Quiver's
// integration tests record and renders docs/compatibility.md from them.
//
// Each real-client test (ADBC Go and Python, flightsql-dbapi, pyarrow.flight,
// the JDBC drivers, database/sql) records one Result per feature it
// exercised, in a fixed order, into integration_test/compat/<client>.jsonl:
// one JSON object per line,
//
//	{"client":"adbc-python","feature":"query: fetch_arrow_table","ok":true,"detail":"5 rows"}
//
// Results come only from real runs: a test compares its fresh results with
// the committed file (a regression fails it; an improvement asks for a re-run
// with -update), and a test asserts docs/compatibility.md equals Render of the
// committed files, so the document cannot drift from what the clients do.
//
// Details must be deterministic (no ports, timings, query ids): they are
// compared byte for byte.
//
// Feature names are free text of the form "area: what", e.g. "query: ...",
// "parameters: ...", "metadata: ...", "ingest: ...", "session: ...",
// "DDL/DML: ...", "errors: ...". Clients that exercise the same thing should
// use the same name so the matrix lines them up in one row.
package matrix

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/quiverdb/quiver/errs"
)

// Result is one feature's outcome for one client. The zero value is not a
// valid result: Client and Feature are required.
type Result struct {
	// Client names the client, e.g. "adbc-python"; it is also the results
	// file's base name (integration_test/compat/<client>.jsonl).
	Client string `json:"client"`
	// Feature names what was exercised ("area: what").
	Feature string `json:"feature"`
	// OK is true only when the feature was exercised and behaved as the
	// test asserts.
	OK bool `json:"ok"`
	// Detail says what was checked, or why it failed. Deterministic text.
	Detail string `json:"detail"`
}

// validName is what a client name may look like (it becomes a file name).
var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// Validate reports whether r can be recorded.
func (r Result) Validate() error {
	if !validName.MatchString(r.Client) {
		return errs.Invalidf("compat result: client %q must match %s", r.Client, validName)
	}
	if strings.TrimSpace(r.Feature) == "" || strings.ContainsAny(r.Feature, "\n\r") {
		return errs.Invalidf("compat result for %s: feature %q must be one non-empty line", r.Client, r.Feature)
	}
	return nil
}

// Parse reads JSON lines of Results. It rejects unknown fields, invalid
// results and a feature recorded twice for one client; blank lines are
// ignored. name is used in error messages only.
func Parse(name string, data []byte) ([]Result, error) {
	var out []Result
	seen := map[[2]string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		var r Result
		if err := dec.Decode(&r); err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "%s:%d: not a compat result line", name, line)
		}
		if dec.More() {
			return nil, errs.Invalidf("%s:%d: one JSON object per line", name, line)
		}
		if err := r.Validate(); err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "%s:%d", name, line)
		}
		key := [2]string{r.Client, r.Feature}
		if seen[key] {
			return nil, errs.Invalidf("%s:%d: %s records feature %q twice", name, line, r.Client, r.Feature)
		}
		seen[key] = true
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "reading %s", name)
	}
	return out, nil
}

// Marshal renders results as canonical JSON lines (field order client,
// feature, ok, detail; no HTML escaping; one trailing newline per line).
func Marshal(results []Result) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, r := range results {
		_ = enc.Encode(r) // a struct of strings and a bool always encodes
	}
	return b.Bytes()
}

// ReadDir reads every *.jsonl file in dir. Each file must hold only results
// of the client its base name names. Results are returned file by file in
// file-name order, each file in its own order.
func ReadDir(dir string) ([]Result, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "listing %s", dir)
	}
	sort.Strings(paths)
	var all []Result
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, errs.Wrap(errs.ErrNotFound, err, "reading compat results")
		}
		rs, err := Parse(p, data)
		if err != nil {
			return nil, err
		}
		client := strings.TrimSuffix(filepath.Base(p), ".jsonl")
		for _, r := range rs {
			if r.Client != client {
				return nil, errs.Invalidf("%s holds a result of client %q; each file holds only its own client's results", p, r.Client)
			}
		}
		all = append(all, rs...)
	}
	return all, nil
}

// Render returns docs/compatibility.md for results: a client × feature
// matrix (rows in order of first appearance, clients sorted by name), then
// per client every feature with its detail. The output depends only on
// results; equal inputs give identical bytes.
func Render(results []Result) []byte {
	var clients []string
	byClient := map[string][]Result{}
	for _, r := range results {
		if _, ok := byClient[r.Client]; !ok {
			clients = append(clients, r.Client)
		}
		byClient[r.Client] = append(byClient[r.Client], r)
	}
	sort.Strings(clients)

	var features []string
	cell := map[[2]string]bool{}
	seenFeature := map[string]bool{}
	for _, c := range clients {
		for _, r := range byClient[c] {
			if !seenFeature[r.Feature] {
				seenFeature[r.Feature] = true
				features = append(features, r.Feature)
			}
			cell[[2]string{r.Feature, c}] = r.OK
		}
	}

	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Client compatibility\n\n")
	w("<!-- Generated by `go run ./internal/tools/compatmatrix` from integration_test/compat/*.jsonl. Do not edit. -->\n\n")
	w("What each Flight SQL client can do against Quiver, as measured by the client\n")
	w("integration tests (`make test`) with the real client libraries. Each test\n")
	w("records its results in `integration_test/compat/<client>.jsonl` and fails when\n")
	w("a fresh run differs from the committed file; this page is rendered from those\n")
	w("files and a test keeps it in sync. To refresh after an improvement:\n")
	w("`go test ./integration_test -run 'TestCompat|<the client test>' -update`.\n\n")
	w("✅ works (exercised and checked) · ❌ fails (see the client's section) · blank: not exercised with that client.\n\n")
	if len(clients) == 0 {
		w("No results recorded yet.\n")
		return b.Bytes()
	}

	w("| feature |")
	for _, c := range clients {
		w(" %s |", c)
	}
	w("\n|---|")
	for range clients {
		w(":-:|")
	}
	w("\n")
	for _, f := range features {
		w("| %s |", cellText(f))
		for _, c := range clients {
			ok, ran := cell[[2]string{f, c}]
			switch {
			case !ran:
				w("  |")
			case ok:
				w(" ✅ |")
			default:
				w(" ❌ |")
			}
		}
		w("\n")
	}
	w("| **passed** |")
	for _, c := range clients {
		n := 0
		for _, r := range byClient[c] {
			if r.OK {
				n++
			}
		}
		w(" %d/%d |", n, len(byClient[c]))
	}
	w("\n")

	for _, c := range clients {
		w("\n## %s\n\n", c)
		w("| feature | result | detail |\n|---|:-:|---|\n")
		for _, r := range byClient[c] {
			mark := "✅"
			if !r.OK {
				mark = "❌"
			}
			w("| %s | %s | %s |\n", cellText(r.Feature), mark, cellText(r.Detail))
		}
	}
	return b.Bytes()
}

// cellText makes s safe inside a Markdown table cell.
func cellText(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "|", `\|`).Replace(s)
	return strings.TrimSpace(s)
}

// WriteFileIfChanged writes data to path unless the file already holds
// exactly data. It reports whether it wrote.
func WriteFileIfChanged(path string, data []byte) (bool, error) {
	old, err := os.ReadFile(path)
	if err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, errs.Wrap(errs.ErrInvalid, err, "creating the directory of %s", path)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return false, errs.Wrap(errs.ErrInvalid, err, "writing %s", path)
	}
	return true, nil
}

// Diff describes how got differs from want, line by line, for test failure
// messages; "" when equal.
func Diff(want, got []Result) string {
	wantIdx := map[[2]string]Result{}
	for _, r := range want {
		wantIdx[[2]string{r.Client, r.Feature}] = r
	}
	gotIdx := map[[2]string]Result{}
	for _, r := range got {
		gotIdx[[2]string{r.Client, r.Feature}] = r
	}
	var b strings.Builder
	for _, g := range got {
		k := [2]string{g.Client, g.Feature}
		w, ok := wantIdx[k]
		switch {
		case !ok:
			fmt.Fprintf(&b, "new feature %q: ok=%v %s\n", g.Feature, g.OK, g.Detail)
		case w.OK && !g.OK:
			fmt.Fprintf(&b, "REGRESSION %q: was ok (%s), now fails: %s\n", g.Feature, w.Detail, g.Detail)
		case !w.OK && g.OK:
			fmt.Fprintf(&b, "improvement %q: was failing (%s), now ok: %s\n", g.Feature, w.Detail, g.Detail)
		case w.Detail != g.Detail:
			fmt.Fprintf(&b, "detail of %q changed (ok=%v):\n  was: %s\n  now: %s\n", g.Feature, g.OK, w.Detail, g.Detail)
		}
	}
	for _, w := range want {
		if _, ok := gotIdx[[2]string{w.Client, w.Feature}]; !ok {
			fmt.Fprintf(&b, "feature %q no longer recorded (was ok=%v)\n", w.Feature, w.OK)
		}
	}
	if b.Len() == 0 && !bytes.Equal(Marshal(want), Marshal(got)) {
		b.WriteString("same results in a different order\n")
	}
	return b.String()
}
