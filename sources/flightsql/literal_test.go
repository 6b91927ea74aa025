package flightsql_test

import (
	"math"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/flightsql"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
)

func TestRenderLiteral(t *testing.T) {
	str := func(s string) *expr.Literal { return &expr.Literal{DataType: arrow.BinaryTypes.String, Value: s} }
	i64 := func(v int64) *expr.Literal { return &expr.Literal{DataType: arrow.PrimitiveTypes.Int64, Value: v} }
	f64 := func(v float64) *expr.Literal { return &expr.Literal{DataType: arrow.PrimitiveTypes.Float64, Value: v} }
	day := &expr.Literal{DataType: arrow.FixedWidthTypes.Date32, Value: arrow.Date32FromTime(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC))}
	tsT := &arrow.TimestampType{Unit: arrow.Microsecond}
	tsUTC := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	at := time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC).UnixMicro()
	ts := &expr.Literal{DataType: tsT, Value: arrow.Timestamp(at)}
	tsz := &expr.Literal{DataType: tsUTC, Value: arrow.Timestamp(at)}
	tsNano := &expr.Literal{DataType: &arrow.TimestampType{Unit: arrow.Nanosecond}, Value: arrow.Timestamp(1)}
	bin := &expr.Literal{DataType: arrow.BinaryTypes.Binary, Value: []byte{0xde, 0xad}}
	u := &expr.Literal{DataType: arrow.PrimitiveTypes.Uint64, Value: uint64(math.MaxUint64)}
	boolT := &expr.Literal{DataType: arrow.FixedWidthTypes.Boolean, Value: true}

	for _, c := range []struct {
		d    sqlgen.Dialect
		l    *expr.Literal
		want string // "" = refused
	}{
		{sqlgen.MySQL, str(`it's a \ back'slash`), `'it''s a \\ back''slash'`},
		{sqlgen.Postgres, str(`it's a \ x`), `E'it''s a \\ x'`},
		{sqlgen.SQLite, str(`it's a \ x`), `'it''s a \ x'`},
		{sqlgen.MySQL, str("bad\xff"), ""},
		{sqlgen.MySQL, str("nul\x00"), ""},
		{sqlgen.MySQL, i64(-5), "(-5)"},
		{sqlgen.MySQL, i64(math.MinInt64), ""},
		{sqlgen.MySQL, i64(42), "42"},
		{sqlgen.MySQL, u, ""},
		{sqlgen.MySQL, f64(0.1), "1e-01"},
		{sqlgen.MySQL, f64(-2.5), "(-2.5e+00)"},
		{sqlgen.Postgres, f64(0.1), "CAST('1e-01' AS DOUBLE PRECISION)"},
		{sqlgen.MySQL, f64(math.NaN()), ""},
		{sqlgen.Postgres, f64(math.Inf(1)), ""},
		{sqlgen.MySQL, day, "DATE '2024-02-29'"},
		{sqlgen.SQLite, day, "'2024-02-29'"},
		{sqlgen.MySQL, ts, "TIMESTAMP '2024-01-02 03:04:05.000006'"},
		{sqlgen.MySQL, tsz, ""},
		{sqlgen.Postgres, tsz, "TIMESTAMP WITH TIME ZONE '2024-01-02 03:04:05.000006+00'"},
		{sqlgen.MySQL, tsNano, ""},
		{sqlgen.MySQL, bin, "X'dead'"},
		{sqlgen.Postgres, bin, "decode('dead', 'hex')"},
		{sqlgen.MySQL, boolT, "TRUE"},
		{sqlgen.SQLite, boolT, "1"},
		{sqlgen.MySQL, &expr.Literal{DataType: arrow.PrimitiveTypes.Int64}, ""},
	} {
		got, ok := flightsql.RenderLiteral(c.d, c.l)
		if c.want == "" {
			if ok {
				t.Errorf("%s %s: rendered %s, want refused", c.d.Name, c.l, got)
			}
			continue
		}
		if !ok || got != c.want {
			t.Errorf("%s %s: got %q (ok=%v), want %q", c.d.Name, c.l, got, ok, c.want)
		}
	}
}
