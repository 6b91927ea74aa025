"""ADBC Python (adbc-driver-flightsql through adbc-driver-manager's DB-API)
against a running Quiver: the path of pandas/pyarrow notebooks and tools
built on ADBC. cursor.execute always prepares first (CreatePreparedStatement,
then GetFlightInfo on the prepared handle)."""

import contextlib

import adbc_driver_manager
import pyarrow as pa
import pytest
from adbc_driver_flightsql import dbapi as flight_dbapi
from conftest import Failure, describe

CLIENT = "adbc-python"

REGIONS = ["AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"]


@pytest.fixture()
def conn(uri):
    c = flight_dbapi.connect(uri, autocommit=True)
    yield c
    c.close()


def test_queries(conn, compat):
    with compat.feature(CLIENT, "query: fetch_arrow_table") as f, conn.cursor() as cur:
        cur.execute("SELECT r_regionkey, r_name FROM tpch.region ORDER BY r_regionkey")
        t = cur.fetch_arrow_table()
        assert t.column_names == ["r_regionkey", "r_name"], t.column_names
        assert t.column("r_name").to_pylist() == REGIONS, t.column("r_name").to_pylist()
        assert pa.types.is_integer(t.schema.field("r_regionkey").type), str(t.schema)
        assert t.schema.field("r_name").type == pa.string(), f"r_name arrives as {t.schema.field('r_name').type}"
        f.detail = f"{t.num_rows} rows, types {t.schema.field(0).type}/{t.schema.field(1).type}"

    with compat.feature(CLIENT, "query: fetchall") as f, conn.cursor() as cur:
        cur.execute("SELECT n_nationkey, n_name FROM demo.tpch.nation WHERE n_nationkey < 3 ORDER BY n_nationkey")
        rows = cur.fetchall()
        assert rows == [(0, "ALGERIA"), (1, "ARGENTINA"), (2, "BRAZIL")], rows
        assert [d[0] for d in cur.description] == ["n_nationkey", "n_name"], cur.description
        f.detail = f"{len(rows)} tuples, description names the columns"

    with compat.feature(CLIENT, "query: fetch_df (pandas)") as f, conn.cursor() as cur:
        cur.execute("SELECT region, count(*) AS n FROM sales GROUP BY region ORDER BY region")
        df = cur.fetch_df()
        assert list(df.columns) == ["region", "n"], list(df.columns)
        assert list(df["region"]) == ["east", "north", "south", "west"], list(df["region"])
        assert int(df["n"].sum()) > 0
        f.detail = f"DataFrame {df.shape[0]}x{df.shape[1]} from parquet aggregate"

    with compat.feature(CLIENT, "query: fetch_record_batch (streaming)") as f, conn.cursor() as cur:
        cur.execute("SELECT * FROM tpch.lineitem")
        reader = cur.fetch_record_batch()
        n = sum(b.num_rows for b in reader)
        assert n > 10000, n
        f.detail = f"{n} rows streamed"

    with compat.feature(CLIENT, "query: empty result (WHERE 1=0) keeps schema") as f, conn.cursor() as cur:
        cur.execute("SELECT * FROM customers WHERE 1=0")
        t = cur.fetch_arrow_table()
        assert t.num_rows == 0, t.num_rows
        assert t.column_names == ["id", "name", "region", "signup_year", "vip"], t.column_names
        f.detail = "0 rows, 5 columns"

    with compat.feature(CLIENT, "query: LIMIT 0 keeps schema") as f, conn.cursor() as cur:
        cur.execute("SELECT id, kind FROM events LIMIT 0")
        t = cur.fetch_arrow_table()
        assert t.num_rows == 0 and t.column_names == ["id", "kind"], (t.num_rows, t.column_names)
        f.detail = "0 rows, 2 columns"

    with compat.feature(CLIENT, "query: adbc_execute_schema") as f, conn.cursor() as cur:
        schema = cur.adbc_execute_schema("SELECT r_name, r_regionkey + 1 AS k FROM tpch.region")
        assert schema.names == ["r_name", "k"], schema.names
        f.detail = f"schema {schema.names} without fetching"

    with compat.feature(CLIENT, "query: adbc_execute_partitions + adbc_read_partition") as f, conn.cursor() as cur:
        partitions, schema = cur.adbc_execute_partitions("SELECT r_regionkey FROM tpch.region ORDER BY r_regionkey")
        assert len(partitions) >= 1, partitions
        keys = []
        for p in partitions:
            with conn.cursor() as pc:
                pc.adbc_read_partition(p)
                keys += pc.fetch_arrow_table().column(0).to_pylist()
        assert keys == [0, 1, 2, 3, 4], keys
        f.detail = f"{len(partitions)} partition(s), all rows"


