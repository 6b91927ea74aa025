// Package sourcetest is the conformance kit every Quiver provider runs
// (STYLE.md habit 10). A provider's test builds a Harness — a way to make a
// fresh table with known data, plus filters worth pushing — and calls Run:
//
//	func TestConformance(t *testing.T) {
//		sourcetest.Run(t, sourcetest.Harness{
//			New:     func(t testing.TB) catalog.Table { return newTestTable(t) },
//			Filters: []expr.Expr{sourcetest.Cmp(schema, "id", expr.OpGt, 3)},
//		})
//	}
//
// Run checks the catalog contract, each check its own subtest:
//   - projection: output has exactly the asked columns, in order (nil = all,
//     empty = row count only); out-of-range indexes are an error, not a panic;
//   - partitions: the union of all partitions, read in parallel, equals the
//     full contents as a multiset (each row exactly once); several scans of
//     one table at once agree (goroutine safety);
//   - filters: every verdict from SupportsFilters is honoured: Exact output
//     equals the reference rows filtered by the engine (expr.Eval), Inexact
//     output is a superset that re-filters to the same rows; also with a
//     projection that leaves the filtered columns out, and all filters ANDed;
//   - limits: with only Exact filters, Limit n yields at least
//     min(n, matching) rows and never a row that fails the filters;
//   - statistics: every statistic marked Exact is true of the data;
//   - laziness: Scan (and SupportsFilters) do no I/O (with Harness.IOCount);
//   - cancellation: Open+Next under a cancelled context fails promptly with
//     an error that wraps context.Canceled;
//   - codec: encoded partitions decoded on a fresh table instance produce the
//     same rows; garbage input is an error, never a panic;
//   - TopN (TopNPushdowner tables): every accepted order, with each all-Exact
//     filter set and several limits, returns only matching rows, enough of
//     them, and the engine's TopN over them equals the engine's TopN over
//     all matching rows (on the sort keys, VARCHAR keys under the engine's
//     collation; tied rows may differ); with a PartitionCodec, the pushed
//     scan's partitions also pass after an encode/decode round trip on a
//     fresh table;
//   - aggregates (AggregatePushdowner tables): every accepted GROUP BY gives
//     the engine's HashAggregate result over the matching rows (VARCHAR
//     keys grouped under the collation, as the engine's plans do), also
//     projected and as a bare row count, and, with a PartitionCodec, after
//     an encode/decode round trip; the schema is the request's;
//   - insert (Insertable tables): rows become visible all at once; a
//     cancelled or mismatched insert leaves nothing behind.
//
// Rows are compared order-insensitively as canonical strings (see RowStrings).
// The kit allocates through checked allocators and fails on leaks, its own
// or the provider's.
package sourcetest

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// Harness describes a provider's table under test. Only New is required.
type Harness struct {
	// New returns a fresh table holding the harness's known data. The kit
	// calls it several times; every call must produce the same contents
	// (PartitionCodec is checked by decoding on a second instance, as on
	// another node). Use t.Cleanup for anything the table holds.
	New func(t testing.TB) catalog.Table

	// Filters are predicates worth pushing, bound against Table.Schema()
	// (Column.Index is a field index of the full schema). The kit asks
	// SupportsFilters about each one alone and about all of them together.
	Filters []expr.Expr

	// Want, when set, is the table's expected full contents (any batch
	// split). The harness owns these batches; the kit never releases them.
	// When nil, a full scan with no pushdown is the reference.
	Want []arrow.RecordBatch

	// IOCount, when set, returns a counter the provider bumps on every I/O
	// (file open, network call, data generation). The kit checks that
	// planning leaves it unchanged and that reading moves it. It is read
	// right after a call to New and must count that table's I/O (a counter
	// shared by all tables New returns works, as does "the last one's").
	IOCount func() int64

	// Limits are the Limit values tried; nil means 0, 1, 2, 3, n-1, n, n+5
	// for a table of n rows.
	Limits []int64

	// Options are passed in every ScanRequest.
	Options catalog.Options

	// AllowEmpty accepts a table with no rows (most checks are vacuous then,
	// so by default an empty table is a harness mistake).
	AllowEmpty bool

	// TopN are the orders tried on a catalog.TopNPushdowner; nil: each
	// column alone, both directions, both NULL placements, and two pairs.
	TopN [][]catalog.SortKey

	// Aggregates are the GROUP BYs tried on a catalog.AggregatePushdowner;
	// nil: COUNT(*) by each column, and each aggregate the engine accepts
	// on each column, globally and grouped.
	Aggregates []AggregateCase
}

// Run runs every conformance check against h, each as a subtest.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("sourcetest: Harness.New is required")
	}
	k := &kit{h: h}
	t.Run("Reference", k.checkReference)
	if t.Failed() {
		return
	}
	t.Run("Projection", k.checkProjection)
	t.Run("PartitionsCoverOnce", k.checkPartitions)
	t.Run("ConcurrentScans", k.checkConcurrent)
	t.Run("Filters", k.checkFilters)
	t.Run("Limit", k.checkLimits)
	t.Run("Statistics", k.checkStatistics)
	t.Run("LazyIO", k.checkLazy)
	t.Run("Cancellation", k.checkCancel)
	t.Run("PartitionCodec", k.checkCodec)
	t.Run("TopN", k.checkTopN)
	t.Run("Aggregates", k.checkAggregates)
	t.Run("Insert", k.checkInsert)
}

