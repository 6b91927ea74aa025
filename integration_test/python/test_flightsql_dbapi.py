"""flightsql-dbapi 0.2.2 with SQLAlchemy 1.4 against a running Quiver: the
path Apache Superset takes. Its dialect is registered as
``datafusion+flightsql`` (flightsql/sqlalchemy.py); ``insecure=true`` selects
plain gRPC. It sends ``authorization: Bearer None`` when no token is given,
reads only ``endpoints[0]`` of every FlightInfo, and needs GetSqlInfo ids 0,
2, 3 and 504 at connect time (KeyError otherwise)."""

import flightsql.sqlalchemy  # noqa: F401 - registers datafusion+flightsql (as its README says)
import pytest
import sqlalchemy as sa
from flightsql import FlightSQLClient
from flightsql import connect as fs_connect

CLIENT = "flightsql-dbapi"


@pytest.fixture()
def engine(host_port):
    host, port = host_port
    eng = sa.create_engine(f"datafusion+flightsql://{host}:{port}?insecure=true")
    yield eng
    eng.dispose()


@pytest.fixture()
def dbapi_conn(host_port):
    host, port = host_port
    conn = fs_connect(FlightSQLClient(host=host, port=port, insecure=True))
    yield conn
    conn.close()


def test_sqlalchemy(engine, compat):
    with compat.feature(CLIENT, "sqlalchemy: connect (reads SqlInfo 0, 2, 3, 504)") as f:
        with engine.connect() as c:
            quote = engine.dialect.identifier_preparer.initial_quote
            assert quote == "`", f"identifier quote {quote!r}"
            assert c.execute(sa.text("SELECT 1")).scalar() == 1
        f.detail = "identifier quote ` from SqlInfo 504"

    insp = None
    with compat.feature(CLIENT, "metadata: schemas (inspector.get_schema_names)") as f:
        insp = sa.inspect(engine)
        schemas = insp.get_schema_names()
        assert {"public", "tpch", "scratch"} <= set(schemas), schemas
        f.detail = f"{sorted(set(schemas))}"

    with compat.feature(CLIENT, "metadata: tables (inspector.get_table_names)") as f:
        tables = insp.get_table_names(schema="public")
        assert sorted(tables) == ["customers", "events", "sales"], tables
        tpch = insp.get_table_names(schema="tpch")
        assert "lineitem" in tpch, tpch
        f.detail = f"public {sorted(tables)}, tpch {len(tpch)} tables"

    with compat.feature(CLIENT, "metadata: columns (inspector.get_columns)") as f:
        cols = insp.get_columns("customers", schema="public")
        names = [c["name"] for c in cols]
        assert names == ["id", "name", "region", "signup_year", "vip"], names
        kinds = [type(c["type"]).__name__ for c in cols]
        assert kinds[0] in ("BIGINT", "INTEGER"), kinds
        assert kinds[1] in ("VARCHAR", "TEXT", "String"), kinds
        f.detail = f"customers {list(zip(names, kinds))}"

    with compat.feature(CLIENT, "metadata: has_table") as f:
        with engine.connect() as c:
            assert engine.dialect.has_table(c, "events", schema="public")
            assert not engine.dialect.has_table(c, "nope", schema="public")
        f.detail = "events yes, nope no"

    with compat.feature(CLIENT, "metadata: MetaData.reflect(schema)") as f:
        md = sa.MetaData(schema="public")
        md.reflect(bind=engine)
        names = sorted(t.name for t in md.sorted_tables)
        assert names == ["customers", "events", "sales"], names
        assert [c.name for c in md.tables["public.events"].columns] == ["id", "customer_id", "kind", "duration_ms"]
        f.detail = f"{names} with columns"

    with compat.feature(CLIENT, "query: select rows") as f:
        with engine.connect() as c:
            rows = c.execute(sa.text("SELECT r_regionkey, r_name FROM tpch.region ORDER BY r_regionkey")).fetchall()
        assert [tuple(r) for r in rows] == [(0, "AFRICA"), (1, "AMERICA"), (2, "ASIA"), (3, "EUROPE"), (4, "MIDDLE EAST")], rows
        f.detail = f"{len(rows)} rows through engine.connect().execute"

    with compat.feature(CLIENT, "query: SQLAlchemy Core select with bound literal") as f:
        md = sa.MetaData()
        region = sa.Table("region", md, autoload_with=engine, schema="tpch")
        stmt = sa.select(region.c.r_name).where(region.c.r_regionkey == 2)
        with engine.connect() as c:
            rows = c.execute(stmt).fetchall()
        assert [r[0] for r in rows] == ["ASIA"], rows
        f.detail = "reflected tpch.region, WHERE r_regionkey = 2 (literal binds)"

    with compat.feature(CLIENT, "query: aggregate over parquet (Superset chart query)") as f:
        with engine.connect() as c:
            rows = c.execute(
                sa.text("SELECT region, sum(quantity) AS q FROM sales GROUP BY region ORDER BY q DESC LIMIT 2")
            ).fetchall()
        assert len(rows) == 2 and rows[0][1] >= rows[1][1], rows
        f.detail = "GROUP BY / ORDER BY / LIMIT"