@contextlib.contextmanager
def prepare_cause(conn, sql):
    """Re-raises a failure inside the block with the server's answer to
    preparing sql. The DB-API swallows NotSupportedError from Prepare and
    then fails later with an unrelated message (it falls back to bulk
    ingest), which would hide the real cause in the matrix."""
    try:
        yield
    except Exception as exc:
        stmt = adbc_driver_manager.AdbcStatement(conn.adbc_connection)
        try:
            stmt.set_sql_query(sql)
            stmt.prepare()
            cause = None
        except Exception as prep:  # noqa: BLE001
            cause = describe(prep)
        finally:
            stmt.close()
        if cause is None or cause in describe(exc):
            raise
        raise Failure(f"{describe(exc)}; because Prepare failed: {cause}") from exc


def test_parameters(conn, compat):
    sql = "SELECT n_name FROM tpch.nation WHERE n_nationkey = ?"
    with compat.feature(CLIENT, "parameters: bind ? (int)") as f, conn.cursor() as cur, prepare_cause(conn, sql):
        cur.execute(sql, (1,))
        assert cur.fetchall() == [("ARGENTINA",)]
        f.detail = "WHERE n_nationkey = ? with (1,)"

    sql = "SELECT count(*) FROM customers WHERE region = ?"
    with compat.feature(CLIENT, "parameters: bind ? (string)") as f, conn.cursor() as cur, prepare_cause(conn, sql):
        cur.execute(sql, ("west",))
        (n,) = cur.fetchone()
        assert n > 0, n
        f.detail = f"WHERE region = ? with ('west',): {n}"

    sql = "SELECT r_name FROM tpch.region WHERE r_regionkey = ? OR r_name = ?"
    with compat.feature(CLIENT, "parameters: adbc_prepare returns parameter schema") as f, conn.cursor() as cur, prepare_cause(conn, sql):
        ps = cur.adbc_prepare(sql)
        assert ps is not None and len(ps) == 2, ps
        f.detail = f"{len(ps)} parameters"

    sql = "SELECT r_name FROM tpch.region WHERE r_regionkey = ?"
    with compat.feature(CLIENT, "parameters: several executions of one statement") as f, conn.cursor() as cur, prepare_cause(conn, sql):
        names = []
        for k in (0, 3, 4):
            cur.execute(sql, (k,))
            names += [r[0] for r in cur.fetchall()]
        assert names == ["AFRICA", "EUROPE", "MIDDLE EAST"], names
        f.detail = "3 executions, 3 different rows"

    sql = "SELECT r_name FROM tpch.region WHERE r_regionkey = ?"
    with compat.feature(CLIENT, "errors: wrong parameter count") as f, conn.cursor() as cur, prepare_cause(conn, sql):
        try:
            cur.execute(sql, (1, 2))
            cur.fetchall()
        except flight_dbapi.Error as e:
            # Only a rejection of the binding counts, not a failure to prepare.
            if "not supported" in str(e) or "IngestTargetTable" in str(e):
                raise
            assert "param" in str(e).lower(), f"the error does not name the parameters: {e}"
            f.detail = f"{type(e).__name__} naming the parameters"
        else:
            raise AssertionError("two values for one ? were accepted")


