package slt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec"
	memsrc "github.com/quiverdb/quiver/sources/memory"
	"github.com/quiverdb/quiver/sources/sqlite"
)

// Outcome is what happened to one record.
type Outcome int

// The outcomes.
const (
	Passed Outcome = iota
	Failed
	Skipped
)

// Result is one record's outcome. Detail says what went wrong for a failure:
// the engine's error ("<kind>: <message>"), "timeout", "panic: ...", or the
// difference from the expected values.
type Result struct {
	Record  Record
	Outcome Outcome
	Detail  string
	Got     []string // a failed query's rendered values (after sorting), when it ran
}

// Options configure a Runner.
type Options struct {
	// Engine is the engine name skipif/onlyif lines are matched against;
	// default "mysql".
	Engine string
	// Timeout bounds one record (prepare, execute and reading the result);
	// default 10s. A record still running Timeout plus a grace second after
	// its context was cancelled is abandoned (its goroutine keeps running)
	// and counted as failed.
	Timeout time.Duration
	// DisableOptimizer runs plans as written (exec.Config.DisableOptimizer).
	DisableOptimizer bool
	// CheckLeaks allocates through a memory.CheckedAllocator and reports
	// the bytes still held after each file (FileReport.LeakedBytes). It
	// records a stack per allocation, which slows queries down severalfold.
	CheckLeaks bool
	// Provider holds the tables the file creates: "memory" (default; the
	// engine's writable memory schema) or "sqlite" (a fresh SQLite file in
	// TempDir per corpus file, so that filters, TopN and aggregates are
	// pushed into SQLite: a differential test of pushdown).
	Provider string
	// TempDir is where "sqlite" puts its files (default os.TempDir()); each
	// is removed when its corpus file is done.
	TempDir string
	// KeepSlowest is how many of the slowest records FileReport.Slowest
	// keeps; 0 = none.
	KeepSlowest int
}

// Timing is how long one record took.
type Timing struct {
	Record  Record
	Elapsed time.Duration
}

// FileReport sums up one file's run.
type FileReport struct {
	Path                  string
	Run, Pass, Fail, Skip int
	Results               []Result // failures only, in file order
	Slowest               []Timing // the Options.KeepSlowest slowest records, slowest first
	Halted                bool     // a halt record stopped the run
	LeakedBytes           int64    // with Options.CheckLeaks, bytes still held after the file's tables were released
	Abandoned             int      // records whose goroutine never returned
	Elapsed               time.Duration
}

