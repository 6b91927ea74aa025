// Package exec ties Quiver's query pipeline together: SQL text →
// planbuilder (TiDB AST → logical plan) → optimizer (logical rules) →
// physical (operators) → physopt (physical rules, last a sanity check) →
// running operators that stream arrow.RecordBatch.
//
// The server (server/) uses only this package's Engine and Statement.
package exec

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/operator"
	"github.com/quiverdb/quiver/exec/optimizer"
	"github.com/quiverdb/quiver/exec/physical"
	"github.com/quiverdb/quiver/exec/physopt"
	"github.com/quiverdb/quiver/exec/planbuilder"
)

// Limits bound what one query may ask for (see HARDENING.md). Zero values
// mean the defaults in DefaultLimits.
type Limits struct {
	MaxSQLBytes     int   // SQL text length; default 1 MiB
	MaxNestingDepth int   // parentheses/subquery nesting; default 1000
	MaxInListItems  int   // items in one IN list; default 100,000
	MemoryLimit     int64 // bytes a query's sort/aggregate may hold; default 4 GiB
}

// DefaultLimits are the limits used for zero fields.
var DefaultLimits = Limits{MaxSQLBytes: 1 << 20, MaxNestingDepth: 1000, MaxInListItems: 100_000, MemoryLimit: 4 << 30}

func (l Limits) withDefaults() Limits {
	if l.MaxSQLBytes <= 0 {
		l.MaxSQLBytes = DefaultLimits.MaxSQLBytes
	}
	if l.MaxNestingDepth <= 0 {
		l.MaxNestingDepth = DefaultLimits.MaxNestingDepth
	}
	if l.MaxInListItems <= 0 {
		l.MaxInListItems = DefaultLimits.MaxInListItems
	}
	if l.MemoryLimit <= 0 {
		l.MemoryLimit = DefaultLimits.MemoryLimit
	}
	return l
}

// Config configures an Engine.
type Config struct {
	Root   *catalog.Root
	Limits Limits
	// Parallelism is how many partitions are read at once; 0 = GOMAXPROCS.
	Parallelism int
	// DisableOptimizer skips the logical optimizer and every physical rule
	// except physopt.ValidationRules (physopt.SemanticRules, then
	// SanityCheck): nothing is pushed into scans and
	// plans run as written. Results must be the same either way; the SQL
	// golden tests run both ways. Default false.
	DisableOptimizer bool
	// PhysicalRules replaces physopt.DefaultRules() when non-nil. Start
	// from physopt.DefaultRules(): it begins with physopt.SemanticRules,
	// without which string keys compare bytewise and comparisons come back
	// as BOOL instead of MySQL's 1/0. Keep physopt.SanityCheck last.
	PhysicalRules []physopt.Rule
	// Funcs resolves scalar function calls: start from
	// expr.DefaultFunctions() and RegisterFunc your own. nil = the built-ins.
	Funcs *expr.Registry
}

// Engine plans and runs SQL against a catalog root. Safe for concurrent use.
type Engine struct {
	cfg     Config
	lim     Limits
	parsers sync.Pool // *planbuilder.Parser: a TiDB parser is single-goroutine
}

// New returns an engine.
func New(cfg Config) *Engine {
	e := &Engine{cfg: cfg, lim: cfg.Limits.withDefaults()}
	e.parsers.New = func() any { return planbuilder.NewParser() }
	return e
}

// Root is the catalog root the engine plans against.
func (e *Engine) Root() *catalog.Root { return e.cfg.Root }

