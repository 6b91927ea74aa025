package tpch

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// batchRows is the target number of rows per generated batch (a key's rows
// are never split, so a batch may exceed it by up to 6 lineitem rows).
const batchRows = 8192

// genCount counts generated batches; tests use it to check that planning
// generates nothing.
var genCount atomic.Int64

// Table is one TPC-H table at one scale. Immutable; safe for concurrent use.
type Table struct {
	def           *tableDef
	id            tableID
	sizes         sizes
	partitionRows int64
	lines         *lineCounter // shared by the schema's tables
}

var (
	_ catalog.Table              = (*Table)(nil)
	_ catalog.FilterPushdowner   = (*Table)(nil)
	_ catalog.StatisticsProvider = (*Table)(nil)
	_ catalog.PartitionCodec     = (*Table)(nil)
)

// Schema is the table's TPC-H schema (column 0 is the key).
func (t *Table) Schema() *arrow.Schema { return t.def.schema }

// keyFilter classifies a filter: ok when it constrains only the key column
// (column 0) with integer literals (=, <=>, <, <=, >, >=, and ANDs of those
// such as BETWEEN), and then [lo, hi] is exactly the set of keys it passes
// (lo > hi: none). SupportsFilters calls a filter Exact exactly when ok, and
// Scan applies it by narrowing the key range, so the two cannot drift.
func (t *Table) keyFilter(e expr.Expr) (lo, hi int64, ok bool) {
	b, isBin := e.(*expr.Binary)
	if !isBin {
		return 0, 0, false
	}
	if b.Op == expr.OpAnd {
		l1, h1, ok1 := t.keyFilter(b.Left)
		l2, h2, ok2 := t.keyFilter(b.Right)
		if !ok1 || !ok2 {
			return 0, 0, false
		}
		return max(l1, l2), min(h1, h2), true
	}
	if !b.Op.IsComparison() || b.Op == expr.OpNotEq {
		return 0, 0, false
	}
	op, colSide, litSide := b.Op, b.Left, b.Right
	if _, isLit := colSide.(*expr.Literal); isLit {
		colSide, litSide = litSide, colSide
		op = mirror(op)
	}
	c, isCol := colSide.(*expr.Column)
	lit, isLit := litSide.(*expr.Literal)
	if !isCol || !isLit || c.Index != 0 || !arrow.IsInteger(lit.DataType.ID()) && lit.DataType.ID() != arrow.NULL {
		return 0, 0, false
	}
	const none, all = math.MaxInt64, math.MinInt64
	var v int64
	switch x := lit.Value.(type) {
	case nil:
		return 1, 0, true // a comparison with NULL is never TRUE; keys are never NULL
	case int64:
		v = x
	case uint64:
		if x > math.MaxInt64 {
			switch op {
			case expr.OpLt, expr.OpLtEq:
				return all, none, true
			default:
				return 1, 0, true
			}
		}
		v = int64(x)
	default:
		return 0, 0, false
	}
	switch op {
	case expr.OpEq, expr.OpNullSafeEq:
		return v, v, true
	case expr.OpLt:
		if v == math.MinInt64 {
			return 1, 0, true
		}
		return all, v - 1, true
	case expr.OpLtEq:
		return all, v, true
	case expr.OpGt:
		if v == math.MaxInt64 {
			return 1, 0, true
		}
		return v + 1, none, true
	case expr.OpGtEq:
		return v, none, true
	}
	return 0, 0, false
}

func mirror(op expr.Op) expr.Op {
	switch op {
	case expr.OpLt:
		return expr.OpGt
	case expr.OpLtEq:
		return expr.OpGtEq
	case expr.OpGt:
		return expr.OpLt
	case expr.OpGtEq:
		return expr.OpLtEq
	}
	return op
}

// SupportsFilters: Exact for key-column comparisons with integer literals
// (and their ANDs), Unsupported for everything else.
func (t *Table) SupportsFilters(filters []expr.Expr) ([]catalog.Verdict, error) {
	out := make([]catalog.Verdict, len(filters))
	for i, f := range filters {
		if _, _, ok := t.keyFilter(f); ok {
			out[i] = catalog.FilterExact
		}
	}
	return out, nil
}

