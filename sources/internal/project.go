package internal

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/quiverdb/quiver/errs"
)

// Projection is a validated catalog.ScanRequest.Projection.
type Projection struct {
	// Columns are the table columns produced, in output order (never nil:
	// a nil request projection is expanded to every column).
	Columns []int
	// Schema is the projected output schema.
	Schema *arrow.Schema
}

// Project validates proj (nil = every column, empty = none) against schema.
// An out-of-range index is an errs.ErrInvalid error naming table.
func Project(table string, schema *arrow.Schema, proj []int) (Projection, error) {
	n := len(schema.Fields())
	if proj == nil {
		cols := make([]int, n)
		for i := range cols {
			cols[i] = i
		}
		return Projection{Columns: cols, Schema: schema}, nil
	}
	fields := make([]arrow.Field, len(proj))
	for i, c := range proj {
		if c < 0 || c >= n {
			return Projection{}, errs.Invalidf("%s: projection column %d is out of range (the table has %d columns)", table, c, n)
		}
		fields[i] = schema.Field(c)
	}
	md := schema.Metadata()
	return Projection{Columns: append([]int{}, proj...), Schema: arrow.NewSchema(fields, &md)}, nil
}

// IsIdentity reports whether the projection keeps every column of a table of
// n columns in order.
func (p Projection) IsIdentity(n int) bool {
	if len(p.Columns) != n {
		return false
	}
	for i, c := range p.Columns {
		if c != i {
			return false
		}
	}
	return true
}

// Apply returns a new batch with the projected columns of b (zero copy: the
// columns are retained, not copied). The caller releases the result; b is
// not released.
func (p Projection) Apply(b arrow.RecordBatch) arrow.RecordBatch {
	cols := make([]arrow.Array, len(p.Columns))
	for i, c := range p.Columns {
		cols[i] = b.Column(c)
	}
	return array.NewRecordBatch(p.Schema, cols, b.NumRows())
}
