package flightsql

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/internal"
	"github.com/quiverdb/quiver/sources/internal/envvar"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
)

// Defaults of the options (see doc.go).
const (
	DefaultDialect = "mysql"
	// DefaultCacheTTL is how long a GetTables listing is reused.
	DefaultCacheTTL = 5 * time.Second
	// DefaultMaxRecvMsgBytes bounds one message received from the remote
	// (grpc-go's own default, 4 MiB, is smaller than a Quiver batch may be).
	DefaultMaxRecvMsgBytes = 256 << 20
	// ParamsInline renders filter values as SQL literals (the default).
	ParamsInline = "inline"
	// ParamsBind sends filter values as prepared-statement parameters.
	ParamsBind = "bind"
)

// Config is a source's parsed configuration. Build one from the factory's
// options or fill URI (and Catalog/Schema as the remote needs) at least.
type Config struct {
	// Name identifies the source in errors (the config path).
	Name string
	// URI is grpc://host:port (or grpc+tcp://) for plain gRPC and
	// grpc+tls://host:port for TLS with the system's roots.
	URI string
	// Catalog and Schema are the remote namespace; either may be empty when
	// the remote has none (then the SQL leaves that part out).
	Catalog, Schema string
	// Dialect is the remote's SQL dialect for pushdown: mysql (the
	// default; Quiver's own), postgres or sqlite.
	Dialect string
	// Params is how filter values reach the remote: ParamsInline (default)
	// or ParamsBind. See doc.go for why inline is the default.
	Params string
	// Headers are sent with every call (e.g. authorization). Values are
	// secrets: Quiver never logs them or puts them in errors.
	Headers map[string]string
	// CacheTTL is how long a table listing is reused (default 5s; a
	// negative value disables the cache).
	CacheTTL time.Duration
	// MaxRecvMsgBytes bounds one received message (default 256 MiB).
	MaxRecvMsgBytes int
	// MaxStreams bounds how many of a query's endpoints are read at once
	// (default min(endpoints, 2×GOMAXPROCS); 1 reads them one after
	// another). Queries with a pushed LIMIT always read in order.
	MaxStreams int
	// CountRows lets Statistics ask the remote for the FlightInfo of
	// SELECT * (at most once per CacheTTL per table) and report its
	// total_records as an Inexact row count. Off by default: some servers
	// run the whole query to answer GetFlightInfo.
	CountRows bool
}

// source is one configured remote: a client (a gRPC connection) shared by
// every table read through it. Safe for concurrent use.
type source struct {
	name    string
	uri     string
	catalog string
	schema  string
	dialect sqlgen.Dialect
	bind    bool
	count   bool
	// maxStreams is Config.MaxStreams (0: the default).
	maxStreams int
	headers    []string // key, value pairs
	ttl        time.Duration
	dial       []grpc.DialOption // for the configured URI
	callOpt    grpc.DialOption   // default call options (message size), for other locations too
	client     *flightsql.Client
	// calls counts RPCs started against the remote (tests check that
	// planning does none).
	calls atomic.Int64

	mu      sync.Mutex
	listed  map[string]*arrow.Schema
	listAt  time.Time
	closed  bool
	closeMu sync.Once
}

// dialectByName returns the sqlgen dialect for a configured name.
func dialectByName(name string) (sqlgen.Dialect, bool) {
	switch strings.ToLower(name) {
	case "", "mysql", "quiver":
		return sqlgen.MySQL, true
	case "postgres", "postgresql":
		return sqlgen.Postgres, true
	case "sqlite":
		return sqlgen.SQLite, true
	}
	return sqlgen.Dialect{}, false
}

