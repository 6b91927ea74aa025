package postgres

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/internal"
	"github.com/quiverdb/quiver/sources/internal/envvar"
)

// Defaults of the options (see doc.go).
const (
	defaultSchema        = "public"
	defaultPartitions    = 8
	defaultPartitionRows = 500_000
	defaultMaxConns      = 8
	defaultConnTimeout   = 10 * time.Second
	batchRows            = 8192
)

// Config is a source's parsed configuration. The zero value is not usable;
// build one with the factory's options or fill DSN at least.
type Config struct {
	// Name identifies the source in errors and logs (the config path).
	Name string
	// DSN is a libpq-style connection string or URL. It may hold a
	// password; Quiver never logs it and redacts it from errors.
	DSN string
	// Schema is the remote schema (default "public").
	Schema string
	// Partitions caps the number of ctid-range partitions of a big table
	// (default 8); 1 disables splitting.
	Partitions int
	// PartitionRows is the estimated row count (pg_class.reltuples) per
	// partition above which a table is split (default 500,000).
	PartitionRows int
	// MaxConns caps the pool's connections (default 8).
	MaxConns int
}

// source is one configured PostgreSQL server + schema: a connection pool
// shared by every table of the source. Safe for concurrent use.
type source struct {
	name     string
	schema   string
	password string
	pool     *pgxpool.Pool
	parts    int
	partRows int
	// queries counts round trips started against the server (tests check
	// that planning does none).
	queries atomic.Int64
}

// parseOptions reads the provider options into a Config.
func parseOptions(opts catalog.ProviderOptions, wantTable bool) (Config, string, error) {
	o := internal.NewOptions(opts)
	cfg := Config{Name: opts.Path}
	dsn, err := o.String("dsn", "")
	if err != nil {
		return cfg, "", err
	}
	env, err := o.String("dsn_env", "")
	if err != nil {
		return cfg, "", err
	}
	switch {
	case dsn != "" && env != "":
		return cfg, "", errs.Invalidf("%s and %s: set one of them, not both", o.Key("dsn"), o.Key("dsn_env"))
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return cfg, "", errs.Invalidf("%s: environment variable %s is not set (it should hold the DSN)", o.Key("dsn_env"), env)
		}
		dsn = v
	case dsn == "":
		return cfg, "", errs.Invalidf("%s: a DSN is required (or %s naming an environment variable that holds it)", o.Key("dsn"), o.Key("dsn_env"))
	default:
		if dsn, err = envvar.Expand(dsn); err != nil {
			return cfg, "", errs.Wrap(errs.ErrInvalid, err, "%s", o.Key("dsn"))
		}
	}
	cfg.DSN = dsn
	if cfg.Schema, err = o.String("schema", defaultSchema); err != nil {
		return cfg, "", err
	}
	if cfg.Partitions, err = o.Int("partitions", defaultPartitions); err != nil {
		return cfg, "", err
	}
	if cfg.PartitionRows, err = o.Int("partition_rows", defaultPartitionRows); err != nil {
		return cfg, "", err
	}
	if cfg.MaxConns, err = o.Int("max_conns", defaultMaxConns); err != nil {
		return cfg, "", err
	}
	table, err := o.RemoteTable(wantTable)
	if err != nil {
		return cfg, "", err
	}
	if err := o.Unused(); err != nil {
		return cfg, "", err
	}
	return cfg, table, nil
}

// newSource builds the pool and checks that the server answers (fail fast
// on configuration mistakes: an unreachable server is ErrUnavailable, bad
// credentials ErrPermission, both naming the source, never the password).
func newSource(ctx context.Context, cfg Config) (*source, error) {
	if cfg.Schema == "" {
		cfg.Schema = defaultSchema
	}
	if cfg.Partitions <= 0 {
		cfg.Partitions = defaultPartitions
	}
	if cfg.PartitionRows <= 0 {
		cfg.PartitionRows = defaultPartitionRows
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = defaultMaxConns
	}
	s := &source{name: cfg.Name, schema: cfg.Schema, parts: cfg.Partitions, partRows: cfg.PartitionRows}
	if s.name == "" {
		s.name = "postgres"
	}
	pc, err := pgxpool.ParseConfig(cfg.DSN)
	if err != nil {
		// pgx redacts the password in parse errors; redact() can't know it
		// yet, so mask anything that looks like user:password@.
		return nil, errs.Invalidf("postgres source %s: bad DSN: %s", s.name, redactURL(err.Error()))
	}
	s.password = pc.ConnConfig.Password
	pc.MaxConns = int32(cfg.MaxConns)
	if pc.ConnConfig.ConnectTimeout == 0 {
		pc.ConnConfig.ConnectTimeout = defaultConnTimeout
	}
	if pc.ConnConfig.RuntimeParams == nil {
		pc.ConnConfig.RuntimeParams = map[string]string{}
	}
	if _, ok := pc.ConnConfig.RuntimeParams["application_name"]; !ok {
		pc.ConnConfig.RuntimeParams["application_name"] = "quiver"
	}
	// Timestamps without time zone are read as they are stored; timestamptz
	// as UTC instants. Neither depends on the session's TimeZone, but keep
	// it fixed so any server-side text conversion is deterministic.
	pc.ConnConfig.RuntimeParams["timezone"] = "UTC"
	// On cancellation send a CancelRequest so the server stops the query
	// (the default only closes our socket, leaving a busy backend running
	// until it next writes), and close the socket if that does not help.
	pc.ConnConfig.BuildContextWatcherHandler = func(pgc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pgc, CancelRequestDelay: 0, DeadlineDelay: 2 * time.Second}
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, s.wrapErr(ctx, err, "cannot create the connection pool")
	}
	s.pool = pool
	s.queries.Add(1)
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, s.wrapErr(ctx, err, "cannot connect")
	}
	return s, nil
}