def test_ddl_dml(conn, compat):
    with compat.feature(CLIENT, "DDL: CREATE TABLE via execute") as f, conn.cursor() as cur:
        cur.execute("CREATE TABLE scratch.py_notes (id BIGINT, body VARCHAR(100))")
        f.detail = "scratch.py_notes"

    with compat.feature(CLIENT, "DML: INSERT via execute, rowcount") as f, conn.cursor() as cur:
        cur.execute("INSERT INTO scratch.py_notes VALUES (1, 'one'), (2, 'two')")
        assert cur.rowcount == 2, f"rowcount {cur.rowcount}"
        f.detail = "rowcount 2"

    sql = "INSERT INTO scratch.py_notes VALUES (?, ?)"
    with compat.feature(CLIENT, "DML: executemany INSERT with parameters") as f, conn.cursor() as cur, prepare_cause(conn, sql):
        cur.executemany(sql, [(3, "three"), (4, None), (5, "five")])
        cur.execute("SELECT id, body FROM scratch.py_notes ORDER BY id")
        rows = cur.fetchall()
        assert rows == [(1, "one"), (2, "two"), (3, "three"), (4, None), (5, "five")], rows
        f.detail = "3 parameter rows, one NULL"

    with compat.feature(CLIENT, "DDL: DROP TABLE via execute") as f, conn.cursor() as cur:
        cur.execute("DROP TABLE scratch.py_notes")
        try:
            cur.execute("SELECT * FROM scratch.py_notes")
            cur.fetchall()
        except flight_dbapi.Error:
            pass
        else:
            raise AssertionError("table still readable after DROP TABLE")
        f.detail = "table gone"


def test_metadata(conn, compat):
    with compat.feature(CLIENT, "metadata: adbc_get_info") as f:
        info = conn.adbc_get_info()
        assert info.get("vendor_name") == "Quiver", info
        assert info.get("vendor_version"), info
        assert info.get("driver_name"), info
        f.detail = f"vendor_name={info['vendor_name']}"

    with compat.feature(CLIENT, "metadata: get_objects depth=catalogs") as f:
        t = conn.adbc_get_objects(depth="catalogs").read_all().to_pylist()
        names = [r["catalog_name"] for r in t]
        assert "demo" in names, names
        assert all(r["catalog_db_schemas"] is None for r in t), "depth=catalogs must not list schemas"
        f.detail = f"catalogs {names}"

    with compat.feature(CLIENT, "metadata: get_objects depth=db_schemas") as f:
        t = conn.adbc_get_objects(depth="db_schemas", catalog_filter="demo").read_all().to_pylist()
        assert len(t) == 1, t
        schemas = sorted(s["db_schema_name"] for s in t[0]["catalog_db_schemas"])
        assert {"public", "tpch", "scratch"} <= set(schemas), schemas
        f.detail = f"demo schemas {schemas}"

    with compat.feature(CLIENT, "metadata: get_objects depth=tables") as f:
        t = conn.adbc_get_objects(depth="tables", catalog_filter="demo", db_schema_filter="public").read_all().to_pylist()
        tables = sorted(tb["table_name"] for s in t[0]["catalog_db_schemas"] for tb in s["db_schema_tables"])
        types = sorted({tb["table_type"] for s in t[0]["catalog_db_schemas"] for tb in s["db_schema_tables"]})
        assert tables == ["customers", "events", "sales"], tables
        assert types == ["TABLE"], types
        f.detail = f"public tables {tables}"

    with compat.feature(CLIENT, "metadata: get_objects depth=all (columns)") as f:
        t = conn.adbc_get_objects(
            depth="all", catalog_filter="demo", db_schema_filter="public", table_name_filter="cust%"
        ).read_all().to_pylist()
        tables = [tb for s in t[0]["catalog_db_schemas"] for tb in s["db_schema_tables"]]
        assert [tb["table_name"] for tb in tables] == ["customers"], tables
        cols = [c["column_name"] for c in tables[0]["table_columns"]]
        positions = [c["ordinal_position"] for c in tables[0]["table_columns"]]
        assert cols == ["id", "name", "region", "signup_year", "vip"], cols
        assert positions == [1, 2, 3, 4, 5], positions
        xdbc = [c["xdbc_type_name"] for c in tables[0]["table_columns"]]
        assert all(xdbc), f"xdbc_type_name missing: {xdbc}"
        f.detail = f"customers columns {cols} with types {xdbc}"

    with compat.feature(CLIENT, "metadata: get_objects column filter") as f:
        t = conn.adbc_get_objects(
            depth="columns", catalog_filter="demo", db_schema_filter="tpch", table_name_filter="region", column_name_filter="r_n%"
        ).read_all().to_pylist()
        cols = [c["column_name"] for s in t[0]["catalog_db_schemas"] for tb in s["db_schema_tables"] for c in tb["table_columns"]]
        assert cols == ["r_name"], cols
        f.detail = "column_name_filter r_n% → r_name"

    with compat.feature(CLIENT, "metadata: adbc_get_table_schema") as f:
        s = conn.adbc_get_table_schema("events", catalog_filter="demo", db_schema_filter="public")
        assert s.names == ["id", "customer_id", "kind", "duration_ms"], s.names
        f.detail = f"events {s.names}"

    with compat.feature(CLIENT, "metadata: adbc_get_table_types") as f:
        types = conn.adbc_get_table_types()
        assert "TABLE" in types, types
        f.detail = f"{sorted(types)}"