def test_dbapi(dbapi_conn, compat):
    with compat.feature(CLIENT, "auth: 'authorization: Bearer None' ignored when auth is off") as f:
        sent = dict(dbapi_conn.client.headers).get(b"authorization")
        assert sent == b"Bearer None", f"the client no longer sends Bearer None (sends {sent!r})"
        cur = dbapi_conn.cursor()
        cur.execute("SELECT 1")
        assert cur.fetchall() == [[1]]
        f.detail = "query and metadata calls succeed with the bogus header"

    with compat.feature(CLIENT, "query: fetchall") as f:
        cur = dbapi_conn.cursor()
        cur.execute("SELECT id, name FROM customers WHERE id <= 2 ORDER BY id")
        rows = cur.fetchall()
        assert [r[0] for r in rows] == [1, 2], rows
        assert [d[0] for d in cur.description] == ["id", "name"], cur.description
        f.detail = f"{len(rows)} rows, description {[d[0] for d in cur.description]}"

    with compat.feature(CLIENT, "query: empty result (WHERE 1=0) keeps schema") as f:
        cur = dbapi_conn.cursor()
        cur.execute("SELECT * FROM events WHERE 1=0")
        assert cur.fetchall() == []
        assert [d[0] for d in cur.description] == ["id", "customer_id", "kind", "duration_ms"], cur.description
        f.detail = "0 rows, 4 columns described"

    with compat.feature(CLIENT, "parameters: bind ? (int)") as f:
        cur = dbapi_conn.cursor()
        cur.execute("SELECT n_name FROM tpch.nation WHERE n_nationkey = ?", [1])
        assert cur.fetchall() == [["ARGENTINA"]]
        f.detail = "prepared statement, dense-union parameter"

    with compat.feature(CLIENT, "DDL/DML: execute_update") as f:
        client = dbapi_conn.client
        client.execute_update("CREATE TABLE scratch.fs_notes (id BIGINT, body VARCHAR(20))")
        n = client.execute_update("INSERT INTO scratch.fs_notes VALUES (1, 'a'), (2, 'b')")
        assert n == 2, n
        cur = dbapi_conn.cursor()
        cur.execute("SELECT count(*) FROM scratch.fs_notes")
        assert cur.fetchall() == [[2]]
        client.execute_update("DROP TABLE scratch.fs_notes")
        f.detail = "CREATE / INSERT (2 rows) / DROP via CommandStatementUpdate"

    with compat.feature(CLIENT, "metadata: sql info") as f:
        info = dbapi_conn.flightsql_get_sql_info([0, 1, 3, 504])
        assert info[0] == "Quiver", info
        assert info[3] is False, info
        assert info[504] == "`", info
        f.detail = f"server name {info[0]!r}, read_only {info[3]}, quote {info[504]!r}"

    with compat.feature(CLIENT, "errors: unknown table") as f:
        cur = dbapi_conn.cursor()
        try:
            cur.execute("SELECT * FROM no_such_table")
        except Exception as e:  # noqa: BLE001 - the client raises pyarrow.flight errors
            assert "no_such_table" in str(e), str(e)
            f.detail = f"{type(e).__name__} naming the table"
        else:
            raise AssertionError("no error")