// redactURL masks the password of a URL-style DSN inside text.
func redactURL(text string) string {
	if i := strings.Index(text, "://"); i >= 0 {
		rest := text[i+3:]
		if at := strings.IndexByte(rest, '@'); at >= 0 {
			if colon := strings.IndexByte(rest[:at], ':'); colon >= 0 {
				return text[:i+3] + rest[:colon] + ":xxxxx" + rest[at:]
			}
		}
	}
	return text
}

func (s *source) close() { s.pool.Close() }

// relation is a remote table's metadata, read when a catalog lookup
// resolves it (not at Scan).
type relation struct {
	Name     string // remote relname, exact case
	OID      uint32
	Kind     byte // pg_class.relkind: r, v, m, f, p
	Tuples   float64
	Pages    int32
	Columns  []column
	Resolved time.Time
}

// qualified is the quoted "schema"."table".
func (s *source) qualified(rel string) string {
	return quoteIdent(s.schema) + "." + quoteIdent(rel)
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

const listTablesSQL = `SELECT c.relname FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r','v','m','f','p')
ORDER BY c.relname`

// tableNames lists the remote schema's tables and views, sorted.
func (s *source) tableNames(ctx context.Context) ([]string, error) {
	s.queries.Add(1)
	rows, err := s.pool.Query(ctx, listTablesSQL, s.schema)
	if err != nil {
		return nil, s.wrapErr(ctx, err, "listing the tables of schema %s", s.schema)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, s.wrapErr(ctx, err, "listing the tables of schema %s", s.schema)
	}
	sort.Strings(names)
	return names, nil
}

const findRelSQL = `SELECT c.oid, c.relname, c.relkind::text, c.reltuples::float8, c.relpages
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r','v','m','f','p') AND lower(c.relname) = lower($2)`

const columnsSQL = `SELECT a.attname, a.atttypid, a.atttypmod, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
  t.typtype::text, t.typbasetype, t.typtypmod
FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`

// resolve loads a table's metadata. The name matches exactly, or
// case-insensitively when exactly one table matches so. A missing table is
// ErrNotFound naming it.
func (s *source) resolve(ctx context.Context, name string) (*relation, error) {
	s.queries.Add(1)
	rows, err := s.pool.Query(ctx, findRelSQL, s.schema, name)
	if err != nil {
		return nil, s.wrapErr(ctx, err, "looking up table %s.%s", s.schema, name)
	}
	type relRow struct {
		OID    uint32
		Name   string
		Kind   string
		Tuples float64
		Pages  int32
	}
	cands, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (relRow, error) {
		var x relRow
		err := r.Scan(&x.OID, &x.Name, &x.Kind, &x.Tuples, &x.Pages)
		return x, err
	})
	if err != nil {
		return nil, s.wrapErr(ctx, err, "looking up table %s.%s", s.schema, name)
	}
	var pick *relRow
	for i := range cands {
		if cands[i].Name == name {
			pick = &cands[i]
		}
	}
	if pick == nil && len(cands) == 1 {
		pick = &cands[0]
	}
	if pick == nil {
		if len(cands) > 1 {
			return nil, errs.Invalidf("postgres source %s: table name %s is ambiguous in schema %s (matches %d tables differing in case); quote it exactly", s.name, name, s.schema, len(cands))
		}
		return nil, errs.NotFoundf("postgres source %s: table %s.%s does not exist", s.name, s.schema, name)
	}
	rel := &relation{Name: pick.Name, OID: pick.OID, Tuples: pick.Tuples, Pages: pick.Pages, Resolved: time.Now()}
	if len(pick.Kind) == 1 {
		rel.Kind = pick.Kind[0]
	}
	s.queries.Add(1)
	rows, err = s.pool.Query(ctx, columnsSQL, pick.OID)
	if err != nil {
		return nil, s.wrapErr(ctx, err, "reading the columns of %s.%s", s.schema, pick.Name)
	}
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (column, error) {
		var c column
		var typtype string
		var baseOID uint32
		var baseMod int32
		if err := r.Scan(&c.Name, &c.OID, &c.TypMod, &c.TypName, &c.NotNull, &typtype, &baseOID, &baseMod); err != nil {
			return c, err
		}
		oid, mod := c.OID, c.TypMod
		if typtype == "d" && baseOID != 0 { // a domain reads as its base type
			oid, mod = baseOID, baseMod
			if c.TypMod >= 0 {
				mod = c.TypMod
			}
		}
		c.Type, c.AsText, c.Lossy = mapType(oid, mod)
		if !c.AsText {
			c.OID, c.TypMod = oid, mod
		}
		return c, nil
	})
	if err != nil {
		return nil, s.wrapErr(ctx, err, "reading the columns of %s.%s", s.schema, pick.Name)
	}
	if len(cols) == 0 {
		return nil, errs.NotImplementedf("postgres source %s: table %s.%s has no columns", s.name, s.schema, pick.Name)
	}
	rel.Columns = cols
	return rel, nil
}

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}
