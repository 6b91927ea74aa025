/*
 * JdbcCompat exercises a running Quiver server through the Apache Arrow
 * Flight SQL JDBC driver (whichever driver jar is on the class path) and
 * prints one compatibility result per feature as a JSON line on stdout:
 *
 *   {"client":"jdbc-18.3.0","feature":"metadata: getCatalogs","ok":true,"detail":"..."}
 *
 * Usage: java --add-opens=java.base/java.nio=ALL-UNNAMED -Duser.timezone=UTC \
 *          -cp DRIVER.jar:CLASSES JdbcCompat HOST:PORT CLIENT
 *
 * The Go test integration_test/jdbc_test.go compiles and runs it once per
 * driver version and compares the lines with the committed
 * integration_test/compat/CLIENT.jsonl, so every detail is deterministic:
 * no ports, timings or server versions, features always in the same order.
 * A feature that fails is recorded (ok=false) and the run goes on; the
 * process exits non-zero only when it cannot run at all (no driver, no
 * server). Diagnostics (stack traces of failed features) go to stderr.
 *
 * It needs only java.sql from the JDK: the driver is found through
 * DriverManager, so this file compiles with a bare javac.
 */

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;

public final class JdbcCompat {

  /** One feature's check: returns the detail on success, throws on failure. */
  @FunctionalInterface
  private interface Check {
    String run() throws Exception;
  }

  /** A failed expectation (as opposed to an exception from the driver). */
  private static final class Mismatch extends Exception {
    Mismatch(String message) {
      super(message);
    }
  }

  private final String hostPort;
  private final String client;
  private final String baseUrl;
  private Connection conn;
  private int failures;

