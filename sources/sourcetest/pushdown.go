package sourcetest

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/operator"
)

// The TopN and aggregate checks compare a provider's pushed result with
// what the engine's own operators (exec/operator TopN and HashAggregate)
// compute from the reference rows: a pushdown may be refused, never wrong.

// exactSets returns "no filters" plus accepted all-Exact filter
// combinations (the only ones the planner pushes a TopN or aggregate over).
//
// To keep the kit fast it keeps at most three: no filters, all filters
// together when all are Exact, and the first Exact filter alone.
func (k *kit) exactSets(t *testing.T, tbl catalog.Table) []filterCase {
	sets := []filterCase{{name: "no filters"}}
	var all, first *filterCase
	for _, c := range k.negotiate(t, tbl) {
		if !allExact(c.verdicts) {
			continue
		}
		c := c
		if c.name == "all filters" {
			all = &c
		} else if first == nil {
			first = &c
		}
	}
	for _, c := range []*filterCase{all, first} {
		if c != nil {
			sets = append(sets, *c)
		}
	}
	return sets
}

// topNKeys are the orders tried: Harness.TopN, or each column alone in
// MySQL's orders (ASC NULLS FIRST, DESC NULLS LAST) and the reverse NULL
// placements, plus every pair of the first accepted columns.
func (k *kit) topNKeys() [][]catalog.SortKey {
	if k.h.TopN != nil {
		return k.h.TopN
	}
	var out [][]catalog.SortKey
	for i := range k.schema.Fields() {
		out = append(out,
			[]catalog.SortKey{{Column: i, NullsFirst: true}},
			[]catalog.SortKey{{Column: i, Desc: true}},
			[]catalog.SortKey{{Column: i, NullsFirst: false}},
			[]catalog.SortKey{{Column: i, Desc: true, NullsFirst: true}},
		)
	}
	return out
}

func (k *kit) checkTopN(t *testing.T) {
	mem := newMem(t)
	tbl := k.newTable(t)
	tp, ok := tbl.(catalog.TopNPushdowner)
	if !ok {
		t.Logf("no TopNPushdowner")
		return
	}
	sets := k.exactSets(t, tbl)
	codec := k.newCodec(t, tbl)
	accepted := 0
	var firstCols []int
	k.withBatches(t, mem, func(ref []arrow.RecordBatch) {
		matchingSets := make([][]arrow.RecordBatch, len(sets))
		matchingRows := make([][]string, len(sets))
		for i, s := range sets {
			matchingSets[i] = filterBatches(t, s.filters, ref, mem)
			matchingRows[i] = RowStrings(matchingSets[i])
		}
		defer func() {
			for _, m := range matchingSets {
				releaseAll(m)
			}
		}()
		try := func(keys []catalog.SortKey) bool {
			limits := []int64{1, 17, 200}
			pushed, ok, err := safePushTopN(tp, catalog.TopNRequest{Keys: keys, Limit: limits[len(limits)-1]})
			if err != nil {
				t.Errorf("PushTopN(%s): %v", fmtKeys(k.schema, keys), err)
				return false
			}
			if !ok {
				return false
			}
			if pushed == nil || !fieldsEqual(pushed.Schema().Fields(), k.schema.Fields()) {
				t.Errorf("PushTopN(%s) returned a table whose schema differs from the table's", fmtKeys(k.schema, keys))
				return false
			}
			for si, set := range sets {
				matching := matchingSets[si]
				for _, n := range limits {
					p2, ok, err := safePushTopN(tp, catalog.TopNRequest{Keys: keys, Limit: n})
					if err != nil || !ok {
						t.Errorf("PushTopN(%s, limit %d) = ok %v, %v after accepting a larger limit", fmtKeys(k.schema, keys), n, ok, err)
						continue
					}
					k.compareTopN(t, p2, set, keys, n, matching, matchingRows[si], mem, nil)
					if n == limits[1] && codec != nil {
						k.compareTopN(t, p2, set, keys, n, matching, matchingRows[si], mem, codec)
					}
				}
			}
			return true
		}
		for _, keys := range k.topNKeys() {
			if try(keys) {
				accepted++
				if len(keys) == 1 && (len(firstCols) == 0 || firstCols[len(firstCols)-1] != keys[0].Column) && len(firstCols) < 3 {
					firstCols = append(firstCols, keys[0].Column)
				}
			}
		}
		if k.h.TopN == nil && len(firstCols) >= 2 {
			try([]catalog.SortKey{{Column: firstCols[0], Desc: true}, {Column: firstCols[1], NullsFirst: true}})
			try([]catalog.SortKey{{Column: firstCols[1], NullsFirst: true}, {Column: firstCols[0], NullsFirst: false}})
		}
	})
	t.Logf("%d orders pushed", accepted)
}

