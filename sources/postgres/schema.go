package postgres

import (
	"context"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

// Schema serves every table and view of one remote schema. Tables are
// listed on each TableNames call (created or dropped tables show up at
// once) and resolved on each Table call. Safe for concurrent use.
type Schema struct {
	src *source
}

var (
	_ catalog.Schema    = (*Schema)(nil)
	_ catalog.Creatable = (*Schema)(nil)
)

// Factory returns the postgres provider's factory: `table` entries (option
// table) and `schema` entries (every table of the remote schema). See
// doc.go for the options.
func Factory() catalog.Factory {
	return catalog.Factory{
		Table: func(ctx context.Context, opts catalog.ProviderOptions) (catalog.Table, error) {
			cfg, table, err := parseOptions(opts, true)
			if err != nil {
				return nil, err
			}
			return OpenTable(ctx, cfg, table)
		},
		Schema: func(ctx context.Context, opts catalog.ProviderOptions) (catalog.Schema, error) {
			cfg, _, err := parseOptions(opts, false)
			if err != nil {
				return nil, err
			}
			return OpenSchema(ctx, cfg)
		},
	}
}

// OpenSchema connects to the server (failing fast when it is unreachable
// or refuses the credentials) and serves cfg.Schema. The caller Closes it
// when done.
func OpenSchema(ctx context.Context, cfg Config) (*Schema, error) {
	src, err := newSource(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var exists bool
	src.queries.Add(1)
	if err := src.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)`, src.schema).Scan(&exists); err != nil {
		src.close()
		return nil, src.wrapErr(ctx, err, "checking schema %s", src.schema)
	}
	if !exists {
		src.close()
		return nil, errs.NotFoundf("postgres source %s: schema %s does not exist on the server", src.name, src.schema)
	}
	return &Schema{src: src}, nil
}

// OpenTable connects to the server and resolves one remote table of
// cfg.Schema. The returned Table owns its pool; Close it when done.
func OpenTable(ctx context.Context, cfg Config, table string) (*Table, error) {
	src, err := newSource(ctx, cfg)
	if err != nil {
		return nil, err
	}
	rel, err := src.resolve(ctx, table)
	if err != nil {
		src.close()
		return nil, err
	}
	return newTable(src, rel, true), nil
}

// TableNames lists the remote schema's tables, views, materialized views,
// foreign and partitioned tables, sorted.
func (s *Schema) TableNames(ctx context.Context) ([]string, error) { return s.src.tableNames(ctx) }

// Table resolves a remote table (exact name, or the one case-insensitive
// match). Each call reads the current columns.
func (s *Schema) Table(ctx context.Context, name string) (catalog.Table, error) {
	rel, err := s.src.resolve(ctx, name)
	if err != nil {
		return nil, err
	}
	return newTable(s.src, rel, false), nil
}

// Close closes the connection pool shared by the schema's tables. Tables
// already handed out fail with ErrUnavailable afterwards. Idempotent.
func (s *Schema) Close() { s.src.close() }
