package server

import (
	"context"
	"errors"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

// Bulk ingest (CommandStatementIngest, ADBC's adbc_ingest): the uploaded
// batches go into a table of a writable schema (catalog.Creatable for
// create/replace, the table's catalog.Insertable for the rows).
//
// Atomicity: all batches are streamed into ONE Insert call, which the
// Insertable contract makes all-or-nothing, so a failed or cut-off upload
// leaves no rows visible. A table created by the ingest is dropped again
// when its rows fail. Replace buffers the whole upload before dropping the
// old table, so a bad upload never loses the old rows; the drop-create-
// insert that follows is not atomic against concurrent readers (they may
// briefly see the table missing or empty).
//
// The uploaded schema must match an existing table's by position: same
// column count, names (case-insensitive) and types; a non-nullable column
// refuses nulls. Anything else is InvalidArgument before a row is written.

// DoPutCommandStatementIngest runs one bulk ingest and returns the number of
// rows written.
func (s *service) DoPutCommandStatementIngest(ctx context.Context, cmd flightsql.StatementIngest, rdr flight.MessageReader) (int64, error) {
	if err := noTransactions(cmd.GetTransactionId()); err != nil {
		return 0, err
	}
	if cmd.GetTemporary() {
		return 0, errs.NotImplementedf("temporary tables are not supported; ingest into a regular table")
	}
	if opts := cmd.GetOptions(); len(opts) > 0 {
		names := make([]string, 0, len(opts))
		for k := range opts {
			names = append(names, k)
		}
		return 0, errs.Invalidf("ingest options %v are not supported (Quiver takes none)", names)
	}
	name := cmd.GetTable()
	if name == "" {
		return 0, errs.Invalidf("ingest needs a target table name")
	}
	sessOpts, err := s.sessionOptions(ctx)
	if err != nil {
		return 0, err
	}
	catName, schemaName := sessOpts.Catalog, sessOpts.Schema
	if c := cmd.GetCatalog(); c != "" {
		catName = c
	}
	if sc := cmd.GetSchema(); sc != "" {
		schemaName = sc
	}
	cat, err := s.root.Catalog(catName)
	if err != nil {
		return 0, err
	}
	schema, err := cat.Schema(schemaName)
	if err != nil {
		return 0, err
	}
	ifExists, ifMissing := ingestModes(cmd.GetTableDefinitionOptions())
	target := catName + "." + schemaName + "." + name

	upload := rdr.Schema()
	if upload == nil {
		return 0, errs.Invalidf("ingest into %s: the upload has no schema message", target)
	}
	tbl, err := schema.Table(ctx, name)
	exists := err == nil
	if err != nil && !errors.Is(err, errs.ErrNotFound) {
		return 0, err
	}
	creatable, _ := schema.(catalog.Creatable)

	switch {
	case !exists && ifMissing == flightsql.TableDefinitionOptionsTableNotExistOptionFail:
		return 0, errs.NotFoundf("ingest: table %s does not exist (ask for table_not_exist_option CREATE to create it)", target)
	case !exists:
		if creatable == nil {
			return 0, errs.New(errs.ErrPermission, "ingest: schema %s.%s cannot create tables", catName, schemaName)
		}
		return s.ingestCreate(ctx, creatable, schema, name, target, upload, rdr)
	case ifExists == flightsql.TableDefinitionOptionsTableExistsOptionAppend:
		return s.ingestInto(ctx, tbl, target, rdr)
	case ifExists == flightsql.TableDefinitionOptionsTableExistsOptionReplace:
		if creatable == nil {
			return 0, errs.New(errs.ErrPermission, "ingest: schema %s.%s cannot drop and create tables (replace)", catName, schemaName)
		}
		return s.ingestReplace(ctx, creatable, schema, name, target, upload, rdr)
	default:
		return 0, errs.New(errs.ErrAlreadyExists, "ingest: table %s already exists (ask for table_exists_option APPEND or REPLACE)", target)
	}
}

// ingestModes returns the requested behaviours with the defaults for
// UNSPECIFIED: fail when the table exists, create it when it does not
// (ADBC's default "create" mode).
func ingestModes(o *flightsql.TableDefinitionOptions) (flightsql.TableDefinitionOptionsTableExistsOption, flightsql.TableDefinitionOptionsTableNotExistOption) {
	ifExists := flightsql.TableDefinitionOptionsTableExistsOptionFail
	ifMissing := flightsql.TableDefinitionOptionsTableNotExistOptionCreate
	if o != nil {
		if v := o.GetIfExists(); v != flightsql.TableDefinitionOptionsTableExistsOptionUnspecified {
			ifExists = v
		}
		if v := o.GetIfNotExist(); v != flightsql.TableDefinitionOptionsTableNotExistOptionUnspecified {
			ifMissing = v
		}
	}
	return ifExists, ifMissing
}

// tableSchemaFor is the schema of a table created from an upload: its
// fields without metadata.
func tableSchemaFor(upload *arrow.Schema) *arrow.Schema {
	fields := make([]arrow.Field, upload.NumFields())
	for i, f := range upload.Fields() {
		fields[i] = arrow.Field{Name: f.Name, Type: f.Type, Nullable: f.Nullable}
	}
	return arrow.NewSchema(fields, nil)
}

func (s *service) ingestCreate(ctx context.Context, creatable catalog.Creatable, schema catalog.Schema, name, target string, upload *arrow.Schema, rdr array.RecordReader) (int64, error) {
	if err := creatable.CreateTable(ctx, name, tableSchemaFor(upload), false); err != nil {
		return 0, err
	}
	tbl, err := schema.Table(ctx, name)
	if err == nil {
		var n int64
		if n, err = s.ingestInto(ctx, tbl, target, rdr); err == nil {
			return n, nil
		}
	}
	// Leave nothing behind. The drop uses a fresh context: ctx may be the
	// cancelled one that made the insert fail.
	if derr := creatable.DropTable(context.WithoutCancel(ctx), name, true); derr != nil {
		s.log.Warn("ingest: dropping the table created for a failed ingest", "table", target, "err", derr)
	}
	return 0, err
}

func (s *service) ingestReplace(ctx context.Context, creatable catalog.Creatable, schema catalog.Schema, name, target string, upload *arrow.Schema, rdr array.RecordReader) (int64, error) {
	// Buffer and check the whole upload first: the old rows stay until
	// the new ones are known good.
	var batches []arrow.RecordBatch
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	for rdr.Next() {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		b := rdr.RecordBatch()
		b.Retain()
		batches = append(batches, b)
	}
	if err := rdr.Err(); err != nil {
		return 0, errs.Wrap(errs.ErrInvalid, err, "ingest into %s: reading the upload", target)
	}
	if err := creatable.DropTable(ctx, name, true); err != nil {
		return 0, err
	}
	buffered, err := array.NewRecordReader(upload, batches)
	if err != nil {
		return 0, errs.Wrap(errs.ErrInvalid, err, "ingest into %s", target)
	}
	defer buffered.Release()
	return s.ingestCreate(ctx, creatable, schema, name, target, upload, buffered)
}

// ingestInto checks the upload against tbl and streams it into one Insert.
func (s *service) ingestInto(ctx context.Context, tbl catalog.Table, target string, rdr array.RecordReader) (int64, error) {
	ins, ok := tbl.(catalog.Insertable)
	if !ok {
		return 0, errs.New(errs.ErrPermission, "ingest: table %s is read-only", target)
	}
	want := tbl.Schema()
	if err := matchIngestSchema(target, want, rdr.Schema()); err != nil {
		return 0, err
	}
	in := &ingestReader{target: target, schema: want, src: rdr, ctx: ctx}
	defer in.release()
	return ins.Insert(ctx, in)
}

// matchIngestSchema checks an upload against the target table's schema.
func matchIngestSchema(target string, want, got *arrow.Schema) error {
	if want.NumFields() != got.NumFields() {
		return errs.Invalidf("ingest into %s: the upload has %d columns, the table has %d (%s)", target, got.NumFields(), want.NumFields(), fieldList(want))
	}
	for i, w := range want.Fields() {
		g := got.Field(i)
		if !strings.EqualFold(w.Name, g.Name) {
			return errs.Invalidf("ingest into %s: upload column %d is %q, the table's is %q (%s)", target, i+1, g.Name, w.Name, fieldList(want))
		}
		if !arrow.TypeEqual(w.Type, g.Type) {
			return errs.Invalidf("ingest into %s: column %q is %s in the upload, %s in the table", target, w.Name, g.Type, w.Type)
		}
	}
	return nil
}

func fieldList(s *arrow.Schema) string {
	parts := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		parts[i] = f.Name + " " + f.Type.String()
	}
	return strings.Join(parts, ", ")
}