type kit struct {
	h Harness
	// ref is the full contents as canonical rows of the full schema.
	ref []string
	// refBatches are the full contents, allocated from refMem.
	schema *arrow.Schema
}

// newMem returns a checked allocator that fails t if anything is left
// allocated when the test ends.
func newMem(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

func (k *kit) newTable(t testing.TB) catalog.Table {
	t.Helper()
	tbl := k.h.New(t)
	if tbl == nil {
		t.Fatal("Harness.New returned a nil table")
	}
	if tbl.Schema() == nil {
		t.Fatal("Table.Schema() is nil")
	}
	return tbl
}

func (k *kit) req() catalog.ScanRequest {
	return catalog.ScanRequest{Limit: -1, Options: k.h.Options}
}

// withBatches reads the reference contents as batches (from Want or a full
// scan) and calls f with them; they are released after f returns.
func (k *kit) withBatches(t *testing.T, mem memory.Allocator, f func([]arrow.RecordBatch)) {
	t.Helper()
	if k.h.Want != nil {
		f(k.h.Want)
		return
	}
	tbl := k.newTable(t)
	bs := ReadBatches(t, tbl, k.req(), mem)
	defer releaseAll(bs)
	f(bs)
}

func (k *kit) checkReference(t *testing.T) {
	mem := newMem(t)
	tbl := k.newTable(t)
	k.schema = tbl.Schema()
	full := ReadRows(t, tbl, k.req(), mem)
	if k.h.Want != nil {
		want := RowStrings(k.h.Want)
		for _, b := range k.h.Want {
			if !fieldsEqual(b.Schema().Fields(), k.schema.Fields()) {
				t.Fatalf("Harness.Want schema %s differs from Table.Schema() %s", b.Schema(), k.schema)
			}
		}
		diffRows(t, "full scan vs Harness.Want", full, want)
		k.ref = want
	} else {
		k.ref = full
	}
	if len(k.ref) == 0 && !k.h.AllowEmpty {
		t.Fatal("the harness table has no rows: most checks would be vacuous (set AllowEmpty if intended)")
	}
}

// ---------------------------------------------------------------- projection

func (k *kit) checkProjection(t *testing.T) {
	mem := newMem(t)
	tbl := k.newTable(t)
	n := len(k.schema.Fields())
	projs := [][]int{nil, {}}
	for i := 0; i < n; i++ {
		projs = append(projs, []int{i})
	}
	rev := make([]int, n)
	for i := range rev {
		rev[i] = n - 1 - i
	}
	projs = append(projs, rev)
	k.withBatches(t, mem, func(ref []arrow.RecordBatch) {
		for _, p := range projs {
			req := k.req()
			req.Projection = p
			scan, err := safeScan(context.Background(), tbl, req)
			if err != nil {
				t.Errorf("Scan(projection=%v): %v", fmtProj(p), err)
				continue
			}
			wantFields := projectFields(k.schema, p)
			if !fieldsEqual(scan.Schema().Fields(), wantFields) {
				t.Errorf("Scan(projection=%v).Schema() = %s, want fields %v", fmtProj(p), scan.Schema(), wantFields)
				continue
			}
			got, nrows := readScan(t, scan, mem)
			if p != nil && len(p) == 0 {
				if nrows != int64(len(k.ref)) {
					t.Errorf("empty projection returned %d rows, want %d", nrows, len(k.ref))
				}
				continue
			}
			diffRows(t, fmt.Sprintf("projection=%v", fmtProj(p)), got, projectedRows(ref, p))
		}
	})
	// Out-of-range projections are request errors, not panics.
	for _, bad := range [][]int{{n}, {-1}} {
		req := k.req()
		req.Projection = bad
		if _, err := safeScan(context.Background(), tbl, req); err == nil {
			t.Errorf("Scan(projection=%v) on a %d-column table: want an error, got none", bad, n)
		} else if isPanic(err) {
			t.Errorf("Scan(projection=%v) panicked: %v", bad, err)
		}
	}
}

// ---------------------------------------------------------------- partitions

func (k *kit) checkPartitions(t *testing.T) {
	mem := newMem(t)
	tbl := k.newTable(t)
	scan, err := safeScan(context.Background(), tbl, k.req())
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	parts := scan.Partitions()
	// Read every partition on its own goroutine, like the engine does.
	results := make([][]string, len(parts))
	errsOut := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errsOut[i] = fmt.Errorf("partition %d panicked: %v\n%s", i, r, debug.Stack())
				}
			}()
			results[i], _, errsOut[i] = readPartition(context.Background(), p, scan.Schema(), mem)
		}()
	}
	wg.Wait()
	var all []string
	for i := range parts {
		if errsOut[i] != nil {
			t.Errorf("partition %d of %d: %v", i, len(parts), errsOut[i])
		}
		all = append(all, results[i]...)
	}
	diffRows(t, fmt.Sprintf("union of %d partitions read in parallel", len(parts)), all, k.ref)
	// The same Scan must be readable again (partitions are plans, not streams).
	again, _ := readScan(t, scan, mem)
	diffRows(t, "second read of the same Scan", again, k.ref)
}

