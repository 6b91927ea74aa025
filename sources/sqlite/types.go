package sqlite

import (
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
)

// colKind is how a column's values are read from SQLite.
type colKind int

const (
	kInt colKind = iota
	kFloat
	kText
	kBlob
	kBool
	kDate
	kTimestamp
	kDecimal
	// kIntSumParts is a pushed SUM of integers read as the text "hi,lo"
	// of sqlgen.IntSum into a DECIMAL(38,0); never a column's kind.
	kIntSumParts
)

// mapDeclared maps a column's declared type to an Arrow type, following
// SQLite's affinity rules with a few recognised names first (BOOLEAN, DATE,
// DATETIME/TIMESTAMP, DECIMAL(p,s)). See the package doc for the table.
func mapDeclared(decl string) (arrow.DataType, colKind) {
	u := strings.ToUpper(strings.TrimSpace(decl))
	switch {
	case strings.HasPrefix(u, "BOOL"):
		return arrow.FixedWidthTypes.Boolean, kBool
	case strings.Contains(u, "INT"):
		return arrow.PrimitiveTypes.Int64, kInt
	case strings.HasPrefix(u, "DATETIME"), strings.HasPrefix(u, "TIMESTAMP"):
		return expr.TypeTimestamp, kTimestamp
	case strings.HasPrefix(u, "DATE"):
		return arrow.FixedWidthTypes.Date32, kDate
	case strings.Contains(u, "CHAR"), strings.Contains(u, "CLOB"), strings.Contains(u, "TEXT"), u == "", u == "ANY":
		return arrow.BinaryTypes.String, kText
	case strings.Contains(u, "BLOB"):
		return arrow.BinaryTypes.Binary, kBlob
	case strings.Contains(u, "REAL"), strings.Contains(u, "FLOA"), strings.Contains(u, "DOUB"):
		return arrow.PrimitiveTypes.Float64, kFloat
	case strings.HasPrefix(u, "DECIMAL"), strings.HasPrefix(u, "NUMERIC"):
		if p, s, ok := decimalArgs(u); ok {
			return &arrow.Decimal128Type{Precision: p, Scale: s}, kDecimal
		}
	}
	return arrow.PrimitiveTypes.Float64, kFloat // other NUMERIC affinity
}

// decimalArgs parses "(p,s)" or "(p)" of DECIMAL/NUMERIC; 1 <= p <= 38.
func decimalArgs(u string) (int32, int32, bool) {
	open, close := strings.IndexByte(u, '('), strings.IndexByte(u, ')')
	if open < 0 || close < open {
		return 0, 0, false
	}
	parts := strings.Split(u[open+1:close], ",")
	p, err := strconv.Atoi(strings.TrimSpace(parts[0]))
	if err != nil || p < 1 || p > expr.MaxDecimalPrecision || len(parts) > 2 {
		return 0, 0, false
	}
	s := 0
	if len(parts) == 2 {
		if s, err = strconv.Atoi(strings.TrimSpace(parts[1])); err != nil || s < 0 || s > p {
			return 0, 0, false
		}
	}
	return int32(p), int32(s), true
}

// column is one column of a SQLite table as Quiver reads it.
type column struct {
	name string
	kind colKind
	// sel is the SQL expression that reads the column already coerced to
	// its Arrow type (see the package doc); filter is what pushed filters
	// compare ("" = not filterable).
	sel, filter string
}

// newColumn builds the read expression of a column. plain means every
// stored value is known to have the declared storage class (a STRICT
// table's INTEGER/REAL/TEXT/BLOB column, or the rowid alias), so the column
// is read as is (and SQLite can use its indexes for pushed filters).
func newColumn(name string, kind colKind, plain bool) column {
	q := sqlgen.SQLite.QuoteIdent(name)
	c := column{name: name, kind: kind}
	switch kind {
	case kInt:
		c.sel = "CASE WHEN typeof(" + q + ")='integer' THEN " + q + " END"
	case kFloat:
		c.sel = "CASE WHEN typeof(" + q + ") IN ('integer','real') THEN CAST(" + q + " AS REAL) END"
	case kText:
		c.sel = "CASE WHEN typeof(" + q + ") IN ('integer','real','text') THEN CAST(" + q + " AS TEXT) END"
	case kBlob:
		c.sel = "CASE WHEN typeof(" + q + ") IN ('blob','text') THEN CAST(" + q + " AS BLOB) END"
	case kBool:
		c.sel = "CASE WHEN typeof(" + q + ") IN ('integer','real') THEN " + q + " <> 0 END"
	case kDate:
		c.sel = "CASE WHEN typeof(" + q + ")='text' AND date(" + q + ") IS " + q + " THEN " + q + " END"
	case kTimestamp:
		c.sel = "CASE WHEN typeof(" + q + ")='text' THEN strftime('%Y-%m-%d %H:%M:%f', " + q + ") || '000' END"
	case kDecimal:
		c.sel = "CASE WHEN typeof(" + q + ") IN ('integer','real','text') THEN CAST(" + q + " AS TEXT) END"
	}
	if plain && (kind == kInt || kind == kFloat || kind == kText || kind == kBlob) {
		c.sel = q
	}
	if kind != kDecimal {
		c.filter = c.sel
		if c.sel != q {
			c.filter = "(" + c.sel + ")"
		}
	}
	return c
}

// strictPlain reports whether a STRICT table's declared type guarantees the
// storage class newColumn's plain mode needs for kind.
func strictPlain(decl string, kind colKind) bool {
	switch strings.ToUpper(strings.TrimSpace(decl)) {
	case "INT", "INTEGER":
		return kind == kInt
	case "REAL":
		return kind == kFloat
	case "TEXT":
		return kind == kText
	case "BLOB":
		return kind == kBlob
	}
	return false
}

// declaredType is the SQLite column type CREATE TABLE uses for an Arrow
// type, chosen so that mapDeclared maps it back to the table's type.
func declaredType(f arrow.Field) (string, error) {
	switch t := f.Type.(type) {
	case *arrow.Decimal128Type:
		return "DECIMAL(" + strconv.Itoa(int(t.Precision)) + "," + strconv.Itoa(int(t.Scale)) + ")", nil
	}
	switch f.Type.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32:
		return "INTEGER", nil
	case arrow.FLOAT32, arrow.FLOAT64:
		return "REAL", nil
	case arrow.STRING, arrow.LARGE_STRING:
		return "TEXT", nil
	case arrow.BINARY, arrow.LARGE_BINARY:
		return "BLOB", nil
	case arrow.BOOL:
		return "BOOLEAN", nil
	case arrow.DATE32:
		return "DATE", nil
	case arrow.TIMESTAMP:
		return "DATETIME", nil
	}
	return "", errs.NotImplementedf("column %s: SQLite tables cannot store %s values (supported: integers up to BIGINT, DOUBLE, VARCHAR, VARBINARY, BOOLEAN, DATE, DATETIME, DECIMAL)", f.Name, expr.TypeName(f.Type))
}
