// Package tpch is a provider that owns a whole schema: the eight TPC-H
// tables (region, nation, supplier, customer, part, partsupp, orders,
// lineitem) generated deterministically at a configurable scale factor.
//
// Design:
//   - Every row is a pure function of (table, key, scale): numeric fields
//     come from a PCG stream seeded by the key, each text column from its own
//     stream. Any key range generates on its own, on any node, identically;
//     unprojected columns are skipped without changing the others. Orders
//     and lineitem draw from one stream per order key, so o_totalprice and
//     o_orderstatus agree with the order's lines.
//   - Values follow dbgen's shapes (not its bytes): referential integrity
//     (lineitem's part/supplier pairs are partsupp rows, orders reference
//     customers that exist, every third customer never orders), dates in
//     1992-1998, returnflag/linestatus against 1995-06-17, money as
//     DECIMAL(15,2), dates as DATE.
//   - Partitions are key ranges at fixed boundaries (about partition_rows
//     rows each). Filters comparing the key column (column 0: r_regionkey,
//     n_nationkey, s_suppkey, c_custkey, p_partkey, ps_partkey, o_orderkey,
//     l_orderkey) with integer literals, and their ANDs (BETWEEN), are Exact:
//     Scan narrows the key range. Other filters are Unsupported. A limit
//     narrows the range too (every key has at least one row) and readers stop
//     at it.
//   - Scan and SupportsFilters do no generation; Partition.Open is cheap and
//     generation happens in the reader's Next, which checks ctx per batch.
package tpch
