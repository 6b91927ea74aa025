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
//   - Limit reaches Scan only with no filters (none of ours is Exact); Scan
//     then plans just enough row groups and each reader stops early.
//   - Malformed files: arrow-go's footer and page decoding can panic; every
//     call into it runs under recover and reports ErrInvalid naming the file.
//
// A Table is immutable and safe for concurrent use; readers are used by one
// goroutine at a time.
package parquet