// checkConcurrent plans and reads one table from several goroutines at
// once (Table must be safe for concurrent use; run with -race to see data
// races).
func (k *kit) checkConcurrent(t *testing.T) {
	mem := newMem(t)
	tbl := k.newTable(t)
	const n = 4
	results := make([][]string, n)
	errsOut := make([]error, n)
	var wg sync.WaitGroup
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errsOut[g] = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
				}
			}()
			scan, err := safeScan(context.Background(), tbl, k.req())
			if err != nil {
				errsOut[g] = err
				return
			}
			for _, p := range scan.Partitions() {
				rows, _, err := readPartition(context.Background(), p, scan.Schema(), mem)
				if err != nil {
					errsOut[g] = err
					return
				}
				results[g] = append(results[g], rows...)
			}
		}()
	}
	wg.Wait()
	for g := 0; g < n; g++ {
		if errsOut[g] != nil {
			t.Errorf("concurrent scan %d: %v", g, errsOut[g])
			continue
		}
		diffRows(t, fmt.Sprintf("concurrent scan %d", g), results[g], k.ref)
	}
}

// ---------------------------------------------------------------- filters

type filterCase struct {
	name     string
	filters  []expr.Expr
	verdicts []catalog.Verdict
}

// negotiate asks the table about each filter alone and all together, and
// returns the accepted combinations.
func (k *kit) negotiate(t *testing.T, tbl catalog.Table) []filterCase {
	t.Helper()
	fp, ok := tbl.(catalog.FilterPushdowner)
	if !ok || len(k.h.Filters) == 0 {
		return nil
	}
	var cases []filterCase
	ask := func(name string, fs []expr.Expr) {
		vs, err := safeSupports(fp, fs)
		if err != nil {
			t.Errorf("SupportsFilters(%s): %v", name, err)
			return
		}
		if len(vs) != len(fs) {
			t.Errorf("SupportsFilters(%s) returned %d verdicts for %d filters", name, len(vs), len(fs))
			return
		}
		var acc []expr.Expr
		var accV []catalog.Verdict
		for i, v := range vs {
			switch v {
			case catalog.FilterExact, catalog.FilterInexact:
				acc = append(acc, fs[i])
				accV = append(accV, v)
			case catalog.FilterUnsupported:
			default:
				t.Errorf("SupportsFilters(%s): verdict %d for %s is not a known Verdict", name, v, fs[i])
			}
		}
		if len(acc) > 0 {
			cases = append(cases, filterCase{name: name, filters: acc, verdicts: accV})
		}
	}
	for _, f := range k.h.Filters {
		ask(f.String(), []expr.Expr{f})
	}
	if len(k.h.Filters) > 1 {
		ask("all filters", k.h.Filters)
	}
	// Verdicts must be stable: asking twice gives the same answers.
	vs1, err1 := safeSupports(fp, k.h.Filters)
	vs2, err2 := safeSupports(fp, k.h.Filters)
	if err1 == nil && err2 == nil && fmt.Sprint(vs1) != fmt.Sprint(vs2) {
		t.Errorf("SupportsFilters is not deterministic: %v then %v", vs1, vs2)
	}
	return cases
}

func allExact(vs []catalog.Verdict) bool {
	for _, v := range vs {
		if v != catalog.FilterExact {
			return false
		}
	}
	return true
}

func (k *kit) checkFilters(t *testing.T) {
	mem := newMem(t)
	tbl := k.newTable(t)
	cases := k.negotiate(t, tbl)
	if len(cases) == 0 {
		t.Logf("no filter was accepted (no FilterPushdowner or every verdict Unsupported)")
		return
	}
	k.withBatches(t, mem, func(ref []arrow.RecordBatch) {
		for _, c := range cases {
			want := filterRows(t, c.filters, ref, mem, nil)
			req := k.req()
			req.Filters = c.filters
			scan, err := safeScan(context.Background(), tbl, req)
			if err != nil {
				t.Errorf("Scan(filters=%s): %v", c.name, err)
				continue
			}
			if allExact(c.verdicts) {
				got, _ := readScan(t, scan, mem)
				diffRows(t, fmt.Sprintf("Exact filters [%s]", c.name), got, want)
				// The same with a projection that drops the filtered columns.
				p := projectionAvoiding(k.schema, c.filters)
				req.Projection = p
				scan, err = safeScan(context.Background(), tbl, req)
				if err != nil {
					t.Errorf("Scan(filters=%s, projection=%v): %v", c.name, fmtProj(p), err)
					continue
				}
				got, nrows := readScan(t, scan, mem)
				if len(p) == 0 {
					if nrows != int64(len(want)) {
						t.Errorf("Exact filters [%s] with empty projection: %d rows, want %d", c.name, nrows, len(want))
					}
				} else {
					diffRows(t, fmt.Sprintf("Exact filters [%s] projection=%v", c.name, fmtProj(p)), got, filterRows(t, c.filters, ref, mem, p))
				}
				continue
			}
			// Inexact somewhere: the output must contain every matching row,
			// and re-filtering it must give exactly the matching rows.
			bs := readScanBatches(t, scan, mem)
			got := RowStrings(bs)
			missing := subtract(want, got)
			if len(missing) > 0 {
				t.Errorf("Inexact filters [%s] dropped %d matching rows, e.g. %s", c.name, len(missing), missing[0])
			}
			refiltered := filterRows(t, c.filters, bs, mem, nil)
			releaseAll(bs)
			diffRows(t, fmt.Sprintf("Inexact filters [%s] re-filtered", c.name), refiltered, want)
		}
	})
}