// numRows is the table's row count and whether it is exact.
func (t *Table) numRows() (int64, bool) {
	lo, hi := t.keyBounds()
	switch t.id {
	case tLineitem:
		return t.lines.count()
	case tPartsupp:
		return 4 * (hi - lo + 1), true
	}
	return hi - lo + 1, true
}

// Statistics: row count (Exact, except lineitem beyond 200M orders), key
// min/max and distinct count, and zero null counts (no column is nullable).
func (t *Table) Statistics(context.Context) (catalog.Statistics, error) {
	n, exact := t.numRows()
	st := catalog.Statistics{
		NumRows: catalog.Count{Value: n, Precision: catalog.Inexact},
		Columns: make([]catalog.ColumnStatistics, t.def.schema.NumFields()),
	}
	if exact {
		st.NumRows.Precision = catalog.Exact
	}
	for i := range st.Columns {
		st.Columns[i].NullCount = catalog.Count{Value: 0, Precision: catalog.Exact}
	}
	lo, hi := t.keyBounds()
	key := &st.Columns[0]
	key.Min = catalog.Bound{Value: lo, Precision: catalog.Exact}
	key.Max = catalog.Bound{Value: hi, Precision: catalog.Exact}
	key.DistinctCount = catalog.Count{Value: hi - lo + 1, Precision: catalog.Exact}
	return st, nil
}

// Scan narrows the key range with the (Exact) key filters and the limit,
// and splits it into partitions at fixed key boundaries. No generation.
func (t *Table) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	proj, sc, err := t.project(req.Projection)
	if err != nil {
		return nil, err
	}
	minKey, maxKey := t.keyBounds()
	lo, hi := minKey, maxKey
	for _, f := range req.Filters {
		flo, fhi, ok := t.keyFilter(f)
		if !ok {
			return nil, errs.Invalidf("%s: filter %s was not accepted by SupportsFilters; only key-column comparisons reach the scan", t, f)
		}
		lo, hi = max(lo, flo), min(hi, fhi)
	}
	limit := req.Limit
	if limit < 0 {
		limit = -1
	}
	if limit == 0 {
		hi = lo - 1
	} else if limit > 0 && lo <= hi && hi-lo >= limit {
		hi = lo + limit - 1 // every key has at least one row
	}
	s := &Scan{schema: sc, lo: lo, hi: hi}
	if lo > hi {
		return s, nil
	}
	// With a small limit, count rows per partition (hashing, no
	// generation) so the partitions together produce exactly the limit.
	tight := limit > 0 && limit <= maxTightLimit
	var planned int64
	keysPer := max(1, t.partitionRows/t.def.rowsPerKey)
	for i := (lo - minKey) / keysPer; i <= (hi-minKey)/keysPer; i++ {
		plo := max(lo, minKey+i*keysPer)
		phi := min(hi, minKey+(i+1)*keysPer-1)
		p := &partition{t: t, lo: plo, hi: phi, proj: proj, limit: limit}
		if tight {
			if planned >= limit {
				break
			}
			p.limit = limit - planned
			for k := plo; k <= phi && planned < limit; k++ {
				planned += t.rowsOfKey(k)
			}
		}
		s.parts = append(s.parts, p)
	}
	return s, nil
}

// maxTightLimit bounds the limits Scan distributes exactly over partitions
// (by counting rows per key); larger limits give every partition the whole
// limit and the engine trims the surplus.
const maxTightLimit = 10_000_000

func (t *Table) project(proj []int) ([]int, *arrow.Schema, error) {
	if proj == nil {
		return nil, t.def.schema, nil
	}
	fields := make([]arrow.Field, len(proj))
	for i, c := range proj {
		if c < 0 || c >= t.def.schema.NumFields() {
			return nil, nil, errs.Invalidf("%s: projection column %d out of range (table has %d columns)", t, c, t.def.schema.NumFields())
		}
		fields[i] = t.def.schema.Field(c)
	}
	return append([]int{}, proj...), arrow.NewSchema(fields, nil), nil
}

