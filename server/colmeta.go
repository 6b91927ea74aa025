package server

import (
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"

	"github.com/quiverdb/quiver/exec/expr"
)

// isNullableKey is not among arrow-go's flightsql constants; the Flight SQL
// column metadata family uses this spelling.
const isNullableKey = "ARROW:FLIGHT:SQL:IS_NULLABLE"

// columnOrigin names the table a column comes from; empty fields are
// reported as empty strings (unknown), as JDBC expects.
type columnOrigin struct{ Catalog, Schema, Table string }

// withColumnMetadata returns schema with the Flight SQL column metadata
// (ARROW:FLIGHT:SQL:TYPE_NAME, PRECISION, SCALE, CATALOG_NAME, SCHEMA_NAME,
// TABLE_NAME, IS_NULLABLE, IS_AUTO_INCREMENT, IS_CASE_SENSITIVE,
// IS_READ_ONLY, IS_SEARCHABLE) on every field. Keys a field already
// carries (an engine that knows a column's table) are kept. The result is a
// pure function of its inputs, so the schema announced at prepare time
// equals the one DoGet streams. schema itself is not modified.
func withColumnMetadata(schema *arrow.Schema, origin columnOrigin) *arrow.Schema {
	fields := make([]arrow.Field, schema.NumFields())
	for i, f := range schema.Fields() {
		keys := append([]string(nil), f.Metadata.Keys()...)
		vals := append([]string(nil), f.Metadata.Values()...)
		add := func(k, v string) {
			if f.Metadata.FindKey(k) < 0 {
				keys = append(keys, k)
				vals = append(vals, v)
			}
		}
		add(flightsql.TypeNameKey, expr.TypeName(f.Type))
		prec, scale, hasScale := precisionScale(f.Type)
		if prec > 0 {
			add(flightsql.PrecisionKey, strconv.Itoa(int(prec)))
		}
		if hasScale {
			add(flightsql.ScaleKey, strconv.Itoa(int(scale)))
		}
		add(flightsql.CatalogNameKey, origin.Catalog)
		add(flightsql.SchemaNameKey, origin.Schema)
		add(flightsql.TableNameKey, origin.Table)
		add(isNullableKey, boolMeta(f.Nullable))
		add(flightsql.IsAutoIncrementKey, "0")
		add(flightsql.IsCaseSensitiveKey, boolMeta(isStringy(f.Type)))
		add(flightsql.IsReadOnlyKey, "0")
		add(flightsql.IsSearchableKey, "1")
		// No default REMARKS: the JDBC driver (18.x and 19.x) copies any
		// REMARKS value, even "", into the column label, and an empty label
		// breaks ResultSet lookups by name (getString("col")).
		f.Metadata = arrow.NewMetadata(keys, vals)
		fields[i] = f
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md)
}

func boolMeta(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func isStringy(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}

// maxVarLen is the precision (display size) we report for variable-length
// strings and binaries: MySQL's TEXT/BLOB limit.
const maxVarLen = 65535

// precisionScale is a column's JDBC precision (digits, or characters for
// strings and temporal types) and scale (digits after the point; fractional
// seconds for times). prec 0 means unknown; hasScale is false where a scale
// does not apply.
func precisionScale(t arrow.DataType) (prec, scale int32, hasScale bool) {
	switch t := t.(type) {
	case arrow.DecimalType:
		return t.GetPrecision(), t.GetScale(), true
	case *arrow.TimestampType:
		d := unitDigits(t.Unit)
		return 19 + fracWidth(d), d, true
	case *arrow.Time32Type:
		d := unitDigits(t.Unit)
		return 8 + fracWidth(d), d, true
	case *arrow.Time64Type:
		d := unitDigits(t.Unit)
		return 8 + fracWidth(d), d, true
	}
	switch t.ID() {
	case arrow.BOOL:
		return 1, 0, false
	case arrow.INT8:
		return 3, 0, true
	case arrow.UINT8:
		return 3, 0, true
	case arrow.INT16, arrow.UINT16:
		return 5, 0, true
	case arrow.INT32, arrow.UINT32:
		return 10, 0, true
	case arrow.INT64:
		return 19, 0, true
	case arrow.UINT64:
		return 20, 0, true
	case arrow.FLOAT32:
		return 7, 0, false
	case arrow.FLOAT64:
		return 15, 0, false
	case arrow.DATE32, arrow.DATE64:
		return 10, 0, false
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW,
		arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW:
		return maxVarLen, 0, false
	case arrow.FIXED_SIZE_BINARY:
		return int32(t.(*arrow.FixedSizeBinaryType).ByteWidth), 0, false
	}
	return 0, 0, false
}

func unitDigits(u arrow.TimeUnit) int32 {
	switch u {
	case arrow.Millisecond:
		return 3
	case arrow.Microsecond:
		return 6
	case arrow.Nanosecond:
		return 9
	}
	return 0
}

// fracWidth is the width of ".fff" for d fractional digits.
func fracWidth(d int32) int32 {
	if d == 0 {
		return 0
	}
	return d + 1
}
