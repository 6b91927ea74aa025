package server

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	pb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec"
)

// GetSqlInfo answers. Every id the JDBC driver, flightsql-dbapi and ADBC read
// is here (CLIENTS.md item 2) with the union member they expect: a missing
// id or a wrong member crashes DBeaver/Tableau/Metabase. The values describe
// what the engine does today; update them with the engine (joins, unions,
// subqueries, the function lists).
//
// Function lists name the MySQL functions the engine is meant to support;
// keep them in step with exec/expr's function registry.
var (
	sqlKeywords = []string{
		"ACCESSIBLE", "ANALYZE", "AUTO_INCREMENT", "CHANGE", "DATABASE", "DATABASES",
		"DAY_HOUR", "DAY_MINUTE", "DAY_SECOND", "DELAYED", "DISTINCTROW", "DIV", "DUAL",
		"ENCLOSED", "ESCAPED", "EXPLAIN", "FORCE", "FULLTEXT", "HIGH_PRIORITY",
		"HOUR_MINUTE", "HOUR_SECOND", "IGNORE", "INDEX", "KEYS", "KILL", "LIMIT",
		"LINES", "LOAD", "LOCK", "LONG", "LOW_PRIORITY", "MOD", "OPTIMIZE", "REGEXP",
		"RENAME", "REPLACE", "RLIKE", "SCHEMAS", "SHOW", "SPATIAL", "STRAIGHT_JOIN",
		"TERMINATED", "UNLOCK", "UNSIGNED", "USE", "XOR", "YEAR_MONTH", "ZEROFILL",
	}
	sqlNumericFunctions = []string{
		"ABS", "CEIL", "CEILING", "EXP", "FLOOR", "LN", "LOG", "LOG10", "LOG2", "MOD",
		"PI", "POW", "POWER", "ROUND", "SIGN", "SQRT", "TRUNCATE",
	}
	sqlStringFunctions = []string{
		"CHAR_LENGTH", "CONCAT", "CONCAT_WS", "LCASE", "LEFT", "LENGTH", "LOWER", "LPAD",
		"LTRIM", "REPLACE", "REVERSE", "RIGHT", "RPAD", "RTRIM", "SUBSTR", "SUBSTRING",
		"TRIM", "UCASE", "UPPER",
	}
	sqlSystemFunctions = []string{
		"COALESCE", "DATABASE", "IF", "IFNULL", "NULLIF", "VERSION",
	}
	sqlDatetimeFunctions = []string{
		"CURDATE", "CURRENT_DATE", "CURRENT_TIMESTAMP", "DATE", "DATE_ADD", "DATE_FORMAT",
		"DATE_SUB", "DATEDIFF", "DAY", "DAYOFMONTH", "DAYOFWEEK", "DAYOFYEAR", "EXTRACT",
		"HOUR", "MINUTE", "MONTH", "NOW", "QUARTER", "SECOND", "WEEK", "YEAR",
	}
)

func bit(n int32) int32 { return 1 << n }

// sqlInfo returns the id → value table (values are string, bool, int64,
// int32, []string or map[int32][]int32: BaseServer picks the union member
// from the Go type).
func sqlInfo() map[flightsql.SqlInfo]any {
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
		flightsql.SqlInfoFlightSqlServerTransaction:                 int32(flightsql.SqlTransactionNone),
		flightsql.SqlInfoFlightSqlServerCancel:                      true,
		flightsql.SqlInfoFlightSqlServerBulkIngestion:               false,
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
		flightsql.SqlInfoSupportsOrderByUnrelated:               true,
		flightsql.SqlInfoSupportedGroupBy: bit(int32(pb.SqlSupportedGroupBy_SQL_GROUP_BY_UNRELATED)) |
			bit(int32(pb.SqlSupportedGroupBy_SQL_GROUP_BY_BEYOND_SELECT)),
		flightsql.SqlInfoSupportsLikeEscapeClause:             true,
		flightsql.SqlInfoSupportsNonNullableColumns:           true,
		flightsql.SqlInfoSupportedGrammar:                     bit(int32(pb.SupportedSqlGrammar_SQL_MINIMUM_GRAMMAR)),
		flightsql.SqlInfoANSI92SupportedLevel:                 bit(int32(pb.SupportedAnsi92SqlGrammarLevel_ANSI92_ENTRY_SQL)),
		flightsql.SqlInfoSupportsIntegrityEnhancementFacility: false,
		// No joins yet.
		flightsql.SqlInfoOuterJoinsSupportLevel:      int32(pb.SqlOuterJoinsSupportLevel_SQL_JOINS_UNSUPPORTED),
		flightsql.SqlInfoSchemaTerm:                  "schema",
		flightsql.SqlInfoProcedureTerm:               "procedure",
		flightsql.SqlInfoCatalogTerm:                 "catalog",
		flightsql.SqlInfoCatalogAtStart:              true,
		flightsql.SqlInfoSchemasSupportedActions:     int32(0),
		flightsql.SqlInfoCatalogsSupportedActions:    int32(0),
		flightsql.SqlInfoSupportedPositionedCommands: int32(0),
		flightsql.SqlInfoSelectForUpdateSupported:    false,
		flightsql.SqlInfoStoredProceduresSupported:   false,
		// No subqueries or unions yet.
		flightsql.SqlInfoSupportedSubqueries:           int32(0),
		flightsql.SqlInfoCorrelatedSubqueriesSupported: false,
		flightsql.SqlInfoSupportedUnions:               int32(0),

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
