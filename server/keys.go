package server

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql/schema_ref"

	"github.com/quiverdb/quiver/catalog"
)

// keyTable is a resolved table reference.
type keyTable struct {
	cat, schema, name string
	tbl               catalog.Table
}

// resolveKeyTable finds ref's table (session catalog/schema when omitted).
// A table that does not exist has no keys: ok is false, no error.
func (s *service) resolveKeyTable(ctx context.Context, ref flightsql.TableRef) (keyTable, bool, error) {
	opts, err := s.sessionOptions(ctx)
	if err != nil {
		return keyTable{}, false, err
	}
	kt := keyTable{cat: opts.Catalog, schema: opts.Schema, name: ref.Table}
	if ref.Catalog != nil {
		kt.cat = *ref.Catalog
	}
	if ref.DBSchema != nil {
		kt.schema = *ref.DBSchema
	}
	c, err := s.root.Catalog(kt.cat)
	if err != nil {
		return kt, false, nil
	}
	sc, err := c.Schema(kt.schema)
	if err != nil {
		return kt, false, nil
	}
	if kt.tbl, err = sc.Table(ctx, kt.name); err != nil {
		return kt, false, nil
	}
	return kt, true, nil
}

func foreignKeys(ctx context.Context, kt keyTable) ([]catalog.ForeignKey, error) {
	kp, ok := kt.tbl.(catalog.KeysProvider)
	if !ok {
		return nil, nil
	}
	return kp.ForeignKeys(ctx)
}

// DoGetPrimaryKeys returns the table's primary key columns.
func (s *service) DoGetPrimaryKeys(ctx context.Context, ref flightsql.TableRef) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	kt, ok, err := s.resolveKeyTable(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	b := array.NewRecordBuilder(s.mem, schema_ref.PrimaryKeys)
	defer b.Release()
	if kp, isKP := kt.tbl.(catalog.KeysProvider); ok && isKP {
		pk, err := kp.PrimaryKey(ctx)
		if err != nil {
			return nil, nil, err
		}
		for i, col := range pk.Columns {
			b.Field(0).(*array.StringBuilder).Append(kt.cat)
			b.Field(1).(*array.StringBuilder).Append(kt.schema)
			b.Field(2).(*array.StringBuilder).Append(kt.name)
			b.Field(3).(*array.StringBuilder).Append(col)
			b.Field(4).(*array.Int32Builder).Append(int32(i + 1))
			appendOptional(b.Field(5).(*array.StringBuilder), pk.Name)
		}
	}
	return schema_ref.PrimaryKeys, oneBatch(b.NewRecordBatch()), nil
}

func appendOptional(b *array.StringBuilder, v string) {
	if v == "" {
		b.AppendNull()
		return
	}
	b.Append(v)
}

// keyRows appends one row per column of each fk (of table fkTable) to b
// (a schema_ref.ImportedKeys-shaped builder), keeping only keys that pass.
func keyRows(b *array.RecordBuilder, fkTable keyTable, fks []catalog.ForeignKey, pass func(catalog.ForeignKey) bool) {
	for _, fk := range fks {
		if !pass(fk) {
			continue
		}
		refCat, refSchema := fk.RefCatalog, fk.RefSchema
		if refCat == "" {
			refCat = fkTable.cat
		}
		if refSchema == "" {
			refSchema = fkTable.schema
		}
		for i := range fk.Columns {
			if i >= len(fk.RefColumns) {
				break
			}
			b.Field(0).(*array.StringBuilder).Append(refCat)
			b.Field(1).(*array.StringBuilder).Append(refSchema)
			b.Field(2).(*array.StringBuilder).Append(fk.RefTable)
			b.Field(3).(*array.StringBuilder).Append(fk.RefColumns[i])
			b.Field(4).(*array.StringBuilder).Append(fkTable.cat)
			b.Field(5).(*array.StringBuilder).Append(fkTable.schema)
			b.Field(6).(*array.StringBuilder).Append(fkTable.name)
			b.Field(7).(*array.StringBuilder).Append(fk.Columns[i])
			b.Field(8).(*array.Int32Builder).Append(int32(i + 1))
			appendOptional(b.Field(9).(*array.StringBuilder), fk.Name)
			appendOptional(b.Field(10).(*array.StringBuilder), fk.RefKeyName)
			b.Field(11).(*array.Uint8Builder).Append(uint8(fk.OnUpdate))
			b.Field(12).(*array.Uint8Builder).Append(uint8(fk.OnDelete))
		}
	}
}