// compareTopN checks one pushed TopN: every row it returns is a matching
// row, it returns at least min(n, matching) rows, and the engine's TopN over
// what it returned has the same sort-key values, in order, as the engine's
// TopN over all matching rows (rows that tie on every key may differ).
// With a codec the scan's partitions are read after an encode/decode round
// trip instead (as an executor would read them).
func (k *kit) compareTopN(t *testing.T, pushed catalog.Table, set filterCase, keys []catalog.SortKey, n int64, matching []arrow.RecordBatch, want []string, mem memory.Allocator, codec *codecPair) {
	t.Helper()
	what := fmt.Sprintf("TopN %s limit %d, filters %s", fmtKeys(k.schema, keys), n, set.name)
	req := k.req()
	req.Filters = set.filters
	scan, err := safeScan(context.Background(), pushed, req)
	if err != nil {
		t.Errorf("%s: Scan: %v", what, err)
		return
	}
	var got []arrow.RecordBatch
	if codec != nil {
		what += " (partitions through PartitionCodec)"
		var ok bool
		if got, ok = codec.roundTrip(t, what, scan, mem); !ok {
			return
		}
	} else {
		got = readScanBatches(t, scan, mem)
	}
	defer releaseAll(got)
	gotRows := RowStrings(got)
	if extra := subtract(gotRows, want); len(extra) > 0 {
		t.Errorf("%s: %d rows that are not matching rows of the table, e.g. %s", what, len(extra), extra[0])
	}
	if min := minInt64(n, int64(len(want))); int64(len(gotRows)) < min {
		t.Errorf("%s: %d rows, want at least %d", what, len(gotRows), min)
	}
	cols := make([]int, len(keys))
	for i, key := range keys {
		cols[i] = key.Column
	}
	gotTop := engineTopN(t, k.schema, got, keys, n, mem)
	defer releaseAll(gotTop)
	wantTop := engineTopN(t, k.schema, matching, keys, n, mem)
	defer releaseAll(wantTop)
	g, w := collatedRows(gotTop, cols), collatedRows(wantTop, cols)
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("%s: the engine's TopN over the pushed rows orders keys\n  %s\nbut over all rows\n  %s", what, clip(g), clip(w))
	}
}

// codecPair is a table's PartitionCodec (the planning node) and a fresh
// instance's (an executor's own catalog entry).
type codecPair struct {
	local, remote catalog.PartitionCodec
}

// newCodec returns tbl's codec with a fresh instance's, or nil when tbl
// has no PartitionCodec.
func (k *kit) newCodec(t *testing.T, tbl catalog.Table) *codecPair {
	local, ok := tbl.(catalog.PartitionCodec)
	if !ok {
		return nil
	}
	return &codecPair{local: local, remote: k.newTable(t).(catalog.PartitionCodec)}
}