// parseOptions reads the provider options into a Config.
func parseOptions(opts catalog.ProviderOptions, wantTable bool) (Config, string, error) {
	o := internal.NewOptions(opts)
	cfg := Config{Name: opts.Path}
	var err error
	if cfg.URI, err = o.String("uri", ""); err != nil {
		return cfg, "", err
	}
	if cfg.URI == "" {
		return cfg, "", errs.Invalidf("%s: the remote's URI is required (grpc://host:port or grpc+tls://host:port)", o.Key("uri"))
	}
	if cfg.Catalog, err = o.String("catalog", ""); err != nil {
		return cfg, "", err
	}
	if cfg.Schema, err = o.String("schema", ""); err != nil {
		return cfg, "", err
	}
	if cfg.Dialect, err = o.String("dialect", DefaultDialect); err != nil {
		return cfg, "", err
	}
	if _, ok := dialectByName(cfg.Dialect); !ok {
		return cfg, "", errs.Invalidf("%s: unknown dialect %q (want mysql, postgres or sqlite)", o.Key("dialect"), cfg.Dialect)
	}
	if cfg.Params, err = o.String("parameters", ParamsInline); err != nil {
		return cfg, "", err
	}
	if cfg.Params != ParamsInline && cfg.Params != ParamsBind {
		return cfg, "", errs.Invalidf("%s: want %q or %q, got %q", o.Key("parameters"), ParamsInline, ParamsBind, cfg.Params)
	}
	ttl, err := o.String("cache_ttl", "")
	if err != nil {
		return cfg, "", err
	}
	if ttl != "" {
		if cfg.CacheTTL, err = time.ParseDuration(ttl); err != nil {
			return cfg, "", errs.Invalidf("%s: want a duration such as 5s, got %q", o.Key("cache_ttl"), ttl)
		}
	}
	if cfg.CountRows, err = o.Bool("count_rows", false); err != nil {
		return cfg, "", err
	}
	if cfg.MaxStreams, err = o.Int("max_streams", 0); err != nil {
		return cfg, "", err
	}
	if cfg.Headers, err = headersOption(o, opts); err != nil {
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

// headersOption reads the `headers` map; values may reference environment
// variables as ${VAR} (for secrets). Error messages name keys, never values.
func headersOption(o *internal.Options, opts catalog.ProviderOptions) (map[string]string, error) {
	raw, ok := opts.Values["headers"]
	// internal.Options has no map accessor: this read only marks the option
	// as used for Unused (its "want a string" error is expected); the map
	// itself is read below.
	_, _ = o.String("headers", "")
	if !ok || raw == nil {
		return nil, nil
	}
	out := map[string]string{}
	add := func(k string, v any) error {
		s, isStr := v.(string)
		if !isStr {
			return errs.Invalidf("%s.%s: want a string value", o.Key("headers"), k)
		}
		exp, err := envvar.Expand(s)
		if err != nil {
			return errs.Wrap(errs.ErrInvalid, err, "%s.%s", o.Key("headers"), k)
		}
		out[strings.ToLower(k)] = exp
		return nil
	}
	switch m := raw.(type) {
	case map[string]any:
		for k, v := range m {
			if err := add(k, v); err != nil {
				return nil, err
			}
		}
	case map[string]string:
		for k, v := range m {
			if err := add(k, v); err != nil {
				return nil, err
			}
		}
	default:
		return nil, errs.Invalidf("%s: want a map of header names to values", o.Key("headers"))
	}
	return out, nil
}

// parseURI returns the gRPC target and transport credentials of a URI.
func parseURI(name, uri string) (string, credentials.TransportCredentials, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" {
		return "", nil, errs.Invalidf("flightsql source %s: bad uri %q: want grpc://host:port or grpc+tls://host:port", name, uri)
	}
	switch u.Scheme {
	case "grpc", "grpc+tcp":
		return u.Host, insecure.NewCredentials(), nil
	case "grpc+tls":
		return u.Host, credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12}), nil
	}
	return "", nil, errs.Invalidf("flightsql source %s: uri scheme %q is not supported (want grpc, grpc+tcp or grpc+tls)", name, u.Scheme)
}

// newSource builds the client. It does no I/O (gRPC connects lazily); the
// factories check reachability themselves.
func newSource(cfg Config) (*source, error) {
	d, ok := dialectByName(cfg.Dialect)
	if !ok {
		return nil, errs.Invalidf("flightsql source %s: unknown dialect %q (want mysql, postgres or sqlite)", cfg.Name, cfg.Dialect)
	}
	if cfg.Params == "" {
		cfg.Params = ParamsInline
	}
	if cfg.Params != ParamsInline && cfg.Params != ParamsBind {
		return nil, errs.Invalidf("flightsql source %s: parameters must be %q or %q", cfg.Name, ParamsInline, ParamsBind)
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	if cfg.MaxRecvMsgBytes <= 0 {
		cfg.MaxRecvMsgBytes = DefaultMaxRecvMsgBytes
	}
	s := &source{name: cfg.Name, uri: cfg.URI, catalog: cfg.Catalog, schema: cfg.Schema, dialect: d,
		bind: cfg.Params == ParamsBind, ttl: cfg.CacheTTL, count: cfg.CountRows, maxStreams: cfg.MaxStreams}
	if s.name == "" {
		s.name = cfg.URI
	}
	target, creds, err := parseURI(s.name, cfg.URI)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(cfg.Headers))
	for k := range cfg.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s.headers = append(s.headers, strings.ToLower(k), cfg.Headers[k])
	}
	s.callOpt = grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(cfg.MaxRecvMsgBytes))
	s.dial = []grpc.DialOption{grpc.WithTransportCredentials(creds), s.callOpt}
	cl, err := flightsql.NewClient(target, nil, nil, s.dial...)
	if err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "flightsql source %s (%s)", s.name, s.uri)
	}
	s.client = cl
	return s, nil
}

// close closes the connection. Idempotent.
func (s *source) close() error {
	var err error
	s.closeMu.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		err = s.client.Close()
	})
	return err
}

