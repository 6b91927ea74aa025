// Package sqlite is Quiver's SQLite provider (modernc.org/sqlite, pure Go).
//
// A file is served as a Schema (every table and view, listed afresh on each
// TableNames, Creatable) or one of its tables as a Table (Factory's `table`
// option). Tables push down what SQLite can do with the engine's exact
// semantics: filters that sources/internal/sqlgen translates are Exact
// (always bind parameters), projection and LIMIT are pushed, and tables
// whose rowid span is large are read as parallel rowid ranges (the first
// and last ranges are open-ended, so rows added after planning are still
// read exactly once). EXPLAIN shows the SQL through Scan's Describe.
//
// ORDER BY + LIMIT and whole GROUP BYs are pushed too (TopNPushdowner,
// AggregatePushdowner) where SQLite computes exactly what the engine would,
// always on the coercing read expressions below (so a value of the wrong
// storage class sorts and groups as the NULL the engine reads): sort keys
// on integer, float (SQLite stores no NaN), boolean, date, timestamp and
// string columns with explicit NULLS FIRST/LAST, never decimals (REAL);
// group keys likewise minus floats; COUNT(*), COUNT([DISTINCT] col), SUM
// of integers (exact beyond 64 bits: two 64-bit partial sums combined into
// the engine's DECIMAL(38,0)), SUM/AVG of floats, MIN/MAX of integers,
// floats, dates, timestamps and strings. AVG of integers (a DECIMAL in the
// engine) and anything on decimals stay in the engine. A TopN over a
// pushed aggregate is pushed as well. Such queries are one partition;
// it encodes (PartitionCodec) as the pushed request itself, which the
// decoding node pushes into its own table again and must turn into the
// same SQL (sqlpush.Spec).
//
// # Strings
//
// The engine compares VARCHAR values under MySQL's utf8mb4_0900_ai_ci
// (case- and accent-insensitive, NO PAD; exec/expr's collation rule),
// which no built-in SQLite collation is. The provider opens its files
// through a private modernc.org/sqlite driver on which it registers the
// collation CollationName, implemented by the engine's own
// expr.CompareCollated, so SQLite compares, orders and groups strings
// exactly as the engine. String comparisons (=, <>, <, <=, >, >=, <=>,
// IN, and BETWEEN as its two comparisons) are then Exact with
// `(x) COLLATE quiver_utf8mb4_0900_ai_ci op ?`, and string sort keys,
// group keys, MIN/MAX and COUNT(DISTINCT) are pushed with the same
// clause; EXPLAIN shows it in the SQL. Which spelling represents a group
// of equal strings (or a MIN/MAX among equals) is unspecified, as in the
// engine and MySQL. LIKE stays in the engine: its matching folds accents
// per character, which no comparison collation expresses. The collation
// exists only on the provider's own connections; other programs reading
// the file never need it (nothing is stored with it).
//
// # Types
//
// SQLite is dynamically typed; Quiver maps each column's declared type to
// one Arrow type (SQLite's affinity rules, with a few names recognised
// first) and reads every value through an SQL expression that coerces it to
// that type or to NULL. The same expression is what pushed filters compare,
// so a filter sees exactly the value the engine would.
//
//	declared type                 Arrow            stored value read as
//	BOOL*                         BOOLEAN          integer/real: <> 0; else NULL
//	*INT*                         BIGINT           integer; else NULL
//	DATETIME*, TIMESTAMP*         DATETIME (µs)    text SQLite's date functions parse, normalised
//	                                               to UTC 'YYYY-MM-DD HH:MM:SS.fff' (millisecond
//	                                               precision); else NULL
//	DATE*                         DATE             text 'YYYY-MM-DD' that is a real date; else NULL
//	*CHAR*, *CLOB*, *TEXT*, none  VARCHAR          text, integer and real as text; blob NULL
//	*BLOB*                        VARBINARY        blob, text as its bytes; else NULL
//	*REAL*, *FLOA*, *DOUB*        DOUBLE           integer/real; else NULL
//	DECIMAL(p,s), NUMERIC(p,s)    DECIMAL(p,s)     its text rounded to scale s; else NULL
//	                                               (not filterable: SQLite stores REALs)
//	other (NUMERIC, ...)          DOUBLE           integer/real; else NULL
//
// In STRICT tables INT/INTEGER/REAL/TEXT/BLOB columns, and the INTEGER
// PRIMARY KEY (rowid alias), hold only their type and are read as plain
// columns, so SQLite can use their indexes for pushed filters.
//
// INSERT writes the canonical forms back (booleans 0/1, dates and
// timestamps as text, decimals as text) in one BEGIN IMMEDIATE transaction.
//
// # Lifecycle
//
// OpenSchema/OpenTable (and the Factory) hold the file open through a
// database/sql pool; Close releases it. Everything is safe for concurrent
// use. Errors carry errs kinds: a missing file is ErrNotFound naming the
// path option, a table dropped (or changed) under a query is ErrNotFound
// naming the table at read time, cancellation wraps ctx.Err().
package sqlite