// Prepare parses and plans one SQL statement for a session whose current
// catalog/schema and options are in opts. It does no provider I/O beyond
// metadata (schemas, pushdown negotiation, statistics). Errors carry errs
// kinds: ErrInvalid (syntax, with position and hint), ErrNotFound (unknown
// table or column, named), ErrNotImplemented (unsupported construct, named),
// ErrResourceExhausted (limits).
func (e *Engine) Prepare(ctx context.Context, opts catalog.Options, sql string) (st *Statement, err error) {
	defer func() {
		if r := recover(); r != nil {
			st, err = nil, errs.Internalf("planning panicked: %v\n%s", r, debug.Stack())
		}
	}()
	if e.cfg.Root == nil {
		return nil, errs.Internalf("engine has no catalog root")
	}
	if err := ctx.Err(); err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "prepare cancelled")
	}
	var zone *time.Location
	if tz, ok := opts.Values["time_zone"]; ok {
		if zone, _, err = expr.ParseTimeZone(tz); err != nil {
			return nil, errs.Invalidf("session option \"time_zone\": %v", err)
		}
	}
	// Constant folding evaluates zone-dependent functions such as
	// FROM_UNIXTIME at plan time: it must see the session's zone.
	ctx = expr.WithStatementZone(ctx, time.Now(), zone)
	p := e.parsers.Get().(*planbuilder.Parser)
	b := &planbuilder.Builder{Root: e.cfg.Root, Options: opts, Funcs: e.cfg.Funcs, Limits: planbuilder.Limits{
		MaxSQLBytes: e.lim.MaxSQLBytes, MaxNestingDepth: e.lim.MaxNestingDepth, MaxInListItems: e.lim.MaxInListItems,
	}}
	if planbuilder.IsSessionStatement(sql) {
		sc, err := b.BuildSessionChange(ctx, p, sql)
		e.parsers.Put(p)
		if err != nil {
			return nil, err
		}
		if sc != nil {
			return &Statement{eng: e, sql: sql, kind: kindSession, change: sc, schema: logical.DMLSchema, total: 1}, nil
		}
		p = e.parsers.Get().(*planbuilder.Parser)
	}
	params := planbuilder.NewParams()
	pp, err := e.plan(planbuilder.WithParams(ctx, params), b, p, sql)
	if err != nil {
		return nil, err
	}
	st = newStatement(e, sql, pp)
	st.zone = zone
	if params.Len() > 0 {
		// The plan holds stand-ins for the placeholders: Execute plans
		// again with the bound values (params.go).
		st.params, st.paramSchema, st.builder, st.total = params, params.Schema(), b, -1
	}
	return st, nil
}

// plan builds, optimizes and lowers sql with parser p, which it returns to
// the pool.
func (e *Engine) plan(ctx context.Context, b *planbuilder.Builder, p *planbuilder.Parser, sql string) (physical.Plan, error) {
	lp, err := b.Build(ctx, p, sql)
	// A parser that panicked may hold broken state; only reuse it on the
	// normal path (the caller's deferred recover handles panics).
	e.parsers.Put(p)
	if err != nil {
		return nil, err
	}
	opts := b.Options
	if !e.cfg.DisableOptimizer {
		lp, err = optimizer.Optimize(ctx, lp, optimizer.DefaultRules())
		if err != nil {
			return nil, err
		}
	}
	pp, err := physical.Lower(ctx, lp, opts)
	if err != nil {
		return nil, err
	}
	rules := physopt.DefaultRules()
	switch {
	case e.cfg.DisableOptimizer:
		rules = physopt.ValidationRules()
	case e.cfg.PhysicalRules != nil:
		rules = e.cfg.PhysicalRules
	}
	return physopt.Optimize(ctx, pp, physopt.Config{Parallelism: e.cfg.Parallelism}, rules)
}

type stmtKind int

const (
	kindQuery stmtKind = iota
	kindUpdate
	kindExplain
	kindExplainAnalyze
	kindSession // SET / USE: see Statement.SessionChange
)

// SessionChange is what a SET or USE statement asks of the session (see
// planbuilder.SessionChange).
type SessionChange = planbuilder.SessionChange

// Statement is a planned statement. It may be executed many times and from
// several goroutines: it is immutable after Prepare and every Execute builds
// its own operators and memory budget.
type Statement struct {
	eng    *Engine
	sql    string
	kind   stmtKind
	plan   physical.Plan // for EXPLAIN: the explained plan
	schema *arrow.Schema
	total  int64
	change *SessionChange // kindSession only
	zone   *time.Location // the session's time_zone (NOW(), FROM_UNIXTIME...)

	// Statements with ? placeholders (nil/empty otherwise): plan is built
	// with stand-in values; Execute plans again with builder and the
	// bound values.
	params      *planbuilder.Params
	paramSchema *arrow.Schema
	builder     *planbuilder.Builder
}

