package server

import (
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	pb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"
	"github.com/pingcap/tidb/pkg/parser"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/exec/expr"
)

// GetSqlInfo answers. Every id the JDBC driver, flightsql-dbapi and ADBC read
// is here (CLIENTS.md item 2) with the union member they expect: a missing
// id or a wrong member crashes DBeaver/Tableau/Metabase. The values describe
// what the engine does today; update them with the engine (joins, unions,
// subqueries, the function lists).
//
// Keyword and function lists are generated from the engine: the parser's
// reserved keywords and exec/expr's function registry (classified by the
// tables below; an unclassified function is listed as a string function).
// Grammar support comes from exec.DefaultCapabilities.
var (
	sqlKeywords                                                                       = reservedKeywords()
	sqlNumericFunctions, sqlStringFunctions, sqlSystemFunctions, sqlDatetimeFunctions = classifyFunctions(expr.DefaultFunctions().Names())
)

var numericFuncs = setOf("abs", "acos", "asin", "atan", "atan2", "ceil", "ceiling", "cos", "cot", "crc32",
	"degrees", "exp", "floor", "ln", "log", "log10", "log2", "mod", "pi", "pow", "power", "radians",
	"rand", "round", "sign", "sin", "sqrt", "tan", "truncate", "bit_count", "conv")

var systemFuncs = setOf("coalesce", "database", "greatest", "if", "ifnull", "interval", "isnull", "least",
	"nullif", "schema", "user", "version", "current_user", "connection_id", "session_user", "system_user",
	"last_insert_id", "charset", "collation", "uuid")

var datetimeFuncs = setOf("adddate", "curdate", "current_date", "current_time", "current_timestamp", "curtime",
	"date", "date_add", "date_format", "date_sub", "datediff", "day", "dayname", "dayofmonth", "dayofweek",
	"dayofyear", "extract", "from_days", "from_unixtime", "hour", "last_day", "localtime", "localtimestamp",
	"makedate", "microsecond", "minute", "month", "monthname", "now", "quarter", "second", "str_to_date",
	"subdate", "sysdate", "time", "timestampdiff", "to_days", "unix_timestamp", "utc_date", "utc_time",
	"utc_timestamp", "week", "weekday", "weekofyear", "year", "yearweek", "convert_tz", "addtime", "subtime",
	"timediff", "time_to_sec", "sec_to_time", "maketime", "time_format", "period_add", "period_diff",
	"to_seconds", "timestamp", "timestampadd", "get_format")

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// classifyFunctions splits registry names (sorted) into the four GetSqlInfo
// lists, upper-cased. Internal names (with an underscore suffix such as
// insert_func) are left out.
func classifyFunctions(names []string) (numeric, str, system, datetime []string) {
	for _, n := range names {
		if strings.HasSuffix(n, "_func") {
			continue
		}
		u := strings.ToUpper(n)
		switch {
		case numericFuncs[n]:
			numeric = append(numeric, u)
		case systemFuncs[n]:
			system = append(system, u)
		case datetimeFuncs[n]:
			datetime = append(datetime, u)
		default:
			str = append(str, u)
		}
	}
	return numeric, str, system, datetime
}

