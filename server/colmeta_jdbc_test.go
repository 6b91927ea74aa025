package server

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
)

// The JDBC driver copies ARROW:FLIGHT:SQL:REMARKS, even "", into the column
// label; an empty label breaks ResultSet.getString("name"). No default
// REMARKS may be added (integration_test/jdbc_test.go proves it end to end).
func TestColumnMetadataAddsNoRemarks(t *testing.T) {
	in := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	out := withColumnMetadata(in, columnOrigin{})
	md := out.Field(0).Metadata
	if md.FindKey(flightsql.RemarksKey) >= 0 {
		t.Fatalf("REMARKS added: %v", md)
	}
	if i := md.FindKey(flightsql.TypeNameKey); i < 0 || md.Values()[i] != "BIGINT" {
		t.Fatalf("TYPE_NAME missing: %v", md)
	}
}
