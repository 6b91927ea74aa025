package sqlite

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/internal"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
)

// open runs p's query and returns a reader of its rows in batches.
func (t *Table) open(ctx context.Context, mem memory.Allocator, p *partition) (rr array.RecordReader, err error) {
	defer internal.Recover(&err, "opening sqlite table %s", t.name)
	if err := ctx.Err(); err != nil {
		return nil, errs.Wrap(errs.ErrUnavailable, err, "reading sqlite table %s", t.name)
	}
	t.src.io.Add(1)
	rows, err := t.src.db.QueryContext(ctx, p.sql, p.args...)
	if err != nil {
		return nil, t.readError(ctx, err)
	}
	sc := newScanner(p.schema, p.kinds)
	next := func(ctx context.Context) (arrow.RecordBatch, error) {
		return sc.batch(ctx, mem, rows, t)
	}
	return internal.NewReader(ctx, "sqlite table "+t.name, p.schema, next, func() { rows.Close() }), nil
}

// readError explains a failed query: cancellation, a table dropped or
// changed under us (ErrNotFound naming it), or the source failing.
func (t *Table) readError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return errs.Wrap(errs.ErrUnavailable, ctx.Err(), "reading sqlite table %s", t.name)
	}
	probe, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, found, perr := t.src.lookup(probe, t.name); perr == nil && !found {
		return errs.NotFoundf("sqlite table %s no longer exists in %s", t.name, t.src.name)
	}
	if cur, perr := t.src.table(probe, t.name, false); perr == nil {
		if !cur.Schema().Equal(t.schema) {
			return errs.Wrap(errs.ErrNotFound, err, "sqlite table %s in %s changed since it was opened (now %s)", t.name, t.src.name, cur.Schema())
		}
	}
	return errs.Wrap(errs.ErrUnavailable, err, "reading sqlite table %s in %s", t.name, t.src.name)
}

// scanner scans rows into typed holders and appends them to typed builders.
type scanner struct {
	schema *arrow.Schema
	kinds  []colKind
	dests  []any
	ints   []sql.NullInt64
	floats []sql.NullFloat64
	strs   []sql.NullString
	blobs  []sql.Null[[]byte]
	one    int64 // target of SELECT 1 (no columns)
	err    error // a value that could not be decoded (checked per row)
}

// newScanner reads columns of the given kinds (one per schema field).
func newScanner(schema *arrow.Schema, kinds []colKind) *scanner {
	n := len(kinds)
	s := &scanner{schema: schema, kinds: kinds, dests: make([]any, n),
		ints: make([]sql.NullInt64, n), floats: make([]sql.NullFloat64, n),
		strs: make([]sql.NullString, n), blobs: make([]sql.Null[[]byte], n)}
	for i, k := range kinds {
		switch k {
		case kInt, kBool:
			s.dests[i] = &s.ints[i]
		case kFloat:
			s.dests[i] = &s.floats[i]
		case kBlob:
			s.dests[i] = &s.blobs[i]
		default:
			s.dests[i] = &s.strs[i]
		}
	}
	if n == 0 {
		s.dests = []any{&s.one}
	}
	return s
}

// batch reads up to BatchRows rows; nil at the end.
func (s *scanner) batch(ctx context.Context, mem memory.Allocator, rows *sql.Rows, t *Table) (arrow.RecordBatch, error) {
	bld := array.NewRecordBuilder(mem, s.schema)
	defer bld.Release()
	limit := t.src.cfg.BatchRows
	n := 0
	for n < limit {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return nil, t.readError(ctx, err)
			}
			break
		}
		if err := rows.Scan(s.dests...); err != nil {
			return nil, errs.Wrap(errs.ErrInternal, err, "sqlite table %s: scanning a row", t.name)
		}
		for i, k := range s.kinds {
			s.appendValue(bld.Field(i), k, i)
		}
		if s.err != nil {
			return nil, s.err
		}
		n++
		if n%1024 == 0 && ctx.Err() != nil {
			return nil, errs.Wrap(errs.ErrUnavailable, ctx.Err(), "reading sqlite table %s", t.name)
		}
	}
	if n == 0 {
		return nil, nil
	}
	if len(s.kinds) == 0 {
		return array.NewRecordBatch(s.schema, nil, int64(n)), nil
	}
	return bld.NewRecordBatch(), nil
}