func refersTo(fk catalog.ForeignKey, from, to keyTable) bool {
	cat, sch := fk.RefCatalog, fk.RefSchema
	if cat == "" {
		cat = from.cat
	}
	if sch == "" {
		sch = from.schema
	}
	return strings.EqualFold(cat, to.cat) && strings.EqualFold(sch, to.schema) && strings.EqualFold(fk.RefTable, to.name)
}

// DoGetImportedKeys returns the table's foreign keys (the keys it imports).
func (s *service) DoGetImportedKeys(ctx context.Context, ref flightsql.TableRef) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.mem, schema_ref.ImportedKeys)
	defer b.Release()
	kt, ok, err := s.resolveKeyTable(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	if ok {
		fks, err := foreignKeys(ctx, kt)
		if err != nil {
			return nil, nil, err
		}
		keyRows(b, kt, fks, func(catalog.ForeignKey) bool { return true })
	}
	return schema_ref.ImportedKeys, oneBatch(b.NewRecordBatch()), nil
}

// DoGetExportedKeys returns the foreign keys of every table of the same
// catalog that reference the table.
func (s *service) DoGetExportedKeys(ctx context.Context, ref flightsql.TableRef) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.mem, schema_ref.ExportedKeys)
	defer b.Release()
	target, ok, err := s.resolveKeyTable(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	if ok {
		c, err := s.root.Catalog(target.cat)
		if err != nil {
			return nil, nil, err
		}
		for _, schemaName := range c.SchemaNames() {
			sc, err := c.Schema(schemaName)
			if err != nil {
				continue
			}
			names, err := sc.TableNames(ctx)
			if err != nil { // a source that is down has no keys to report
				s.log.Debug("exported keys: skipping schema", "schema", schemaName, "err", err)
				continue
			}
			for _, name := range names {
				tbl, err := sc.Table(ctx, name)
				if err != nil {
					continue
				}
				from := keyTable{cat: target.cat, schema: schemaName, name: name, tbl: tbl}
				fks, err := foreignKeys(ctx, from)
				if err != nil {
					s.log.Debug("exported keys: skipping table", "table", name, "err", err)
					continue
				}
				keyRows(b, from, fks, func(fk catalog.ForeignKey) bool { return refersTo(fk, from, target) })
			}
		}
	}
	return schema_ref.ExportedKeys, oneBatch(b.NewRecordBatch()), nil
}

// DoGetCrossReference returns the foreign keys of the FK table that
// reference the PK table.
func (s *service) DoGetCrossReference(ctx context.Context, ref flightsql.CrossTableRef) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.mem, schema_ref.CrossReference)
	defer b.Release()
	pkT, okPK, err := s.resolveKeyTable(ctx, ref.PKRef)
	if err != nil {
		return nil, nil, err
	}
	fkT, okFK, err := s.resolveKeyTable(ctx, ref.FKRef)
	if err != nil {
		return nil, nil, err
	}
	if okPK && okFK {
		fks, err := foreignKeys(ctx, fkT)
		if err != nil {
			return nil, nil, err
		}
		keyRows(b, fkT, fks, func(fk catalog.ForeignKey) bool { return refersTo(fk, fkT, pkT) })
	}
	return schema_ref.CrossReference, oneBatch(b.NewRecordBatch()), nil
}