// ---------------------------------------------------------------- limits

func (k *kit) checkLimits(t *testing.T) {
	mem := newMem(t)
	tbl := k.newTable(t)
	type set struct {
		name    string
		filters []expr.Expr
	}
	sets := []set{{name: "no filters"}}
	for _, c := range k.negotiate(t, tbl) {
		if allExact(c.verdicts) {
			sets = append(sets, set{name: c.name, filters: c.filters})
		}
	}
	k.withBatches(t, mem, func(ref []arrow.RecordBatch) {
		for _, s := range sets {
			matching := k.ref
			if len(s.filters) > 0 {
				matching = filterRows(t, s.filters, ref, mem, nil)
			}
			limits := k.h.Limits
			if limits == nil {
				n := int64(len(matching))
				limits = []int64{0, 1, 2, 3, n - 1, n, n + 5}
			}
			for _, n := range limits {
				if n < 0 {
					continue
				}
				req := k.req()
				req.Filters = s.filters
				req.Limit = n
				scan, err := safeScan(context.Background(), tbl, req)
				if err != nil {
					t.Errorf("Scan(limit=%d, filters=%s): %v", n, s.name, err)
					continue
				}
				got, _ := readScan(t, scan, mem)
				if min := minInt64(n, int64(len(matching))); int64(len(got)) < min {
					t.Errorf("Scan(limit=%d, filters=%s) returned %d rows, want at least %d", n, s.name, len(got), min)
				}
				if extra := subtract(got, matching); len(extra) > 0 {
					t.Errorf("Scan(limit=%d, filters=%s) returned %d rows that are not in the table or fail an Exact filter, e.g. %s",
						n, s.name, len(extra), extra[0])
				}
			}
		}
	})
}

func minInt64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

// ---------------------------------------------------------------- statistics

func (k *kit) checkStatistics(t *testing.T) {
	mem := newMem(t)
	tbl := k.newTable(t)
	sp, ok := tbl.(catalog.StatisticsProvider)
	if !ok {
		t.Logf("table has no StatisticsProvider")
		return
	}
	st, err := safeStats(sp)
	if err != nil {
		t.Fatalf("Statistics: %v", err)
	}
	checkCount(t, "NumRows", st.NumRows, int64(len(k.ref)))
	if st.TotalBytes.Precision != catalog.Absent && st.TotalBytes.Value < 0 {
		t.Errorf("TotalBytes = %d (%s), negative", st.TotalBytes.Value, st.TotalBytes.Precision)
	}
	if st.Columns == nil {
		return
	}
	if len(st.Columns) != len(k.schema.Fields()) {
		t.Fatalf("Statistics.Columns has %d entries, schema has %d fields", len(st.Columns), len(k.schema.Fields()))
	}
	k.withBatches(t, mem, func(ref []arrow.RecordBatch) {
		for i, f := range k.schema.Fields() {
			cs := st.Columns[i]
			prof := profileColumn(ref, i)
			checkCount(t, f.Name+".NullCount", cs.NullCount, prof.nulls)
			checkCount(t, f.Name+".DistinctCount", cs.DistinctCount, int64(len(prof.distinct)))
			checkBound(t, f.Name+".Min", cs.Min, prof, true)
			checkBound(t, f.Name+".Max", cs.Max, prof, false)
		}
	})
}

func checkCount(t *testing.T, what string, c catalog.Count, actual int64) {
	t.Helper()
	switch c.Precision {
	case catalog.Exact:
		if c.Value != actual {
			t.Errorf("%s = %d (Exact), but the data has %d", what, c.Value, actual)
		}
	case catalog.Inexact:
		if c.Value < 0 {
			t.Errorf("%s = %d (Inexact), negative", what, c.Value)
		}
	}
}

func checkBound(t *testing.T, what string, b catalog.Bound, prof columnProfile, isMin bool) {
	t.Helper()
	if b.Precision != catalog.Exact {
		return
	}
	if !prof.comparable {
		t.Logf("%s is Exact, but the kit cannot compare values of type %s", what, prof.typ)
		return
	}
	want := prof.max
	if isMin {
		want = prof.min
	}
	if want == nil {
		if b.Value != nil {
			t.Errorf("%s = %v (Exact), but the column has no non-null value", what, b.Value)
		}
		return
	}
	if c, ok := compareValues(b.Value, want); !ok || c != 0 {
		t.Errorf("%s = %#v (%T, Exact), but the data's is %#v (%T)", what, b.Value, b.Value, want, want)
	}
}

