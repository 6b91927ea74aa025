package operator

import (
	"context"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// JoinType is the kind of join an operator performs (the operator-level
// twin of logical.JoinType; a cross join is JoinInner without keys or
// condition).
type JoinType int

// Join types. Inner, Left, Right and Full output the left input's columns
// then the right input's; Semi and Anti output the left input's columns.
const (
	JoinInner JoinType = iota
	JoinLeft
	JoinRight
	JoinFull
	JoinSemi
	JoinAnti
)

// JoinSpec describes a join for NewHashJoin and NewNestedLoopJoin.
type JoinSpec struct {
	Type JoinType
	// LeftKeys bind to the left input's schema, RightKeys to the right
	// input's; pairwise equal types (STRING and LARGE_STRING mix). A row
	// with a NULL key never matches. Nested-loop joins take no keys.
	LeftKeys, RightKeys []expr.Expr
	// Condition (nil: TRUE) binds to the left schema followed by the right
	// schema, for every join type; a pair matches when it is TRUE.
	Condition expr.Expr
	// NullAware (Anti only) gives NOT IN semantics: a left row is dropped
	// when some right row satisfies Condition and no key comparison is
	// FALSE. It requires the right input to be the build side.
	NullAware bool
	// BuildLeft makes the left input the build side (held in memory); by
	// default the right input builds and the left streams.
	BuildLeft bool
	// Schema is the output schema (logical.JoinSchema of the inputs).
	Schema *arrow.Schema
}

// HashJoinSupports reports whether NewHashJoin can hash keys of type dt.
func HashJoinSupports(dt arrow.DataType) bool {
	k := kindOf(dt)
	return k != kUnsupported
}

// NewHashJoin returns an equi-join: it reads the whole build side (the
// right input unless spec.BuildLeft), hashes its key columns into a table
// of row chains, then streams the probe side batch by batch, looking each
// row's keys up, gathering the candidate pairs (arrow take) and evaluating
// spec.Condition over them vectorized. Outer joins emit unmatched probe rows
// after each probe batch and unmatched build rows at the end. Output batches
// hold at most 8192 rows, however many partners a row has.
//
// The build side's batches and hash table are accounted in budget (nil:
// unlimited); exceeding it fails with errs.ErrResourceExhausted. mem
// allocates every output batch. Lifecycle as every Operator; used by one
// goroutine at a time.
func NewHashJoin(left, right Operator, spec JoinSpec, mem memory.Allocator, budget *Budget) Operator {
	return newJoin(left, right, spec, true, mem, budget, "hash join")
}

// joinOp implements both the hash join and the nested-loop join: they
// differ only in how a probe row's candidate build rows are found (a hash
// chain, or every build row).
type joinOp struct {
	left, right  Operator
	build, probe Operator
	spec         JoinSpec
	hashed       bool
	mem          memory.Allocator
	res          reservation
	schema       *arrow.Schema
	nLeft        int // columns of the left input
	cond         expr.Expr

	buildKeys, probeKeys []expr.Expr
	// preserveProbe/preserveBuild: unmatched rows of that side are emitted
	// NULL-extended (outer joins).
	preserveProbe, preserveBuild bool
	// semi/anti with the left side as the probe: decided per probe batch;
	// with the left side as build: emitted at the end from buildMatched.
	filterProbe, filterBuild bool
	anyMatchOnly             bool // matches only need to exist (no pairs are output)

	opened, built, probeDone, finalDone, closed bool

	buildData    arrow.RecordBatch // nil when the build side is empty
	buildN       int
	table        joinTable
	next         []int32 // hash chains over build rows, -1 ends
	nullRows     []int32 // build rows with a NULL key (ascending)
	buildMatched []bool

	pb           arrow.RecordBatch // current probe batch
	first        []int32           // per probe row: first chained build row, -1 none
	probeNull    []bool            // per probe row: some key is NULL
	probeMatched []bool
	row          int   // probe row being expanded
	phase        int   // candidate phase of row
	cand         int32 // next candidate (chain row or position in the phase's list)
	tailDone     bool
	finalPos     int
	pIdx, bIdx   []int32
	cur          arrow.RecordBatch
}

// Candidate phases of one probe row.
const (
	phaseStart = iota
	phaseChain // cand walks the hash chain
	phaseNulls // cand indexes nullRows (null-aware only)
	phaseAll   // cand indexes every build row
	phaseDone
)

func newJoin(left, right Operator, spec JoinSpec, hashed bool, mem memory.Allocator, budget *Budget, name string) *joinOp {
	o := &joinOp{left: left, right: right, spec: spec, hashed: hashed, mem: mem,
		res: reservation{budget: budget, op: name}, schema: spec.Schema, nLeft: left.Schema().NumFields(), cond: spec.Condition}
	o.build, o.probe = right, left
	o.buildKeys, o.probeKeys = spec.RightKeys, spec.LeftKeys
	if spec.BuildLeft {
		o.build, o.probe = left, right
		o.buildKeys, o.probeKeys = spec.LeftKeys, spec.RightKeys
	}
	switch spec.Type {
	case JoinLeft:
		o.preserveProbe, o.preserveBuild = !spec.BuildLeft, spec.BuildLeft
	case JoinRight:
		o.preserveProbe, o.preserveBuild = spec.BuildLeft, !spec.BuildLeft
	case JoinFull:
		o.preserveProbe, o.preserveBuild = true, true
	case JoinSemi, JoinAnti:
		o.filterProbe, o.filterBuild = !spec.BuildLeft, spec.BuildLeft
	}
	if o.schema == nil {
		o.schema = joinOutputSchema(spec.Type, left.Schema(), right.Schema())
	}
	return o
}

// joinOutputSchema mirrors logical.JoinSchema for callers that pass none.
func joinOutputSchema(t JoinType, l, r *arrow.Schema) *arrow.Schema {
	if t == JoinSemi || t == JoinAnti {
		return l
	}
	fields := append(append([]arrow.Field(nil), l.Fields()...), r.Fields()...)
	for i := range fields {
		fields[i].Nullable = true
	}
	return arrow.NewSchema(fields, nil)
}

func (o *joinOp) Schema() *arrow.Schema { return o.schema }
func (o *joinOp) Children() []Operator  { return []Operator{o.left, o.right} }

func (o *joinOp) Open(ctx context.Context) error {
	if err := o.validate(); err != nil {
		return err
	}
	o.opened = true
	if err := o.left.Open(ctx); err != nil {
		return err
	}
	return o.right.Open(ctx)
}

func (o *joinOp) validate() error {
	s := o.spec
	if len(s.LeftKeys) != len(s.RightKeys) {
		return errs.Internalf("join with %d left keys and %d right keys", len(s.LeftKeys), len(s.RightKeys))
	}
	if o.hashed && len(s.LeftKeys) == 0 {
		return errs.Internalf("hash join without keys")
	}
	if !o.hashed && len(s.LeftKeys) > 0 {
		return errs.Internalf("nested-loop join given equi-keys; fold them into the condition")
	}
	if s.NullAware && (s.Type != JoinAnti || s.BuildLeft || !o.hashed) {
		return errs.Internalf("null-aware join must be a hash anti join building its right input (fold the keys into a nested-loop join's condition)")
	}
	if s.Type < JoinInner || s.Type > JoinAnti {
		return errs.Internalf("unknown join type %d", s.Type)
	}
	for i := range s.LeftKeys {
		lt, rt := s.LeftKeys[i].Type(), s.RightKeys[i].Type()
		if !arrow.TypeEqual(lt, rt) && !(isStringKind(lt) && isStringKind(rt)) {
			return errs.Internalf("join key %d: %s on the left, %s on the right", i, lt, rt)
		}
		if !HashJoinSupports(lt) {
			return errs.NotImplementedf("joining on a key of type %s", lt)
		}
	}
	if s.NullAware {
		// NOT IN: a pair counts unless some key comparison is FALSE.
		na, err := nullAwareCondition(s.LeftKeys, s.RightKeys, o.nLeft)
		if err != nil {
			return err
		}
		if len(s.LeftKeys) > 1 || o.cond != nil {
			if o.cond != nil {
				na = expr.Conjoin([]expr.Expr{na, o.cond})
			}
			o.cond = na
		}
	}
	o.anyMatchOnly = (o.filterProbe || o.filterBuild) && o.cond == nil
	return nil
}

func isStringKind(dt arrow.DataType) bool {
	k := kindOf(dt)
	return k == kString || k == kLargeString
}

// nullAwareCondition is AND over the keys of NOT((l = r) <=> FALSE) over
// the concatenated schema: TRUE unless some comparison is FALSE.
func nullAwareCondition(lk, rk []expr.Expr, nLeft int) (expr.Expr, error) {
	var conj []expr.Expr
	for i := range lk {
		eq, err := expr.NewBinary(expr.OpEq, lk[i], ShiftColumns(rk[i], nLeft))
		if err != nil {
			return nil, errs.Wrap(errs.ErrInternal, err, "null-aware join key")
		}
		isFalse, err := expr.NewBinary(expr.OpNullSafeEq, eq, expr.NewLiteral(false))
		if err != nil {
			return nil, errs.Wrap(errs.ErrInternal, err, "null-aware join key")
		}
		not, err := expr.NewNot(isFalse)
		if err != nil {
			return nil, errs.Wrap(errs.ErrInternal, err, "null-aware join key")
		}
		conj = append(conj, not)
	}
	return expr.Conjoin(conj), nil
}

// ShiftColumns returns e with every column index increased by by (binding
// an expression over a join's right input to the concatenated schema).
func ShiftColumns(e expr.Expr, by int) expr.Expr {
	if by == 0 {
		return e
	}
	return expr.Transform(e, func(n expr.Expr) expr.Expr {
		if c, ok := n.(*expr.Column); ok {
			return &expr.Column{Index: c.Index + by, Name: c.Name, DataType: c.DataType}
		}
		return n
	})
}

func (o *joinOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	releaseBatch(&o.cur)
	if o.closed {
		return nil, errs.Internalf("join: Next after Close")
	}
	if !o.opened {
		return nil, errs.Internalf("join: Next before Open")
	}
	if !o.built {
		if err := o.buildSide(ctx); err != nil {
			return nil, err
		}
		o.built = true
		if o.buildN == 0 && !o.preserveProbe && !(o.filterProbe && o.spec.Type == JoinAnti) {
			o.probeDone = true // nothing can match or be emitted from the probe side
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out, err := o.step(ctx)
		if err != nil {
			return nil, err
		}
		if out == nil {
			if o.finalDone {
				return nil, nil
			}
			continue
		}
		if out.NumRows() == 0 {
			out.Release()
			continue
		}
		o.cur = out
		return out, nil
	}
}

// step does one unit of work and returns at most one batch (nil when the
// unit produced none; o.finalDone marks the end).
func (o *joinOp) step(ctx context.Context) (arrow.RecordBatch, error) {
	if !o.probeDone {
		if o.pb == nil {
			b, err := o.probe.Next(ctx)
			if err != nil {
				return nil, err
			}
			if b == nil {
				o.probeDone = true
				return nil, nil
			}
			if b.NumRows() == 0 {
				return nil, nil
			}
			if err := o.startProbe(ctx, b); err != nil {
				return nil, err
			}
		}
		if o.row < int(o.pb.NumRows()) {
			return o.expand(ctx)
		}
		out, err := o.probeTail(ctx)
		o.releaseProbe()
		return out, err
	}
	return o.final(ctx)
}

// buildSide reads the build input into one batch and hashes its keys.
func (o *joinOp) buildSide(ctx context.Context) error {
	var batches []arrow.RecordBatch
	defer func() { releaseBatches(batches) }()
	var rows int64
	for {
		b, err := nextReserved(ctx, o.build, &o.res)
		if err != nil {
			return err
		}
		if b == nil {
			break
		}
		batches = append(batches, b)
		rows += b.NumRows()
		if rows > math.MaxInt32-1 {
			return errs.Exhaustedf("%s build side has more than %d rows; put the smaller input on the build side or filter it", o.res.op, math.MaxInt32-1)
		}
	}
	if rows == 0 {
		return nil
	}
	var data arrow.RecordBatch
	if len(batches) == 1 {
		data = batches[0]
		data.Retain()
	} else {
		var err error
		data, err = concatBatches(o.mem, o.build.Schema(), batches, rows)
		if err != nil {
			return err
		}
		if err := o.res.grow(batchBytes(data)); err != nil {
			data.Release()
			return err
		}
		for _, b := range batches {
			o.res.shrink(batchBytes(b))
		}
	}
	o.buildData = data
	o.buildN = int(rows)
	if o.preserveBuild || o.filterBuild {
		o.buildMatched = make([]bool, o.buildN)
		if err := o.res.grow(int64(o.buildN)); err != nil {
			return err
		}
	}
	if !o.hashed {
		return nil
	}
	keys, err := evalKeys(ctx, o.buildKeys, data, o.mem)
	if err != nil {
		return err
	}
	defer releaseArrays(keys)
	o.table = newJoinTable(keys)
	o.next = make([]int32, o.buildN)
	if err := o.res.grow(4 * int64(o.buildN)); err != nil {
		return err
	}
	nulls := buildNulls(keys, o.buildN)
	o.table.insert(keys, nulls, o.next)
	for r, isNull := range nulls {
		if isNull {
			o.nullRows = append(o.nullRows, int32(r))
		}
	}
	return o.res.grow(o.table.size() + 4*int64(len(o.nullRows)))
}

func evalKeys(ctx context.Context, keys []expr.Expr, b arrow.RecordBatch, mem memory.Allocator) ([]arrow.Array, error) {
	out := make([]arrow.Array, len(keys))
	for i, k := range keys {
		a, err := evalExpr(ctx, k, b, mem)
		if err != nil {
			releaseArrays(out)
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

// buildNulls marks the rows where some key is NULL.
func buildNulls(keys []arrow.Array, n int) []bool {
	nulls := make([]bool, n)
	for _, k := range keys {
		v := validityOf(k)
		if !v.hasNulls() {
			continue
		}
		for i := range nulls {
			if !v.valid(i) {
				nulls[i] = true
			}
		}
	}
	return nulls
}

// startProbe takes b (retaining it) as the current probe batch and looks
// its keys up.
func (o *joinOp) startProbe(ctx context.Context, b arrow.RecordBatch) error {
	n := int(b.NumRows())
	b.Retain()
	o.pb = b
	o.row, o.phase, o.tailDone = 0, phaseStart, false
	o.probeMatched = resizeBools(o.probeMatched, n)
	if !o.hashed {
		return nil
	}
	keys, err := evalKeys(ctx, o.probeKeys, b, o.mem)
	if err != nil {
		return err
	}
	defer releaseArrays(keys)
	o.probeNull = buildNulls(keys, n)
	if cap(o.first) < n {
		o.first = make([]int32, n)
	}
	o.first = o.first[:n]
	if o.table == nil { // empty build side
		for i := range o.first {
			o.first[i] = -1
		}
		return nil
	}
	o.table.lookup(keys, o.probeNull, o.first)
	return nil
}

func resizeBools(b []bool, n int) []bool {
	if cap(b) < n {
		return make([]bool, n)
	}
	b = b[:n]
	clear(b)
	return b
}

func (o *joinOp) releaseProbe() {
	releaseBatch(&o.pb)
}

// nextCandidate returns the next candidate build row of the current probe
// row, or -1 when it has no more (then the caller moves to the next row).
func (o *joinOp) nextCandidate() int32 {
	for {
		switch o.phase {
		case phaseStart:
			switch {
			case !o.hashed:
				o.phase, o.cand = phaseAll, 0
			case o.probeNull[o.row]:
				if o.spec.NullAware {
					o.phase, o.cand = phaseAll, 0
				} else {
					o.phase = phaseDone
				}
			default:
				o.phase, o.cand = phaseChain, o.first[o.row]
			}
		case phaseChain:
			if o.cand >= 0 {
				c := o.cand
				o.cand = o.next[c]
				return c
			}
			if o.spec.NullAware {
				o.phase, o.cand = phaseNulls, 0
			} else {
				o.phase = phaseDone
			}
		case phaseNulls:
			if int(o.cand) < len(o.nullRows) {
				c := o.nullRows[o.cand]
				o.cand++
				return c
			}
			o.phase = phaseDone
		case phaseAll:
			if int(o.cand) < o.buildN {
				c := o.cand
				o.cand++
				return c
			}
			o.phase = phaseDone
		default:
			return -1
		}
	}
}

// expand gathers up to maxBatchRows candidate pairs of the current probe
// batch, evaluates the condition on them, records matches and returns the
// matching pairs (nil for semi/anti joins, which emit in probeTail/final).
func (o *joinOp) expand(ctx context.Context) (arrow.RecordBatch, error) {
	n := int(o.pb.NumRows())
	o.pIdx, o.bIdx = o.pIdx[:0], o.bIdx[:0]
	for o.row < n && len(o.pIdx) < maxBatchRows {
		if o.anyMatchOnly && o.filterProbe && o.probeMatched[o.row] {
			o.row, o.phase = o.row+1, phaseStart
			continue
		}
		c := o.nextCandidate()
		if c < 0 {
			o.row, o.phase = o.row+1, phaseStart
			continue
		}
		if o.anyMatchOnly {
			if o.filterProbe {
				o.probeMatched[o.row] = true
			} else {
				o.buildMatched[c] = true
			}
			continue
		}
		o.pIdx = append(o.pIdx, int32(o.row))
		o.bIdx = append(o.bIdx, c)
	}
	if len(o.pIdx) == 0 {
		return nil, nil
	}
	pairs, err := o.gather(ctx, o.pb, o.pIdx, o.bIdx, o.filterProbe || o.filterBuild)
	if err != nil {
		return nil, err
	}
	var mask []bool
	if o.cond != nil {
		mask, err = evalMask(ctx, o.cond, pairs, o.mem)
		if err != nil {
			pairs.Release()
			return nil, err
		}
	}
	for i := range o.pIdx {
		if mask != nil && !mask[i] {
			continue
		}
		if o.preserveProbe || o.filterProbe {
			o.probeMatched[o.pIdx[i]] = true
		}
		if o.preserveBuild || o.filterBuild {
			o.buildMatched[o.bIdx[i]] = true
		}
	}
	if o.filterProbe || o.filterBuild {
		pairs.Release()
		return nil, nil
	}
	if mask == nil {
		return pairs, nil
	}
	defer pairs.Release()
	return filterByMask(ctx, pairs, mask, o.mem)
}

// evalMask evaluates a predicate over b: TRUE rows are true (NULL, FALSE
// false), with MySQL truthiness for non-BOOL results.
func evalMask(ctx context.Context, pred expr.Expr, b arrow.RecordBatch, mem memory.Allocator) ([]bool, error) {
	a, err := expr.Eval(ctx, pred, b, mem)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	if a.DataType().ID() != arrow.BOOL {
		if a.DataType().ID() == arrow.NULL {
			return make([]bool, a.Len()), nil
		}
		c, err := expr.Eval(ctx, &expr.Cast{Input: &expr.Column{Index: 0, Name: "cond", DataType: a.DataType()}, To: expr.TypeBool},
			array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "cond", Type: a.DataType(), Nullable: true}}, nil), []arrow.Array{a}, int64(a.Len())), mem)
		if err != nil {
			return nil, err
		}
		defer c.Release()
		a = c
	}
	ba := a.(*array.Boolean)
	v := validityOf(ba)
	out := make([]bool, ba.Len())
	for i := range out {
		out[i] = v.valid(i) && ba.Value(i)
	}
	return out, nil
}

// filterByMask keeps b's rows where mask is true; the caller releases the
// result.
func filterByMask(ctx context.Context, b arrow.RecordBatch, mask []bool, mem memory.Allocator) (arrow.RecordBatch, error) {
	rows := make([]int32, 0, len(mask))
	for i, ok := range mask {
		if ok {
			rows = append(rows, int32(i))
		}
	}
	if len(rows) == len(mask) {
		b.Retain()
		return b, nil
	}
	return gatherRows(ctx, mem, b, rows)
}

// gather builds the output batch of pairs (probe row pIdx[i], build row
// bIdx[i]); -1 on either side means NULLs there. With leftOnlyCols false
// it has both sides' columns (the full schema even for semi/anti joins,
// whose condition needs them).
func (o *joinOp) gather(ctx context.Context, pb arrow.RecordBatch, pIdx, bIdx []int32, bothSides bool) (arrow.RecordBatch, error) {
	n := len(pIdx)
	if n == 0 {
		n = len(bIdx)
	}
	var probeCols, buildCols []arrow.Array
	var err error
	defer func() { releaseArrays(probeCols); releaseArrays(buildCols) }()
	probeCols, err = takeCols(ctx, o.mem, o.probe.Schema(), pb, pIdx, n)
	if err != nil {
		return nil, err
	}
	buildCols, err = takeCols(ctx, o.mem, o.build.Schema(), o.buildData, bIdx, n)
	if err != nil {
		return nil, err
	}
	leftCols, rightCols := probeCols, buildCols
	if o.spec.BuildLeft {
		leftCols, rightCols = buildCols, probeCols
	}
	cols := append(append([]arrow.Array(nil), leftCols...), rightCols...)
	schema := o.schema
	if bothSides && (o.spec.Type == JoinSemi || o.spec.Type == JoinAnti) {
		schema = joinOutputSchema(JoinInner, o.left.Schema(), o.right.Schema())
	}
	return array.NewRecordBatch(schema, cols, int64(n)), nil
}

// takeCols gathers rows idx of b's columns (schema s); idx nil means every
// row is NULL (also when b is nil: an empty build side).
func takeCols(ctx context.Context, mem memory.Allocator, s *arrow.Schema, b arrow.RecordBatch, idx []int32, n int) ([]arrow.Array, error) {
	out := make([]arrow.Array, s.NumFields())
	if idx == nil || b == nil {
		for i, f := range s.Fields() {
			out[i] = array.MakeArrayOfNull(mem, f.Type, n)
		}
		return out, nil
	}
	var indices arrow.Array
	defer func() {
		if indices != nil {
			indices.Release()
		}
	}()
	cctx := compute.WithAllocator(ctx, mem)
	for i, c := range b.Columns() {
		if g, ok := gatherArray(mem, c, idx); ok {
			out[i] = g
			continue
		}
		if indices == nil {
			valid := make([]bool, len(idx))
			anyNull := false
			for i, r := range idx {
				valid[i] = r >= 0
				anyNull = anyNull || r < 0
			}
			if !anyNull {
				valid = nil
			}
			indices = buildFixed(mem, arrow.PrimitiveTypes.Int32, idx, valid)
		}
		t, err := compute.TakeArrayOpts(cctx, c, indices, compute.TakeOptions{BoundsCheck: false})
		if err != nil {
			releaseArrays(out)
			return nil, errs.Wrap(errs.ErrInternal, err, "join: gathering column %s", b.ColumnName(i))
		}
		out[i] = t
	}
	return out, nil
}

// probeTail emits what a finished probe batch contributes besides pairs:
// unmatched rows (outer), or the kept rows (semi/anti probing the left).
func (o *joinOp) probeTail(ctx context.Context) (arrow.RecordBatch, error) {
	switch {
	case o.preserveProbe:
		var rows []int32
		for i, m := range o.probeMatched {
			if !m {
				rows = append(rows, int32(i))
			}
		}
		if len(rows) == 0 {
			return nil, nil
		}
		return o.gather(ctx, o.pb, rows, nil, false)
	case o.filterProbe:
		want := o.spec.Type == JoinSemi
		rows := make([]int32, 0, len(o.probeMatched))
		for i, m := range o.probeMatched {
			if m == want {
				rows = append(rows, int32(i))
			}
		}
		if len(rows) == 0 {
			return nil, nil
		}
		if len(rows) == len(o.probeMatched) {
			return conformBatch(o.schema, o.pb, "join")
		}
		out, err := gatherRows(ctx, o.mem, o.pb, rows)
		if err != nil {
			return nil, err
		}
		defer out.Release()
		return conformBatch(o.schema, out, "join")
	}
	return nil, nil
}

// final emits, after the probe side ended, the build rows an outer join
// preserves or a semi/anti join building its left input keeps, in batches.
func (o *joinOp) final(ctx context.Context) (arrow.RecordBatch, error) {
	if !(o.preserveBuild || o.filterBuild) || o.finalPos >= o.buildN {
		o.finalDone = true
		return nil, nil
	}
	want := o.spec.Type == JoinSemi // filterBuild: keep matched rows for semi
	rows := o.bIdx[:0]
	for o.finalPos < o.buildN && len(rows) < maxBatchRows {
		m := o.buildMatched[o.finalPos]
		if (o.preserveBuild && !m) || (o.filterBuild && m == want) {
			rows = append(rows, int32(o.finalPos))
		}
		o.finalPos++
	}
	o.bIdx = rows
	if len(rows) == 0 {
		return nil, nil
	}
	if o.filterBuild {
		out, err := gatherRows(ctx, o.mem, o.buildData, rows)
		if err != nil {
			return nil, err
		}
		defer out.Release()
		return conformBatch(o.schema, out, "join")
	}
	return o.gather(ctx, nil, nil, rows, false)
}

func (o *joinOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	releaseBatch(&o.cur)
	o.releaseProbe()
	releaseBatch(&o.buildData)
	o.table, o.next, o.buildMatched, o.nullRows = nil, nil, nil, nil
	o.res.releaseAll()
	err := o.left.Close()
	if err2 := o.right.Close(); err == nil {
		err = err2
	}
	return err
}