// reservedKeywords lists the parser's reserved words, sorted.
func reservedKeywords() []string {
	var out []string
	for _, k := range parser.Keywords {
		if k.Reserved {
			out = append(out, strings.ToUpper(k.Word))
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func bit(n int32) int32 { return 1 << n }

func transactionSupport(c exec.Capabilities) int32 {
	if c.Transactions {
		return int32(flightsql.SqlTransactionTransaction)
	}
	return int32(flightsql.SqlTransactionNone)
}

func outerJoinLevel(c exec.Capabilities) int32 {
	switch {
	case c.OuterJoins && c.FullOuterJoins:
		return int32(pb.SqlOuterJoinsSupportLevel_SQL_FULL_OUTER_JOINS)
	case c.OuterJoins:
		return int32(pb.SqlOuterJoinsSupportLevel_SQL_LIMITED_OUTER_JOINS)
	}
	return int32(pb.SqlOuterJoinsSupportLevel_SQL_JOINS_UNSUPPORTED)
}

func subqueryBits(c exec.Capabilities) int32 {
	var b int32
	for _, x := range []struct {
		on  bool
		bit pb.SqlSupportedSubqueries
	}{
		{c.SubqueryComparisons, pb.SqlSupportedSubqueries_SQL_SUBQUERIES_IN_COMPARISONS},
		{c.SubqueryExists, pb.SqlSupportedSubqueries_SQL_SUBQUERIES_IN_EXISTS},
		{c.SubqueryIn, pb.SqlSupportedSubqueries_SQL_SUBQUERIES_IN_INS},
		{c.SubqueryQuantified, pb.SqlSupportedSubqueries_SQL_SUBQUERIES_IN_QUANTIFIEDS},
	} {
		if x.on {
			b |= bit(int32(x.bit))
		}
	}
	return b
}

func unionBits(c exec.Capabilities) int32 {
	var b int32
	if c.Union {
		b |= bit(int32(pb.SqlSupportedUnions_SQL_UNION))
	}
	if c.UnionAll {
		b |= bit(int32(pb.SqlSupportedUnions_SQL_UNION_ALL))
	}
	return b
}

func groupByBits(c exec.Capabilities) int32 {
	b := bit(int32(pb.SqlSupportedGroupBy_SQL_GROUP_BY_BEYOND_SELECT))
	if c.GroupByUnrelated {
		b |= bit(int32(pb.SqlSupportedGroupBy_SQL_GROUP_BY_UNRELATED))
	}
	return b
}

// sqlInfo returns the id → value table (values are string, bool, int64,
// int32, []string or map[int32][]int32: BaseServer picks the union member
// from the Go type).
func sqlInfo() map[flightsql.SqlInfo]any {
	caps := exec.DefaultCapabilities
	numeric := []int32{
		int32(flightsql.SqlConvertBigInt), int32(flightsql.SqlConvertInteger),
		int32(flightsql.SqlConvertSmallInt), int32(flightsql.SqlConvertTinyInt),
		int32(flightsql.SqlConvertDecimal), int32(flightsql.SqlConvertFloat),
		int32(flightsql.SqlConvertReal), int32(flightsql.SqlConvertBit),
		int32(flightsql.SqlConvertVarchar),
	}
	temporal := []int32{
		int32(flightsql.SqlConvertDate), int32(flightsql.SqlConvertTimestamp),
		int32(flightsql.SqlConvertTime), int32(flightsql.SqlConvertVarchar),
	}
	convert := map[int32][]int32{}
	for _, from := range numeric {
		convert[from] = numeric
	}
	for _, from := range temporal[:3] {
		convert[from] = temporal
	}
	convert[int32(flightsql.SqlConvertVarchar)] = append(append([]int32{}, numeric...), temporal[:3]...)
	convert[int32(flightsql.SqlConvertVarbinary)] = []int32{int32(flightsql.SqlConvertVarbinary), int32(flightsql.SqlConvertVarchar)}

	return map[flightsql.SqlInfo]any{
		// Server.
		flightsql.SqlInfoFlightSqlServerName:                        "Quiver",
		flightsql.SqlInfoFlightSqlServerVersion:                     Version,
		flightsql.SqlInfoFlightSqlServerArrowVersion:                arrow.PkgVersion,
		flightsql.SqlInfoFlightSqlServerReadOnly:                    false,
		flightsql.SqlInfoFlightSqlServerSql:                         true,
		flightsql.SqlInfoFlightSqlServerSubstrait:                   false,
		flightsql.SqlInfoFlightSqlServerTransaction:                 transactionSupport(caps),
		flightsql.SqlInfoFlightSqlServerCancel:                      true,
		flightsql.SqlInfoFlightSqlServerBulkIngestion:               true,
		flightsql.SqlInfoFlightSqlServerIngestTransactionsSupported: false,
		flightsql.SqlInfoFlightSqlServerStatementTimeout:            int32(0),
		flightsql.SqlInfoFlightSqlServerTransactionTimeout:          int32(0),

		// SQL language.
		flightsql.SqlInfoDDLCatalog:                             false,
		flightsql.SqlInfoDDLSchema:                              false,
		flightsql.SqlInfoDDLTable:                               true,
		flightsql.SqlInfoIdentifierCase:                         int64(flightsql.SqlCaseSensitivityCaseInsensitive),
		flightsql.SqlInfoIdentifierQuoteChar:                    "`",
		flightsql.SqlInfoQuotedIdentifierCase:                   int64(flightsql.SqlCaseSensitivityCaseInsensitive),
		flightsql.SqlInfoAllTablesAreASelectable:                true,
		flightsql.SqlInfoNullOrdering:                           int64(flightsql.SqlNullOrderingSortLow),
		flightsql.SqlInfoKeywords:                               sqlKeywords,
		flightsql.SqlInfoNumericFunctions:                       sqlNumericFunctions,
		flightsql.SqlInfoStringFunctions:                        sqlStringFunctions,
		flightsql.SqlInfoSystemFunctions:                        sqlSystemFunctions,
		flightsql.SqlInfoDateTimeFunctions:                      sqlDatetimeFunctions,
		flightsql.SqlInfoSearchStringEscape:                     `\`,
		flightsql.SqlInfoExtraNameChars:                         "$",
		flightsql.SqlInfoSupportsColumnAliasing:                 true,
		flightsql.SqlInfoNullPlusNullIsNull:                     true,
		flightsql.SqlInfoSupportsConvert:                        convert,
		flightsql.SqlInfoSupportsTableCorrelationNames:          true,
		flightsql.SqlInfoSupportsDifferentTableCorrelationNames: false,
		flightsql.SqlInfoSupportsExpressionsInOrderBy:           true,
		flightsql.SqlInfoSupportsOrderByUnrelated:               caps.OrderByUnrelated,
		flightsql.SqlInfoSupportedGroupBy:                       groupByBits(caps),
		flightsql.SqlInfoSupportsLikeEscapeClause:               true,
		flightsql.SqlInfoSupportsNonNullableColumns:             true,
		flightsql.SqlInfoSupportedGrammar:                       bit(int32(pb.SupportedSqlGrammar_SQL_MINIMUM_GRAMMAR)),
		flightsql.SqlInfoANSI92SupportedLevel:                   bit(int32(pb.SupportedAnsi92SqlGrammarLevel_ANSI92_ENTRY_SQL)),
		flightsql.SqlInfoSupportsIntegrityEnhancementFacility:   false,
		flightsql.SqlInfoOuterJoinsSupportLevel:                 outerJoinLevel(caps),
		flightsql.SqlInfoSchemaTerm:                             "schema",
		flightsql.SqlInfoProcedureTerm:                          "procedure",
		flightsql.SqlInfoCatalogTerm:                            "catalog",
		flightsql.SqlInfoCatalogAtStart:                         true,
		flightsql.SqlInfoSchemasSupportedActions:                int32(0),
		flightsql.SqlInfoCatalogsSupportedActions:               int32(0),
		flightsql.SqlInfoSupportedPositionedCommands:            int32(0),
		flightsql.SqlInfoSelectForUpdateSupported:               false,
		flightsql.SqlInfoStoredProceduresSupported:              false,
		flightsql.SqlInfoSupportedSubqueries:                    subqueryBits(caps),
		flightsql.SqlInfoCorrelatedSubqueriesSupported:          caps.CorrelatedSubqueries,
		flightsql.SqlInfoSupportedUnions:                        unionBits(caps),

		// Limits: 0 means no fixed limit (or unknown).
		flightsql.SqlInfoMaxBinaryLiteralLen:     int64(0),
		flightsql.SqlInfoMaxCharLiteralLen:       int64(0),
		flightsql.SqlInfoMaxColumnNameLen:        int64(0),
		flightsql.SqlInfoMaxColumnsInGroupBy:     int64(0),
		flightsql.SqlInfoMaxColumnsInIndex:       int64(0),
		flightsql.SqlInfoMaxColumnsInOrderBy:     int64(0),
		flightsql.SqlInfoMaxColumnsInSelect:      int64(0),
		flightsql.SqlInfoMaxColumnsInTable:       int64(0),
		flightsql.SqlInfoMaxConnections:          int64(0),
		flightsql.SqlInfoMaxCursorNameLen:        int64(0),
		flightsql.SqlInfoMaxIndexLen:             int64(0),
		flightsql.SqlInfoDBSchemaNameLen:         int64(0),
		flightsql.SqlInfoMaxProcedureNameLen:     int64(0),
		flightsql.SqlInfoMaxCatalogNameLen:       int64(0),
		flightsql.SqlInfoMaxRowSize:              int64(0),
		flightsql.SqlInfoMaxRowSizeIncludesBlobs: false,
		flightsql.SqlInfoMaxStatementLen:         int64(exec.DefaultLimits.MaxSQLBytes),
		flightsql.SqlInfoMaxStatements:           int64(0),
		flightsql.SqlInfoMaxTableNameLen:         int64(0),
		flightsql.SqlInfoMaxTablesInSelect:       int64(0),
		flightsql.SqlInfoMaxUsernameLen:          int64(0),

		// Transactions: none.
		flightsql.SqlInfoDefaultTransactionIsolation:           int64(pb.SqlTransactionIsolationLevel_SQL_TRANSACTION_NONE),
		flightsql.SqlInfoTransactionsSupported:                 false,
		flightsql.SqlInfoSupportedTransactionsIsolationlevels:  int32(0),
		flightsql.SqlInfoDataDefinitionCausesTransactionCommit: false,
		flightsql.SqlInfoDataDefinitionsInTransactionsIgnored:  false,

		// Result sets: forward-only, read-only.
		flightsql.SqlInfoSupportedResultSetTypes:                             bit(int32(pb.SqlSupportedResultSetType_SQL_RESULT_SET_TYPE_FORWARD_ONLY)),
		flightsql.SqlInfoSupportedConcurrenciesForResultSetUnspecified:       bit(int32(pb.SqlSupportedResultSetConcurrency_SQL_RESULT_SET_CONCURRENCY_READ_ONLY)),
		flightsql.SqlInfoSupportedConcurrenciesForResultSetForwardOnly:       bit(int32(pb.SqlSupportedResultSetConcurrency_SQL_RESULT_SET_CONCURRENCY_READ_ONLY)),
		flightsql.SqlInfoSupportedConcurrenciesForResultSetScrollSensitive:   int32(0),
		flightsql.SqlInfoSupportedConcurrenciesForResultSetScrollInsensitive: int32(0),
		flightsql.SqlInfoBatchUpdatesSupported:                               false,
		flightsql.SqlInfoSavePointsSupported:                                 false,
		flightsql.SqlInfoNamedParametersSupported:                            false,
		flightsql.SqlInfoLocatorsUpdateCopy:                                  false,
		flightsql.SqlInfoStoredFunctionsUsingCallSyntaxSupported:             false,
	}
}

func (s *service) registerSqlInfo() error {
	for id, v := range sqlInfo() {
		if err := s.RegisterSqlInfo(id, v); err != nil {
			return errs.Wrap(errs.ErrInternal, err, "registering SqlInfo %s", id)
		}
	}
	return nil
}