// ---------------------------------------------------------------- laziness

func (k *kit) checkLazy(t *testing.T) {
	if k.h.IOCount == nil {
		t.Logf("Harness.IOCount not set: only checking that planning succeeds")
	}
	mem := newMem(t)
	tbl := k.newTable(t)
	count := func() int64 {
		if k.h.IOCount == nil {
			return 0
		}
		return k.h.IOCount()
	}
	before := count()
	if fp, ok := tbl.(catalog.FilterPushdowner); ok && len(k.h.Filters) > 0 {
		if _, err := safeSupports(fp, k.h.Filters); err != nil {
			t.Errorf("SupportsFilters: %v", err)
		}
	}
	req := k.req()
	scan, err := safeScan(context.Background(), tbl, req)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	parts := scan.Partitions()
	_ = scan.Schema()
	if after := count(); after != before {
		t.Errorf("planning (SupportsFilters, Scan, Partitions) did %d I/Os, want 0", after-before)
	}
	if len(parts) == 0 || k.h.IOCount == nil {
		return
	}
	got, _ := readScan(t, scan, mem)
	if len(got) > 0 && count() == before {
		t.Errorf("reading %d rows did no I/O according to Harness.IOCount: the counter is not wired", len(got))
	}
}

// ---------------------------------------------------------------- cancellation

func (k *kit) checkCancel(t *testing.T) {
	mem := newMem(t)
	tbl := k.newTable(t)
	scan, err := safeScan(context.Background(), tbl, k.req())
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	parts := scan.Partitions()
	if len(parts) == 0 {
		t.Logf("no partitions: nothing to cancel")
		return
	}
	for i, p := range parts {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan error, 1)
		go func() {
			defer func() {
				if r := recover(); r != nil {
					done <- fmt.Errorf("panic: %v", r)
				}
			}()
			_, _, err := readPartition(ctx, p, scan.Schema(), mem)
			done <- err
		}()
		timer := time.NewTimer(10 * time.Second)
		select {
		case err := <-done:
			timer.Stop()
			if err == nil {
				t.Errorf("partition %d: Open+Next under a cancelled context succeeded; want an error wrapping context.Canceled", i)
			} else if !errors.Is(err, context.Canceled) {
				t.Errorf("partition %d: cancelled read returned %v; want an error wrapping context.Canceled", i, err)
			}
		case <-timer.C:
			t.Fatalf("partition %d: a read under a cancelled context did not finish within 10s", i)
		}
	}
}

// ---------------------------------------------------------------- codec

func (k *kit) checkCodec(t *testing.T) {
	mem := newMem(t)
	tbl := k.newTable(t)
	if _, ok := tbl.(catalog.PartitionCodec); !ok {
		t.Logf("table has no PartitionCodec")
		return
	}
	other := k.newTable(t) // the "remote node's" own catalog entry
	remote := other.(catalog.PartitionCodec)
	local := tbl.(catalog.PartitionCodec)

	reqs := []catalog.ScanRequest{k.req()}
	n := len(k.schema.Fields())
	if n > 1 {
		r := k.req()
		r.Projection = []int{n - 1, 0}
		reqs = append(reqs, r)
	}
	for _, c := range k.negotiate(t, tbl) {
		r := k.req()
		r.Filters = c.filters
		if allExact(c.verdicts) {
			r.Limit = int64(len(k.ref)/2 + 1)
		}
		reqs = append(reqs, r)
	}
	for _, req := range reqs {
		desc := fmt.Sprintf("projection=%v filters=%v limit=%d", fmtProj(req.Projection), req.Filters, req.Limit)
		scan, err := safeScan(context.Background(), tbl, req)
		if err != nil {
			t.Errorf("Scan(%s): %v", desc, err)
			continue
		}
		want, _ := readScan(t, scan, mem)
		var got []string
		for i, p := range scan.Partitions() {
			data, err := safeEncode(local, p)
			if err != nil {
				t.Errorf("EncodePartition(%s, #%d): %v", desc, i, err)
				continue
			}
			dp, err := safeDecode(remote, data)
			if err != nil {
				t.Errorf("DecodePartition(%s, #%d) on a fresh table: %v", desc, i, err)
				continue
			}
			rows, _, err := readPartition(context.Background(), dp, scan.Schema(), mem)
			if err != nil {
				t.Errorf("reading decoded partition (%s, #%d): %v", desc, i, err)
			}
			got = append(got, rows...)
		}
		if req.Limit >= 0 {
			// A limited scan may return any rows that pass; compare counts
			// and membership instead of the exact set.
			if len(got) < int(minInt64(req.Limit, int64(len(want)))) {
				t.Errorf("decoded partitions (%s) returned %d rows, want at least %d", desc, len(got), minInt64(req.Limit, int64(len(want))))
			}
			continue
		}
		diffRows(t, "decoded partitions ("+desc+")", got, want)
	}
	// Garbage is an error (ErrInvalid), never a panic.
	for _, bad := range [][]byte{nil, {}, []byte("garbage"), {0xff, 0x00, 0x13, 0x37}, []byte(`{"v":999}`)} {
		_, err := safeDecode(remote, bad)
		switch {
		case err == nil:
			t.Errorf("DecodePartition(%q) succeeded; want an error", bad)
		case isPanic(err):
			t.Errorf("DecodePartition(%q) panicked: %v", bad, err)
		case !errors.Is(err, errs.ErrInvalid):
			t.Errorf("DecodePartition(%q) = %v; want an errs.ErrInvalid error", bad, err)
		}
	}
}

