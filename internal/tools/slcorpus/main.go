// Command slcorpus runs files of the public sqllogictest corpus (SQLite's
// sqllogictest, e.g. github.com/gregrahn/sqllogictest) against an in-process
// Quiver engine in MySQL mode, and reports per-file pass rates, the first
// failures, and failures grouped by cause. It is a dev-time tool: the corpus
// is reference data kept outside this repository.
//
//	go run ./internal/tools/slcorpus [flags] <file|dir|glob>...
//
// A directory means every *.test file under it. Each file runs against a
// fresh engine and catalog (corpus.public, a memory schema). Records marked
// "skipif mysql" or "onlyif <other engine>" are skipped. A record that
// errors unexpectedly, returns other values, times out or panics counts as
// failed; the runner itself never stops on one.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/quiverdb/quiver/internal/tools/slcorpus/slt"
)

func main() {
	maxFail := flag.Int("max-failures", 5, "failures shown per file (0 = none)")
	timeout := flag.Duration("timeout", 10*time.Second, "time limit per record")
	noOpt := flag.Bool("no-optimizer", false, "run with the optimizer off")
	sample := flag.Int("sample", 0, "run at most this many files per argument, spread evenly (0 = all)")
	classes := flag.Int("classes", 25, "failure classes shown in the summary")
	engine := flag.String("engine", "mysql", "engine name for skipif/onlyif")
	slowest := flag.Int("slowest", 0, "show this many of each file's slowest records")
	provider := flag.String("provider", "memory", "where the corpus's tables live: memory, or sqlite (pushdown into SQLite files under -tmp)")
	tmp := flag.String("tmp", "", "directory for -provider sqlite files (default: the system's)")
	leaks := flag.Bool("leaks", false, "check each file for unreleased Arrow memory (slow: records a stack per allocation)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	dump := flag.String("dump", "", "append every failure (file, line, SQL, expected, got) to this file")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: slcorpus [flags] <file|dir|glob>...")
		flag.PrintDefaults()
		os.Exit(2)
	}
	var files []string
	for _, arg := range flag.Args() {
		fs, err := expand(arg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "slcorpus:", err)
			os.Exit(2)
		}
		files = append(files, pick(fs, *sample)...)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "slcorpus:", err)
			os.Exit(2)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "slcorpus:", err)
			os.Exit(2)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	var out io.Writer = io.Discard
	if *dump != "" {
		f, err := os.OpenFile(*dump, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "slcorpus:", err)
			os.Exit(2)
		}
		defer f.Close()
		out = f
	}
	opts := slt.Options{Engine: *engine, Timeout: *timeout, DisableOptimizer: *noOpt, KeepSlowest: *slowest, CheckLeaks: *leaks, Provider: *provider, TempDir: *tmp}
	var total slt.FileReport
	byClass := map[string]*class{}
	for _, path := range files {
		rep := runOne(path, opts)
		total.Run += rep.Run
		total.Pass += rep.Pass
		total.Fail += rep.Fail
		total.Skip += rep.Skip
		total.Abandoned += rep.Abandoned
		fmt.Printf("%-60s run %6d  pass %6d  fail %5d  skip %6d  %5.1f%%  %v", path, rep.Run, rep.Pass, rep.Fail, rep.Skip, pct(rep.Pass, rep.Run), rep.Elapsed.Round(time.Millisecond))
		if rep.LeakedBytes != 0 {
			fmt.Printf("  LEAKED %d bytes", rep.LeakedBytes)
		}
		if rep.Halted {
			fmt.Print("  (halted)")
		}
		fmt.Println()
		for _, tm := range rep.Slowest {
			fmt.Printf("  slow %v line %d: %s\n", tm.Elapsed.Round(time.Millisecond), tm.Record.Line, oneLine(tm.Record.SQL, 300))
		}
		for i, res := range rep.Results {
			if i < *maxFail {
				fmt.Printf("  line %d: %s\n    %s\n", res.Record.Line, oneLine(res.Record.SQL, 300), res.Detail)
			}
			key := classify(res)
			c := byClass[key]
			if c == nil {
				c = &class{name: key, example: fmt.Sprintf("%s:%d: %s", path, res.Record.Line, oneLine(res.Record.SQL, 200))}
				byClass[key] = c
			}
			c.n++
			fmt.Fprintf(out, "=== %s:%d [%s]\n%s\n--- expected\n%s\n--- got\n%s\n--- %s\n\n", path, res.Record.Line, key, res.Record.SQL,
				strings.Join(res.Record.Expected, "\n"), strings.Join(res.Got, "\n"), res.Detail)
		}
	}
	fmt.Printf("\nTOTAL %d files: run %d  pass %d  fail %d  skip %d  (%.1f%% passed)", len(files), total.Run, total.Pass, total.Fail, total.Skip, pct(total.Pass, total.Run))
	if total.Abandoned > 0 {
		fmt.Printf("  abandoned %d", total.Abandoned)
	}
	fmt.Println()
	list := make([]*class, 0, len(byClass))
	for _, c := range byClass {
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].n != list[j].n {
			return list[i].n > list[j].n
		}
		return list[i].name < list[j].name
	})
	if len(list) > 0 && *classes > 0 {
		fmt.Println("\nfailure classes:")
		for i, c := range list {
			if i == *classes {
				fmt.Printf("  ... %d more classes\n", len(list)-i)
				break
			}
			fmt.Printf("%7d  %s\n         e.g. %s\n", c.n, c.name, c.example)
		}
	}
}

