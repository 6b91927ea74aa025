package server

import (
	"context"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql/schema_ref"
	pb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"
)

// xdbcType is one row of GetXdbcTypeInfo: a SQL type Quiver accepts and
// produces, described as ODBC's SQLGetTypeInfo / JDBC's getTypeInfo do.
type xdbcType struct {
	name         string
	dataType     pb.XdbcDataType
	columnSize   int32
	prefix       string // literal prefix/suffix; "" = none (null)
	suffix       string
	createParams []string // nil = null
	caseSens     bool
	numeric      bool  // unsigned_attribute / auto_increment / radix apply
	minScale     int32 // with hasScale
	maxScale     int32
	hasScale     bool
	datetimeSub  pb.XdbcDatetimeSubcode // 0 = not a datetime type
}

// xdbcTypes are Quiver's SQL types (MySQL names), ordered by data_type as
// ODBC requires.
var xdbcTypes = func() []xdbcType {
	t := []xdbcType{
		{name: "BIGINT", dataType: pb.XdbcDataType_XDBC_BIGINT, columnSize: 19, numeric: true},
		{name: "INT", dataType: pb.XdbcDataType_XDBC_INTEGER, columnSize: 10, numeric: true},
		{name: "SMALLINT", dataType: pb.XdbcDataType_XDBC_SMALLINT, columnSize: 5, numeric: true},
		{name: "TINYINT", dataType: pb.XdbcDataType_XDBC_TINYINT, columnSize: 3, numeric: true},
		{name: "DOUBLE", dataType: pb.XdbcDataType_XDBC_DOUBLE, columnSize: 15, numeric: true},
		{name: "FLOAT", dataType: pb.XdbcDataType_XDBC_REAL, columnSize: 7, numeric: true},
		{name: "DECIMAL", dataType: pb.XdbcDataType_XDBC_DECIMAL, columnSize: 38, numeric: true,
			createParams: []string{"precision", "scale"}, minScale: 0, maxScale: 38, hasScale: true},
		{name: "VARCHAR", dataType: pb.XdbcDataType_XDBC_VARCHAR, columnSize: maxVarLen,
			prefix: "'", suffix: "'", createParams: []string{"length"}, caseSens: true},
		{name: "VARBINARY", dataType: pb.XdbcDataType_XDBC_VARBINARY, columnSize: maxVarLen,
			prefix: "X'", suffix: "'", createParams: []string{"length"}},
		{name: "DATE", dataType: pb.XdbcDataType_XDBC_DATE, columnSize: 10,
			prefix: "DATE '", suffix: "'", datetimeSub: pb.XdbcDatetimeSubcode_XDBC_SUBCODE_DATE},
		{name: "TIME", dataType: pb.XdbcDataType_XDBC_TIME, columnSize: 15,
			prefix: "TIME '", suffix: "'", minScale: 0, maxScale: 6, hasScale: true,
			datetimeSub: pb.XdbcDatetimeSubcode_XDBC_SUBCODE_TIME},
		{name: "DATETIME", dataType: pb.XdbcDataType_XDBC_TIMESTAMP, columnSize: 26,
			prefix: "TIMESTAMP '", suffix: "'", minScale: 0, maxScale: 6, hasScale: true,
			datetimeSub: pb.XdbcDatetimeSubcode_XDBC_SUBCODE_TIMESTAMP},
		{name: "TIMESTAMP", dataType: pb.XdbcDataType_XDBC_TIMESTAMP, columnSize: 26,
			prefix: "TIMESTAMP '", suffix: "'", minScale: 0, maxScale: 6, hasScale: true,
			datetimeSub: pb.XdbcDatetimeSubcode_XDBC_SUBCODE_TIMESTAMP},
		{name: "BOOLEAN", dataType: pb.XdbcDataType_XDBC_BIT, columnSize: 1},
	}
	sort.SliceStable(t, func(i, j int) bool { return t[i].dataType < t[j].dataType })
	return t
}()

// GetFlightInfoXdbcTypeInfo describes GetXdbcTypeInfo.
func (s *service) GetFlightInfoXdbcTypeInfo(_ context.Context, _ flightsql.GetXdbcTypeInfo, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.XdbcTypeInfo), nil
}

// DoGetXdbcTypeInfo lists the types, or those of one data_type.
func (s *service) DoGetXdbcTypeInfo(_ context.Context, cmd flightsql.GetXdbcTypeInfo) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.mem, schema_ref.XdbcTypeInfo)
	defer b.Release()
	var (
		typeName     = b.Field(0).(*array.StringBuilder)
		dataType     = b.Field(1).(*array.Int32Builder)
		columnSize   = b.Field(2).(*array.Int32Builder)
		prefix       = b.Field(3).(*array.StringBuilder)
		suffix       = b.Field(4).(*array.StringBuilder)
		createParams = b.Field(5).(*array.ListBuilder)
		cpItems      = createParams.ValueBuilder().(*array.StringBuilder)
		nullable     = b.Field(6).(*array.Int32Builder)
		caseSens     = b.Field(7).(*array.BooleanBuilder)
		searchable   = b.Field(8).(*array.Int32Builder)
		unsigned     = b.Field(9).(*array.BooleanBuilder)
		fixedPrec    = b.Field(10).(*array.BooleanBuilder)
		autoInc      = b.Field(11).(*array.BooleanBuilder)
		localName    = b.Field(12).(*array.StringBuilder)
		minScale     = b.Field(13).(*array.Int32Builder)
		maxScale     = b.Field(14).(*array.Int32Builder)
		sqlDataType  = b.Field(15).(*array.Int32Builder)
		dtSub        = b.Field(16).(*array.Int32Builder)
		radix        = b.Field(17).(*array.Int32Builder)
		intervalPrec = b.Field(18).(*array.Int32Builder)
	)
	appendStr := func(sb *array.StringBuilder, v string) {
		if v == "" {
			sb.AppendNull()
		} else {
			sb.Append(v)
		}
	}
	filter := cmd.GetDataType()
	for _, t := range xdbcTypes {
		if filter != nil && int32(t.dataType) != *filter {
			continue
		}
		typeName.Append(t.name)
		dataType.Append(int32(t.dataType))
		columnSize.Append(t.columnSize)
		appendStr(prefix, t.prefix)
		appendStr(suffix, t.suffix)
		if t.createParams == nil {
			createParams.AppendNull()
		} else {
			createParams.Append(true)
			cpItems.AppendValues(t.createParams, nil)
		}
		nullable.Append(int32(pb.Nullable_NULLABILITY_NULLABLE))
		caseSens.Append(t.caseSens)
		searchable.Append(int32(pb.Searchable_SEARCHABLE_FULL))
		if t.numeric {
			unsigned.Append(false)
			autoInc.Append(false)
			radix.Append(10)
		} else {
			unsigned.AppendNull()
			autoInc.AppendNull()
			radix.AppendNull()
		}
		fixedPrec.Append(false)
		localName.Append(t.name)
		if t.hasScale {
			minScale.Append(t.minScale)
			maxScale.Append(t.maxScale)
		} else {
			minScale.AppendNull()
			maxScale.AppendNull()
		}
		if t.datetimeSub != 0 {
			sqlDataType.Append(int32(pb.XdbcDataType_XDBC_DATETIME))
			dtSub.Append(int32(t.datetimeSub))
		} else {
			sqlDataType.Append(int32(t.dataType))
			dtSub.AppendNull()
		}
		intervalPrec.AppendNull()
	}
	return schema_ref.XdbcTypeInfo, oneBatch(b.NewRecordBatch()), nil
}
