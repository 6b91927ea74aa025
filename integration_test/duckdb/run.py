"""Runs SQL queries in DuckDB over Parquet files: the reference side of
Quiver's differential tests (integration_test/differential_test.go).

Usage: run.py --data DIR --queries FILE [--repeat N]

DIR holds <table>.parquet files; each becomes a view named <table>. FILE is a
JSON list of {"id": ..., "sql": ...}. Prints one JSON object per query:
{"id", "rows" (list of lists; numbers as floats, dates/times as ISO text,
booleans as 1/0, NULL as null), "error" (or null), "seconds" (best of
--repeat runs)}.
"""
import argparse
import datetime
import decimal
import glob
import json
import os
import sys
import time

import duckdb


def norm(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float, decimal.Decimal)):
        return float(v)
    if isinstance(v, datetime.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return str(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    for path in sorted(glob.glob(os.path.join(args.data, "*.parquet"))):
        name = os.path.splitext(os.path.basename(path))[0]
        con.execute(f"CREATE VIEW \"{name}\" AS SELECT * FROM read_parquet('{path}')")
    with open(args.queries) as f:
        queries = json.load(f)
    for q in queries:
        out = {"id": q["id"], "rows": None, "error": None, "seconds": None}
        try:
            best = None
            for _ in range(max(1, args.repeat)):
                start = time.perf_counter()
                rows = con.execute(q["sql"]).fetchall()
                elapsed = time.perf_counter() - start
                best = elapsed if best is None else min(best, elapsed)
            out["rows"] = [[norm(v) for v in row] for row in rows]
            out["seconds"] = best
        except Exception as e:  # reported per query, never fatal
            out["error"] = str(e)
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
