package planbuilder

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/charset"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/types"

	"github.com/quiverdb/quiver/errs"
)

// maxDecimalPrecision is the widest DECIMAL Quiver stores (Decimal128):
// older clients cannot read Decimal256 (CLIENTS.md).
const maxDecimalPrecision = 38

// arrowType maps a MySQL column or CAST type to its Arrow type:
//
//	TINYINT(1)/BOOL → bool; TINYINT/SMALLINT/INT/MEDIUMINT/BIGINT → int8/16/32/32/64
//	(UNSIGNED → uint*); FLOAT → float32; DOUBLE → float64;
//	DECIMAL(p,s) → decimal128(p,s) (default (10,0), p ≤ 38);
//	CHAR/VARCHAR/TEXT/ENUM/SET/JSON → utf8; BINARY/VARBINARY/BLOB/BIT → binary;
//	DATE → date32; DATETIME → timestamp[us]; TIMESTAMP → timestamp[us, UTC];
//	TIME → time64[us]; YEAR → int16.
//
// forCast selects CAST's reading of the same type codes (CAST(x AS SIGNED) is
// BIGINT, CAST(x AS CHAR) is a string, CAST(x AS BINARY) bytes).
func arrowType(ft *types.FieldType, forCast bool) (arrow.DataType, error) {
	unsigned := mysql.HasUnsignedFlag(ft.GetFlag())
	binary := ft.GetCharset() == charset.CharsetBin
	switch ft.GetType() {
	case mysql.TypeTiny:
		if ft.GetFlen() == 1 && !unsigned {
			return arrow.FixedWidthTypes.Boolean, nil
		}
		if unsigned {
			return arrow.PrimitiveTypes.Uint8, nil
		}
		return arrow.PrimitiveTypes.Int8, nil
	case mysql.TypeShort:
		if unsigned {
			return arrow.PrimitiveTypes.Uint16, nil
		}
		return arrow.PrimitiveTypes.Int16, nil
	case mysql.TypeInt24, mysql.TypeLong:
		if unsigned {
			return arrow.PrimitiveTypes.Uint32, nil
		}
		return arrow.PrimitiveTypes.Int32, nil
	case mysql.TypeLonglong:
		if unsigned {
			return arrow.PrimitiveTypes.Uint64, nil
		}
		return arrow.PrimitiveTypes.Int64, nil
	case mysql.TypeFloat:
		return arrow.PrimitiveTypes.Float32, nil
	case mysql.TypeDouble:
		return arrow.PrimitiveTypes.Float64, nil
	case mysql.TypeNewDecimal:
		p, s := ft.GetFlen(), ft.GetDecimal()
		if p == types.UnspecifiedLength || p <= 0 {
			p = 10
		}
		if s == types.UnspecifiedLength || s < 0 {
			s = 0
		}
		if p > maxDecimalPrecision {
			return nil, errs.NotImplementedf("DECIMAL(%d,%d): precision over %d is not supported", p, s, maxDecimalPrecision)
		}
		if s > p {
			return nil, errs.Invalidf("DECIMAL(%d,%d): scale must not exceed precision", p, s)
		}
		return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}, nil
	case mysql.TypeVarchar, mysql.TypeVarString, mysql.TypeString,
		mysql.TypeTinyBlob, mysql.TypeMediumBlob, mysql.TypeLongBlob, mysql.TypeBlob:
		if binary {
			return arrow.BinaryTypes.Binary, nil
		}
		return arrow.BinaryTypes.String, nil
	case mysql.TypeEnum, mysql.TypeSet, mysql.TypeJSON:
		return arrow.BinaryTypes.String, nil
	case mysql.TypeBit:
		return arrow.BinaryTypes.Binary, nil
	case mysql.TypeDate, mysql.TypeNewDate:
		return arrow.FixedWidthTypes.Date32, nil
	case mysql.TypeDatetime:
		return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
	case mysql.TypeTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
	case mysql.TypeDuration:
		return arrow.FixedWidthTypes.Time64us, nil
	case mysql.TypeYear:
		return arrow.PrimitiveTypes.Int16, nil
	case mysql.TypeNull:
		return arrow.Null, nil
	}
	what := "column"
	if forCast {
		what = "CAST"
	}
	return nil, errs.NotImplementedf("%s type %s is not supported", what, ft.String())
}