COOKIES = {"adbc.flight.sql.rpc.with_cookie_middleware": "true"}


def test_session(conn, uri, compat):
    with compat.feature(CLIENT, "session: current catalog/schema (get)") as f:
        cat, sch = conn.adbc_current_catalog, conn.adbc_current_db_schema
        assert (cat, sch) == ("demo", "public"), (cat, sch)
        f.detail = f"{cat}.{sch}"

    # Quiver's sessions are stateless cookies (any replica serves them); the
    # ADBC driver only returns cookies with its cookie middleware on. Its
    # arrow-go client middleware has a race: when a DoAction stream ends, a
    # goroutine watching the stream's context can finish the call as
    # "cancelled" before RecvMsg returns EOF, and then the Set-Cookie trailer
    # is dropped (a few percent of SetSessionOptions calls). A fresh
    # connection is tried up to 5 times so the result measures the server,
    # and the detail says so.
    with compat.feature(CLIENT, "session: set current schema (cookie middleware on)") as f:
        for attempt in range(5):
            with flight_dbapi.connect(uri, db_kwargs=COOKIES, autocommit=True) as c, c.cursor() as cur:
                c.adbc_current_db_schema = "tpch"
                if c.adbc_current_db_schema != "tpch":
                    continue  # the client dropped the cookie (see above)
                cur.execute("SELECT count(*) FROM region")
                assert cur.fetchone() == (5,)
                c.adbc_current_catalog = "demo"
                assert c.adbc_current_catalog == "demo", c.adbc_current_catalog
                break
        else:
            raise Failure("adbc_current_db_schema = 'tpch' did not stick on 5 connections")
        f.detail = (
            "adbc_current_db_schema = 'tpch' sticks; unqualified names resolve in tpch "
            "(the client's cookie middleware drops a Set-Cookie now and then: retried up to 5 times)"
        )

    with compat.feature(CLIENT, "session: set current schema (default options, no cookies)") as f:
        conn.adbc_current_db_schema = "tpch"
        got = conn.adbc_current_db_schema
        assert got == "tpch", (
            f"the setting did not stick (still {got!r}): without "
            "adbc.flight.sql.rpc.with_cookie_middleware=true the driver drops the session cookie"
        )
        f.detail = "adbc_current_db_schema = 'tpch' sticks"

    with compat.feature(CLIENT, "session: unknown catalog rejected") as f:
        with flight_dbapi.connect(uri, db_kwargs=COOKIES, autocommit=True) as c:
            try:
                c.adbc_current_catalog = "no_such_catalog"
            except flight_dbapi.Error as e:
                f.detail = f"{type(e).__name__} raised"
            else:
                raise AssertionError(f"accepted; current catalog now {c.adbc_current_catalog!r}")


