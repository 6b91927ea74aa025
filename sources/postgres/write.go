package postgres

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"runtime/debug"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/internal"
)

// Insert appends every batch through COPY ... FROM STDIN (FORMAT binary)
// inside one transaction: on any error, a batch of the wrong schema, or ctx
// cancellation, the transaction rolls back and no row becomes visible. The
// batches' schema must equal the table's (names and types). Columns read
// through a ::text cast (types without a native mapping) cannot be written.
func (t *Table) Insert(ctx context.Context, rows array.RecordReader) (n int64, err error) {
	defer internal.Recover(&err, "inserting into postgres table %s", t.Name())
	for _, c := range t.rel.Columns {
		if c.AsText {
			return 0, errs.NotImplementedf("postgres table %s: cannot insert into column %s of type %s (it is read as text)", t.Name(), c.Name, c.TypName)
		}
	}
	if err := t.checkSchema(rows.Schema()); err != nil {
		return 0, err
	}
	encs := make([]cellEncoder, len(t.rel.Columns))
	for i := range t.rel.Columns {
		encs[i] = encoderFor(&t.rel.Columns[i])
	}
	if err := ctx.Err(); err != nil {
		return 0, t.src.wrapErr(ctx, err, "inserting into %s", t.Name())
	}
	t.src.queries.Add(1)
	conn, err := t.src.pool.Acquire(ctx)
	if err != nil {
		return 0, t.src.wrapErr(ctx, err, "inserting into %s", t.Name())
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, t.src.wrapErr(ctx, err, "inserting into %s", t.Name())
	}
	defer func() {
		if err != nil {
			// Rollback on a fresh context: ctx may be the reason we stop.
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	cols := make([]string, len(t.rel.Columns))
	for i, c := range t.rel.Columns {
		cols[i] = quoteIdent(c.Name)
	}
	sql := "COPY " + t.src.qualified(t.rel.Name) + " (" + strings.Join(cols, ", ") + ") FROM STDIN (FORMAT binary)"
	enc := &copyEncoder{ctx: ctx, t: t, rows: rows, encs: encs}
	tag, err := conn.Conn().PgConn().CopyFrom(ctx, enc, sql)
	if enc.err != nil {
		return 0, enc.err
	}
	if err != nil {
		return 0, t.src.wrapErr(ctx, err, "inserting into %s", t.Name())
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, t.src.wrapErr(ctx, err, "committing the insert into %s", t.Name())
	}
	return tag.RowsAffected(), nil
}

// checkSchema requires s to have the table's column names and types.
func (t *Table) checkSchema(s *arrow.Schema) error {
	if s == nil || s.NumFields() != t.schema.NumFields() {
		return errs.Invalidf("postgres table %s: insert of %s, want the table's %d columns %s", t.Name(), s, t.schema.NumFields(), t.schema)
	}
	for i, f := range s.Fields() {
		want := t.schema.Field(i)
		if f.Name != want.Name || !arrow.TypeEqual(f.Type, want.Type) {
			return errs.Invalidf("postgres table %s: insert column %d is %s %s, want %s %s", t.Name(), i, f.Name, f.Type, want.Name, want.Type)
		}
	}
	return nil
}

// copyEncoder is the io.Reader COPY pulls from: it encodes one batch at a
// time into PostgreSQL's binary COPY format.
type copyEncoder struct {
	ctx     context.Context
	t       *Table
	rows    array.RecordReader
	encs    []cellEncoder
	buf     []byte
	off     int
	started bool
	ended   bool
	err     error // our own failure (bad batch, reader error, cancellation)
}

var copyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// Read runs on pgconn's copy goroutine (one at a time, never concurrently
// with Insert's own use of the encoder); a panic there is recovered into
// an ErrInternal error instead of killing the process.
func (e *copyEncoder) Read(p []byte) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			e.err = errs.Internalf("postgres table %s: encoding rows for COPY: panic: %v\n%s", e.t.Name(), r, debug.Stack())
			n, err = 0, e.err
		}
	}()
	for e.off >= len(e.buf) {
		if e.ended {
			return 0, io.EOF
		}
		if err := e.fill(); err != nil {
			e.err = err
			return 0, err
		}
	}
	n = copy(p, e.buf[e.off:])
	e.off += n
	return n, nil
}

// fill encodes the next batch (or the header/trailer) into buf.
func (e *copyEncoder) fill() error {
	e.buf, e.off = e.buf[:0], 0
	if !e.started {
		e.started = true
		e.buf = append(e.buf, copyHeader...)
	}
	if err := e.ctx.Err(); err != nil {
		return e.t.src.wrapErr(e.ctx, err, "inserting into %s", e.t.Name())
	}
	if !e.rows.Next() {
		if err := e.rows.Err(); err != nil {
			return errs.Wrap(errs.ErrInvalid, err, "postgres table %s: reading the rows to insert", e.t.Name())
		}
		e.buf = append(e.buf, 0xff, 0xff) // trailer: field count -1
		e.ended = true
		return nil
	}
	b := e.rows.RecordBatch()
	if err := e.t.checkSchema(b.Schema()); err != nil {
		return err
	}
	cols := b.Columns()
	nrows := int(b.NumRows())
	ncols := uint16(len(cols))
	for r := 0; r < nrows; r++ {
		e.buf = binary.BigEndian.AppendUint16(e.buf, ncols)
		for c, a := range cols {
			if a.IsNull(r) {
				e.buf = binary.BigEndian.AppendUint32(e.buf, math.MaxUint32) // -1
				continue
			}
			var err error
			if e.buf, err = e.encs[c](e.buf, a, r); err != nil {
				return errs.Wrap(errs.ErrInvalid, err, "postgres table %s: row %d column %s", e.t.Name(), r, e.t.rel.Columns[c].Name)
			}
		}
	}
	return nil
}

