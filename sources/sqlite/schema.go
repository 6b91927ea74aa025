package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/internal"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
)

// Defaults of the provider's options.
const (
	DefaultBatchRows     = 8192
	DefaultPartitionRows = 1 << 20
	// maxPartitions bounds the rowid ranges of one scan.
	maxPartitions = 64
)

// Config is how a file is opened. Zero values take the defaults.
type Config struct {
	// Path is the SQLite file (absolute, or relative to the process's
	// working directory).
	Path string
	// ReadOnly refuses writes (INSERT, CREATE, DROP) with ErrPermission.
	ReadOnly bool
	// Create creates the file when it is missing (default: missing is
	// ErrNotFound).
	Create bool
	// BatchRows is the number of rows per Arrow batch (default 8192).
	BatchRows int
	// PartitionRows is the rowid span of one partition; tables whose rowid
	// span is at least twice this are read as several rowid ranges in
	// parallel (default 1Mi).
	PartitionRows int64
}

// source is one open SQLite file, shared by the tables read from it.
type source struct {
	db   *sql.DB
	cfg  Config
	name string // the file as the user named it, for errors
	io   atomic.Int64
}

func openSource(cfg Config) (*source, error) {
	if cfg.BatchRows <= 0 {
		cfg.BatchRows = DefaultBatchRows
	}
	if cfg.PartitionRows <= 0 {
		cfg.PartitionRows = DefaultPartitionRows
	}
	if strings.ContainsAny(cfg.Path, "?#") || cfg.Path == "" || strings.HasPrefix(cfg.Path, "file:") {
		return nil, errs.Invalidf("sqlite file %q: give a plain file path (no URI, '?' or '#')", cfg.Path)
	}
	if _, err := os.Stat(cfg.Path); err != nil {
		if !errors.Is(err, os.ErrNotExist) || !cfg.Create {
			return nil, errs.Wrap(errs.ErrNotFound, err, "sqlite file %s", cfg.Path)
		}
	}
	dsn := cfg.Path + "?_pragma=busy_timeout(5000)&_txlock=immediate"
	if cfg.ReadOnly {
		dsn += "&_pragma=query_only(1)"
	}
	db, err := openDB(dsn)
	if err != nil {
		return nil, errs.Wrap(errs.ErrUnavailable, err, "opening sqlite file %s", cfg.Path)
	}
	s := &source{db: db, cfg: cfg, name: cfg.Path}
	// Fail fast on a file that is not a database.
	if _, err := s.tableNames(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *source) tableNames(ctx context.Context) ([]string, error) {
	s.io.Add(1)
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type IN ('table','view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		return nil, errs.Wrap(errs.ErrUnavailable, err, "sqlite file %s: listing tables", s.name)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, errs.Wrap(errs.ErrUnavailable, err, "sqlite file %s: listing tables", s.name)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(errs.ErrUnavailable, err, "sqlite file %s: listing tables", s.name)
	}
	sort.Strings(out)
	return out, nil
}

// lookup returns the stored name and type ("table" or "view") of a table,
// matched case-insensitively as SQLite does; found=false when missing.
func (s *source) lookup(ctx context.Context, name string) (stored, typ string, found bool, err error) {
	s.io.Add(1)
	err = s.db.QueryRowContext(ctx, `SELECT name, type FROM sqlite_schema WHERE type IN ('table','view') AND name = ? COLLATE NOCASE ORDER BY name = ? DESC LIMIT 1`, name, name).Scan(&stored, &typ)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, errs.Wrap(errs.ErrUnavailable, err, "sqlite file %s: looking up table %s", s.name, name)
	}
	return stored, typ, true, nil
}

// Schema serves every table and view of one SQLite file. TableNames reads
// the file's catalog on each call, so tables created by others appear. It
// is Creatable unless opened read-only. Safe for concurrent use; Close
// releases the file.
type Schema struct {
	src *source
}

var (
	_ catalog.Schema    = (*Schema)(nil)
	_ catalog.Creatable = (*Schema)(nil)
)

// OpenSchema opens the file as a Schema.
func OpenSchema(cfg Config) (*Schema, error) {
	src, err := openSource(cfg)
	if err != nil {
		return nil, err
	}
	return &Schema{src: src}, nil
}

// Close closes the file; tables obtained from the schema stop working.
func (s *Schema) Close() error { return s.src.db.Close() }

// IOCount is the number of queries sent to SQLite so far (for tests and
// metrics).
func (s *Schema) IOCount() int64 { return s.src.io.Load() }

// TableNames lists the file's tables and views, sorted.
func (s *Schema) TableNames(ctx context.Context) ([]string, error) { return s.src.tableNames(ctx) }

// Table reads the named table's columns (ErrNotFound naming it when absent).
// The returned Table is a snapshot of the table's definition.
func (s *Schema) Table(ctx context.Context, name string) (catalog.Table, error) {
	return s.src.table(ctx, name, false)
}