// ctx adds the configured headers to an outgoing call.
func (s *source) ctx(ctx context.Context) context.Context {
	if len(s.headers) == 0 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, s.headers...)
}

// wrapErr maps an RPC error to an errs kind, naming the source and its URI.
// A cancelled ctx wraps ctx.Err() (callers see context.Canceled). gRPC
// codes keep their meaning: Unavailable → ErrUnavailable, NotFound →
// ErrNotFound, and so on (see kindOf).
func (s *source) wrapErr(ctx context.Context, err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	if ctx != nil && ctx.Err() != nil {
		return errs.Wrap(errs.ErrUnavailable, ctx.Err(), "flightsql source %s (%s): %s", s.name, s.uri, what)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return errs.Wrap(errs.ErrUnavailable, err, "flightsql source %s (%s): %s", s.name, s.uri, what)
	}
	st, ok := status.FromError(err)
	if !ok {
		// Not a gRPC status (e.g. a malformed IPC stream): keep the message.
		return errs.Wrap(errs.ErrUnavailable, err, "flightsql source %s (%s): %s", s.name, s.uri, what)
	}
	kind := kindOf(st.Code())
	msg := st.Message()
	if st.Code() == codes.Unavailable {
		return errs.Wrap(kind, remoteErr{st.Code(), msg}, "flightsql source %s: cannot reach %s: %s", s.name, s.uri, what)
	}
	return errs.Wrap(kind, remoteErr{st.Code(), msg}, "flightsql source %s (%s): %s", s.name, s.uri, what)
}

// remoteErr is the remote's own status, kept as the cause.
type remoteErr struct {
	code codes.Code
	msg  string
}

func (e remoteErr) Error() string { return "remote " + e.code.String() + ": " + e.msg }

// kindOf maps a gRPC code to an errs kind (the inverse of server/errors.go).
func kindOf(c codes.Code) error {
	switch c {
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange:
		return errs.ErrInvalid
	case codes.NotFound:
		return errs.ErrNotFound
	case codes.AlreadyExists:
		return errs.ErrAlreadyExists
	case codes.Unimplemented:
		return errs.ErrNotImplemented
	case codes.ResourceExhausted:
		return errs.ErrResourceExhausted
	case codes.PermissionDenied, codes.Unauthenticated:
		return errs.ErrPermission
	case codes.Unavailable, codes.DeadlineExceeded, codes.Aborted, codes.Canceled:
		return errs.ErrUnavailable
	}
	return errs.ErrInternal
}

// listTables reads the remote namespace's tables with their schemas
// (GetTables with include_schema), reusing a listing younger than the TTL
// unless fresh is set.
func (s *source) listTables(ctx context.Context, fresh bool) (map[string]*arrow.Schema, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errs.New(errs.ErrUnavailable, "flightsql source %s is closed", s.name)
	}
	if !fresh && s.listed != nil && s.ttl > 0 && time.Since(s.listAt) < s.ttl {
		m := s.listed
		s.mu.Unlock()
		return m, nil
	}
	s.mu.Unlock()
	m, err := s.fetchTables(ctx, nil)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.listed, s.listAt = m, time.Now()
	s.mu.Unlock()
	return m, nil
}

// fetchTables runs GetTables for the configured namespace (and one table
// when table is set). Names returned by the remote are matched exactly
// against the configured catalog and schema: the command's filters are LIKE
// patterns, in which `_` and `%` would match more.
func (s *source) fetchTables(ctx context.Context, table *string) (m map[string]*arrow.Schema, err error) {
	defer internal.Recover(&err, "flightsql source %s: listing tables", s.name)
	opts := &flightsql.GetTablesOpts{IncludeSchema: true, TableNameFilterPattern: table}
	if s.catalog != "" {
		opts.Catalog = &s.catalog
	}
	if s.schema != "" {
		opts.DbSchemaFilterPattern = &s.schema
	}
	tctx, cancel := context.WithTimeout(ctx, metadataTimeout)
	defer cancel()
	rctx := s.ctx(tctx)
	s.calls.Add(1)
	info, err := s.client.GetTables(rctx, opts)
	if err != nil {
		return nil, s.wrapErr(ctx, err, "listing the tables of %s", s.namespace())
	}
	m = map[string]*arrow.Schema{}
	mem := memory.NewGoAllocator()
	for _, ep := range info.Endpoint {
		err := s.readEndpoint(tctx, ep, mem, func(rec arrow.RecordBatch) error {
			return collectTables(rec, s.catalog, s.schema, mem, m)
		})
		if err != nil {
			return nil, s.wrapErr(ctx, err, "listing the tables of %s", s.namespace())
		}
	}
	return m, nil
}