func (s *scanner) appendValue(b array.Builder, k colKind, i int) {
	switch k {
	case kInt:
		if v := s.ints[i]; v.Valid {
			b.(*array.Int64Builder).Append(v.Int64)
		} else {
			b.AppendNull()
		}
	case kIntSumParts:
		v := s.strs[i]
		if !v.Valid {
			b.AppendNull()
			return
		}
		n, ok := intSumParts(v.String)
		if !ok {
			// Something other than two integers: a bug, which a NULL
			// would hide.
			s.err = errs.Internalf("sqlite: malformed partial sums %q of a pushed SUM", v.String)
			b.AppendNull()
			return
		}
		b.(*array.Decimal128Builder).Append(n)
	case kBool:
		if v := s.ints[i]; v.Valid {
			b.(*array.BooleanBuilder).Append(v.Int64 != 0)
		} else {
			b.AppendNull()
		}
	case kFloat:
		if v := s.floats[i]; v.Valid {
			b.(*array.Float64Builder).Append(v.Float64)
		} else {
			b.AppendNull()
		}
	case kBlob:
		if v := s.blobs[i]; v.Valid {
			b.(*array.BinaryBuilder).Append(v.V)
		} else {
			b.AppendNull()
		}
	case kText:
		if v := s.strs[i]; v.Valid {
			b.(*array.StringBuilder).Append(v.String)
		} else {
			b.AppendNull()
		}
	case kDate:
		v := s.strs[i]
		d, ok := parseDate(v.String)
		if !v.Valid || !ok {
			b.AppendNull()
			return
		}
		b.(*array.Date32Builder).Append(d)
	case kTimestamp:
		v := s.strs[i]
		if !v.Valid {
			b.AppendNull()
			return
		}
		tm, err := time.Parse(sqlgen.TimestampTextLayout, v.String)
		if err != nil {
			b.AppendNull()
			return
		}
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(tm.UnixMicro()))
	case kDecimal:
		v := s.strs[i]
		db := b.(*array.Decimal128Builder)
		dt := db.Type().(*arrow.Decimal128Type)
		if !v.Valid {
			b.AppendNull()
			return
		}
		num, err := decimal128.FromString(v.String, dt.Precision, dt.Scale)
		if err != nil {
			b.AppendNull()
			return
		}
		db.Append(num)
	}
}

// intSumParts combines the text "hi,lo" of sqlgen.IntSum into hi·2^32 + lo
// (|result| < 2^96, well inside DECIMAL(38,0)).
func intSumParts(text string) (decimal128.Num, bool) {
	h, l, ok := strings.Cut(text, ",")
	if !ok {
		return decimal128.Num{}, false
	}
	hi, err1 := strconv.ParseInt(h, 10, 64)
	lo, err2 := strconv.ParseInt(l, 10, 64)
	if err1 != nil || err2 != nil {
		return decimal128.Num{}, false
	}
	return decimal128.FromI64(hi).Mul(decimal128.FromI64(1 << 32)).Add(decimal128.FromI64(lo)), true
}

// parseDate parses the canonical 'YYYY-MM-DD' (validated by SQLite's
// date() in the read expression).
func parseDate(s string) (arrow.Date32, bool) {
	tm, err := time.Parse(sqlgen.DateTextLayout, s)
	if err != nil {
		return 0, false
	}
	return arrow.Date32FromTime(tm), true
}