// ---------------------------------------------------------------- insert

func (k *kit) checkInsert(t *testing.T) {
	mem := newMem(t)
	tbl := k.newTable(t)
	ins, ok := tbl.(catalog.Insertable)
	if !ok {
		t.Logf("table is not Insertable")
		return
	}
	k.withBatches(t, mem, func(ref []arrow.RecordBatch) {
		// A cancelled insert leaves nothing behind.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rr := newReader(k.schema, ref)
		if _, err := ins.Insert(ctx, rr); err == nil {
			t.Errorf("Insert under a cancelled context succeeded; want an error")
		}
		rr.Release()
		got := ReadRows(t, tbl, k.req(), mem)
		diffRows(t, "contents after a cancelled Insert", got, k.ref)

		// A batch of the wrong shape fails the whole insert.
		if len(ref) > 0 {
			bad := arrow.NewSchema([]arrow.Field{{Name: "sourcetest_bogus", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true}}, nil)
			bb := array.NewRecordBuilder(mem, bad)
			bb.Field(0).AppendNull()
			badBatch := bb.NewRecordBatch()
			bb.Release()
			rr := &mixedReader{schema: k.schema, batches: append(append([]arrow.RecordBatch{}, ref...), badBatch)}
			if _, err := ins.Insert(context.Background(), rr); err == nil {
				t.Errorf("Insert of a batch with schema %s succeeded; want an error", bad)
			} else if !errors.Is(err, errs.ErrInvalid) {
				t.Errorf("Insert of a mismatched batch: %v; want an errs.ErrInvalid error", err)
			}
			badBatch.Release()
			got := ReadRows(t, tbl, k.req(), mem)
			diffRows(t, "contents after a failed Insert (the good batches before the bad one must not be visible)", got, k.ref)
		}

		// A good insert adds exactly its rows.
		rr = newReader(k.schema, ref)
		n, err := ins.Insert(context.Background(), rr)
		rr.Release()
		if err != nil {
			t.Fatalf("Insert: %v", err)
		}
		if n != int64(len(k.ref)) {
			t.Errorf("Insert returned %d, want %d rows", n, len(k.ref))
		}
		got = ReadRows(t, tbl, k.req(), mem)
		diffRows(t, "contents after inserting the table into itself", got, append(append([]string{}, k.ref...), k.ref...))
	})
}

// mixedReader yields batches whose schemas may differ from the declared one
// (to feed bad input to Insert).
type mixedReader struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
	i       int
	cur     arrow.RecordBatch
}

func (r *mixedReader) Retain()                        {}
func (r *mixedReader) Release()                       {}
func (r *mixedReader) Schema() *arrow.Schema          { return r.schema }
func (r *mixedReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *mixedReader) Record() arrow.RecordBatch      { return r.cur }
func (r *mixedReader) Err() error                     { return nil }
func (r *mixedReader) Next() bool {
	if r.i >= len(r.batches) {
		r.cur = nil
		return false
	}
	r.cur = r.batches[r.i]
	r.i++
	return true
}

func newReader(schema *arrow.Schema, bs []arrow.RecordBatch) array.RecordReader {
	rr, err := array.NewRecordReader(schema, bs)
	if err != nil {
		// Only reachable when a batch's schema differs: a harness bug.
		panic(fmt.Sprintf("sourcetest: %v", err))
	}
	return rr
}

// ---------------------------------------------------------------- reading

// ReadBatches scans tbl with req and returns every batch of every partition
// (read one after another), retained; the caller releases them. It fails t
// on any error and checks each batch against the Scan's schema.
func ReadBatches(t testing.TB, tbl catalog.Table, req catalog.ScanRequest, mem memory.Allocator) []arrow.RecordBatch {
	t.Helper()
	scan, err := safeScan(context.Background(), tbl, req)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return readScanBatches(t, scan, mem)
}

// ReadRows scans tbl with req and returns its rows as canonical strings
// (see RowStrings), in read order.
func ReadRows(t testing.TB, tbl catalog.Table, req catalog.ScanRequest, mem memory.Allocator) []string {
	t.Helper()
	bs := ReadBatches(t, tbl, req, mem)
	defer releaseAll(bs)
	return RowStrings(bs)
}

