// Command compatmatrix renders docs/compatibility.md from the client
// compatibility results the integration tests record in
// integration_test/compat/*.jsonl (see package matrix for the format).
//
// Run from the repository root:
//
//	go run ./internal/tools/compatmatrix          # rewrite docs/compatibility.md
//	go run ./internal/tools/compatmatrix -check   # exit 1 if it is out of date
//
// The results themselves are written only by the client tests
// (`go test ./integration_test -update`), never by hand.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/quiverdb/quiver/internal/tools/compatmatrix/matrix"
)

func main() {
	dir := flag.String("dir", "integration_test/compat", "directory of <client>.jsonl result files")
	out := flag.String("out", "docs/compatibility.md", "Markdown file to write")
	check := flag.Bool("check", false, "do not write; exit 1 if -out differs from the rendering")
	flag.Parse()
	if err := run(*dir, *out, *check); err != nil {
		fmt.Fprintln(os.Stderr, "compatmatrix:", err)
		os.Exit(1)
	}
}

func run(dir, out string, check bool) error {
	results, err := matrix.ReadDir(dir)
	if err != nil {
		return err
	}
	doc := matrix.Render(results)
	if check {
		have, err := os.ReadFile(out)
		if err != nil {
			return err
		}
		if !bytes.Equal(have, doc) {
			return fmt.Errorf("%s is out of date: run `go run ./internal/tools/compatmatrix`", out)
		}
		return nil
	}
	wrote, err := matrix.WriteFileIfChanged(out, doc)
	if err != nil {
		return err
	}
	if wrote {
		fmt.Fprintf(os.Stderr, "compatmatrix: wrote %s (%d results)\n", out, len(results))
	}
	return nil
}