// cellEncoder appends the length-prefixed binary form of a[row] (non-NULL).
type cellEncoder func(buf []byte, a arrow.Array, row int) ([]byte, error)

func encoderFor(c *column) cellEncoder {
	be := binary.BigEndian
	switch c.Type.ID() {
	case arrow.BOOL:
		return func(buf []byte, a arrow.Array, r int) ([]byte, error) {
			v := byte(0)
			if a.(*array.Boolean).Value(r) {
				v = 1
			}
			return append(be.AppendUint32(buf, 1), v), nil
		}
	case arrow.INT16:
		return func(buf []byte, a arrow.Array, r int) ([]byte, error) {
			return be.AppendUint16(be.AppendUint32(buf, 2), uint16(a.(*array.Int16).Value(r))), nil
		}
	case arrow.INT32:
		return func(buf []byte, a arrow.Array, r int) ([]byte, error) {
			return be.AppendUint32(be.AppendUint32(buf, 4), uint32(a.(*array.Int32).Value(r))), nil
		}
	case arrow.INT64:
		return func(buf []byte, a arrow.Array, r int) ([]byte, error) {
			return be.AppendUint64(be.AppendUint32(buf, 8), uint64(a.(*array.Int64).Value(r))), nil
		}
	case arrow.FLOAT32:
		return func(buf []byte, a arrow.Array, r int) ([]byte, error) {
			return be.AppendUint32(be.AppendUint32(buf, 4), math.Float32bits(a.(*array.Float32).Value(r))), nil
		}
	case arrow.FLOAT64:
		return func(buf []byte, a arrow.Array, r int) ([]byte, error) {
			return be.AppendUint64(be.AppendUint32(buf, 8), math.Float64bits(a.(*array.Float64).Value(r))), nil
		}
	case arrow.BINARY:
		return func(buf []byte, a arrow.Array, r int) ([]byte, error) {
			v := a.(*array.Binary).Value(r)
			return append(be.AppendUint32(buf, uint32(len(v))), v...), nil
		}
	case arrow.DATE32:
		return func(buf []byte, a arrow.Array, r int) ([]byte, error) {
			return be.AppendUint32(be.AppendUint32(buf, 4), uint32(int32(a.(*array.Date32).Value(r))-pgEpochDays)), nil
		}
	case arrow.TIME64:
		return func(buf []byte, a arrow.Array, r int) ([]byte, error) {
			return be.AppendUint64(be.AppendUint32(buf, 8), uint64(a.(*array.Time64).Value(r))), nil
		}
	case arrow.TIMESTAMP:
		return func(buf []byte, a arrow.Array, r int) ([]byte, error) {
			return be.AppendUint64(be.AppendUint32(buf, 8), uint64(int64(a.(*array.Timestamp).Value(r))-pgEpochMicros)), nil
		}
	case arrow.DECIMAL128:
		scale := c.Type.(*arrow.Decimal128Type).Scale
		return func(buf []byte, a arrow.Array, r int) ([]byte, error) {
			return appendNumeric(buf, a.(*array.Decimal128).Value(r), scale), nil
		}
	case arrow.STRING:
		switch c.OID {
		case oidJSONB:
			return func(buf []byte, a arrow.Array, r int) ([]byte, error) {
				v := a.(*array.String).Value(r)
				return append(append(be.AppendUint32(buf, uint32(len(v)+1)), 1), v...), nil
			}
		case oidUUID:
			return func(buf []byte, a arrow.Array, r int) ([]byte, error) {
				v := a.(*array.String).Value(r)
				var u [16]byte
				h := strings.ReplaceAll(v, "-", "")
				if len(h) != 32 {
					return buf, fmt.Errorf("%q is not a UUID", v)
				}
				if _, err := hex.Decode(u[:], []byte(h)); err != nil {
					return buf, fmt.Errorf("%q is not a UUID", v)
				}
				return append(be.AppendUint32(buf, 16), u[:]...), nil
			}
		}
		return func(buf []byte, a arrow.Array, r int) ([]byte, error) {
			v := a.(*array.String).Value(r)
			return append(be.AppendUint32(buf, uint32(len(v))), v...), nil
		}
	}
	return func(buf []byte, a arrow.Array, _ int) ([]byte, error) {
		return buf, errors.New("unsupported type " + a.DataType().String())
	}
}