var emptySchema = arrow.NewSchema(nil, nil)

func newStatement(e *Engine, sql string, p physical.Plan) *Statement {
	s := &Statement{eng: e, sql: sql, plan: p, schema: p.Schema(), total: -1}
	switch n := p.(type) {
	case *physical.ExplainExec:
		s.plan = n.Input
		s.schema = logical.ExplainSchema
		s.kind = kindExplain
		if n.Analyze {
			s.kind = kindExplainAnalyze
		}
		s.total = int64(len(physical.Lines(n.Input, nil)))
	case *physical.CreateTableExec, *physical.DropTableExec, *physical.InsertExec, *physical.RewriteExec, *physical.CommandExec:
		s.kind = kindUpdate
		s.schema = logical.DMLSchema
		s.total = 1
	default:
		if n, ok := provableRows(p); ok {
			s.total = n
		}
	}
	return s
}

// provableRows returns the exact number of rows p produces when that is known
// without running it.
func provableRows(p physical.Plan) (int64, bool) {
	switch n := p.(type) {
	case *physical.ValuesExec:
		return int64(len(n.Rows)), true
	case *physical.ProjectExec:
		return provableRows(n.Input)
	case *physical.SortExec:
		c, ok := provableRows(n.Input)
		if ok && n.Fetch >= 0 && n.Fetch < c {
			c = n.Fetch
		}
		return c, ok
	case *physical.LimitExec:
		c, ok := provableRows(n.Input)
		if !ok {
			if n.Count == 0 {
				return 0, true
			}
			return 0, false
		}
		c -= n.Offset
		if c < 0 {
			c = 0
		}
		if n.Count >= 0 && n.Count < c {
			c = n.Count
		}
		return c, true
	case *physical.HashAggregateExec:
		if len(n.GroupBy) == 0 && len(n.Aggs) > 0 {
			return 1, true // a scalar aggregate always yields one row
		}
	}
	return 0, false
}

// Schema is the result schema: rows of a query, logical.DMLSchema for DDL and
// DML, logical.ExplainSchema for EXPLAIN. Never nil.
func (s *Statement) Schema() *arrow.Schema { return s.schema }

// ParameterSchema has one field per `?` placeholder in order of appearance
// in the SQL text (empty, not nil, when there are none). Fields are named
// "1", "2", ... and nullable; each has the type inferred from the
// placeholder's context (the other side of a comparison, the tested value of
// IN/BETWEEN, the target column of INSERT ... VALUES), VARCHAR when there is
// none. Execute accepts values of any type convertible to these.
func (s *Statement) ParameterSchema() *arrow.Schema {
	if s.paramSchema == nil {
		return emptySchema
	}
	return s.paramSchema
}

// IsUpdate reports whether the statement is DDL/DML (its result is a
// count). SET and USE are updates too (see SessionChange).
func (s *Statement) IsUpdate() bool { return s.kind == kindUpdate || s.kind == kindSession }

// SessionChange returns what a SET or USE statement asks of the session, or
// nil for every other statement. The engine keeps no sessions: the caller
// validates the change and applies it to the options it passes to later
// Prepare calls. Executing such a statement changes nothing and reports 0
// affected rows.
func (s *Statement) SessionChange() *SessionChange { return s.change }

// TotalRecords is the exact number of rows the statement returns when known
// without running it, else -1.
func (s *Statement) TotalRecords() int64 { return s.total }

// Plan returns the statement's physical plan (for EXPLAIN, the explained
// plan). Plans are immutable; callers must not modify it. For a statement
// with ? placeholders it is planned with stand-in values (1, an empty string, false or
// NULL of each parameter's type); Execute plans again with the bound ones.
func (s *Statement) Plan() physical.Plan { return s.plan }