// collectTables adds the rows of one GetTables batch (catalog_name,
// db_schema_name, table_name, table_type, table_schema) to m.
func collectTables(rec arrow.RecordBatch, cat, sch string, mem memory.Allocator, m map[string]*arrow.Schema) error {
	if rec.NumCols() < 5 {
		return errs.Internalf("GetTables returned %d columns, want 5 (with table_schema)", rec.NumCols())
	}
	cats, ok1 := rec.Column(0).(*array.String)
	schs, ok2 := rec.Column(1).(*array.String)
	names, ok3 := rec.Column(2).(*array.String)
	blobs, ok4 := rec.Column(4).(*array.Binary)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return errs.Internalf("GetTables returned an unexpected schema %s", rec.Schema())
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		if cat != "" && (cats.IsNull(i) || cats.Value(i) != cat) {
			continue
		}
		if sch != "" && (schs.IsNull(i) || schs.Value(i) != sch) {
			continue
		}
		if names.IsNull(i) || blobs.IsNull(i) {
			continue
		}
		sc, err := flight.DeserializeSchema(blobs.Value(i), mem)
		if err != nil {
			return errs.Wrap(errs.ErrInternal, err, "decoding the schema of table %s", names.Value(i))
		}
		m[names.Value(i)] = plainSchema(sc)
	}
	return nil
}

// plainSchema drops field and schema metadata (Flight SQL column metadata
// such as ARROW:FLIGHT:SQL:TYPE_NAME describes the remote, not us).
func plainSchema(sc *arrow.Schema) *arrow.Schema {
	fields := make([]arrow.Field, sc.NumFields())
	for i, f := range sc.Fields() {
		fields[i] = arrow.Field{Name: f.Name, Type: f.Type, Nullable: f.Nullable}
	}
	return arrow.NewSchema(fields, nil)
}

// namespace names the remote catalog.schema for messages.
func (s *source) namespace() string {
	switch {
	case s.catalog != "" && s.schema != "":
		return s.catalog + "." + s.schema
	case s.schema != "":
		return s.schema
	case s.catalog != "":
		return s.catalog
	}
	return "the default namespace"
}

// readEndpoint reads one endpoint's stream with DoGet, calling fn for each
// batch (fn must not keep the batch without retaining it). Endpoints with a
// location other than this server are read from a connection opened for
// the call.
func (s *source) readEndpoint(ctx context.Context, ep *flight.FlightEndpoint, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	rdr, closeFn, err := s.doGet(ctx, ep, mem)
	if err != nil {
		return err
	}
	defer closeFn()
	for rdr.Next() {
		if err := fn(rdr.RecordBatch()); err != nil {
			return err
		}
	}
	return rdr.Err()
}

// doGet opens one endpoint's stream. The caller calls closeFn when done
// (it releases the reader and closes a connection opened for the call).
func (s *source) doGet(ctx context.Context, ep *flight.FlightEndpoint, mem memory.Allocator) (*flight.Reader, func(), error) {
	return s.doGetWith(ctx, ep, mem, nil)
}

// doGetWith is doGet taking the connection for an endpoint's location from
// locs (which the caller closes) instead of opening one for the call, when
// locs is not nil.
func (s *source) doGetWith(ctx context.Context, ep *flight.FlightEndpoint, mem memory.Allocator, locs *locationClients) (*flight.Reader, func(), error) {
	cl := s.client.Client
	closeConn := func() {}
	if loc := endpointLocation(ep); loc != "" && loc != s.uri && locs != nil {
		c, err := locs.get(loc)
		if err != nil {
			return nil, nil, err
		}
		cl = c
	} else if loc != "" && loc != s.uri {
		target, creds, err := parseURI(s.name, loc)
		if err != nil {
			return nil, nil, err
		}
		c, err := flight.NewClientWithMiddleware(target, nil, nil, grpc.WithTransportCredentials(creds), s.callOpt)
		if err != nil {
			return nil, nil, errs.Wrap(errs.ErrUnavailable, err, "flightsql source %s: endpoint location %s", s.name, loc)
		}
		cl = c
		closeConn = func() { _ = c.Close() }
	}
	s.calls.Add(1)
	stream, err := cl.DoGet(s.ctx(ctx), ep.Ticket)
	if err != nil {
		closeConn()
		return nil, nil, err
	}
	rdr, err := flight.NewRecordReader(stream, ipc.WithAllocator(mem))
	if err != nil {
		closeConn()
		return nil, nil, err
	}
	return rdr, func() { rdr.Release(); closeConn() }, nil
}

// endpointLocation is the URI to read an endpoint from, "" for the server
// that answered GetFlightInfo.
func endpointLocation(ep *flight.FlightEndpoint) string {
	for _, l := range ep.Location {
		if l == nil || l.Uri == "" || strings.HasPrefix(l.Uri, "arrow-flight-reuse-connection:") {
			continue
		}
		return l.Uri
	}
	return ""
}
