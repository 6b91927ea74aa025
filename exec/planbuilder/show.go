package planbuilder

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// showSQL rewrites a SHOW statement (or DESCRIBE table) into an ordinary
// query over the INFORMATION_SCHEMA views (sources/infoschema) or over the
// system variables, with MySQL's result column names, so that it is
// planned, pushed down and explained like any query. Databases are the
// schemas of the session's catalog, as everywhere in Quiver.
func (s *stmtBuilder) showSQL(n *ast.ShowStmt) (string, error) {
	// first is the first result column: SHOW ... LIKE filters it, and the
	// rows are ordered by it unless sorted is cleared.
	var inner, first string
	sorted := true
	switch n.Tp {
	case ast.ShowDatabases:
		inner = "SELECT SCHEMA_NAME AS `Database` FROM information_schema.SCHEMATA"
		first = "`Database`"
	case ast.ShowTables:
		db := n.DBName
		if db == "" {
			db = s.b.Options.Schema
		}
		if db == "" {
			return "", errs.Invalidf("no database selected: use SHOW TABLES FROM db or set the session schema")
		}
		if _, err := s.resolveSchema(catalog.Name{Catalog: s.b.Options.Catalog, Schema: db}); err != nil {
			return "", err
		}
		col := quoteIdent("Tables_in_" + db)
		inner = "SELECT TABLE_NAME AS " + col
		if n.Full {
			inner += ", TABLE_TYPE AS `Table_type`"
		}
		inner += " FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + quoteString(db)
		first = col
	case ast.ShowColumns:
		if n.Table == nil {
			return "", errs.Invalidf("SHOW COLUMNS needs a table")
		}
		tn := *n.Table
		if n.DBName != "" { // SHOW COLUMNS FROM t FROM db
			tn.Schema = ast.NewCIStr(n.DBName)
		}
		name, err := s.tableName(&tn)
		if err != nil {
			return "", err
		}
		if _, err := s.b.Root.ResolveTable(s.ctx, name); err != nil {
			return "", err
		}
		inner = "SELECT COLUMN_NAME AS `Field`, COLUMN_TYPE AS `Type`, IS_NULLABLE AS `Null`, COLUMN_KEY AS `Key`, " +
			"COLUMN_DEFAULT AS `Default`, EXTRA AS `Extra`, ORDINAL_POSITION AS pos FROM " +
			quoteIdent(name.Catalog) + ".information_schema.COLUMNS WHERE TABLE_SCHEMA = " + quoteString(name.Schema) +
			" AND TABLE_NAME = " + quoteString(name.Table)
		if n.Column != nil { // DESCRIBE t col
			inner += " AND COLUMN_NAME = " + quoteString(n.Column.Name.O)
		}
		// ORDINAL_POSITION orders the rows but is not shown.
		inner = "SELECT `Field`, `Type`, `Null`, `Key`, `Default`, `Extra` FROM (" + inner + ") c ORDER BY pos"
		first, sorted = "`Field`", false
	case ast.ShowVariables:
		inner = s.variablesSQL()
		first = "`Variable_name`"
	case ast.ShowWarnings, ast.ShowErrors:
		// Quiver turns every problem into an error; there are never
		// warnings to show.
		inner = "SELECT CAST(NULL AS CHAR) AS `Level`, CAST(NULL AS UNSIGNED) AS `Code`, CAST(NULL AS CHAR) AS `Message` FROM (SELECT 1) w WHERE 1 = 0"
		first, sorted = "`Level`", false
	default:
		return "", errs.NotImplementedf("SHOW %s is not supported; SHOW DATABASES, TABLES, COLUMNS, VARIABLES and WARNINGS are, and INFORMATION_SCHEMA has the rest", showName(n))
	}
	where := ""
	switch {
	case n.Pattern != nil:
		pat, err := restore(n.Pattern.Pattern)
		if err != nil {
			return "", err
		}
		// LIKE applies to the first result column.
		where = " WHERE " + first + " LIKE " + pat
	case n.Where != nil:
		w, err := restore(n.Where)
		if err != nil {
			return "", err
		}
		where = " WHERE " + w
	}
	sql := "SELECT * FROM (" + inner + ") AS `show`" + where
	if sorted && first != "" {
		sql += " ORDER BY " + first
	}
	return sql, nil
}