// Scan is a planned TPC-H read: a key range split into partitions.
// Immutable; safe for concurrent use.
type Scan struct {
	schema *arrow.Schema
	lo, hi int64
	parts  []catalog.Partition
}

var _ catalog.Scan = (*Scan)(nil)

// Schema is the projected schema.
func (s *Scan) Schema() *arrow.Schema { return s.schema }

// Partitions are disjoint key ranges in key order.
func (s *Scan) Partitions() []catalog.Partition { return s.parts }

// Describe renders the planned key range for EXPLAIN, e.g. "keys=1..1500".
func (s *Scan) Describe() string {
	if s.lo > s.hi {
		return "keys=none"
	}
	return fmt.Sprintf("keys=%d..%d", s.lo, s.hi)
}

// partition generates the rows of keys [lo, hi]. Immutable.
type partition struct {
	t      *Table
	lo, hi int64
	proj   []int // nil = all columns
	limit  int64 // -1 = none
}

var _ catalog.Partition = (*partition)(nil)

func (p *partition) String() string { return fmt.Sprintf("%s[%d..%d]", p.t.def.name, p.lo, p.hi) }

// Open returns a reader generating the partition's rows in batches of about
// 8192, allocated from mem; the caller Releases it. Generation happens in
// Next, which checks ctx before every batch.
func (p *partition) Open(ctx context.Context, mem memory.Allocator) (array.RecordReader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	sc := p.t.def.schema
	proj := p.proj
	if proj == nil {
		proj = make([]int, sc.NumFields())
		for i := range proj {
			proj[i] = i
		}
	}
	fields := make([]arrow.Field, len(proj))
	r := &reader{ctx: ctx, next: p.lo, hi: p.hi, remaining: p.limit, proj: proj}
	r.g.t = p.t
	r.g.sink = make([]colSink, sc.NumFields())
	r.builders = make([]array.Builder, sc.NumFields())
	for i, c := range proj {
		fields[i] = sc.Field(c)
		if r.builders[c] != nil {
			continue
		}
		b := array.NewBuilder(mem, sc.Field(c).Type)
		r.builders[c] = b
		switch bb := b.(type) {
		case *array.Int64Builder:
			r.g.sink[c].i64 = bb
		case *array.Int32Builder:
			r.g.sink[c].i32 = bb
		case *array.StringBuilder:
			r.g.sink[c].str = bb
		case *array.Decimal128Builder:
			r.g.sink[c].dec = bb
		case *array.Date32Builder:
			r.g.sink[c].date = bb
		default:
			r.releaseBuilders()
			return nil, errs.Internalf("%s: no generator for column type %s", p.t, sc.Field(c).Type)
		}
	}
	r.schema = arrow.NewSchema(fields, nil)
	r.refs.Store(1)
	return r, nil
}

// reader generates batches. Used by one goroutine at a time.
type reader struct {
	refs      atomic.Int64
	ctx       context.Context
	schema    *arrow.Schema
	proj      []int
	g         gen
	builders  []array.Builder // per table column; nil when not projected
	next, hi  int64           // next key to generate, last key
	remaining int64           // rows still allowed (-1 = no limit)
	cur       arrow.RecordBatch
	err       error
}

var _ array.RecordReader = (*reader)(nil)

func (r *reader) Schema() *arrow.Schema { return r.schema }
func (r *reader) Retain()               { r.refs.Add(1) }

// Release frees the current batch and the builders at the last reference.
func (r *reader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.releaseBuilders()
}

func (r *reader) releaseBuilders() {
	for i, b := range r.builders {
		if b != nil {
			b.Release()
			r.builders[i] = nil
		}
	}
}