// ReadPartitionRows opens one partition of a scan whose schema is schema
// and returns its rows as canonical strings, in read order. It fails t on
// any error (the reader's included).
func ReadPartitionRows(t testing.TB, p catalog.Partition, schema *arrow.Schema, mem memory.Allocator) []string {
	t.Helper()
	rows, _, err := readPartition(context.Background(), p, schema, mem)
	if err != nil {
		t.Fatalf("reading a partition: %v", err)
	}
	return rows
}

func readScanBatches(t testing.TB, scan catalog.Scan, mem memory.Allocator) []arrow.RecordBatch {
	t.Helper()
	var out []arrow.RecordBatch
	for i, p := range scan.Partitions() {
		bs, err := readPartitionBatches(context.Background(), p, scan.Schema(), mem)
		out = append(out, bs...)
		if err != nil {
			releaseAll(out)
			t.Fatalf("partition %d: %v", i, err)
		}
	}
	return out
}

// readScan returns the rows of every partition and the total row count
// (meaningful also for zero-column scans).
func readScan(t testing.TB, scan catalog.Scan, mem memory.Allocator) ([]string, int64) {
	t.Helper()
	bs := readScanBatches(t, scan, mem)
	defer releaseAll(bs)
	var n int64
	for _, b := range bs {
		n += b.NumRows()
	}
	return RowStrings(bs), n
}

func readPartition(ctx context.Context, p catalog.Partition, schema *arrow.Schema, mem memory.Allocator) ([]string, int64, error) {
	bs, err := readPartitionBatches(ctx, p, schema, mem)
	defer releaseAll(bs)
	var n int64
	for _, b := range bs {
		n += b.NumRows()
	}
	return RowStrings(bs), n, err
}

// readPartitionBatches opens p and collects its batches (retained), checking
// each against schema. Panics become errors.
func readPartitionBatches(ctx context.Context, p catalog.Partition, schema *arrow.Schema, mem memory.Allocator) (out []arrow.RecordBatch, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	rr, err := p.Open(ctx, mem)
	if err != nil {
		return nil, err
	}
	if rr == nil {
		return nil, errors.New("Open returned a nil reader and no error")
	}
	defer rr.Release()
	if !fieldsEqual(rr.Schema().Fields(), schema.Fields()) {
		return nil, fmt.Errorf("reader schema %s differs from the Scan's %s", rr.Schema(), schema)
	}
	for rr.Next() {
		b := rr.RecordBatch()
		if !fieldsEqual(b.Schema().Fields(), schema.Fields()) {
			return out, fmt.Errorf("batch schema %s differs from the Scan's %s", b.Schema(), schema)
		}
		for c := 0; c < int(b.NumCols()); c++ {
			if int64(b.Column(c).Len()) != b.NumRows() {
				return out, fmt.Errorf("batch column %d has %d values, batch has %d rows", c, b.Column(c).Len(), b.NumRows())
			}
		}
		b.Retain()
		out = append(out, b)
	}
	return out, rr.Err()
}

func releaseAll(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

// ---------------------------------------------------------------- filtering

// filterBatches applies the ANDed filters to batches with the engine's
// evaluation and returns the passing rows as batches the caller releases.
func filterBatches(t testing.TB, filters []expr.Expr, batches []arrow.RecordBatch, mem memory.Allocator) []arrow.RecordBatch {
	t.Helper()
	var out []arrow.RecordBatch
	for _, b := range batches {
		cur := b
		cur.Retain()
		for _, f := range filters {
			next, err := engineFilter(context.Background(), f, cur, mem)
			cur.Release()
			if err != nil {
				releaseAll(out)
				t.Fatalf("the engine cannot evaluate filter %s (kit reference): %v", f, err)
			}
			cur = next
		}
		out = append(out, cur)
	}
	return out
}

// filterRows is filterBatches rendered as rows of the given projection.
func filterRows(t testing.TB, filters []expr.Expr, batches []arrow.RecordBatch, mem memory.Allocator, proj []int) []string {
	t.Helper()
	bs := filterBatches(t, filters, batches, mem)
	defer releaseAll(bs)
	return projectedRows(bs, proj)
}

// engineFilter keeps the rows of batch where pred is TRUE (NULL drops),
// using the engine's own evaluation.
func engineFilter(ctx context.Context, pred expr.Expr, batch arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	return expr.FilterBatch(ctx, pred, batch, mem)
}

// projectionAvoiding returns the columns that no filter reads (possibly
// none: an empty projection).
func projectionAvoiding(s *arrow.Schema, filters []expr.Expr) []int {
	used := map[int]bool{}
	for _, f := range filters {
		for _, c := range expr.ColumnsUsed(f) {
			used[c] = true
		}
	}
	out := []int{}
	for i := range s.Fields() {
		if !used[i] {
			out = append(out, i)
		}
	}
	return out
}

// ---------------------------------------------------------------- rows

const nullText = "NULL"

// RowStrings renders every row of batches as one canonical string: the
// column values, typed and quoted where needed, joined by " | ". Two rows
// are equal exactly when their strings are.
func RowStrings(batches []arrow.RecordBatch) []string { return projectedRows(batches, nil) }

// projectedCols returns b's columns restricted to proj, in proj's order
// (nil = all of b's columns). The arrays are b's own, not retained.
func projectedCols(b arrow.RecordBatch, proj []int) []arrow.Array {
	if proj == nil {
		return b.Columns()
	}
	cols := make([]arrow.Array, len(proj))
	for i, p := range proj {
		cols[i] = b.Column(p)
	}
	return cols
}

// projectedRows renders the rows of batches restricted to the columns proj
// (nil = all).
func projectedRows(batches []arrow.RecordBatch, proj []int) []string {
	var out []string
	for _, b := range batches {
		cols := projectedCols(b, proj)
		for r := 0; r < int(b.NumRows()); r++ {
			var sb strings.Builder
			for c, col := range cols {
				if c > 0 {
					sb.WriteString(" | ")
				}
				sb.WriteString(cellString(col, r))
			}
			out = append(out, sb.String())
		}
	}
	return out
}

func cellString(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return nullText
	}
	switch v := a.(type) {
	case *array.String:
		return strconv.Quote(v.Value(i))
	case *array.LargeString:
		return strconv.Quote(v.Value(i))
	case *array.StringView:
		return strconv.Quote(v.Value(i))
	case *array.Binary:
		return fmt.Sprintf("x'%x'", v.Value(i))
	case *array.Float64:
		return strconv.FormatFloat(v.Value(i), 'g', -1, 64)
	case *array.Float32:
		return strconv.FormatFloat(float64(v.Value(i)), 'g', -1, 32)
	}
	return a.ValueStr(i)
}

