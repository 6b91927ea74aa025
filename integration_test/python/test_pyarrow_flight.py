"""A raw pyarrow.flight script speaking Flight SQL: no Flight SQL library,
just FlightDescriptor.for_command with protobuf ``Any`` messages built by a
tiny hand-written encoder, as scripts in the field do.

Messages and field numbers (format/FlightSql.proto, package
arrow.flight.protocol.sql, and format/Flight.proto for the generic ones):

  google.protobuf.Any                    1 type_url (string), 2 value (bytes)
  CommandStatementQuery                  1 query, 2 transaction_id
  TicketStatementQuery                   1 statement_handle
  CommandStatementUpdate                 1 query, 2 transaction_id
  DoPutUpdateResult                      1 record_count (int64)
  CommandGetCatalogs                     (no fields)
  CommandGetDbSchemas                    1 catalog, 2 db_schema_filter_pattern
  CommandGetTables                       1 catalog, 2 db_schema_filter_pattern,
                                         3 table_name_filter_pattern,
                                         4 table_types (repeated), 5 include_schema
  CommandGetTableTypes                   (no fields)
  CommandGetSqlInfo                      1 info (repeated uint32, packed)
  CommandGetXdbcTypeInfo                 1 data_type (optional int32)
  CommandGetPrimaryKeys                  1 catalog, 2 db_schema, 3 table
  ActionCreatePreparedStatementRequest   1 query, 2 transaction_id
  ActionCreatePreparedStatementResult    1 prepared_statement_handle,
                                         2 dataset_schema, 3 parameter_schema,
                                         4 is_update (optional bool)
  CommandPreparedStatementQuery          1 prepared_statement_handle
  ActionClosePreparedStatementRequest    1 prepared_statement_handle
  CancelFlightInfoRequest (Flight)       1 info (FlightInfo)
  CancelFlightInfoResult (Flight)        1 status (enum: 1 CANCELLED,
                                         2 CANCELLING, 3 NOT_CANCELLABLE)
  RenewFlightEndpointRequest (Flight)    1 endpoint (FlightEndpoint)
"""

import pyarrow as pa
import pyarrow.flight as fl
import pytest

CLIENT = "pyarrow-flight"
SQL_TYPE_PREFIX = "type.googleapis.com/arrow.flight.protocol.sql."

# ---- a minimal protobuf wire-format encoder/decoder


def _varint(n: int) -> bytes:
    if n < 0:
        n &= (1 << 64) - 1  # int64 negatives are 10-byte two's complement
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


def pb_bytes(field: int, value: bytes) -> bytes:
    return _key(field, 2) + _varint(len(value)) + value


def pb_string(field: int, value: str) -> bytes:
    return pb_bytes(field, value.encode("utf-8"))