// Insert appends rows in one transaction (BEGIN IMMEDIATE): all or nothing.
// Batches must have the table's column count and types (ErrInvalid).
func (t *Table) Insert(ctx context.Context, rows array.RecordReader) (n int64, err error) {
	defer internal.Recover(&err, "inserting into sqlite table %s", t.name)
	if t.src.cfg.ReadOnly {
		return 0, errs.New(errs.ErrPermission, "sqlite file %s is read-only: cannot insert into %s", t.src.name, t.name)
	}
	if t.view {
		return 0, errs.New(errs.ErrPermission, "%s in sqlite file %s is a view: cannot insert", t.name, t.src.name)
	}
	if err := ctx.Err(); err != nil {
		return 0, errs.Wrap(errs.ErrUnavailable, err, "inserting into sqlite table %s", t.name)
	}
	t.src.io.Add(1)
	tx, err := t.src.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, errs.Wrap(errs.ErrUnavailable, err, "inserting into sqlite table %s", t.name)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	names := make([]string, len(t.cols))
	marks := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = sqlgen.SQLite.QuoteIdent(c.name)
		marks[i] = "?"
	}
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO "+sqlgen.SQLite.QuoteIdent(t.name)+" ("+join(names)+") VALUES ("+join(marks)+")")
	if err != nil {
		return 0, t.readError(ctx, err)
	}
	defer stmt.Close()
	args := make([]any, len(t.cols))
	for rows.Next() {
		b := rows.RecordBatch()
		if err := t.checkBatch(b.Schema()); err != nil {
			return 0, err
		}
		conv := make([]func(int) any, len(t.cols))
		for c := range t.cols {
			conv[c] = valueGetter(b.Column(c))
		}
		for r := 0; r < int(b.NumRows()); r++ {
			for c := range args {
				args[c] = conv[c](r)
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				if ctx.Err() != nil {
					return 0, errs.Wrap(errs.ErrUnavailable, ctx.Err(), "inserting into sqlite table %s", t.name)
				}
				return 0, errs.Wrap(errs.ErrInvalid, err, "inserting row %d into sqlite table %s", n+1, t.name)
			}
			n++
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, errs.Wrap(errs.ErrUnavailable, err, "inserting into sqlite table %s", t.name)
	}
	if err := tx.Commit(); err != nil {
		return 0, errs.Wrap(errs.ErrUnavailable, err, "committing the insert into sqlite table %s", t.name)
	}
	return n, nil
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

func (t *Table) checkBatch(s *arrow.Schema) error {
	if s.NumFields() != t.schema.NumFields() {
		return errs.Invalidf("insert into sqlite table %s: batch has %d columns, the table %d", t.name, s.NumFields(), t.schema.NumFields())
	}
	for i, f := range s.Fields() {
		if !arrow.TypeEqual(f.Type, t.schema.Field(i).Type) {
			return errs.Invalidf("insert into sqlite table %s: column %d (%s) is %s, the table's %s is %s", t.name, i+1, f.Name, f.Type, t.schema.Field(i).Name, t.schema.Field(i).Type)
		}
	}
	return nil
}

// valueGetter returns row i of a as the value stored in SQLite (the
// canonical forms the read expressions expect).
func valueGetter(a arrow.Array) func(int) any {
	null := func(i int) bool { return a.IsNull(i) }
	switch v := a.(type) {
	case *array.Int64:
		return func(i int) any {
			if null(i) {
				return nil
			}
			return v.Value(i)
		}
	case *array.Float64:
		return func(i int) any {
			if null(i) {
				return nil
			}
			return v.Value(i)
		}
	case *array.String:
		return func(i int) any {
			if null(i) {
				return nil
			}
			return v.Value(i)
		}
	case *array.Binary:
		return func(i int) any {
			if null(i) {
				return nil
			}
			return append([]byte{}, v.Value(i)...)
		}
	case *array.Boolean:
		return func(i int) any {
			if null(i) {
				return nil
			}
			if v.Value(i) {
				return int64(1)
			}
			return int64(0)
		}
	case *array.Date32:
		return func(i int) any {
			if null(i) {
				return nil
			}
			return v.Value(i).ToTime().UTC().Format(sqlgen.DateTextLayout)
		}
	case *array.Timestamp:
		unit := v.DataType().(*arrow.TimestampType).Unit
		return func(i int) any {
			if null(i) {
				return nil
			}
			return v.Value(i).ToTime(unit).UTC().Format(sqlgen.TimestampTextLayout)
		}
	case *array.Decimal128:
		scale := v.DataType().(*arrow.Decimal128Type).Scale
		return func(i int) any {
			if null(i) {
				return nil
			}
			return v.Value(i).ToString(scale)
		}
	}
	return func(int) any { return nil }
}
