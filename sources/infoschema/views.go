package infoschema

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
)

// The engine's only character set and collation (see exec/expr/collation.go).
const (
	charset   = "utf8mb4"
	collation = "utf8mb4_0900_ai_ci"
)

func str(name string) arrow.Field { return arrow.Field{Name: name, Type: arrow.BinaryTypes.String} }
func nstr(name string) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true}
}
func nint(name string) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64, Nullable: true}
}
func integer(name string) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64}
}

// appendRow appends one value per column; nil appends NULL. Values are
// string, int64 or nil, matching the view schemas above.
func appendRow(b *array.RecordBuilder, vals ...any) {
	for i, v := range vals {
		fb := b.Field(i)
		switch x := v.(type) {
		case nil:
			fb.AppendNull()
		case string:
			fb.(*array.StringBuilder).Append(x)
		case int64:
			fb.(*array.Int64Builder).Append(x)
		case int:
			fb.(*array.Int64Builder).Append(int64(x))
		}
	}
}

var schemataView = &view{
	name: "SCHEMATA",
	schema: arrow.NewSchema([]arrow.Field{
		str("CATALOG_NAME"), str("SCHEMA_NAME"), str("DEFAULT_CHARACTER_SET_NAME"),
		str("DEFAULT_COLLATION_NAME"), nstr("SQL_PATH"),
	}, nil),
	rows: func(_ context.Context, l *lister, b *array.RecordBuilder) error {
		names, err := l.schemas()
		if err != nil {
			return err
		}
		for _, n := range names {
			appendRow(b, l.catalog, n, charset, collation, nil)
		}
		return nil
	},
}

var tablesView = &view{
	name: "TABLES",
	schema: arrow.NewSchema([]arrow.Field{
		str("TABLE_CATALOG"), str("TABLE_SCHEMA"), str("TABLE_NAME"), str("TABLE_TYPE"),
		nstr("ENGINE"), nint("TABLE_ROWS"), nstr("TABLE_COLLATION"), str("TABLE_COMMENT"),
	}, nil),
	rows: func(ctx context.Context, l *lister, b *array.RecordBuilder) error {
		err := l.tables(ctx, false, func(sn, tn string, _ catalog.Table) {
			typ, engine := "BASE TABLE", "Quiver"
			if strings.EqualFold(sn, SchemaName) {
				typ, engine = "SYSTEM VIEW", ""
			}
			// TABLE_ROWS stays NULL: statistics can cost I/O per table
			// (Parquet footers, PostgreSQL catalogs) and a listing must be
			// cheap.
			appendRow(b, l.catalog, sn, tn, typ, nullIfEmpty(engine), nil, collation, "")
		})
		if err != nil {
			return err
		}
		// Stored views follow the tables; as in MySQL they have no engine
		// or collation.
		return l.views(ctx, func(sn string, def catalog.ViewDef) {
			appendRow(b, l.catalog, sn, def.Name, "VIEW", nil, nil, nil, "VIEW")
		})
	},
}

// viewsView lists the views of schemas that store them (CREATE VIEW),
// with their SQL text as written. Views are read-only here
// (IS_UPDATABLE NO: DML on a view is refused).
var viewsView = &view{
	name: "VIEWS",
	schema: arrow.NewSchema([]arrow.Field{
		str("TABLE_CATALOG"), str("TABLE_SCHEMA"), str("TABLE_NAME"), str("VIEW_DEFINITION"),
		str("CHECK_OPTION"), str("IS_UPDATABLE"),
	}, nil),
	rows: func(ctx context.Context, l *lister, b *array.RecordBuilder) error {
		return l.views(ctx, func(sn string, def catalog.ViewDef) {
			appendRow(b, l.catalog, sn, def.Name, def.SQL, "NONE", "NO")
		})
	},
}

var columnsView = &view{
	name: "COLUMNS",
	schema: arrow.NewSchema([]arrow.Field{
		str("TABLE_CATALOG"), str("TABLE_SCHEMA"), str("TABLE_NAME"), str("COLUMN_NAME"),
		integer("ORDINAL_POSITION"), nstr("COLUMN_DEFAULT"), str("IS_NULLABLE"), str("DATA_TYPE"),
		nint("CHARACTER_MAXIMUM_LENGTH"), nint("NUMERIC_PRECISION"), nint("NUMERIC_SCALE"),
		nint("DATETIME_PRECISION"), nstr("CHARACTER_SET_NAME"), nstr("COLLATION_NAME"),
		str("COLUMN_TYPE"), str("COLUMN_KEY"), str("EXTRA"), str("COLUMN_COMMENT"),
	}, nil),
	rows: func(ctx context.Context, l *lister, b *array.RecordBuilder) error {
		return l.tables(ctx, true, func(sn, tn string, t catalog.Table) {
			for i, f := range t.Schema().Fields() {
				d := describe(f.Type)
				nullable := "NO"
				if f.Nullable {
					nullable = "YES"
				}
				var cs, coll any
				if d.text {
					cs, coll = charset, collation
				}
				appendRow(b, l.catalog, sn, tn, f.Name, i+1, nil, nullable, d.dataType,
					d.charLen, d.precision, d.scale, d.dtPrecision, cs, coll, d.columnType, "", "", "")
			}
		})
	},
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// typeInfo is how INFORMATION_SCHEMA.COLUMNS describes an Arrow type in
// MySQL's terms; nil fields are NULL.
type typeInfo struct {
	dataType, columnType      string
	charLen, precision, scale any
	dtPrecision               any
	text                      bool
}

// describe maps an Arrow type to MySQL's DATA_TYPE / COLUMN_TYPE and
// precision columns. Integer precisions are MySQL's digit counts; strings
// are unbounded VARCHAR (CHARACTER_MAXIMUM_LENGTH NULL).
func describe(t arrow.DataType) typeInfo {
	name := strings.ToLower(expr.TypeName(t))
	base, _, _ := strings.Cut(name, "(")
	base = strings.TrimSuffix(base, " unsigned")
	ti := typeInfo{dataType: base, columnType: name}
	intDigits := map[arrow.Type]int64{
		arrow.INT8: 3, arrow.UINT8: 3, arrow.INT16: 5, arrow.UINT16: 5, arrow.INT32: 10,
		arrow.UINT32: 10, arrow.INT64: 19, arrow.UINT64: 20,
	}
	switch id := t.ID(); {
	case intDigits[id] > 0:
		ti.precision, ti.scale = intDigits[id], int64(0)
	case id == arrow.FLOAT32:
		ti.precision = int64(12)
	case id == arrow.FLOAT64:
		ti.precision = int64(22)
	case id == arrow.DECIMAL128 || id == arrow.DECIMAL256:
		d := t.(arrow.DecimalType)
		ti.precision, ti.scale = int64(d.GetPrecision()), int64(d.GetScale())
	case id == arrow.STRING || id == arrow.LARGE_STRING || id == arrow.STRING_VIEW:
		ti.text = true
	case id == arrow.TIMESTAMP:
		fsp := map[arrow.TimeUnit]int64{arrow.Second: 0, arrow.Millisecond: 3, arrow.Microsecond: 6, arrow.Nanosecond: 6}[t.(*arrow.TimestampType).Unit]
		ti.dtPrecision = fsp
		if fsp > 0 {
			ti.columnType = name + "(" + string(rune('0'+fsp)) + ")"
		}
	case id == arrow.TIME32 || id == arrow.TIME64:
		ti.dtPrecision = int64(6)
	case id == arrow.DATE32 || id == arrow.DATE64:
		ti.dtPrecision = nil
	}
	return ti
}