// RecordBatch is the current batch, valid until the next Next or Release.
func (r *reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is RecordBatch (the deprecated name).
func (r *reader) Record() arrow.RecordBatch { return r.cur }

// Err is the error that stopped Next (ctx's, or a recovered bug).
func (r *reader) Err() error { return r.err }

// Next generates the next batch.
func (r *reader) Next() (ok bool) {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.err != nil || r.next > r.hi || r.remaining == 0 {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return false
	}
	defer func() {
		if x := recover(); x != nil {
			r.err, ok = errs.Internalf("tpch.%s: generator panic: %v", r.g.t.def.name, x), false
		}
	}()
	genCount.Add(1)
	target := int64(batchRows)
	if r.remaining > 0 {
		target = min(target, r.remaining)
	}
	var rows int64
	produced := false
	reserve := min(target, (r.hi-r.next+1)*r.g.t.def.rowsPerKey) + 7 // 7: a key's rows are never split
	for _, b := range r.builders {
		if b != nil {
			produced = true
			b.Reserve(int(reserve))
		}
	}
	for rows < target && r.next <= r.hi {
		if produced {
			rows += r.g.genKey(r.next)
		} else {
			rows += r.g.t.rowsOfKey(r.next)
		}
		r.next++
	}
	built := make([]arrow.Array, len(r.builders))
	defer func() {
		for _, a := range built {
			if a != nil {
				a.Release()
			}
		}
	}()
	for c, b := range r.builders {
		if b != nil {
			built[c] = b.NewArray()
		}
	}
	n := rows
	if r.remaining > 0 && n > r.remaining {
		n = r.remaining
	}
	cols := make([]arrow.Array, len(r.proj))
	for i, c := range r.proj {
		cols[i] = built[c]
		if n < rows {
			cols[i] = array.NewSlice(built[c], 0, n)
			defer cols[i].Release()
		}
	}
	r.cur = array.NewRecordBatch(r.schema, cols, n)
	if r.remaining > 0 {
		r.remaining -= n
	}
	return true
}

// rowsOfKey is the number of rows key k has (no generation).
func (t *Table) rowsOfKey(k int64) int64 {
	switch t.id {
	case tPartsupp:
		return 4
	case tLineitem:
		return lineCount(k)
	}
	return 1
}

// partitionWire is the encoded form of a partition (metadata only).
type partitionWire struct {
	Version int     `json:"v"`
	Table   string  `json:"table"`
	Scale   float64 `json:"scale"`
	Lo      int64   `json:"lo"`
	Hi      int64   `json:"hi"`
	Proj    []int   `json:"proj"` // null = all columns
	Limit   int64   `json:"limit"`
}

const wireVersion = 1

// EncodePartition encodes a partition as table, scale, key range,
// projection and limit.
func (t *Table) EncodePartition(p catalog.Partition) ([]byte, error) {
	pp, ok := p.(*partition)
	if !ok || pp.t.id != t.id {
		return nil, errs.Invalidf("%s: cannot encode partition %v", t, p)
	}
	return json.Marshal(partitionWire{Version: wireVersion, Table: t.def.name, Scale: t.sizes.scale,
		Lo: pp.lo, Hi: pp.hi, Proj: pp.proj, Limit: pp.limit})
}

// DecodePartition rebuilds a partition on this node's table, which must be
// the same table at the same scale.
func (t *Table) DecodePartition(_ context.Context, data []byte) (catalog.Partition, error) {
	var w partitionWire
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, errs.Invalidf("%s: bad encoded partition: %v", t, err)
	}
	if w.Version != wireVersion {
		return nil, errs.Invalidf("%s: encoded partition version %d, this node reads version %d", t, w.Version, wireVersion)
	}
	if w.Table != t.def.name {
		return nil, errs.Invalidf("%s: encoded partition is for table %q", t, w.Table)
	}
	if w.Scale != t.sizes.scale {
		return nil, errs.Invalidf("%s: encoded partition is at scale %g, this node serves scale %g", t, w.Scale, t.sizes.scale)
	}
	lo, hi := t.keyBounds()
	if w.Lo > w.Hi || w.Lo < lo || w.Hi > hi {
		return nil, errs.Invalidf("%s: encoded key range %d..%d is outside the table's %d..%d", t, w.Lo, w.Hi, lo, hi)
	}
	proj, _, err := t.project(w.Proj)
	if err != nil {
		return nil, err
	}
	if w.Limit < -1 {
		return nil, errs.Invalidf("%s: encoded partition has limit %d", t, w.Limit)
	}
	return &partition{t: t, lo: w.Lo, hi: w.Hi, proj: proj, limit: w.Limit}, nil
}