// roundTrip encodes every partition of a (pushed) scan with the planning
// table's codec, decodes it on the other instance and reads it. Every
// partition of a table with a PartitionCodec must survive this, pushed
// TopN and aggregate scans included. ok=false after reporting an error.
func (c *codecPair) roundTrip(t *testing.T, what string, scan catalog.Scan, mem memory.Allocator) ([]arrow.RecordBatch, bool) {
	t.Helper()
	var out []arrow.RecordBatch
	for i, p := range scan.Partitions() {
		data, err := safeEncode(c.local, p)
		if err != nil {
			t.Errorf("%s: EncodePartition(#%d): %v", what, i, err)
			releaseAll(out)
			return nil, false
		}
		dp, err := safeDecode(c.remote, data)
		if err != nil {
			t.Errorf("%s: DecodePartition(#%d) on a fresh table: %v\n  encoding: %s", what, i, err, clipBytes(data))
			releaseAll(out)
			return nil, false
		}
		// A decoded partition can be shipped on (re-encoded alike).
		if again, err := safeEncode(c.remote, dp); err != nil || string(again) != string(data) {
			t.Errorf("%s: re-encoding decoded partition #%d: %v\n  first:  %s\n  again:  %s", what, i, err, clipBytes(data), clipBytes(again))
		}
		bs, err := readPartitionBatches(context.Background(), dp, scan.Schema(), mem)
		out = append(out, bs...)
		if err != nil {
			t.Errorf("%s: reading decoded partition #%d: %v", what, i, err)
			releaseAll(out)
			return nil, false
		}
	}
	return out, true
}

func clipBytes(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "..."
	}
	return string(b)
}

func clip(rows []string) string {
	if len(rows) > 8 {
		return strings.Join(rows[:8], "; ") + fmt.Sprintf("; ... (%d rows)", len(rows))
	}
	return strings.Join(rows, "; ")
}

func fmtKeys(s *arrow.Schema, keys []catalog.SortKey) string {
	lk := make([]logical.SortKey, len(keys))
	for i, k := range keys {
		f := s.Field(k.Column)
		lk[i] = logical.SortKey{Expr: &expr.Column{Index: k.Column, Name: f.Name, DataType: f.Type}, Desc: k.Desc, NullsFirst: k.NullsFirst}
	}
	return "[" + logical.FormatSortKeys(lk) + "]"
}

// engineTopN runs the engine's TopN operator over batches. VARCHAR keys
// are compared under the string collation, as physopt.Collation makes the
// engine's own sorts do (the bare operator compares bytes).
func engineTopN(t testing.TB, schema *arrow.Schema, batches []arrow.RecordBatch, keys []catalog.SortKey, n int64, mem memory.Allocator) []arrow.RecordBatch {
	t.Helper()
	sk := make([]operator.SortKey, len(keys))
	for i, k := range keys {
		f := schema.Field(k.Column)
		sk[i] = operator.SortKey{Expr: expr.NewCollationKey(&expr.Column{Index: k.Column, Name: f.Name, DataType: f.Type}), Desc: k.Desc, NullsFirst: k.NullsFirst}
	}
	return drain(t, operator.NewTopN(operator.NewBatches(schema, batches), sk, n, mem, nil), "the engine's TopN (kit reference)")
}

// drain runs op to the end and returns its batches, retained.
func drain(t testing.TB, op operator.Operator, what string) []arrow.RecordBatch {
	t.Helper()
	defer op.Close()
	ctx := context.Background()
	if err := op.Open(ctx); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var out []arrow.RecordBatch
	for {
		b, err := op.Next(ctx)
		if err != nil {
			releaseAll(out)
			t.Fatalf("%s: %v", what, err)
		}
		if b == nil {
			return out
		}
		b.Retain()
		out = append(out, b)
	}
}

// ---------------------------------------------------------------- aggregates

// AggregateCase is one GROUP BY for the aggregate check: group keys and
// aggregates bound to Table.Schema().
type AggregateCase struct {
	GroupBy []expr.Expr
	Aggs    []expr.AggregateCall
}

func (c AggregateCase) String() string {
	return logical.AggregateText(c.GroupBy, c.Aggs)
}

