package server

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec"
)

// queryEngine is the part of *exec.Engine the server uses. It exists so the
// server's own tests can drive the query RPCs with a scripted engine; in
// production it is always execEngine.
type queryEngine interface {
	Root() *catalog.Root
	Prepare(ctx context.Context, opts catalog.Options, sql string) (statement, error)
}

// statement is the part of *exec.Statement the server uses (same contract).
type statement interface {
	Schema() *arrow.Schema
	ParameterSchema() *arrow.Schema
	IsUpdate() bool
	TotalRecords() int64
	Execute(ctx context.Context, mem memory.Allocator, params arrow.RecordBatch) (array.RecordReader, error)
	ExecuteUpdate(ctx context.Context, params arrow.RecordBatch) (int64, error)
}

var _ statement = (*exec.Statement)(nil)

// execEngine adapts *exec.Engine to queryEngine.
type execEngine struct{ e *exec.Engine }

func (a execEngine) Root() *catalog.Root { return a.e.Root() }

func (a execEngine) Prepare(ctx context.Context, opts catalog.Options, sql string) (statement, error) {
	st, err := a.e.Prepare(ctx, opts, sql)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errs.Internalf("engine returned no statement for %q", abbreviate(sql))
	}
	return st, nil
}

// abbreviate shortens SQL text for error messages and logs.
func abbreviate(sql string) string {
	const max = 80
	if len(sql) <= max {
		return sql
	}
	return shortenTo(sql, max)
}

func shortenTo(s string, n int) string {
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 { // don't split a UTF-8 rune
		n--
	}
	return s[:n] + "..."
}
