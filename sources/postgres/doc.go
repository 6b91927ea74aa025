// Package postgres is Quiver's PostgreSQL provider (github.com/jackc/pgx/v5):
// a whole remote schema (Factory().Schema) or one remote table
// (Factory().Table), read with pushdown and written through COPY.
//
// # Options
//
//	dsn:            libpq connection string or URL; ${VAR} references are
//	                expanded from the environment
//	dsn_env:        name of an environment variable holding the DSN (use
//	                this for secrets; exactly one of dsn / dsn_env)
//	schema:         remote schema (default public)
//	table:          remote table (table providers only; required)
//	partitions:     most ctid-range partitions per scan (default 8)
//	partition_rows: split a table whose pg_class.reltuples exceeds this,
//	                one partition per this many rows (default 500000)
//	max_conns:      connection pool size (default 8)
//
// The factory connects at startup and fails fast with the config path of
// the source: an unreachable server is errs.ErrUnavailable, refused
// credentials errs.ErrPermission, a missing database/schema/table
// errs.ErrNotFound. Passwords never appear in errors (they are redacted)
// and Quiver never logs a DSN. At query time a source that is down fails
// only the queries that read it.
//
// # Types
//
//	bool → Boolean; int2/int4/int8 → Int16/Int32/Int64;
//	float4/float8 → Float32/Float64;
//	numeric(p,s), p ≤ 38 → Decimal128(p,s);
//	numeric without typmod → Decimal128(38,10): values are rounded half away
//	  from zero to 10 fractional digits, and one with more than 28 integer
//	  digits (or NaN/±Infinity) is a read error naming the column; filters
//	  on such columns stay in the engine;
//	text/varchar/name/json/jsonb/uuid → String; bpchar → String without
//	  its padding (as MySQL's CHAR reads);
//	bytea → Binary; date → Date32; time → Time64(µs);
//	timestamp → Timestamp(µs); timestamptz → Timestamp(µs, "UTC");
//	domains → their base type;
//	anything else (arrays, enums, geometric types, numeric(p>38), ...) is
//	  read as its text output through a ::text cast (String). Such tables
//	  can be read and filtered but not inserted into (ErrNotImplemented).
//	±infinity dates and timestamps are read errors naming the column.
//
// # Reading
//
// Table.Scan does no I/O. It renders one SELECT: the projection, the
// accepted filters translated by sources/internal/sqlgen (the same function
// SupportsFilters asks, so Exact cannot drift) with every value a bind
// parameter, and the LIMIT (the planner passes one only when every filter
// is Exact, and all accepted filters are). An empty projection becomes a
// remote count(*). Scan.Describe() shows the SQL for EXPLAIN.
//
// ORDER BY + LIMIT (catalog.TopNPushdowner) is pushed when every key is a
// column PostgreSQL orders as the engine does: numbers, booleans, dates and
// timestamps, never strings (the engine orders them under its own
// collation; see Strings). NULL placement is always explicit (NULLS FIRST/LAST, since
// PostgreSQL's default is the opposite of MySQL's), and a float key gets a
// leading `(x = 'NaN'::float8)` key, as PostgreSQL sorts NaN above every
// number and the engine below. The engine keeps its own TopN above the
// scan. A whole GROUP BY (catalog.AggregatePushdowner) is pushed when the
// keys are such non-float columns and every aggregate is one PostgreSQL
// computes exactly as the engine: COUNT(*), COUNT([DISTINCT] col), SUM of
// integers/decimals cast to the engine's DECIMAL(38,s), AVG of
// integers/decimals computed in numeric and rounded half away from zero to
// the engine's scale (div() on the scaled sum, no inexact division), SUM
// and AVG of floats in float8, MIN/MAX of integers, decimals, dates and
// timestamps; the aggregate then runs in PostgreSQL, its result decoded
// straight into the engine's types, and a TopN above it is pushed too
// (ORDER BY ... LIMIT on the grouped query). Such queries are never split
// into ctid ranges; their partitions encode as the pushed request itself
// (sqlpush.Spec: keys, directions, NULL placement, limit, filters, group
// keys, aggregate calls, output schema), which the decoding node pushes
// into its own Table again and must turn into the same SQL and bind
// values. EXPLAIN shows the SQL with its ORDER BY / GROUP BY.
//
// # Strings
//
// The engine compares VARCHAR values under MySQL's utf8mb4_0900_ai_ci
// (case- and accent-insensitive, ß = ss, æ = ae, controls and combining
// marks ignored, NO PAD). Decision: nothing about strings is pushed as
// Exact. PostgreSQL's "C" collation compares bytes; libc and ICU locales
// order by other rules; its nondeterministic ICU collations
// (ks-level1) fold with another Unicode version's tables and expand
// differently; lower()/upper() follow the database's ctype. None of these
// can be proven equal to the engine's comparison, so string comparisons,
// string sort keys (TopN) and string group keys stay in the engine, as
// does LIKE (accent-insensitive in the engine). What is pushed is a
// provable superset: for x = 'lit', x <=> 'lit' and x IN ('l1', ...) the
// filter is Inexact and PostgreSQL receives
//
//	((x) COLLATE "C" !~ $n)   -- $n: a bracket of \xhh-escaped ASCII characters
//
// which drops rows
// containing an ASCII character that cannot occur in any string equal to
// a literal (its collation key has a byte no literal's key has; the
// engine's key of a string is the concatenation of its characters' keys).
// The excluded characters are computed by the engine's expr.CollationKey
// and bound as a parameter; the engine re-filters what arrives. See
// strings.go.
//
// Tables and materialized views whose reltuples exceed partition_rows are
// split into up to `partitions` ranges of heap pages, each a partition
// `... WHERE ctid >= '(lo,0)'::tid AND ctid < '(hi,0)'::tid` (TID range
// scans, PostgreSQL 14+; older servers still filter correctly but scan the
// whole table per partition). The first range is open below and the last
// open above, so the union covers every row once. Partitions are separate
// queries: they see separate snapshots, so rows moved by concurrent
// UPDATEs between them may be seen twice or not at all (as with any
// parallel read without a shared snapshot).
//
// Partition.Open runs the query with binary results and decodes each
// value's raw bytes straight into typed Arrow builders (rows.RawValues; no
// per-value boxing), 8192 rows per batch. Cancelling the context sends
// PostgreSQL a CancelRequest, so no backend keeps running the query.
// A table dropped after planning fails at read time with errs.ErrNotFound
// naming it.
//
// PartitionCodec encodes a partition as metadata only: SQL text, bind
// values (typed), ctid range, the projected columns with their type OIDs,
// and for a pushed TopN or aggregate its request (version
// sqlpush.WireVersion; unknown versions and fields are ErrInvalid naming
// them). DecodePartition runs on the receiving node's own Table (its own
// pool) and refuses encodings for another table, for columns that changed
// since, or whose re-planned SQL differs.
//
// Statistics come from pg_class (reltuples → Inexact row count, Absent if
// never analyzed; relpages → Inexact bytes) and pg_stats (null_frac and
// n_distinct → Inexact per-column counts).
//
// # Writing
//
// Table.Insert streams the batches through COPY ... FROM STDIN (FORMAT
// binary), encoded directly from the Arrow arrays, in one transaction:
// a failure, a batch of the wrong schema or a cancelled context rolls
// everything back. Schema.CreateTable / DropTable run CREATE TABLE /
// DROP TABLE in the remote schema.
//
// # Lifetime
//
// A Schema (and a Table from the table factory) owns a pgxpool.Pool;
// Close releases it. Tables of a Schema share its pool. Everything is safe
// for concurrent use.
package postgres