// aggCases are Harness.Aggregates, or: COUNT(*) grouped by each column;
// then every aggregate the engine accepts on each column (COUNT, COUNT
// DISTINCT, SUM, AVG, MIN, MAX) alone with COUNT(*), globally and grouped
// by the first column whose grouping was pushed.
func (k *kit) aggCases(ap catalog.AggregatePushdowner) []AggregateCase {
	if k.h.Aggregates != nil {
		return k.h.Aggregates
	}
	countStar, _ := expr.NewAggregate(expr.AggCount, nil, false)
	var out []AggregateCase
	var key expr.Expr
	for i, f := range k.schema.Fields() {
		col := &expr.Column{Index: i, Name: f.Name, DataType: f.Type}
		c := AggregateCase{GroupBy: []expr.Expr{col}, Aggs: []expr.AggregateCall{countStar}}
		out = append(out, c)
		if key == nil {
			if _, ok, _ := safePushAggregate(ap, k.aggRequest(c, nil)); ok {
				key = col
			}
		}
	}
	out = append(out, AggregateCase{Aggs: []expr.AggregateCall{countStar}})
	for i, f := range k.schema.Fields() {
		col := &expr.Column{Index: i, Name: f.Name, DataType: f.Type}
		for _, fn := range []expr.AggFunc{expr.AggCount, expr.AggSum, expr.AggAvg, expr.AggMin, expr.AggMax} {
			for _, distinct := range []bool{false, true} {
				if distinct && fn != expr.AggCount {
					continue
				}
				a, err := expr.NewAggregate(fn, col, distinct)
				if err != nil {
					continue
				}
				if _, isCol := a.Arg.(*expr.Column); !isCol {
					continue // the engine casts the argument: not a column any more
				}
				out = append(out, AggregateCase{Aggs: []expr.AggregateCall{countStar, a}})
				if key != nil {
					out = append(out, AggregateCase{GroupBy: []expr.Expr{key}, Aggs: []expr.AggregateCall{countStar, a}})
				}
			}
		}
	}
	return out
}

func (k *kit) aggRequest(c AggregateCase, filters []expr.Expr) catalog.AggregateRequest {
	names := make([]string, len(c.GroupBy))
	for i, g := range c.GroupBy {
		names[i] = g.String()
	}
	aggNames := make([]string, len(c.Aggs))
	for i, a := range c.Aggs {
		aggNames[i] = a.String()
	}
	return catalog.AggregateRequest{Filters: filters, GroupBy: c.GroupBy, Aggs: c.Aggs,
		Schema: logical.AggregateSchema(c.GroupBy, names, c.Aggs, aggNames)}
}

func (k *kit) checkAggregates(t *testing.T) {
	mem := newMem(t)
	tbl := k.newTable(t)
	ap, ok := tbl.(catalog.AggregatePushdowner)
	if !ok {
		t.Logf("no AggregatePushdowner")
		return
	}
	sets := k.exactSets(t, tbl)
	codec := k.newCodec(t, tbl)
	pushed := 0
	k.withBatches(t, mem, func(ref []arrow.RecordBatch) {
		matching := make([][]arrow.RecordBatch, len(sets))
		for i, s := range sets {
			matching[i] = filterBatches(t, s.filters, ref, mem)
		}
		defer func() {
			for _, m := range matching {
				releaseAll(m)
			}
		}()
		for _, c := range k.aggCases(ap) {
			for si, set := range sets {
				// Filters only on the grouped cases and the first set
				// otherwise, to keep the kit fast.
				if si > 0 && len(c.GroupBy) == 0 && len(c.Aggs) > 1 {
					continue
				}
				if k.checkAggregate(t, ap, c, set, matching[si], mem, codec) {
					pushed++
				}
			}
		}
	})
	t.Logf("%d aggregates pushed", pushed)
}