def _ingest_table(ids, names):
    return pa.table({"id": pa.array(ids, pa.int64()), "name": pa.array(names, pa.string())})


def test_ingest(conn, compat):
    def count(cur):
        cur.execute("SELECT count(*) FROM scratch.py_ingest")
        return cur.fetchone()[0]

    with compat.feature(CLIENT, "ingest: create") as f, conn.cursor() as cur:
        n = cur.adbc_ingest("py_ingest", _ingest_table([1, 2, 3], ["a", "b", None]), mode="create", db_schema_name="scratch")
        assert n in (3, -1), n
        assert count(cur) == 3
        f.detail = "3 rows into new scratch.py_ingest"

    with compat.feature(CLIENT, "ingest: append") as f, conn.cursor() as cur:
        cur.adbc_ingest("py_ingest", _ingest_table([4, 5], ["d", "e"]), mode="append", db_schema_name="scratch")
        assert count(cur) == 5
        f.detail = "2 more rows"

    with compat.feature(CLIENT, "ingest: replace") as f, conn.cursor() as cur:
        cur.adbc_ingest("py_ingest", _ingest_table([9], ["z"]), mode="replace", db_schema_name="scratch")
        cur.execute("SELECT id, name FROM scratch.py_ingest")
        assert cur.fetchall() == [(9, "z")]
        f.detail = "table replaced by 1 row"

    with compat.feature(CLIENT, "ingest: create_append") as f, conn.cursor() as cur:
        cur.adbc_ingest("py_ingest", _ingest_table([10], ["y"]), mode="create_append", db_schema_name="scratch")
        assert count(cur) == 2
        f.detail = "appends to the existing table"

    with compat.feature(CLIENT, "ingest: create on an existing table fails") as f, conn.cursor() as cur:
        try:
            cur.adbc_ingest("py_ingest", _ingest_table([11], ["x"]), mode="create", db_schema_name="scratch")
        except flight_dbapi.Error as e:
            f.detail = f"{type(e).__name__} raised"
        else:
            raise AssertionError("mode=create into an existing table succeeded")
        assert count(cur) == 2, "a failed ingest must not write rows"

    with compat.feature(CLIENT, "ingest: mismatched schema rejected, nothing written") as f, conn.cursor() as cur:
        bad = pa.table({"id": pa.array([1], pa.int64()), "other": pa.array([1.5], pa.float64())})
        try:
            cur.adbc_ingest("py_ingest", bad, mode="append", db_schema_name="scratch")
        except flight_dbapi.Error as e:
            f.detail = f"{type(e).__name__} raised"
        else:
            raise AssertionError("append with a different schema succeeded")
        assert count(cur) == 2, "a failed ingest must not write rows"


def test_errors(conn, compat):
    with compat.feature(CLIENT, "errors: unknown table") as f, conn.cursor() as cur:
        try:
            cur.execute("SELECT * FROM no_such_table")
            cur.fetchall()
        except flight_dbapi.Error as e:
            assert "no_such_table" in str(e), str(e)
            f.detail = f"{type(e).__name__} naming the table"
        else:
            raise AssertionError("no error")

    with compat.feature(CLIENT, "errors: syntax error") as f, conn.cursor() as cur:
        try:
            cur.execute("SELEC 1")
            cur.fetchall()
        except flight_dbapi.Error as e:
            f.detail = f"{type(e).__name__}"
        else:
            raise AssertionError("no error")
