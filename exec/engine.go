// Package exec ties Quiver's query pipeline together: SQL text →
// planbuilder (TiDB AST → logical plan) → optimizer (logical rules) →
// physical (operators) → physopt (physical rules, last a sanity check) →
// running operators that stream arrow.RecordBatch.
//
// The server (server/) uses only this package's Engine and Statement.
package exec

// PLACEHOLDER: the bodies below are being written; keep the signatures.

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
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

// Config configures an Engine.
type Config struct {
	Root   *catalog.Root
	Limits Limits
	// Parallelism is how many partitions are read at once; 0 = GOMAXPROCS.
	Parallelism int
}

// Engine plans and runs SQL against a catalog root. Safe for concurrent use.
type Engine struct {
	cfg Config
}

// New returns an engine.
func New(cfg Config) *Engine { return &Engine{cfg: cfg} }

// Root is the catalog root the engine plans against.
func (e *Engine) Root() *catalog.Root { return e.cfg.Root }

// Prepare parses and plans one SQL statement for a session whose current
// catalog/schema and options are in opts. It does no provider I/O beyond
// metadata (schemas, pushdown negotiation, statistics). Errors carry errs
// kinds: ErrInvalid (syntax, with position and hint), ErrNotFound (unknown
// table or column, named), ErrNotImplemented (unsupported construct, named),
// ErrResourceExhausted (limits).
func (e *Engine) Prepare(ctx context.Context, opts catalog.Options, sql string) (*Statement, error) {
	return nil, errs.NotImplementedf("exec.Engine.Prepare")
}

// Statement is a planned statement. It may be executed many times and from
// several goroutines.
type Statement struct{}

// Schema is the result schema: rows of a query, logical.DMLSchema for DDL and
// DML, logical.ExplainSchema for EXPLAIN. Never nil.
func (s *Statement) Schema() *arrow.Schema { return nil }

// ParameterSchema has one field per `?` placeholder in order (empty, not nil,
// when there are none).
func (s *Statement) ParameterSchema() *arrow.Schema { return nil }

// IsUpdate reports whether the statement is DDL/DML (its result is a count).
func (s *Statement) IsUpdate() bool { return false }

// TotalRecords is the exact number of rows the statement returns when known
// without running it, else -1.
func (s *Statement) TotalRecords() int64 { return -1 }

// Execute runs the statement and streams its result. For DDL/DML it performs
// the change and returns one row with the affected-row count. The caller
// Releases the reader; cancelling ctx stops the query down to provider
// reads. params holds one row of `?` values, or is nil when there are none.
func (s *Statement) Execute(ctx context.Context, mem memory.Allocator, params arrow.RecordBatch) (array.RecordReader, error) {
	return nil, errs.NotImplementedf("exec.Statement.Execute")
}

// ExecuteUpdate runs a DDL/DML statement and returns the affected-row count.
func (s *Statement) ExecuteUpdate(ctx context.Context, params arrow.RecordBatch) (int64, error) {
	return 0, errs.NotImplementedf("exec.Statement.ExecuteUpdate")
}