// checkAggregate compares one pushed aggregate with the engine's over the
// matching rows (floats to 12 significant digits: sums depend on the order
// of additions; VARCHAR group keys and MIN/MAX of VARCHAR as collation
// keys: the engine groups and compares strings under its collation, and
// which spelling of a group represents it is unspecified, in MySQL too).
// With a codec, the pushed scan's partitions must also survive an
// encode/decode round trip and give the same answer. It reports whether
// the table accepted it.
func (k *kit) checkAggregate(t *testing.T, ap catalog.AggregatePushdowner, c AggregateCase, set filterCase, matching []arrow.RecordBatch, mem memory.Allocator, codec *codecPair) bool {
	t.Helper()
	what := fmt.Sprintf("aggregate %s, filters %s", c, set.name)
	req := k.aggRequest(c, set.filters)
	pushed, ok, err := safePushAggregate(ap, req)
	if err != nil {
		t.Errorf("PushAggregate(%s): %v", what, err)
		return false
	}
	if !ok {
		return false
	}
	if pushed == nil || !sameNamesTypes(pushed.Schema(), req.Schema) {
		t.Errorf("PushAggregate(%s) returned a table whose schema differs from the request's %s", what, req.Schema)
		return true
	}
	refGroupBy, refSchema, ck := collatedAggregate(c, req.Schema)
	reference := func() []arrow.RecordBatch {
		return drain(t, operator.NewHashAggregate(operator.NewBatches(k.schema, matching), refGroupBy, c.Aggs, refSchema, mem, nil), "the engine's aggregate (kit reference)")
	}
	want := reference()
	wantRows := aggRows(want, nil, ck)
	releaseAll(want)

	r := k.req()
	scan, err := safeScan(context.Background(), pushed, r)
	if err != nil {
		t.Errorf("%s: Scan: %v", what, err)
		return true
	}
	got := readScanBatches(t, scan, mem)
	diffRows(t, what, aggRows(got, nil, ck), wantRows)
	releaseAll(got)
	if codec != nil {
		if got, ok := codec.roundTrip(t, what+" (partitions through PartitionCodec)", scan, mem); ok {
			diffRows(t, what+" (partitions through PartitionCodec)", aggRows(got, nil, ck), wantRows)
			releaseAll(got)
		}
	}

	// A projection of the last column first, and the row count alone.
	n := req.Schema.NumFields()
	proj := []int{n - 1}
	if n > 1 {
		proj = append(proj, 0)
	}
	r.Projection = proj
	if scan, err = safeScan(context.Background(), pushed, r); err != nil {
		t.Errorf("%s projection=%v: Scan: %v", what, proj, err)
		return true
	}
	got = readScanBatches(t, scan, mem)
	want = reference()
	pck := make([]bool, len(proj))
	for i, p := range proj {
		pck[i] = ck[p]
	}
	diffRows(t, fmt.Sprintf("%s projection=%v", what, proj), aggRows(got, nil, pck), aggRows(want, proj, pck))
	releaseAll(got)
	releaseAll(want)

	r.Projection = []int{}
	if scan, err = safeScan(context.Background(), pushed, r); err != nil {
		t.Errorf("%s projection=[]: Scan: %v", what, err)
		return true
	}
	_, nrows := readScan(t, scan, mem)
	if nrows != int64(len(wantRows)) {
		t.Errorf("%s with an empty projection: %d rows, want %d (one per group)", what, nrows, len(wantRows))
	}
	if codec != nil {
		if got, ok := codec.roundTrip(t, what+" projection=[] (partitions through PartitionCodec)", scan, mem); ok {
			var n int64
			for _, b := range got {
				n += b.NumRows()
			}
			releaseAll(got)
			if n != int64(len(wantRows)) {
				t.Errorf("%s with an empty projection, through PartitionCodec: %d rows, want %d", what, n, len(wantRows))
			}
		}
	}
	return true
}