type class struct {
	name, example string
	n             int
}

// runOne runs one file; a file that cannot be read or parsed is reported
// as such and counted as nothing.
func runOne(path string, opts slt.Options) slt.FileReport {
	recs, err := slt.ParseFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "slcorpus:", err)
		return slt.FileReport{Path: path}
	}
	rep, err := slt.RunFile(context.Background(), path, recs, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "slcorpus:", path, err)
	}
	return rep
}

// expand turns an argument into sorted .test files: a directory's tree, a
// glob's matches, or the file itself.
func expand(arg string) ([]string, error) {
	st, err := os.Stat(arg)
	if err == nil && !st.IsDir() {
		return []string{arg}, nil
	}
	if err == nil {
		var out []string
		err := filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".test") {
				out = append(out, p)
			}
			return err
		})
		sort.Strings(out)
		return out, err
	}
	m, err := filepath.Glob(arg)
	if err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("%s: no such file", arg)
	}
	var out []string
	for _, p := range m {
		sub, err := expand(p)
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
	}
	sort.Strings(out)
	return out, nil
}

// pick keeps at most n of files, spread evenly (n <= 0 keeps all).
func pick(files []string, n int) []string {
	if n <= 0 || len(files) <= n {
		return files
	}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, files[i*len(files)/n])
	}
	return out
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

var (
	quoted  = regexp.MustCompile("'[^']*'|`[^`]*`|\"[^\"]*\"")
	numbers = regexp.MustCompile(`-?\b\d+(\.\d+)?\b`)
	posInfo = regexp.MustCompile(`(?i)(line \d+ column \d+ )?near ".*$`)
)

// classify groups a failure by cause: the statement kind plus the error
// message with literals, numbers and positions masked, or the kind of
// result difference.
func classify(res slt.Result) string {
	d := res.Detail
	switch {
	case strings.HasPrefix(d, "wrong value count"):
		return res.Record.Kind.String() + ": wrong row count"
	case strings.HasPrefix(d, "wrong value"), d == "wrong result hash":
		return res.Record.Kind.String() + ": wrong values"
	}
	d = posInfo.ReplaceAllString(d, "")
	d = quoted.ReplaceAllString(d, "'?'")
	d = numbers.ReplaceAllString(d, "N")
	return res.Record.Kind.String() + ": " + oneLine(d, 140)
}
