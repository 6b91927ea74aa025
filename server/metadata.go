package server

import (
	"context"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql/schema_ref"

	"github.com/quiverdb/quiver/catalog"
)

// The metadata RPCs answer from the catalog root alone, with exactly
// arrow-go's schema_ref schemas (nullability included), in one batch each.
// Their GetFlightInfo returns the command itself as the ticket (the answer
// is cheap and computed at DoGet time).
//
// Table types are TABLE and VIEW: catalog tables are TABLEs, the views of
// a catalog.ViewStore schema are VIEWs (views.go).

const (
	tableTypeTable = "TABLE"
	tableTypeView  = "VIEW"
)

// metadataInfo is the FlightInfo of a metadata command.
func (s *service) metadataInfo(desc *flight.FlightDescriptor, schema *arrow.Schema) *flight.FlightInfo {
	return &flight.FlightInfo{
		Schema:           flight.SerializeSchema(schema, s.mem),
		FlightDescriptor: desc,
		Endpoint:         []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: desc.GetCmd()}}},
		TotalRecords:     -1,
		TotalBytes:       -1,
	}
}

// matchName reports whether name passes an exact-name filter (nil = no
// filter). Names compare case-insensitively, as catalog lookups do.
func matchName(filter *string, name string) bool {
	return filter == nil || strings.EqualFold(*filter, name)
}

// schemaRef is one (catalog, schema) pair that passed the filters.
type schemaRef struct {
	catalog string
	name    string
	schema  catalog.Schema
}

// schemas lists the schemas matching a catalog filter and a LIKE pattern,
// sorted by catalog then schema.
func (s *service) schemas(catFilter, schemaPattern *string) []schemaRef {
	like := compileLike(schemaPattern)
	var out []schemaRef
	for _, cn := range s.root.CatalogNames() {
		if !matchName(catFilter, cn) {
			continue
		}
		c, err := s.root.Catalog(cn)
		if err != nil {
			continue // removed concurrently
		}
		for _, sn := range c.SchemaNames() {
			if !like.match(sn) {
				continue
			}
			sch, err := c.Schema(sn)
			if err != nil {
				continue
			}
			out = append(out, schemaRef{catalog: cn, name: sn, schema: sch})
		}
	}
	return out
}

// GetFlightInfoCatalogs describes GetCatalogs.
func (s *service) GetFlightInfoCatalogs(_ context.Context, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.Catalogs), nil
}

// DoGetCatalogs lists the catalogs, sorted.
func (s *service) DoGetCatalogs(context.Context) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.mem, schema_ref.Catalogs)
	defer b.Release()
	names := s.root.CatalogNames()
	b.Field(0).(*array.StringBuilder).AppendValues(names, nil)
	return schema_ref.Catalogs, oneBatch(b.NewRecordBatch()), nil
}

// GetFlightInfoSchemas describes GetDbSchemas.
func (s *service) GetFlightInfoSchemas(_ context.Context, _ flightsql.GetDBSchemas, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.DBSchemas), nil
}

// DoGetDBSchemas lists schemas by catalog (exact) and schema name (LIKE).
func (s *service) DoGetDBSchemas(_ context.Context, cmd flightsql.GetDBSchemas) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.mem, schema_ref.DBSchemas)
	defer b.Release()
	cat, sch := b.Field(0).(*array.StringBuilder), b.Field(1).(*array.StringBuilder)
	for _, r := range s.schemas(cmd.GetCatalog(), cmd.GetDBSchemaFilterPattern()) {
		cat.Append(r.catalog)
		sch.Append(r.name)
	}
	return schema_ref.DBSchemas, oneBatch(b.NewRecordBatch()), nil
}

// GetFlightInfoTables describes GetTables (with or without table_schema).
func (s *service) GetFlightInfoTables(_ context.Context, cmd flightsql.GetTables, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	if cmd.GetIncludeSchema() {
		return s.metadataInfo(desc, schema_ref.TablesWithIncludedSchema), nil
	}
	return s.metadataInfo(desc, schema_ref.Tables), nil
}