// Execute runs the statement and streams its result. For DDL/DML it performs
// the change and returns one row with the affected-row count. The caller
// Releases the reader; cancelling ctx stops the query down to provider
// reads. params holds one row of `?` values, or is nil when there are none.
//
// A query's reader is lazy: the operators open (and provider I/O starts) on
// its first Next, and errors met while streaming are reported by its Err.
// mem allocates every batch (nil = memory.DefaultAllocator); each Execute
// gets its own memory budget of Limits.MemoryLimit bytes.
func (s *Statement) Execute(ctx context.Context, mem memory.Allocator, params arrow.RecordBatch) (rr array.RecordReader, err error) {
	defer func() {
		if r := recover(); r != nil {
			rr, err = nil, errs.Internalf("execution panicked: %v\n%s", r, debug.Stack())
		}
	}()
	if err := s.checkParams(params); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "execute cancelled")
	}
	if s.params != nil {
		bound, err := s.Bind(ctx, params)
		if err != nil {
			return nil, err
		}
		return bound.Execute(ctx, mem, nil)
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	// One statement time for NOW()/CURDATE()... and RAND(seed) sequences.
	ctx = expr.WithStatementZone(ctx, time.Now(), s.zone)
	env := physical.Env{Mem: mem, Budget: operator.NewBudget(s.eng.lim.MemoryLimit)}
	switch s.kind {
	case kindSession:
		return countReader(mem, 0)
	case kindExplain:
		return linesReader(mem, physical.Lines(s.plan, nil))
	case kindExplainAnalyze:
		return s.explainAnalyze(ctx, env)
	case kindUpdate:
		op, err := physical.Instantiate(ctx, s.plan, env)
		if err != nil {
			return nil, err
		}
		batches, err := operator.Drain(ctx, op)
		if err != nil {
			return nil, err
		}
		defer releaseAll(batches)
		return array.NewRecordReader(logical.DMLSchema, batches)
	default:
		op, err := physical.Instantiate(ctx, s.plan, env)
		if err != nil {
			return nil, err
		}
		return newSafeReader(operator.AsRecordReader(ctx, op), s.schema), nil
	}
}

// ExecuteUpdate runs a DDL/DML statement and returns the affected-row count.
func (s *Statement) ExecuteUpdate(ctx context.Context, params arrow.RecordBatch) (int64, error) {
	if !s.IsUpdate() {
		return 0, errs.Invalidf("statement is a query, not DDL/DML; execute it as a query")
	}
	rr, err := s.Execute(ctx, memory.DefaultAllocator, params)
	if err != nil {
		return 0, err
	}
	defer rr.Release()
	var n int64
	for rr.Next() {
		b := rr.RecordBatch()
		col, ok := b.Column(0).(*array.Int64)
		if !ok {
			return 0, errs.Internalf("update result column is %s, not int64", b.Column(0).DataType())
		}
		for i := 0; i < col.Len(); i++ {
			n += col.Value(i)
		}
	}
	if err := rr.Err(); err != nil {
		return 0, err
	}
	return n, nil
}

// checkParams verifies that params fits the statement's placeholders: one
// column per ?, at least one row (row 0 is used).
func (s *Statement) checkParams(params arrow.RecordBatch) error {
	n := s.ParameterSchema().NumFields()
	got := 0
	if params != nil {
		got = int(params.NumCols())
	}
	switch {
	case n == 0 && got > 0:
		return errs.Invalidf("statement has no ? placeholders but %d parameter values were bound", got)
	case n > 0 && got == 0:
		return errs.Invalidf("statement has %d ? placeholder(s) and no values are bound; bind one value per ?", n)
	case got != n:
		return errs.Invalidf("%d parameter value(s) bound, the statement has %d ? placeholder(s)", got, n)
	case n > 0 && params.NumRows() < 1:
		return errs.Invalidf("the bound parameter row is empty; bind one row of %d value(s)", n)
	}
	return nil
}

