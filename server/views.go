package server

import (
	"context"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
)

// tableEntry is one GetTables row to be: a table or a view of a schema.
type tableEntry struct {
	name, typ string
}

// withViews returns tables (typed TABLE) merged with the schema's views
// (typed VIEW, when wanted and the schema is a catalog.ViewStore), sorted
// by name as Flight SQL orders GetTables. A view list that can't be read
// is skipped and logged, like an unreadable table list.
func (s *service) withViews(ctx context.Context, r schemaRef, tables []string, wantViews bool) ([]tableEntry, error) {
	out := make([]tableEntry, 0, len(tables))
	for _, t := range tables {
		out = append(out, tableEntry{name: t, typ: tableTypeTable})
	}
	if vs, ok := r.schema.(catalog.ViewStore); ok && wantViews {
		views, err := vs.ViewNames(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.log.Warn("GetTables: skipping the views of a schema whose views can't be listed", "catalog", r.catalog, "schema", r.name, "err", err)
		}
		for _, v := range views {
			out = append(out, tableEntry{name: v, typ: tableTypeView})
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].name < out[j].name })
	}
	return out, nil
}

// entrySchema is a GetTables row's table schema: the table's, or for a view
// the schema of SELECT * FROM it, planned in the view's schema.
func (s *service) entrySchema(ctx context.Context, r schemaRef, e tableEntry) (*arrow.Schema, error) {
	if e.typ != tableTypeView {
		t, err := r.schema.Table(ctx, e.name)
		if err != nil {
			return nil, err
		}
		return t.Schema(), nil
	}
	opts, err := s.sessionOptions(ctx)
	if err != nil {
		return nil, err
	}
	opts.Catalog, opts.Schema = r.catalog, r.name
	st, err := s.prepare(ctx, opts, "SELECT * FROM "+quoteName(e.name))
	if err != nil {
		return nil, err
	}
	return wireSchema(st.Schema()), nil
}

// quoteName quotes an identifier with backticks (the parser's quote).
func quoteName(n string) string { return "`" + strings.ReplaceAll(n, "`", "``") + "`" }