def pb_varint(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(value)


def pb_packed(field: int, values) -> bytes:
    return pb_bytes(field, b"".join(_varint(v) for v in values))


def pb_any(message: str, body: bytes = b"") -> bytes:
    return pb_string(1, SQL_TYPE_PREFIX + message) + pb_bytes(2, body)


def pb_decode(buf: bytes) -> dict:
    """Field number → list of values (int for varints, bytes otherwise)."""
    fields, i = {}, 0

    def varint():
        nonlocal i
        shift = result = 0
        while True:
            b = buf[i]
            i += 1
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    while i < len(buf):
        key = varint()
        field, wt = key >> 3, key & 7
        if wt == 0:
            v = varint()
        elif wt == 2:
            n = varint()
            v, i = buf[i : i + n], i + n
        elif wt == 1:
            v, i = buf[i : i + 8], i + 8
        elif wt == 5:
            v, i = buf[i : i + 4], i + 4
        else:
            raise ValueError(f"unsupported wire type {wt}")
        fields.setdefault(field, []).append(v)
    return fields


def unpack_any(buf: bytes, message: str) -> dict:
    a = pb_decode(buf)
    type_url = a[1][0].decode()
    assert type_url == SQL_TYPE_PREFIX + message, f"got {type_url}"
    return pb_decode(a.get(2, [b""])[0])


def test_encoder_matches_protobuf():
    """The hand encoder agrees with protobuf's own serialization (flightsql-
    dbapi ships the generated FlightSql classes); not a matrix feature."""
    from flightsql import flightsql_pb2 as pb

    got = pb_string(1, "demo") + pb_string(3, "r%") + pb_string(4, "TABLE") + pb_string(4, "VIEW") + pb_varint(5, 1)
    want = pb.CommandGetTables(catalog="demo", table_name_filter_pattern="r%", table_types=["TABLE", "VIEW"], include_schema=True)
    assert got == want.SerializeToString()
    assert pb_packed(1, [0, 504, 1000]) == pb.CommandGetSqlInfo(info=[0, 504, 1000]).SerializeToString()
    res = pb.DoPutUpdateResult(record_count=-1).SerializeToString()
    assert pb_varint(1, -1) == res and pb_decode(res)[1][0] == (1 << 64) - 1


# ---- helpers


@pytest.fixture()
def client(uri):
    c = fl.FlightClient(uri)
    yield c
    c.close()


def fetch(client, command: bytes):
    """GetFlightInfo + DoGet of every endpoint; returns (info, table)."""
    info = client.get_flight_info(fl.FlightDescriptor.for_command(command))
    tables = [client.do_get(ep.ticket).read_all() for ep in info.endpoints]
    return info, pa.concat_tables(tables) if len(tables) > 1 else tables[0]


def action(client, name: str, body: bytes) -> list:
    return [r.body.to_pybytes() for r in client.do_action(fl.Action(name, body))]


# ---- features


def test_queries(client, uri, compat):
    sql = "SELECT r_regionkey, r_name FROM tpch.region ORDER BY r_regionkey"
    cmd = pb_any("CommandStatementQuery", pb_string(1, sql))
    info = None
    with compat.feature(CLIENT, "query: CommandStatementQuery → GetFlightInfo/DoGet") as f:
        info, t = fetch(client, cmd)
        assert len(info.endpoints) == 1, f"{len(info.endpoints)} endpoints"
        assert list(info.endpoints[0].locations) == [], f"locations {info.endpoints[0].locations}"
        assert info.total_records in (-1, 5), info.total_records
        assert t.column("r_name").to_pylist() == ["AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"]
        assert info.schema.remove_metadata() == t.schema.remove_metadata(), f"{info.schema} vs {t.schema}"
        f.detail = f"1 endpoint without location, total_records {info.total_records}, FlightInfo schema = stream schema"

    with compat.feature(CLIENT, "query: column metadata ARROW:FLIGHT:SQL:*") as f:
        md = info.schema.field("r_name").metadata or {}
        keys = sorted(k.decode() for k in md)
        assert b"ARROW:FLIGHT:SQL:TYPE_NAME" in md, keys
        f.detail = f"r_name {md[b'ARROW:FLIGHT:SQL:TYPE_NAME'].decode()}; keys {len(keys)}"

    with compat.feature(CLIENT, "query: GetSchema") as f:
        res = client.get_schema(fl.FlightDescriptor.for_command(cmd))
        assert res.schema.names == ["r_regionkey", "r_name"], res.schema
        f.detail = "schema without running the query"

    with compat.feature(CLIENT, "query: ticket redeemed on another connection") as f:
        other = fl.FlightClient(uri)
        try:
            t = other.do_get(info.endpoints[0].ticket).read_all()
        finally:
            other.close()
        assert t.num_rows == 5, t.num_rows
        f.detail = "stateless signed ticket"

    with compat.feature(CLIENT, "errors: forged ticket rejected") as f:
        raw = bytearray(info.endpoints[0].ticket.ticket)
        raw[-1] ^= 0x01
        try:
            client.do_get(fl.Ticket(bytes(raw))).read_all()
        except (fl.FlightError, pa.ArrowException) as e:
            f.detail = f"{type(e).__name__}"
        else:
            raise AssertionError("a ticket with a flipped byte was accepted")

    with compat.feature(CLIENT, "query: RenewFlightEndpoint") as f:
        out = action(client, "RenewFlightEndpoint", pb_bytes(1, info.endpoints[0].serialize()))
        assert len(out) == 1, out
        ep = fl.FlightEndpoint.deserialize(out[0])
        assert ep.expiration_time is not None, "renewed endpoint has no expiration_time"
        assert client.do_get(ep.ticket).read_all().num_rows == 5
        f.detail = "renewed endpoint has an expiration time and its ticket works"

    with compat.feature(CLIENT, "cancel: CancelFlightInfo of a finished query") as f:
        out = action(client, "CancelFlightInfo", pb_bytes(1, info.serialize()))
        status = pb_decode(out[0]).get(1, [0])[0]
        assert status == 3, f"status {status}, want 3 (NOT_CANCELLABLE)"
        f.detail = "NOT_CANCELLABLE"

    with compat.feature(CLIENT, "query: empty result (WHERE 1=0) keeps schema") as f:
        _, t = fetch(client, pb_any("CommandStatementQuery", pb_string(1, "SELECT * FROM customers WHERE 1=0")))
        assert t.num_rows == 0 and len(t.schema) == 5, t.schema
        f.detail = "0 rows, 5 columns"

    with compat.feature(CLIENT, "errors: unknown table") as f:
        try:
            fetch(client, pb_any("CommandStatementQuery", pb_string(1, "SELECT * FROM no_such_table")))
        except (fl.FlightError, pa.ArrowException) as e:
            assert "no_such_table" in str(e), str(e)
            f.detail = f"{type(e).__name__} naming the table"
        else:
            raise AssertionError("no error")


def test_update_and_prepared(client, compat):
    def update(sql):
        desc = fl.FlightDescriptor.for_command(pb_any("CommandStatementUpdate", pb_string(1, sql)))
        writer, reader = client.do_put(desc, pa.schema([]))
        writer.done_writing()
        buf = reader.read()
        writer.close()
        assert buf is not None, "no DoPutUpdateResult"
        n = pb_decode(buf.to_pybytes()).get(1, [0])[0]
        return n - (1 << 64) if n >= 1 << 63 else n

    with compat.feature(CLIENT, "DDL/DML: CommandStatementUpdate via DoPut") as f:
        update("CREATE TABLE scratch.pf_t (id BIGINT, s VARCHAR(10))")
        n = update("INSERT INTO scratch.pf_t VALUES (1, 'x'), (2, 'y'), (3, NULL)")
        assert n == 3, n
        f.detail = f"CREATE, INSERT record_count {n}"

    handle = None
    with compat.feature(CLIENT, "prepared: CreatePreparedStatement action") as f:
        out = action(client, "CreatePreparedStatement", pb_any("ActionCreatePreparedStatementRequest", pb_string(1, "SELECT id, s FROM scratch.pf_t ORDER BY id")))
        res = unpack_any(out[0], "ActionCreatePreparedStatementResult")
        handle = res[1][0]
        ds = pa.ipc.read_schema(pa.py_buffer(res[2][0]))
        assert ds.names == ["id", "s"], ds
        assert res.get(4, [0])[0] == 0, "a SELECT marked is_update"
        f.detail = "handle, dataset schema, is_update=false"

    with compat.feature(CLIENT, "prepared: CommandPreparedStatementQuery → DoGet") as f:
        _, t = fetch(client, pb_any("CommandPreparedStatementQuery", pb_bytes(1, handle)))
        assert t.column("id").to_pylist() == [1, 2, 3] and t.column("s").to_pylist() == ["x", "y", None], t
        f.detail = "3 rows incl. NULL"

    with compat.feature(CLIENT, "prepared: ClosePreparedStatement action") as f:
        action(client, "ClosePreparedStatement", pb_any("ActionClosePreparedStatementRequest", pb_bytes(1, handle)))
        f.detail = "accepted"

    with compat.feature(CLIENT, "prepared: DDL marked is_update") as f:
        out = action(client, "CreatePreparedStatement", pb_any("ActionCreatePreparedStatementRequest", pb_string(1, "DROP TABLE scratch.pf_t")))
        res = unpack_any(out[0], "ActionCreatePreparedStatementResult")
        assert res.get(4, [0])[0] == 1, "DROP TABLE not marked is_update"
        assert res.get(2), "no dataset schema for DDL"
        f.detail = "is_update=true with a dataset schema"
    update("DROP TABLE scratch.pf_t")


def test_metadata(client, compat):
    with compat.feature(CLIENT, "metadata: catalogs (CommandGetCatalogs)") as f:
        _, t = fetch(client, pb_any("CommandGetCatalogs"))
        assert t.schema.names == ["catalog_name"], t.schema
        assert "demo" in t.column(0).to_pylist()
        f.detail = f"{t.column(0).to_pylist()}"

    with compat.feature(CLIENT, "metadata: schemas (CommandGetDbSchemas, pattern)") as f:
        _, t = fetch(client, pb_any("CommandGetDbSchemas", pb_string(1, "demo") + pb_string(2, "t%")))
        assert t.schema.names == ["catalog_name", "db_schema_name"], t.schema
        assert t.column(1).to_pylist() == ["tpch"], t.column(1).to_pylist()
        f.detail = "pattern t% → tpch"

    with compat.feature(CLIENT, "metadata: tables (CommandGetTables, include_schema)") as f:
        body = pb_string(1, "demo") + pb_string(2, "public") + pb_string(3, "sal%") + pb_varint(5, 1)
        _, t = fetch(client, pb_any("CommandGetTables", body))
        assert t.schema.names == ["catalog_name", "db_schema_name", "table_name", "table_type", "table_schema"], t.schema
        rows = t.to_pylist()
        assert [r["table_name"] for r in rows] == ["sales"], rows
        assert rows[0]["table_type"] == "TABLE", rows[0]["table_type"]
        schema = pa.ipc.read_schema(pa.py_buffer(rows[0]["table_schema"]))
        assert len(schema) > 0 and b"ARROW:FLIGHT:SQL:TYPE_NAME" in (schema.field(0).metadata or {}), schema
        f.detail = f"sales with {len(schema)} columns and column metadata"

    with compat.feature(CLIENT, "metadata: table types (CommandGetTableTypes)") as f:
        _, t = fetch(client, pb_any("CommandGetTableTypes"))
        assert sorted(t.column(0).to_pylist()) == ["TABLE", "VIEW"], t.column(0).to_pylist()
        f.detail = "TABLE, VIEW"

    with compat.feature(CLIENT, "metadata: sql info (CommandGetSqlInfo)") as f:
        _, t = fetch(client, pb_any("CommandGetSqlInfo", pb_packed(1, [0, 1, 3, 504, 8])))
        values = {r["info_name"]: r["value"] for r in t.to_pylist()}
        assert values.get(0) == "Quiver", values
        assert values.get(504) == "`", values
        assert set(values) == {0, 1, 3, 504, 8}, sorted(values)
        f.detail = f"server {values[0]!r}, quote {values[504]!r}, transactions {values[8]}"

    with compat.feature(CLIENT, "metadata: xdbc type info (CommandGetXdbcTypeInfo)") as f:
        _, t = fetch(client, pb_any("CommandGetXdbcTypeInfo"))
        names = t.column("type_name").to_pylist()
        assert t.num_rows > 0 and "BIGINT" in names, names
        f.detail = f"{t.num_rows} types"

    with compat.feature(CLIENT, "metadata: primary keys (CommandGetPrimaryKeys)") as f:
        _, t = fetch(client, pb_any("CommandGetPrimaryKeys", pb_string(1, "demo") + pb_string(2, "public") + pb_string(3, "customers")))
        # FlightSql.proto lists key_name before key_sequence; the Go and Java
        # reference implementations (and so their clients) put key_sequence
        # first and read columns by name.
        names = sorted(t.schema.names)
        assert names == sorted(["catalog_name", "db_schema_name", "table_name", "column_name", "key_name", "key_sequence"]), t.schema
        f.detail = f"{t.num_rows} rows, the six Flight SQL columns"
