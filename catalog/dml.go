package catalog

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// BatchEdit is what a RewriteFunc makes of one batch of a table's rows.
// The zero value leaves every row as it is.
//
// Ownership: the arrays and the batch belong to the table (the caller of the
// RewriteFunc), which releases them when it is done with them.
type BatchEdit struct {
	// Delete marks the rows to remove: row i is deleted when Delete is
	// valid and true at i (a NULL keeps the row). nil deletes none. Its
	// length is the input batch's row count.
	Delete *array.Boolean
	// Values holds every row's new values: the input batch's row count and
	// the table's exact schema (column types and order). nil leaves every
	// row's values unchanged. Values of deleted rows are ignored.
	Values arrow.RecordBatch
	// Changed marks the rows of Values that differ from the input row
	// (compared as stored values: byte-wise for strings, NULL equal to
	// NULL). A source may write back only those rows. nil with Values set
	// means every row may have changed. Ignored without Values.
	Changed *array.Boolean
}

// RewriteFunc edits one batch of rows, which have the table's full schema.
// batch is valid only during the call (retain what must outlive it).
// Returning an error aborts the whole rewrite: no change becomes visible.
type RewriteFunc func(ctx context.Context, batch arrow.RecordBatch) (BatchEdit, error)

// Rewritable is implemented by tables whose rows can be deleted and updated
// (DELETE, UPDATE, TRUNCATE). The engine evaluates the statement's WHERE and
// SET expressions itself, batch by batch, with its own vectorized
// evaluator, so a source needs no expression support: it streams its rows
// through fn and applies the edits. A SQL database implements it inside a
// transaction (read the rows with their row identity, write back the
// deleted and changed ones, commit at the end); the memory provider builds
// a new snapshot and swaps it in.
//
// The contract:
//   - Rewrite is atomic: on any error (from fn, the source, or a cancelled
//     ctx) no edit becomes visible; on success every edit becomes visible at
//     once to scans planned afterwards. Scans already planned keep reading
//     what they planned on.
//   - Rewrites and Inserts of one table are serialized: rows inserted while
//     a rewrite runs are neither lost nor passed to fn.
//   - fn is called on one goroutine at a time, over every row of the table
//     exactly once, in the table's storage order (the order a full
//     sequential Scan returns), so a statement with LIMIT may count rows
//     across calls. fn may be called with batches of any size.
//   - The returned count is the number of rows affected: rows deleted, plus
//     rows not deleted that Changed (or, without Changed, Values) marks.
//     MySQL counts an UPDATE's rows changed, not rows matched.
//   - A row's new Values must fit the table's schema: a NULL in a
//     non-nullable column is an errs.ErrInvalid error naming the column.
//
// Safe for concurrent use, as every Table.
type Rewritable interface {
	Rewrite(ctx context.Context, fn RewriteFunc) (int64, error)
}

// Truncatable is implemented by tables that can drop all their rows at
// once (TRUNCATE TABLE) without streaming them. Atomic, serialized with
// writers as Rewritable. A Rewritable table that does not implement it is
// truncated with a Rewrite that deletes every row.
type Truncatable interface {
	Truncate(ctx context.Context) error
}

// IndexDef describes a secondary index. Indexes are metadata: Quiver keeps
// their names (SHOW INDEX, DROP INDEX) but plans and results never depend
// on them.
type IndexDef struct {
	// Name is the index's name, unique per table (case-insensitive).
	Name string
	// Columns are the indexed columns of Table.Schema(), in key order.
	Columns []string
	// Unique: the key's non-NULL values are distinct.
	Unique bool
}

// Indexable is implemented by tables that record secondary indexes
// (CREATE INDEX / DROP INDEX). Safe for concurrent use.
type Indexable interface {
	// CreateIndex records def. errs.ErrAlreadyExists ("Duplicate key name")
	// when an index of that name exists; errs.ErrNotFound naming a column
	// that is not in the table; for a unique index, errs.ErrInvalid when the
	// table already holds two rows with the same non-NULL key.
	CreateIndex(ctx context.Context, def IndexDef) error
	// DropIndex forgets an index. errs.ErrNotFound when there is none of
	// that name, unless ifExists.
	DropIndex(ctx context.Context, name string, ifExists bool) error
	// Indexes lists the table's indexes, sorted by name.
	Indexes(ctx context.Context) ([]IndexDef, error)
}

// ViewDef is a stored view: a query kept as SQL text and expanded wherever
// the view is named (the plan builder parses and binds it again each time,
// so it sees the tables as they are at that time).
type ViewDef struct {
	// Name is the view's name.
	Name string
	// SQL is the view's query (a SELECT or set operation), as written. It
	// is parsed with the session's dialect settings of its creator; names
	// in it resolve against Catalog and Schema, not the current session's.
	SQL string
	// Catalog and Schema are where unqualified table names in SQL resolve:
	// the view's own schema, as in MySQL.
	Catalog, Schema string
	// Columns are the view's column names, fixed when it was created (its
	// column list, or the query's output names then). Expanding a view
	// whose query no longer yields that many columns is an error naming the
	// view.
	Columns []string
}

// ViewStore is implemented by schemas that store views (CREATE VIEW, DROP
// VIEW). Views and tables share one namespace per schema: CreateView fails
// with errs.ErrAlreadyExists when a table has the name, and a Creatable
// schema that is also a ViewStore refuses CREATE TABLE over a view's name.
// Table(name) of a view's name is errs.ErrNotFound: callers look views up
// with View first. Safe for concurrent use.
type ViewStore interface {
	// CreateView stores def. An existing view of that name is replaced when
	// orReplace, else it is errs.ErrAlreadyExists.
	CreateView(ctx context.Context, def ViewDef, orReplace bool) error
	// DropView removes a view. errs.ErrNotFound when there is none of that
	// name, unless ifExists.
	DropView(ctx context.Context, name string, ifExists bool) error
	// View returns the named view (exact name, else the one
	// case-insensitive match) and whether it exists.
	View(ctx context.Context, name string) (ViewDef, bool, error)
	// ViewNames lists the views, sorted.
	ViewNames(ctx context.Context) ([]string, error)
}