  private JdbcCompat(String hostPort, String client) {
    this.hostPort = hostPort;
    this.client = client;
    this.baseUrl = "jdbc:arrow-flight-sql://" + hostPort + "/?useEncryption=false";
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: JdbcCompat HOST:PORT CLIENT");
      System.exit(2);
    }
    JdbcCompat c = new JdbcCompat(args[0], args[1]);
    int code;
    try {
      code = c.runAll();
    } catch (Throwable t) {
      t.printStackTrace();
      code = 1;
    }
    System.out.flush();
    // The driver's gRPC threads are not all daemons: exit explicitly.
    System.exit(code);
  }

  private int runAll() throws Exception {
    conn = DriverManager.getConnection(baseUrl, new Properties());
    try {
      record("connect: URL with useEncryption=false", () -> {
        expect(!conn.isClosed(), "connection is closed");
        return "connected; driver " + conn.getMetaData().getDriverName();
      });
      metadata();
      queries();
      parameters();
      probes();
      ddlDml();
      session();
      errors();
    } finally {
      conn.close();
    }
    System.err.printf("%s: %d feature(s) failed%n", client, failures);
    return 0;
  }

  // ---------------------------------------------------------------- metadata

  private void metadata() {
    record("metadata: getDatabaseProductName/Version", () -> {
      DatabaseMetaData md = conn.getMetaData();
      String name = md.getDatabaseProductName();
      String version = md.getDatabaseProductVersion();
      expectEq("Quiver", name, "getDatabaseProductName");
      expect(version != null && !version.isEmpty(), "getDatabaseProductVersion is empty");
      return "product " + name + ", version non-empty";
    });
    record("metadata: getIdentifierQuoteString is backtick", () -> {
      String q = conn.getMetaData().getIdentifierQuoteString();
      expectEq("`", q, "getIdentifierQuoteString");
      return "`";
    });
    record("metadata: getSQLKeywords", () -> {
      String kw = conn.getMetaData().getSQLKeywords();
      expect(kw != null && !kw.isEmpty(), "getSQLKeywords is empty");
      List<String> words = Arrays.asList(kw.toUpperCase().split("\\s*,\\s*"));
      expect(words.size() > 10, "getSQLKeywords lists only " + words.size() + " words: " + kw);
      return "comma-separated list of more than 10 keywords";
    });
    record("metadata: getCatalogs", () -> {
      List<String> cats = column(conn.getMetaData().getCatalogs(), "TABLE_CAT");
      expect(cats.contains("demo"), "demo missing from " + cats);
      return "includes demo";
    });
    record("metadata: getSchemas", () -> {
      DatabaseMetaData md = conn.getMetaData();
      List<String> all = new ArrayList<>();
      try (ResultSet rs = md.getSchemas()) {
        while (rs.next()) {
          all.add(rs.getString("TABLE_CATALOG") + "." + rs.getString("TABLE_SCHEM"));
        }
      }
      for (String want : new String[] {"demo.public", "demo.tpch", "demo.scratch"}) {
        expect(all.contains(want), want + " missing from getSchemas(): " + all);
      }
      List<String> tp = column(md.getSchemas("demo", "tp%"), "TABLE_SCHEM");
      expectEq("[tpch]", tp.toString(), "getSchemas(demo, tp%)");
      return "demo.public, demo.tpch, demo.scratch; pattern tp% gives [tpch]";
    });
    record("metadata: getTableTypes", () -> {
      List<String> types = column(conn.getMetaData().getTableTypes(), "TABLE_TYPE");
      expect(types.contains("TABLE"), "TABLE missing from " + types);
      return "includes TABLE";
    });
    record("metadata: getTables with patterns", () -> {
      DatabaseMetaData md = conn.getMetaData();
      TreeSet<String> pub = new TreeSet<>(column(md.getTables("demo", "public", "%", null), "TABLE_NAME"));
      for (String want : new String[] {"customers", "events", "sales"}) {
        expect(pub.contains(want), want + " missing from getTables(demo, public, %): " + pub);
      }
      List<String> nat = new ArrayList<>();
      try (ResultSet rs = md.getTables(null, "tp_h", "nat%", new String[] {"TABLE"})) {
        while (rs.next()) {
          nat.add(rs.getString("TABLE_CAT") + "." + rs.getString("TABLE_SCHEM") + "."
              + rs.getString("TABLE_NAME") + ":" + rs.getString("TABLE_TYPE"));
        }
      }
      expectEq("[demo.tpch.nation:TABLE]", nat.toString(), "getTables(null, tp_h, nat%, [TABLE])");
      List<String> none = column(md.getTables("demo", "public", "no_such_%", null), "TABLE_NAME");
      expect(none.isEmpty(), "getTables(demo, public, no_such_%) returned " + none);
      return "public has customers, events, sales; (null, tp_h, nat%, [TABLE]) gives demo.tpch.nation";
    });
    record("metadata: getColumns", () -> {
      List<String> cols = new ArrayList<>();
      try (ResultSet rs = conn.getMetaData().getColumns("demo", "tpch", "region", "%")) {
        while (rs.next()) {
          cols.add(rs.getString("COLUMN_NAME") + ":" + rs.getString("TYPE_NAME") + ":"
              + rs.getInt("DATA_TYPE") + "#" + rs.getInt("ORDINAL_POSITION"));
        }
      }
      expect(cols.size() == 3, "want 3 columns of demo.tpch.region, got " + cols);
      expect(cols.get(0).startsWith("r_regionkey:") && cols.get(1).startsWith("r_name:"),
          "unexpected columns " + cols);
      List<String> named = column(conn.getMetaData().getColumns("demo", "tpch", "nation", "%name"), "COLUMN_NAME");
      expectEq("[n_name]", named.toString(), "getColumns(demo, tpch, nation, %name)");
      return "region: " + String.join(", ", cols) + "; pattern %name gives [n_name]";
    });
    record("metadata: getPrimaryKeys", () -> {
      int n = 0;
      try (ResultSet rs = conn.getMetaData().getPrimaryKeys("demo", "tpch", "region")) {
        expect(rs.getMetaData().getColumnCount() >= 6, "getPrimaryKeys result has "
            + rs.getMetaData().getColumnCount() + " columns, JDBC specifies 6 (the driver takes "
            + "the columns of a metadata result from its first non-empty batch; Quiver has no keys)");
        while (rs.next()) {
          n++;
        }
      }
      return "valid result, " + n + " key column(s) for demo.tpch.region";
    });
    record("metadata: getImportedKeys", () -> {
      int n = 0;
      try (ResultSet rs = conn.getMetaData().getImportedKeys("demo", "tpch", "nation")) {
        expect(rs.getMetaData().getColumnCount() >= 14, "getImportedKeys result has "
            + rs.getMetaData().getColumnCount() + " columns, JDBC specifies 14 (the driver takes "
            + "the columns of a metadata result from its first non-empty batch; Quiver has no keys)");
        while (rs.next()) {
          n++;
        }
      }
      return "valid result, " + n + " foreign key column(s) for demo.tpch.nation";
    });
    record("metadata: getTypeInfo", () -> {
      // The driver does not call GetXdbcTypeInfo for this (Avatica's default:
      // an empty result), so a failure here is the driver's, not Quiver's.
      TreeSet<String> names = new TreeSet<>();
      try (ResultSet rs = conn.getMetaData().getTypeInfo()) {
        while (rs.next()) {
          names.add(rs.getString("TYPE_NAME").toUpperCase() + "=" + rs.getInt("DATA_TYPE"));
        }
      }
      expect(!names.isEmpty(), "getTypeInfo is empty (the driver does not ask the server: no GetXdbcTypeInfo call)");
      boolean bigint = false;
      boolean varchar = false;
      for (String n : names) {
        bigint |= n.endsWith("=" + Types.BIGINT);
        varchar |= n.endsWith("=" + Types.VARCHAR);
      }
      expect(bigint && varchar, "getTypeInfo lacks a BIGINT or VARCHAR type: " + names);
      return "lists types incl. BIGINT and VARCHAR";
    });
  }

  // ----------------------------------------------------------------- queries

  private void queries() {
    final String orders = "SELECT o_orderkey, o_totalprice, o_orderdate, o_orderpriority FROM tpch.orders "
        + "ORDER BY o_orderkey LIMIT 2";
    record("query: Statement SELECT (BIGINT, DECIMAL, DATE, VARCHAR)", () -> {
      List<String> rows = new ArrayList<>();
      try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(orders)) {
        while (rs.next()) {
          long key = rs.getLong(1);
          BigDecimal price = rs.getBigDecimal(2);
          Date date = rs.getDate(3);
          String prio = rs.getString(4);
          rows.add(key + "|" + price.toPlainString() + "|" + date + "|" + prio);
        }
      }
      expect(rows.size() == 2, "want 2 rows, got " + rows);
      return String.join("; ", rows);
    });
    record("query: ResultSetMetaData names and types", () -> {
      try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(orders)) {
        ResultSetMetaData md = rs.getMetaData();
        return describe(md);
      }
    });
    record("query: ResultSetMetaData getColumnLabel", () -> {
      try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(orders)) {
        ResultSetMetaData md = rs.getMetaData();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          expectEq(md.getColumnName(i), String.valueOf(md.getColumnLabel(i)),
              "getColumnLabel(" + i + ") (the driver builds it from the Arrow field name)");
        }
        return "labels equal column names";
      }
    });
    record("query: ResultSetMetaData table and schema names", () -> {
      try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(orders)) {
        ResultSetMetaData md = rs.getMetaData();
        String where = md.getCatalogName(1) + "." + md.getSchemaName(1) + "." + md.getTableName(1);
        expectEq("demo.tpch.orders", where, "catalog.schema.table of o_orderkey "
            + "(ARROW:FLIGHT:SQL:CATALOG_NAME/SCHEMA_NAME/TABLE_NAME)");
        return "o_orderkey comes from demo.tpch.orders";
      }
    });
    record("query: TIMESTAMP, DATE and DECIMAL literals, NULLs", () -> {
      String sql = "SELECT TIMESTAMP '2024-01-02 03:04:05' AS ts, DATE '2024-02-29' AS d, "
          + "CAST(12.5 AS DECIMAL(10,2)) AS amount, NULLIF(1, 1) AS no_int, "
          + "NULLIF('a', 'a') AS no_text, 'x' AS txt";
      try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
        expect(rs.next(), "no row");
        Timestamp ts = rs.getTimestamp("ts");
        Date d = rs.getDate("d");
        BigDecimal amount = rs.getBigDecimal("amount");
        long noInt = rs.getLong("no_int");
        boolean intNull = rs.wasNull();
        Object noInt2 = rs.getObject("no_int");
        String noText = rs.getString("no_text");
        boolean textNull = rs.wasNull();
        expectEq("2024-01-02 03:04:05.0", String.valueOf(ts), "getTimestamp(ts)");
        expectEq("2024-02-29", String.valueOf(d), "getDate(d)");
        expect(amount != null && amount.compareTo(new BigDecimal("12.5")) == 0,
            "getBigDecimal(amount) = " + amount);
        expect(noInt == 0 && intNull && noInt2 == null, "NULL BIGINT read as " + noInt + "/" + noInt2);
        expect(noText == null && textNull, "NULL text read as " + noText);
        expect(!rs.next(), "more than one row");
        return "ts " + ts + ", d " + d + ", amount " + amount.toPlainString()
            + ", NULLs read as null with wasNull; " + describe(rs.getMetaData());
      }
    });
  }

  // -------------------------------------------------------------- parameters

  private void parameters() {
    final String byKey = "SELECT n_name FROM tpch.nation WHERE n_nationkey = ?";
    record("parameters: bind ? (int)", () -> {
      try (PreparedStatement ps = conn.prepareStatement(byKey)) {
        ps.setInt(1, 7);
        return "n_nationkey = 7 -> " + strings(ps.executeQuery());
      }
    });
    record("parameters: bind ? (string)", () -> {
      try (PreparedStatement ps = conn.prepareStatement(
          "SELECT n_nationkey, n_regionkey FROM tpch.nation WHERE n_name = ?")) {
        ps.setString(1, "GERMANY");
        return "n_name = 'GERMANY' -> " + strings(ps.executeQuery());
      }
    });
    record("parameters: several executions of one statement", () -> {
      List<String> got = new ArrayList<>();
      try (PreparedStatement ps = conn.prepareStatement(byKey)) {
        for (int k : new int[] {0, 1, 24}) {
          ps.setInt(1, k);
          got.add(k + " -> " + strings(ps.executeQuery()));
        }
      }
      return String.join("; ", got);
    });
    record("parameters: getParameterMetaData", () -> {
      try (PreparedStatement ps = conn.prepareStatement(
          "SELECT n_name FROM tpch.nation WHERE n_nationkey = ? AND n_name <> ?")) {
        ParameterMetaData pm = ps.getParameterMetaData();
        expectEq("2", String.valueOf(pm.getParameterCount()), "getParameterCount");
        return "2 parameters";
      }
    });
  }

  // ---------------------------------------------------- Tableau-style probes

  private void probes() {
    record("query: empty result (WHERE 1=0) keeps schema", () -> probe("SELECT * FROM tpch.region WHERE 1=0"));
    record("query: LIMIT 0 keeps schema", () -> probe("SELECT * FROM tpch.region LIMIT 0"));
    record("query: Statement.executeQuery of an empty result keeps schema", () -> {
      try (Statement st = conn.createStatement();
          ResultSet rs = st.executeQuery("SELECT * FROM tpch.region WHERE 1=0")) {
        expect(!rs.next(), "got a row");
        ResultSetMetaData md = rs.getMetaData();
        expect(md.getColumnCount() == 3, "want 3 columns, got " + md.getColumnCount()
            + " (the driver appends the prepared schema to the statement's signature a second "
            + "time and replaces it only when a non-empty batch arrives)");
        return "0 rows; " + describe(md);
      }
    });
    record("query: prepared metadata before execute (Tableau probe)", () -> {
      try (PreparedStatement ps = conn.prepareStatement("SELECT * FROM tpch.region WHERE 1=0")) {
        ResultSetMetaData md = ps.getMetaData();
        expect(md != null, "PreparedStatement.getMetaData() is null");
        expect(md.getColumnCount() == 3, "want 3 columns, got " + md.getColumnCount());
        return describe(md);
      }
    });
  }

  /** probe runs an empty-result query as a PreparedStatement (how Tableau and DBeaver run them). */
  private String probe(String sql) throws Exception {
    try (PreparedStatement ps = conn.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
      expect(!rs.next(), "got a row");
      ResultSetMetaData md = rs.getMetaData();
      expect(md.getColumnCount() == 3, "want 3 columns, got " + describe(md));
      return "PreparedStatement: 0 rows; " + describe(md);
    }
  }

  // ----------------------------------------------------------------- DDL/DML

  private void ddlDml() {
    final String table = "scratch.jdbc_" + client.replaceAll("[^a-z0-9]", "_");
    record("DDL: CREATE TABLE via executeUpdate", () -> {
      try (Statement st = conn.createStatement()) {
        int n = st.executeUpdate("CREATE TABLE " + table + " (id BIGINT, body VARCHAR(100))");
        return "CREATE TABLE in scratch; update count " + n;
      }
    });
    record("DML: INSERT via executeUpdate, update count", () -> {
      try (Statement st = conn.createStatement()) {
        int n = st.executeUpdate("INSERT INTO " + table + " VALUES (1, 'one'), (2, NULL), (3, 'three')");
        expectEq("3", String.valueOf(n), "INSERT update count (the driver reports counts only when "
            + "the prepared statement's dataset_schema is empty; Quiver sends rows_affected)");
        return "3 rows inserted, update count 3";
      }
    });
    record("DML: INSERT with PreparedStatement parameters", () -> {
      try (PreparedStatement ps = conn.prepareStatement("INSERT INTO " + table + " VALUES (?, ?)")) {
        ps.setInt(1, 4);
        ps.setString(2, "four");
        int n = ps.executeUpdate();
        expectEq("1", String.valueOf(n), "update count");
        return "INSERT ... VALUES (?, ?) with setInt/setString, update count 1";
      }
    });
    record("DML: inserted rows read back", () -> {
      try (Statement st = conn.createStatement();
          ResultSet rs = st.executeQuery("SELECT id, body FROM " + table + " ORDER BY id")) {
        return strings(rs);
      }
    });
    record("DDL: DROP TABLE via executeUpdate", () -> {
      try (Statement st = conn.createStatement()) {
        st.executeUpdate("DROP TABLE " + table);
      }
      List<String> left = column(conn.getMetaData().getTables("demo", "scratch", "jdbc_%", null), "TABLE_NAME");
      expect(left.isEmpty(), "table still listed after DROP: " + left);
      return "dropped; no longer listed by getTables";
    });
  }

  // ----------------------------------------------------------------- session

  private void session() {
    final Connection[] withCatalog = new Connection[1];
    record("session: catalog= connection property", () -> {
      withCatalog[0] = DriverManager.getConnection(baseUrl + "&catalog=demo", new Properties());
      Connection c = withCatalog[0];
      String cat = c.getCatalog();
      String count;
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT count(*) FROM tpch.region")) {
        count = strings(rs);
      }
      return "session option catalog=demo accepted; SELECT count(*) FROM tpch.region -> " + count
          + "; Connection.getCatalog() = " + cat;
    });
    record("session: Connection.close with catalog= (CloseSession)", () -> {
      expect(withCatalog[0] != null, "no connection (see catalog= connection property)");
      withCatalog[0].close();
      return "closed";
    });
    record("session: catalog= unknown catalog rejected", () -> {
      try (Connection c = DriverManager.getConnection(baseUrl + "&catalog=no_such_catalog", new Properties());
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT 1")) {
        rs.next();
        throw new Mismatch("connecting with catalog=no_such_catalog and querying succeeded");
      } catch (SQLException e) {
        String m = String.valueOf(e.getMessage()) + causes(e);
        expect(m.contains("no_such_catalog"), "error does not name the catalog: " + firstLine(m));
        return "SQLException naming no_such_catalog";
      }
    });
  }

  // ------------------------------------------------------------------ errors

  private void errors() {
    record("errors: syntax error", () -> expectError("SELEC 1 FROM tpch.region", "syntax error"));
    record("errors: unknown table", () -> expectError("SELECT * FROM no_such_table", "no_such_table"));
  }

  private String expectError(String sql, String want) throws Exception {
    try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      throw new Mismatch("query succeeded: " + sql);
    } catch (SQLException e) {
      String m = String.valueOf(e.getMessage()) + causes(e);
      expect(m.contains(want), "SQLException does not mention '" + want + "': " + firstLine(m));
      return "SQLException mentioning '" + want + "'";
    }
  }

  // ----------------------------------------------------------------- helpers

  /** record runs check and prints its result line. Never throws. */
  private void record(String feature, Check check) {
    boolean ok;
    String detail;
    try {
      detail = check.run();
      ok = true;
    } catch (Throwable t) {
      ok = false;
      failures++;
      detail = failure(t);
      System.err.println("FAILED " + feature + ":");
      t.printStackTrace();
    }
    System.out.println("{\"client\":" + json(client) + ",\"feature\":" + json(feature)
        + ",\"ok\":" + ok + ",\"detail\":" + json(detail) + "}");
  }

  /** failure renders a throwable as a short deterministic detail. */
  private String failure(Throwable t) {
    if (t instanceof Mismatch) {
      return sanitize(t.getMessage());
    }
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String msg = t.getClass().getSimpleName() + ": " + firstLine(String.valueOf(t.getMessage()));
    if (root != t) {
      msg += " (cause " + root.getClass().getSimpleName() + ": " + firstLine(String.valueOf(root.getMessage())) + ")";
    }
    return sanitize(msg);
  }

  private String sanitize(String s) {
    s = s.replace(hostPort, "HOST:PORT").replaceAll("127\\.0\\.0\\.1:\\d+", "HOST:PORT");
    // Object identities (Foo@1a2b3c) differ between runs.
    s = s.replaceAll("@[0-9a-f]{4,}", "@…");
    return s.length() > 400 ? s.substring(0, 400) + "…" : s;
  }

  private static String causes(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      b.append(" | ").append(c.getMessage());
    }
    return b.toString();
  }

  private static String firstLine(String s) {
    int i = s.indexOf('\n');
    return (i < 0 ? s : s.substring(0, i)).trim();
  }

  private static void expect(boolean cond, String message) throws Mismatch {
    if (!cond) {
      throw new Mismatch(message);
    }
  }

  private static void expectEq(String want, String got, String what) throws Mismatch {
    if (!want.equals(got)) {
      throw new Mismatch(what + " = " + got + ", want " + want);
    }
  }

  /** column reads one column of every row and closes rs. */
  private static List<String> column(ResultSet rs, String name) throws SQLException {
    List<String> out = new ArrayList<>();
    try (ResultSet r = rs) {
      while (r.next()) {
        out.add(r.getString(name));
      }
    }
    return out;
  }

  /** strings renders every row of rs as "a|b; c|d" and closes it. */
  private static String strings(ResultSet rs) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (ResultSet r = rs) {
      int n = r.getMetaData().getColumnCount();
      while (r.next()) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          if (i > 1) {
            b.append('|');
          }
          b.append(r.getString(i));
        }
        rows.add(b.toString());
      }
    }
    return "[" + String.join("; ", rows) + "]";
  }

  /** describe renders ResultSetMetaData as "name TYPE(jdbcType) ..." per column. */
  private static String describe(ResultSetMetaData md) throws SQLException {
    List<String> cols = new ArrayList<>();
    for (int i = 1; i <= md.getColumnCount(); i++) {
      String c = md.getColumnName(i) + " " + md.getColumnTypeName(i) + "/" + jdbcTypeName(md.getColumnType(i));
      if (md.getColumnType(i) == Types.DECIMAL || md.getColumnType(i) == Types.NUMERIC) {
        c += "(" + md.getPrecision(i) + "," + md.getScale(i) + ")";
      }
      cols.add(c);
    }
    return "columns: " + String.join(", ", cols);
  }

  private static String jdbcTypeName(int type) {
    try {
      for (java.lang.reflect.Field f : Types.class.getFields()) {
        if (f.getType() == int.class && f.getInt(null) == type) {
          return f.getName();
        }
      }
    } catch (IllegalAccessException e) {
      // fall through
    }
    return String.valueOf(type);
  }

  private static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          b.append("\\\"");
          break;
        case '\\':
          b.append("\\\\");
          break;
        case '\n':
          b.append("\\n");
          break;
        case '\r':
          b.append("\\r");
          break;
        case '\t':
          b.append("\\t");
          break;
        default:
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
      }
    }
    return b.append('"').toString();
  }
}
