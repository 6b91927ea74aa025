// Package flightsql is Quiver's Flight SQL provider: another Flight SQL
// server (another Quiver, Dremio, DuckDB's, ...) as a source, through
// arrow-go's flightsql client. Its tables appear in our catalog; filters,
// projection, LIMIT, ORDER BY + LIMIT and GROUP BY aggregates are pushed
// down as SQL in the remote's dialect.
//
// # Options
//
//	uri:        grpc://host:port (or grpc+tcp://) for plain gRPC,
//	            grpc+tls://host:port for TLS with the system's roots (required)
//	catalog:    remote catalog (default: none; the SQL leaves it out)
//	schema:     remote schema (default: none)
//	table:      remote table (table entries only; required there)
//	dialect:    the remote's SQL for pushdown: mysql (default; also
//	            "quiver": Quiver's own), postgres or sqlite
//	            (sources/internal/sqlgen dialects)
//	parameters: inline (default) or bind: how filter values reach the remote
//	headers:    map of gRPC headers sent with every call, e.g.
//	            authorization: "Bearer ${TOKEN}"; ${VAR} is expanded from the
//	            environment; values are secrets and never logged or quoted
//	            in errors
//	cache_ttl:  how long a table listing is reused (default 5s)
//	count_rows: ask the remote for row counts (see Statistics; default false)
//	max_streams: how many of a query's endpoints are read at once (default
//	            2 per CPU; 1 reads them one after another)
//
// The factories connect at startup and fail fast: an unreachable remote is
// errs.ErrUnavailable naming the config path and the URI. Remote errors
// keep their gRPC code as an errs kind (NotFound → ErrNotFound,
// Unauthenticated/PermissionDenied → ErrPermission, Unimplemented →
// ErrNotImplemented, ...), with the remote's message.
//
// # Metadata
//
// A Schema lists tables with GetTables (include_schema) and reuses the
// listing for cache_ttl; names must equal the configured catalog and schema
// exactly (the command's filters are LIKE patterns). Table schemas are the
// remote's, without Flight SQL column metadata. Lookups are exact, then
// the one case-insensitive match.
//
// # Reading
//
// Table.Scan does no I/O: it renders one SELECT of the projected columns
// (an empty projection reads SELECT 1 and keeps the row count), the
// accepted filters translated by sqlgen — the same function SupportsFilters
// asks, so Exact cannot drift — and the LIMIT (the planner passes one only
// when every filter is Exact, and all accepted filters are).
// Scan.Describe() shows the remote and the SQL, for EXPLAIN.
//
// The remote's endpoints are its partitions, but they exist only after
// GetFlightInfo, which is I/O and may not happen in Scan: so the scan is one
// partition, and Partition.Open executes the SQL (GetFlightInfo) and reads
// the returned endpoints concurrently with DoGet, at most max_streams at
// once (default min(endpoints, 2×GOMAXPROCS)), handing batches on in
// arrival order. A query with a pushed LIMIT (or, when pushed, ORDER BY)
// reads them one after another, in the remote's order. An endpoint whose
// location is empty, the source's own URI or arrow-flight-reuse-connection
// is read over the source's connection; any other location gets one
// connection per read, shared by that location's endpoints and closed when
// the read ends. The first failing endpoint fails the read (naming the
// source, the table and the endpoint) and stops the other streams.
// Cancelling the context cancels every DoGet stream; releasing the reader
// early does too, and no reader goroutine outlives the Release. Batches must arrive with exactly the table's
// column types; a table changed on the remote since it was resolved is an
// error asking to re-plan, and a table dropped there is errs.ErrNotFound
// naming it.
//
// # ORDER BY + LIMIT and GROUP BY
//
// Table implements catalog.TopNPushdowner and catalog.AggregatePushdowner
// through sources/internal/sqlpush, the rules the postgres and sqlite
// providers share: the planner asks only when every filter is Exact, and a
// key or aggregate is pushed only when the remote computes exactly what the
// engine would. NULL placement is always explicit (MySQL, lacking NULLS
// FIRST/LAST, gets an `x IS NULL` key first). Per dialect:
//
//   - mysql (Quiver itself, or MySQL with the engine's utf8mb4_0900_ai_ci
//     collation): numbers, booleans, dates, UTC timestamps, exact decimals
//     and strings as ORDER BY and GROUP BY keys; COUNT(*), COUNT([DISTINCT]
//     col), MIN/MAX, and SUM/AVG as plain sum()/avg(), whose MySQL
//     semantics are the engine's.
//   - postgres: sqlgen's PostgreSQL rules (no string keys; a NaN key before
//     each float key; SUM/AVG of exact numbers computed in numeric and cast
//     to the engine's DECIMAL; no MIN/MAX of floats).
//   - sqlite: sqlgen's SQLite rules, without the two-part integer SUM.
//
// A pushed TopN sends SELECT ... ORDER BY ... LIMIT n and reads the
// endpoints in order; a pushed aggregate sends SELECT keys, aggs ... GROUP
// BY keys as one partition. The remote's numeric result types may differ
// from the engine's (a wider DECIMAL for SUM, a 32-bit COUNT): such columns
// are cast with arrow's safe cast, so a value that does not fit is an
// error, never a changed value; any other type difference is an error.
// Partitions of pushed scans encode like any other (below), with the
// pushed request.
//
// # Values in SQL: inline literals or bind parameters
//
// sqlgen emits bind parameters. Over Flight SQL, binding needs a prepared
// statement whose parameters the remote accepts (DoPut of a parameter
// batch), which many servers do not support (Quiver does). So
// by default values are rendered as SQL literals by RenderLiteral, the one
// place where values enter SQL text: only types with an unambiguous literal
// in the dialect (integers except MinInt64, finite doubles, exact
// decimals, valid UTF-8 strings without NUL, bytes, dates, timestamps
// with whole microseconds; time-zone timestamps only in PostgreSQL), with
// quotes doubled and, for MySQL and PostgreSQL (E'...' strings), backslashes
// escaped. Anything else makes the filter Unsupported and the engine
// evaluates it. With parameters: bind, values are placeholders and Open
// prepares the statement, binds one parameter row and executes it.
//
// # Encoding
//
// PartitionCodec encodes table, projection, filters (as typed
// expressions), limit, the SQL text and, for a pushed TopN or aggregate,
// the request it came from (sqlpush.Spec: sort keys with direction and
// NULL placement, limit, filters, group keys, aggregate calls, output
// schema): metadata only, never a connection or ticket. The encoding is
// versioned (sqlpush.WireVersion) and decoded strictly: an unknown
// version, field, kind or aggregate function is ErrInvalid naming it.
// DecodePartition plans the same scan on the receiving node's own Table
// (pushing the TopN or aggregate into it again) and refuses an encoding
// whose SQL differs from what it would send, so a forged fragment cannot
// send other SQL to the remote.
//
// # Statistics
//
// Absent by default: Flight SQL has no metadata call for counts. With
// count_rows, Statistics asks for the FlightInfo of SELECT * (at most once
// per cache_ttl per table, never reading the data) and reports its
// total_records, when the remote gives one (≥ 0), as an Inexact row count.
// It is off by default because some servers execute the whole query to
// answer GetFlightInfo. Quiver itself answers -1 for table scans.
//
// # Lifetime
//
// A Schema, and a Table from OpenTable or the table factory, owns one gRPC
// connection; Close releases it. Tables of a Schema share it. Everything is
// safe for concurrent use.
package flightsql
