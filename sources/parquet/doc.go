// Package parquet is Quiver's Parquet provider: a table over one file, a
// directory of files or a glob, read with arrow-go's parquet/pqarrow.
//
// Design:
//   - The factory reads only the footers, once, and caches them: schema (from
//     the first file; every other file must agree), row-group row counts and
//     per-column min/max/null-count statistics. Table.Scan does no I/O: it
//     prunes row groups with the cached statistics and plans one Partition per
//     surviving (file, row group).
//   - Projection pushdown: a partition reads only the leaf columns of the
//     projected top-level fields.
//   - Filter pushdown is Inexact row-group pruning. Comparisons of a column
//     with a literal (=, !=, <, <=, >, >=, <=>), BETWEEN (two comparisons),
//     IN lists, IS [NOT] NULL, and AND/OR of those are accepted when the
//     footers carry the statistics they need. One function (compile) both
//     classifies a filter and builds its pruning predicate. String columns
//     prune in bytewise order (Parquet's UTF8 order), which assumes the engine
//     compares VARCHAR values bytewise (binary collation).
//   - Hive partition columns: files under `key=value/` directories get one
//     column per key after the file columns (internal.ParseHive, shared with
//     csv, jsonl and ipc): BIGINT, DATE or VARCHAR, NULL for
//     __HIVE_DEFAULT_PARTITION__. Filters on those columns only are Exact:
//     Scan evaluates them once over one row per file and skips whole files
//     before looking at row groups (Describe: "files=2/8 row_groups=4/16").
//     Their values are added per batch as constant arrays; their statistics
//     (null count, min, max) are Exact, from the directory values and the
//     footers' row counts. Filters mixing file and partition columns are
//     Unsupported (the engine applies them).
//   - Limit reaches Scan only when every filter is Exact (none, or only
//     partition filters); Scan then plans just enough row groups and each
//     reader stops early.
//   - Footers are read at load, at most 8 at once (remote directories pay
//     round trips per file), in path order in the table.
//   - Malformed files: arrow-go's footer and page decoding can panic; every
//     call into it runs under recover and reports ErrInvalid naming the file.
//
// A Table is immutable and safe for concurrent use; readers are used by one
// goroutine at a time.
package parquet