// CreateTable runs CREATE TABLE with SQLite types chosen so the table reads
// back with the given Arrow types (integers widen to BIGINT).
func (s *Schema) CreateTable(ctx context.Context, name string, schema *arrow.Schema, ifNotExists bool) error {
	if s.src.cfg.ReadOnly {
		return errs.New(errs.ErrPermission, "sqlite file %s is read-only: cannot create table %s", s.src.name, name)
	}
	if schema == nil || schema.NumFields() == 0 {
		return errs.Invalidf("CREATE TABLE %s: a table needs at least one column", name)
	}
	cols := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		typ, err := declaredType(f)
		if err != nil {
			return errs.Wrap(errs.ErrNotImplemented, err, "CREATE TABLE %s", name)
		}
		cols[i] = sqlgen.SQLite.QuoteIdent(f.Name) + " " + typ
		if !f.Nullable {
			cols[i] += " NOT NULL"
		}
	}
	_, _, found, err := s.src.lookup(ctx, name)
	if err != nil {
		return err
	}
	if found {
		if ifNotExists {
			return nil
		}
		return errs.New(errs.ErrAlreadyExists, "table %s already exists in sqlite file %s", name, s.src.name)
	}
	s.src.io.Add(1)
	if _, err := s.src.db.ExecContext(ctx, "CREATE TABLE "+sqlgen.SQLite.QuoteIdent(name)+" ("+strings.Join(cols, ", ")+")"); err != nil {
		return errs.Wrap(errs.ErrUnavailable, err, "sqlite file %s: CREATE TABLE %s", s.src.name, name)
	}
	return nil
}

// DropTable drops a table (or a view).
func (s *Schema) DropTable(ctx context.Context, name string, ifExists bool) error {
	if s.src.cfg.ReadOnly {
		return errs.New(errs.ErrPermission, "sqlite file %s is read-only: cannot drop table %s", s.src.name, name)
	}
	stored, typ, found, err := s.src.lookup(ctx, name)
	if err != nil {
		return err
	}
	if !found {
		if ifExists {
			return nil
		}
		return errs.NotFoundf("unknown table %s in sqlite file %s", name, s.src.name)
	}
	kw := "TABLE"
	if typ == "view" {
		kw = "VIEW"
	}
	s.src.io.Add(1)
	if _, err := s.src.db.ExecContext(ctx, "DROP "+kw+" "+sqlgen.SQLite.QuoteIdent(stored)); err != nil {
		return errs.Wrap(errs.ErrUnavailable, err, "sqlite file %s: DROP %s %s", s.src.name, kw, stored)
	}
	return nil
}

// Factory is the sqlite provider for catalog.Registry. Options:
//
//	path:           the SQLite file, relative to the config's directory (required)
//	table:          for a table entry, the table to serve (default: the file's only table)
//	read_only:      refuse INSERT/CREATE/DROP (default false)
//	create:         create the file when missing (default false: missing is an error)
//	batch_rows:     rows per Arrow batch (default 8192)
//	partition_rows: rowid span per parallel partition (default 1048576)
//
// The tables and schemas it builds hold the file open; they implement
// io.Closer for the owner (the server at shutdown, tests).
func Factory() catalog.Factory {
	return catalog.Factory{
		Table: func(ctx context.Context, opts catalog.ProviderOptions) (catalog.Table, error) {
			o := internal.NewOptions(opts)
			cfg, err := configFrom(o, opts)
			if err != nil {
				return nil, err
			}
			table, err := o.String("table", "")
			if err != nil {
				return nil, err
			}
			if err := o.Unused(); err != nil {
				return nil, err
			}
			return OpenTable(ctx, cfg, table)
		},
		Schema: func(ctx context.Context, opts catalog.ProviderOptions) (catalog.Schema, error) {
			o := internal.NewOptions(opts)
			cfg, err := configFrom(o, opts)
			if err != nil {
				return nil, err
			}
			if err := o.Unused(); err != nil {
				return nil, err
			}
			s, err := OpenSchema(cfg)
			if err != nil {
				return nil, errs.Wrap(kindOf(err), err, "%s", o.Key("path"))
			}
			return s, nil
		},
	}
}

func configFrom(o *internal.Options, opts catalog.ProviderOptions) (Config, error) {
	var cfg Config
	p, err := o.String("path", "")
	if err != nil {
		return cfg, err
	}
	if p == "" {
		return cfg, errs.Invalidf("%s: the sqlite provider needs the path of a SQLite file", o.Key("path"))
	}
	if !filepath.IsAbs(p) && opts.BaseDir != "" {
		p = filepath.Join(opts.BaseDir, p)
	}
	cfg.Path = p
	if cfg.ReadOnly, err = o.Bool("read_only", false); err != nil {
		return cfg, err
	}
	if cfg.Create, err = o.Bool("create", false); err != nil {
		return cfg, err
	}
	if cfg.BatchRows, err = o.Int("batch_rows", DefaultBatchRows); err != nil {
		return cfg, err
	}
	pr, err := o.Int("partition_rows", DefaultPartitionRows)
	if err != nil {
		return cfg, err
	}
	cfg.PartitionRows = int64(pr)
	return cfg, nil
}

// kindOf returns the errs kind err carries (ErrInternal when none).
func kindOf(err error) error {
	for _, k := range []error{errs.ErrInvalid, errs.ErrNotFound, errs.ErrAlreadyExists, errs.ErrNotImplemented,
		errs.ErrResourceExhausted, errs.ErrUnavailable, errs.ErrPermission} {
		if errors.Is(err, k) {
			return k
		}
	}
	return errs.ErrInternal
}