// collatedAggregate returns the engine's own form of an aggregate (as
// physopt.Collation rewrites it): VARCHAR group keys replaced by their
// collation keys (VARBINARY), and the output schema to match. ck marks the
// output columns to compare as collation keys: those keys, and MIN/MAX of
// VARCHAR (the operators compare under the collation inside; tied
// spellings may differ).
func collatedAggregate(c AggregateCase, schema *arrow.Schema) (groupBy []expr.Expr, out *arrow.Schema, ck []bool) {
	fields := schema.Fields()
	ck = make([]bool, len(fields))
	groupBy = make([]expr.Expr, len(c.GroupBy))
	for i, g := range c.GroupBy {
		groupBy[i] = expr.NewCollationKey(g)
		if expr.IsCollatedString(g.Type()) {
			ck[i] = true
			fields[i].Type = groupBy[i].Type()
		}
	}
	for j, a := range c.Aggs {
		if (a.Func == expr.AggMin || a.Func == expr.AggMax) && a.DataType != nil && expr.IsCollatedString(a.DataType) {
			ck[len(c.GroupBy)+j] = true
		}
	}
	return groupBy, arrow.NewSchema(fields, nil), ck
}

// collatedRows renders rows like projectedRows, but VARCHAR values as
// their collation keys, so that values the engine holds equal print alike.
func collatedRows(batches []arrow.RecordBatch, proj []int) []string {
	var out []string
	for _, b := range batches {
		cols := projectedCols(b, proj)
		for r := 0; r < int(b.NumRows()); r++ {
			parts := make([]string, len(cols))
			for c, col := range cols {
				parts[c] = collatedCell(col, r, expr.IsCollatedString(col.DataType()))
			}
			out = append(out, strings.Join(parts, " | "))
		}
	}
	return out
}

// collatedCell renders a cell; with key, a VARCHAR value as its collation
// key and a VARBINARY one (an already computed key) as itself, both as
// ck'hex'.
func collatedCell(col arrow.Array, r int, key bool) string {
	if key && col.IsValid(r) {
		switch a := col.(type) {
		case *array.String:
			return fmt.Sprintf("ck'%x'", expr.CollationKey(nil, a.Value(r)))
		case *array.LargeString:
			return fmt.Sprintf("ck'%x'", expr.CollationKey(nil, a.Value(r)))
		case *array.Binary:
			return fmt.Sprintf("ck'%x'", a.Value(r))
		}
	}
	return cellString(col, r)
}

// aggRows renders rows like projectedRows, floats to 12 significant digits
// and the columns ck marks (by output position) as collation keys.
func aggRows(batches []arrow.RecordBatch, proj []int, ck []bool) []string {
	var out []string
	for _, b := range batches {
		cols := projectedCols(b, proj)
		for r := 0; r < int(b.NumRows()); r++ {
			parts := make([]string, len(cols))
			for c, col := range cols {
				if c < len(ck) && ck[c] {
					parts[c] = collatedCell(col, r, true)
					continue
				}
				if f, ok := col.(*array.Float64); ok && col.IsValid(r) {
					v := f.Value(r)
					if v == 0 {
						v = 0 // -0 and 0 print alike
					}
					if math.IsNaN(v) || math.IsInf(v, 0) {
						parts[c] = strconv.FormatFloat(v, 'g', -1, 64)
					} else {
						parts[c] = strconv.FormatFloat(v, 'g', 12, 64)
					}
					continue
				}
				parts[c] = cellString(col, r)
			}
			out = append(out, strings.Join(parts, " | "))
		}
	}
	return out
}

func sameNamesTypes(a, b *arrow.Schema) bool {
	if a == nil || b == nil || a.NumFields() != b.NumFields() {
		return false
	}
	for i := 0; i < a.NumFields(); i++ {
		if a.Field(i).Name != b.Field(i).Name || !arrow.TypeEqual(a.Field(i).Type, b.Field(i).Type) {
			return false
		}
	}
	return true
}

func safePushTopN(tp catalog.TopNPushdowner, req catalog.TopNRequest) (tbl catalog.Table, ok bool, err error) {
	defer guard(&err)
	return tp.PushTopN(req)
}

func safePushAggregate(ap catalog.AggregatePushdowner, req catalog.AggregateRequest) (tbl catalog.Table, ok bool, err error) {
	defer guard(&err)
	return ap.PushAggregate(req)
}