// Bind returns the statement with the values of row 0 of params in place
// of its ? placeholders: it plans again with each value converted to its
// parameter's type (ErrInvalid naming the parameter when one does not
// convert), so the optimizer folds and pushes the values like any constant
// (EXPLAIN shows them in the scan's filters) and TotalRecords may become
// exact. The result has no placeholders, the same Schema, and does not
// reference params (the caller may release it). A statement without
// placeholders returns itself when params has no columns. Execute(ctx, mem,
// params) is Bind followed by Execute(ctx, mem, nil). Safe for concurrent
// use.
func (s *Statement) Bind(ctx context.Context, params arrow.RecordBatch) (st *Statement, err error) {
	defer func() {
		if r := recover(); r != nil {
			st, err = nil, errs.Internalf("binding parameters panicked: %v\n%s", r, debug.Stack())
		}
	}()
	if err := s.checkParams(params); err != nil {
		return nil, err
	}
	if s.params == nil {
		return s, nil
	}
	bp, err := s.params.Bind(params)
	if err != nil {
		return nil, err
	}
	// Folding sees the session's zone, as at Prepare.
	ctx = expr.WithStatementZone(ctx, time.Now(), s.zone)
	p := s.eng.parsers.Get().(*planbuilder.Parser)
	pp, err := s.eng.plan(planbuilder.WithParams(ctx, bp), s.builder, p, s.sql)
	if err != nil {
		return nil, err
	}
	st = newStatement(s.eng, s.sql, pp)
	st.zone = s.zone
	if !st.schema.Equal(s.schema) {
		// Clients were told the prepared schema; the bound plan must
		// produce exactly it (parameters keep their declared types).
		return nil, errs.Internalf("binding parameters changed the result schema from %s to %s", s.schema, st.schema)
	}
	return st, nil
}

// explainAnalyze runs the plan with every operator instrumented, discards its
// rows, and returns the plan lines with each operator's measurements. Like
// PostgreSQL's, EXPLAIN ANALYZE of an INSERT really inserts.
func (s *Statement) explainAnalyze(ctx context.Context, env physical.Env) (array.RecordReader, error) {
	op, metrics, err := physical.InstantiateInstrumented(ctx, s.plan, env)
	if err != nil {
		return nil, err
	}
	if err := run(ctx, op); err != nil {
		return nil, err
	}
	lines := physical.Lines(s.plan, func(p physical.Plan) string {
		m, ok := metrics[p]
		if !ok {
			return ""
		}
		x := m.Metrics()
		return fmt.Sprintf("rows=%d batches=%d bytes=%d time=%s", x.Rows, x.Batches, x.Bytes, x.Elapsed)
	})
	return linesReader(env.Mem, lines)
}

// run opens op, pulls every batch (dropping it) and closes op.
func run(ctx context.Context, op operator.Operator) (err error) {
	defer func() {
		if cerr := op.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if err := op.Open(ctx); err != nil {
		return err
	}
	for {
		b, err := op.Next(ctx)
		if err != nil {
			return err
		}
		if b == nil {
			return nil
		}
	}
}

// linesReader returns a reader of one logical.ExplainSchema batch.
func linesReader(mem memory.Allocator, lines []string) (array.RecordReader, error) {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.AppendValues(lines, nil)
	col := b.NewArray()
	defer col.Release()
	rec := array.NewRecordBatch(logical.ExplainSchema, []arrow.Array{col}, int64(len(lines)))
	defer rec.Release()
	return array.NewRecordReader(logical.ExplainSchema, []arrow.RecordBatch{rec})
}

// countReader returns a reader of one logical.DMLSchema row holding n.
func countReader(mem memory.Allocator, n int64) (array.RecordReader, error) {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.Append(n)
	col := b.NewArray()
	defer col.Release()
	rec := array.NewRecordBatch(logical.DMLSchema, []arrow.Array{col}, 1)
	defer rec.Release()
	return array.NewRecordReader(logical.DMLSchema, []arrow.RecordBatch{rec})
}

func releaseAll(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}