// DoGetTables lists tables by catalog (exact), schema and table name (LIKE)
// and table type; with include_schema each row carries the table's
// IPC-serialized schema with Flight SQL column metadata. A schema whose
// table list can't be read (a source is down) is skipped and logged, so one
// unreachable source does not hide every other table from BI tools.
func (s *service) DoGetTables(ctx context.Context, cmd flightsql.GetTables) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	out := schema_ref.Tables
	if cmd.GetIncludeSchema() {
		out = schema_ref.TablesWithIncludedSchema
	}
	wantTables, wantViews := tableTypeWanted(cmd.GetTableTypes(), tableTypeTable), tableTypeWanted(cmd.GetTableTypes(), tableTypeView)
	like := compileLike(cmd.GetTableNameFilterPattern())
	b := array.NewRecordBuilder(s.mem, out)
	defer b.Release()
	catB := b.Field(0).(*array.StringBuilder)
	schB := b.Field(1).(*array.StringBuilder)
	nameB := b.Field(2).(*array.StringBuilder)
	typeB := b.Field(3).(*array.StringBuilder)
	for _, r := range s.schemas(cmd.GetCatalog(), cmd.GetDBSchemaFilterPattern()) {
		var names []string
		if wantTables {
			var err error
			if names, err = r.schema.TableNames(ctx); err != nil {
				if ctx.Err() != nil {
					return nil, nil, ctx.Err()
				}
				s.log.Warn("GetTables: skipping a schema whose tables can't be listed", "catalog", r.catalog, "schema", r.name, "err", err)
				continue
			}
		}
		entries, err := s.withViews(ctx, r, names, wantViews) // views.go
		if err != nil {
			return nil, nil, err
		}
		for _, e := range entries {
			tn := e.name
			if !like.match(tn) {
				continue
			}
			var serialized []byte
			if cmd.GetIncludeSchema() {
				sch, err := s.entrySchema(ctx, r, e)
				if err != nil {
					if ctx.Err() != nil {
						return nil, nil, ctx.Err()
					}
					s.log.Warn("GetTables: skipping a table that can't be opened", "table", r.catalog+"."+r.name+"."+tn, "err", err)
					continue
				}
				serialized = flight.SerializeSchema(withColumnMetadata(sch, columnOrigin{r.catalog, r.name, tn}), s.mem)
			}
			catB.Append(r.catalog)
			schB.Append(r.name)
			nameB.Append(tn)
			typeB.Append(e.typ)
			if cmd.GetIncludeSchema() {
				b.Field(4).(*array.BinaryBuilder).Append(serialized)
			}
		}
	}
	return out, oneBatch(b.NewRecordBatch()), nil
}

// tableTypeWanted: an empty filter wants every type.
func tableTypeWanted(filter []string, typ string) bool {
	return len(filter) == 0 || slices.ContainsFunc(filter, func(f string) bool { return strings.EqualFold(f, typ) })
}

// GetFlightInfoTableTypes describes GetTableTypes.
func (s *service) GetFlightInfoTableTypes(_ context.Context, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.TableTypes), nil
}

// DoGetTableTypes lists TABLE and VIEW.
func (s *service) DoGetTableTypes(context.Context) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.mem, schema_ref.TableTypes)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{tableTypeTable, tableTypeView}, nil)
	return schema_ref.TableTypes, oneBatch(b.NewRecordBatch()), nil
}

// emptyResult is a valid zero-row answer with schema.
func (s *service) emptyResult(schema *arrow.Schema) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.mem, schema)
	defer b.Release()
	return schema, oneBatch(b.NewRecordBatch()), nil
}

// Keys come from tables with the catalog.KeysProvider ability (keys.go);
// other tables have none and the RPCs return valid empty results (clients
// such as DBeaver and Power BI call them for every table).

// GetFlightInfoPrimaryKeys describes GetPrimaryKeys.
func (s *service) GetFlightInfoPrimaryKeys(_ context.Context, _ flightsql.TableRef, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.PrimaryKeys), nil
}

// GetFlightInfoExportedKeys describes GetExportedKeys.
func (s *service) GetFlightInfoExportedKeys(_ context.Context, _ flightsql.TableRef, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.ExportedKeys), nil
}

// GetFlightInfoImportedKeys describes GetImportedKeys.
func (s *service) GetFlightInfoImportedKeys(_ context.Context, _ flightsql.TableRef, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.ImportedKeys), nil
}

// GetFlightInfoCrossReference describes GetCrossReference.
func (s *service) GetFlightInfoCrossReference(_ context.Context, _ flightsql.CrossTableRef, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.CrossReference), nil
}