// RunFile runs the records of one corpus file against a fresh in-process
// engine whose session catalog is corpus.public, a writable memory schema.
// It never panics and never returns early on a record's failure; the error
// is only for a file it could not set up.
func RunFile(ctx context.Context, path string, recs []Record, o Options) (rep FileReport, err error) {
	if o.Engine == "" {
		o.Engine = "mysql"
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	start := time.Now()
	rep.Path = path
	root := catalog.NewRoot()
	c := catalog.NewCatalog("corpus")
	schema, release, err := newSchema(o)
	if err != nil {
		return rep, err
	}
	defer release()
	if err := c.AddSchema("public", schema); err != nil {
		return rep, err
	}
	if err := root.Add(c); err != nil {
		return rep, err
	}
	var alloc memory.Allocator = memory.NewGoAllocator()
	var checked *memory.CheckedAllocator
	if o.CheckLeaks {
		checked = memory.NewCheckedAllocator(alloc)
		alloc = checked
	}
	eng := exec.New(exec.Config{Root: root, DisableOptimizer: o.DisableOptimizer, Parallelism: 1})
	opts := catalog.Options{QueryID: "slcorpus", Catalog: "corpus", Schema: "public"}
	for _, r := range recs {
		if r.Skipped(o.Engine) {
			rep.Skip++
			continue
		}
		switch r.Kind {
		case HashThreshold:
			continue // expectations carry their own hash lines (see Compare)
		case Halt:
			rep.Halted = true
		}
		if rep.Halted {
			break
		}
		rep.Run++
		t0 := time.Now()
		res, abandoned := runRecord(ctx, eng, opts, alloc, r, o.Timeout)
		rep.Slowest = keepSlowest(rep.Slowest, Timing{Record: r, Elapsed: time.Since(t0)}, o.KeepSlowest)
		if abandoned {
			rep.Abandoned++
		}
		if res.Outcome == Passed {
			rep.Pass++
			continue
		}
		rep.Fail++
		rep.Results = append(rep.Results, res)
	}
	release()
	if checked != nil && rep.Abandoned == 0 {
		rep.LeakedBytes = int64(checked.CurrentAlloc())
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// keepSlowest inserts t into ts (slowest first) and keeps at most n.
func keepSlowest(ts []Timing, t Timing, n int) []Timing {
	if n <= 0 || (len(ts) == n && ts[n-1].Elapsed >= t.Elapsed) {
		return ts
	}
	i := sort.Search(len(ts), func(i int) bool { return ts[i].Elapsed < t.Elapsed })
	ts = append(ts, Timing{})
	copy(ts[i+1:], ts[i:])
	ts[i] = t
	if len(ts) > n {
		ts = ts[:n]
	}
	return ts
}

// newSchema makes the writable schema a file's tables live in; release
// frees it (and may be called more than once).
func newSchema(o Options) (catalog.Schema, func(), error) {
	switch o.Provider {
	case "", "memory":
		s := memsrc.NewSchema("public")
		var once sync.Once
		return s, func() { once.Do(s.Release) }, nil
	case "sqlite":
		f, err := os.CreateTemp(o.TempDir, "slcorpus-*.db")
		if err != nil {
			return nil, nil, err
		}
		path := f.Name()
		f.Close()
		s, err := sqlite.OpenSchema(sqlite.Config{Path: path})
		if err != nil {
			os.Remove(path)
			return nil, nil, err
		}
		var once sync.Once
		return s, func() {
			once.Do(func() {
				s.Close()
				os.Remove(path)
			})
		}, nil
	}
	return nil, nil, fmt.Errorf("unknown provider %q (want memory or sqlite)", o.Provider)
}

type outcome struct {
	vals []string
	err  error
}

// runRecord runs r on its own goroutine under a timeout, recovering panics.
func runRecord(ctx context.Context, eng *exec.Engine, opts catalog.Options, mem memory.Allocator, r Record, timeout time.Duration) (Result, bool) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if p := recover(); p != nil {
				o = outcome{err: errs.Internalf("panic: %v\n%s", p, debug.Stack())}
			}
			done <- o
		}()
		o.vals, o.err = execute(ctx, eng, opts, mem, r)
	}()
	var o outcome
	select {
	case o = <-done:
	case <-ctx.Done():
		select {
		case o = <-done:
		case <-time.After(time.Second):
			return Result{Record: r, Outcome: Failed, Detail: "timeout (abandoned)"}, true
		}
	}
	if ctx.Err() != nil && o.err != nil {
		o.err = fmt.Errorf("timeout after %v: %w", timeout, o.err)
	}
	switch r.Kind {
	case StatementOK:
		if o.err != nil {
			return Result{Record: r, Outcome: Failed, Detail: ErrorText(o.err)}, false
		}
	case StatementError:
		if o.err == nil {
			return Result{Record: r, Outcome: Failed, Detail: "expected an error, statement succeeded"}, false
		}
	case Query:
		if o.err != nil {
			return Result{Record: r, Outcome: Failed, Detail: ErrorText(o.err)}, false
		}
		SortValues(o.vals, len(r.Types), r.Sort)
		if d := Compare(r, o.vals); d != "" {
			return Result{Record: r, Outcome: Failed, Detail: d, Got: o.vals}, false
		}
	}
	return Result{Record: r, Outcome: Passed}, false
}

// execute prepares and runs r's SQL; for a query it returns the rendered
// values, for a statement it drains the result.
func execute(ctx context.Context, eng *exec.Engine, opts catalog.Options, mem memory.Allocator, r Record) ([]string, error) {
	st, err := eng.Prepare(ctx, opts, r.SQL)
	if err != nil {
		return nil, err
	}
	rr, err := st.Execute(ctx, mem, nil)
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	if r.Kind != Query {
		for rr.Next() {
		}
		return nil, rr.Err()
	}
	return Values(rr, r.Types)
}

// ErrorText is "<kind>: <message>" for an error carrying an errs kind, with
// only the message's first line (stacks of recovered panics are cut).
func ErrorText(err error) string {
	msg := err.Error()
	if k := strings.IndexByte(msg, '\n'); k >= 0 {
		msg = msg[:k]
	}
	for _, k := range []error{errs.ErrInvalid, errs.ErrNotFound, errs.ErrAlreadyExists, errs.ErrNotImplemented,
		errs.ErrResourceExhausted, errs.ErrUnavailable, errs.ErrPermission, errs.ErrInternal} {
		if errors.Is(err, k) {
			return k.Error() + ": " + msg
		}
	}
	return "no kind: " + msg
}