// ingestReader relabels uploaded batches with the table's schema and
// refuses nulls in non-nullable columns. Not safe for concurrent use (a
// RecordReader).
type ingestReader struct {
	target string
	schema *arrow.Schema
	src    array.RecordReader
	ctx    context.Context
	cur    arrow.RecordBatch
	err    error
}

func (r *ingestReader) Retain()               {}
func (r *ingestReader) Release()              {}
func (r *ingestReader) Schema() *arrow.Schema { return r.schema }

func (r *ingestReader) release() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (r *ingestReader) Next() bool {
	r.release()
	if r.err != nil || !r.src.Next() {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return false
	}
	b := r.src.RecordBatch()
	for i, f := range r.schema.Fields() {
		if !f.Nullable && b.Column(i).NullN() > 0 {
			r.err = errs.Invalidf("ingest into %s: column %q is NOT NULL but the upload has nulls in it", r.target, f.Name)
			return false
		}
	}
	r.cur = array.NewRecordBatch(r.schema, b.Columns(), b.NumRows())
	return true
}

func (r *ingestReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *ingestReader) Record() arrow.RecordBatch      { return r.cur }

func (r *ingestReader) Err() error {
	if r.err != nil {
		return r.err
	}
	if err := r.src.Err(); err != nil {
		return errs.Wrap(errs.ErrInvalid, err, "ingest into %s: reading the upload", r.target)
	}
	return nil
}