// appendNumeric appends the binary numeric form of the unscaled value n at
// scale (numeric_recv's layout: ndigits, weight, sign, dscale, base-10000
// digits, most significant first).
func appendNumeric(buf []byte, n decimal128.Num, scale int32) []byte {
	be := binary.BigEndian
	sign := uint16(numericPos)
	if n.Sign() < 0 {
		sign = numericNeg
		n = n.Negate()
	}
	// Pad the fraction to whole base-10000 groups, then split into groups.
	pad := (4 - int(scale)%4) % 4
	fracGroups := (int(scale) + pad) / 4
	u := n.BigInt()
	if pad > 0 {
		u.Mul(u, big.NewInt(int64(math.Pow10(pad))))
	}
	var groups []uint16 // least significant first
	tenK := big.NewInt(10000)
	mod := new(big.Int)
	for u.Sign() > 0 {
		u.DivMod(u, tenK, mod)
		groups = append(groups, uint16(mod.Int64()))
	}
	for len(groups) < fracGroups {
		groups = append(groups, 0)
	}
	// groups[i] has weight i - fracGroups. Drop zero groups at both ends.
	lo := 0
	for lo < len(groups) && groups[lo] == 0 {
		lo++
	}
	hi := len(groups)
	for hi > lo && groups[hi-1] == 0 {
		hi--
	}
	digits := groups[lo:hi]
	weight := 0
	if len(digits) > 0 {
		weight = hi - 1 - fracGroups
	}
	buf = be.AppendUint32(buf, uint32(8+2*len(digits)))
	buf = be.AppendUint16(buf, uint16(len(digits)))
	buf = be.AppendUint16(buf, uint16(int16(weight)))
	buf = be.AppendUint16(buf, sign)
	buf = be.AppendUint16(buf, uint16(scale))
	for i := len(digits) - 1; i >= 0; i-- {
		buf = be.AppendUint16(buf, digits[i])
	}
	return buf
}

// ---------------------------------------------------------------- DDL

// pgTypeFor is the column type CreateTable uses for an Arrow type.
func pgTypeFor(t arrow.DataType) (string, bool) {
	switch t := t.(type) {
	case *arrow.BooleanType:
		return "boolean", true
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Uint8Type:
		return "smallint", true
	case *arrow.Int32Type, *arrow.Uint16Type:
		return "integer", true
	case *arrow.Int64Type, *arrow.Uint32Type:
		return "bigint", true
	case *arrow.Float32Type:
		return "real", true
	case *arrow.Float64Type:
		return "double precision", true
	case *arrow.StringType, *arrow.LargeStringType:
		return "text", true
	case *arrow.BinaryType, *arrow.LargeBinaryType:
		return "bytea", true
	case *arrow.Date32Type:
		return "date", true
	case *arrow.Time64Type:
		return "time", true
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return "timestamptz", true
		}
		return "timestamp", true
	case *arrow.Decimal128Type:
		return fmt.Sprintf("numeric(%d,%d)", t.Precision, t.Scale), true
	}
	return "", false
}

// CreateTable creates a table in the remote schema. Arrow types map to
// PostgreSQL types as in pgTypeFor; reading the table back gives the
// PostgreSQL mapping (e.g. INT8 comes back as INT16 through smallint).
// Non-nullable fields become NOT NULL.
func (s *Schema) CreateTable(ctx context.Context, name string, schema *arrow.Schema, ifNotExists bool) error {
	if name == "" {
		return errs.Invalidf("postgres source %s: CREATE TABLE needs a table name", s.src.name)
	}
	if schema == nil || schema.NumFields() == 0 {
		return errs.Invalidf("postgres source %s: CREATE TABLE %s needs at least one column", s.src.name, name)
	}
	defs := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		typ, ok := pgTypeFor(f.Type)
		if !ok {
			return errs.NotImplementedf("postgres source %s: CREATE TABLE %s: column %s has type %s, which has no PostgreSQL mapping", s.src.name, name, f.Name, f.Type)
		}
		defs[i] = quoteIdent(f.Name) + " " + typ
		if !f.Nullable {
			defs[i] += " NOT NULL"
		}
	}
	sql := "CREATE TABLE "
	if ifNotExists {
		sql += "IF NOT EXISTS "
	}
	sql += s.src.qualified(name) + " (" + strings.Join(defs, ", ") + ")"
	s.src.queries.Add(1)
	if _, err := s.src.pool.Exec(ctx, sql); err != nil {
		return s.src.wrapErr(ctx, err, "CREATE TABLE %s.%s", s.src.schema, name)
	}
	return nil
}

// DropTable drops a table of the remote schema (ErrNotFound when it does
// not exist, unless ifExists).
func (s *Schema) DropTable(ctx context.Context, name string, ifExists bool) error {
	sql := "DROP TABLE "
	if ifExists {
		sql += "IF EXISTS "
	}
	sql += s.src.qualified(name)
	s.src.queries.Add(1)
	if _, err := s.src.pool.Exec(ctx, sql); err != nil {
		return s.src.wrapErr(ctx, err, "DROP TABLE %s.%s", s.src.schema, name)
	}
	return nil
}