// showName names a SHOW statement kind for messages ("CREATE TABLE").
func showName(n *ast.ShowStmt) string {
	var sb strings.Builder
	if err := n.Restore(format.NewRestoreCtx(format.DefaultRestoreFlags, &sb)); err != nil {
		return "statement"
	}
	words := strings.Fields(strings.TrimPrefix(sb.String(), "SHOW "))
	if len(words) > 2 {
		words = words[:2]
	}
	return strings.Join(words, " ")
}

// restore renders an AST expression back to SQL.
func restore(n ast.Node) (string, error) {
	var sb strings.Builder
	if err := n.Restore(format.NewRestoreCtx(format.DefaultRestoreFlags, &sb)); err != nil {
		return "", errs.Invalidf("cannot read the SHOW filter: %v", err)
	}
	return sb.String(), nil
}

// quoteString renders a MySQL string literal (backslash and quote escaped).
func quoteString(v string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), "'", "''") + "'"
}

// ServerVersion is the MySQL version Quiver reports (@@version, VERSION()):
// the MySQL release whose semantics it follows, so tools that parse the
// leading number pick the right dialect, then "-Quiver".
const ServerVersion = expr.MySQLVersion

// systemVariables are the values of @@name and SHOW VARIABLES: the
// session options Quiver has, and the fixed answers of a MySQL 8 server
// with Quiver's character set and collation for those tools ask about.
func (s *stmtBuilder) systemVariables() map[string]any {
	zone, _ := s.b.Options.Get("time_zone")
	if zone == "" {
		zone = "UTC"
	}
	sqlMode := "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
	if v, _ := s.b.Options.Get("ansi_quotes"); strings.EqualFold(v, "true") {
		sqlMode = "ANSI_QUOTES," + sqlMode
	}
	return map[string]any{
		"version":                  ServerVersion,
		"version_comment":          "Quiver Flight SQL server",
		"time_zone":                zone,
		"system_time_zone":         "UTC",
		"sql_mode":                 sqlMode,
		"autocommit":               int64(1),
		"character_set_client":     "utf8mb4",
		"character_set_connection": "utf8mb4",
		"character_set_results":    "utf8mb4",
		"character_set_server":     "utf8mb4",
		"character_set_database":   "utf8mb4",
		"collation_connection":     "utf8mb4_0900_ai_ci",
		"collation_server":         "utf8mb4_0900_ai_ci",
		"collation_database":       "utf8mb4_0900_ai_ci",
		"transaction_isolation":    "REPEATABLE-READ",
		"transaction_read_only":    int64(0),
		"lower_case_table_names":   int64(0),
		"max_allowed_packet":       int64(67108864),
		"interactive_timeout":      int64(28800),
		"wait_timeout":             int64(28800),
		"net_write_timeout":        int64(60),
		"sql_select_limit":         uint64(18446744073709551615),
		"div_precision_increment":  int64(4),
		"default_week_format":      int64(0),
		"cte_max_recursion_depth":  s.maxRecursionDepth(),
		"group_concat_max_len":     int64(1024),
		"license":                  "Apache-2.0",
		"database":                 s.b.Options.Schema,
	}
}

// variablesSQL is SHOW VARIABLES as a query: one row per system variable.
func (s *stmtBuilder) variablesSQL() string {
	vars := s.systemVariables()
	delete(vars, "database") // DATABASE() is a function, not a variable
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	rows := make([]string, len(names))
	for i, n := range names {
		rows[i] = "SELECT " + quoteString(n) + " AS `Variable_name`, " + quoteString(fmt.Sprint(vars[n])) + " AS `Value`"
	}
	return strings.Join(rows, " UNION ALL ")
}

// bindVariable binds @@name (system variables, read-only) to its value.
// User variables (@name) are not supported.
func (c *exprCtx) bindVariable(n *ast.VariableExpr) (expr.Expr, error) {
	if !n.IsSystem {
		return nil, errs.NotImplementedf("user variables (@%s) are not supported", n.Name)
	}
	v, ok := c.s.systemVariables()[strings.ToLower(n.Name)]
	if !ok || strings.EqualFold(n.Name, "database") {
		return nil, errs.NotFoundf("Unknown system variable '%s'", n.Name)
	}
	return expr.NewLiteral(v), nil
}