// diffRows fails t when got and want differ as multisets, showing a few
// differences.
func diffRows(t testing.TB, what string, got, want []string) {
	t.Helper()
	missing := subtract(want, got)
	extra := subtract(got, want)
	if len(missing) == 0 && len(extra) == 0 {
		return
	}
	show := func(rs []string) string {
		if len(rs) > 5 {
			return strings.Join(rs[:5], "\n    ") + fmt.Sprintf("\n    ... and %d more", len(rs)-5)
		}
		return strings.Join(rs, "\n    ")
	}
	msg := fmt.Sprintf("%s: got %d rows, want %d", what, len(got), len(want))
	if len(missing) > 0 {
		msg += fmt.Sprintf("\n  missing %d:\n    %s", len(missing), show(missing))
	}
	if len(extra) > 0 {
		msg += fmt.Sprintf("\n  unexpected %d:\n    %s", len(extra), show(extra))
	}
	t.Error(msg)
}

// subtract returns the rows of a not matched by a row of b (multiset
// difference), sorted.
func subtract(a, b []string) []string {
	counts := make(map[string]int, len(b))
	for _, r := range b {
		counts[r]++
	}
	var out []string
	for _, r := range a {
		if counts[r] > 0 {
			counts[r]--
			continue
		}
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

func projectFields(s *arrow.Schema, proj []int) []arrow.Field {
	if proj == nil {
		return s.Fields()
	}
	out := make([]arrow.Field, len(proj))
	for i, p := range proj {
		out[i] = s.Field(p)
	}
	return out
}

// fieldsEqual compares names and types (nullability and metadata may differ).
func fieldsEqual(a, b []arrow.Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !arrow.TypeEqual(a[i].Type, b[i].Type) {
			return false
		}
	}
	return true
}

func fmtProj(p []int) string {
	if p == nil {
		return "all"
	}
	return fmt.Sprint(p)
}

// ---------------------------------------------------------------- panic guards

type panicErr struct{ msg string }

func (p *panicErr) Error() string { return p.msg }

func isPanic(err error) bool {
	var p *panicErr
	return errors.As(err, &p)
}

func guard(err *error) {
	if r := recover(); r != nil {
		*err = &panicErr{msg: fmt.Sprintf("panic: %v\n%s", r, debug.Stack())}
	}
}

func safeScan(ctx context.Context, tbl catalog.Table, req catalog.ScanRequest) (s catalog.Scan, err error) {
	defer guard(&err)
	s, err = tbl.Scan(ctx, req)
	if err == nil && s == nil {
		err = errors.New("Scan returned a nil Scan and no error")
	}
	return s, err
}

func safeSupports(fp catalog.FilterPushdowner, fs []expr.Expr) (v []catalog.Verdict, err error) {
	defer guard(&err)
	return fp.SupportsFilters(fs)
}

func safeStats(sp catalog.StatisticsProvider) (s catalog.Statistics, err error) {
	defer guard(&err)
	return sp.Statistics(context.Background())
}

func safeEncode(c catalog.PartitionCodec, p catalog.Partition) (b []byte, err error) {
	defer guard(&err)
	return c.EncodePartition(p)
}

func safeDecode(c catalog.PartitionCodec, b []byte) (p catalog.Partition, err error) {
	defer guard(&err)
	p, err = c.DecodePartition(context.Background(), b)
	if err == nil && p == nil {
		err = errors.New("DecodePartition returned a nil Partition and no error")
	}
	return p, err
}
