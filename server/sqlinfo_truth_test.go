package server

import (
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	pb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"

	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/exec/expr"
)

// The advertised lists and grammar come from the engine, not hand lists.
func TestSqlInfoFollowsTheEngine(t *testing.T) {
	info := sqlInfo()
	var listed []string
	for _, id := range []flightsql.SqlInfo{flightsql.SqlInfoNumericFunctions, flightsql.SqlInfoStringFunctions, flightsql.SqlInfoSystemFunctions, flightsql.SqlInfoDateTimeFunctions} {
		listed = append(listed, info[id].([]string)...)
	}
	for _, n := range expr.DefaultFunctions().Names() {
		if !strings.HasSuffix(n, "_func") && !slices.Contains(listed, strings.ToUpper(n)) {
			t.Errorf("registered function %s is not advertised", n)
		}
	}
	if len(listed) == 0 || !slices.Contains(info[flightsql.SqlInfoDateTimeFunctions].([]string), "NOW") || !slices.Contains(info[flightsql.SqlInfoNumericFunctions].([]string), "ABS") {
		t.Fatalf("classification %v", info)
	}
	kw := info[flightsql.SqlInfoKeywords].([]string)
	if !slices.Contains(kw, "SELECT") || !slices.IsSorted(kw) {
		t.Fatalf("keywords %v", kw)
	}
	c := exec.DefaultCapabilities
	if got := info[flightsql.SqlInfoSupportedUnions].(int32)&bit(int32(pb.SqlSupportedUnions_SQL_UNION_ALL)) != 0; got != c.UnionAll {
		t.Errorf("UNION ALL advertised %v, engine %v", got, c.UnionAll)
	}
	if got := info[flightsql.SqlInfoSupportedSubqueries].(int32)&bit(int32(pb.SqlSupportedSubqueries_SQL_SUBQUERIES_IN_EXISTS)) != 0; got != c.SubqueryExists {
		t.Errorf("EXISTS advertised %v, engine %v", got, c.SubqueryExists)
	}
	if info[flightsql.SqlInfoFlightSqlServerTransaction].(int32) != int32(flightsql.SqlTransactionNone) || c.Transactions {
		t.Errorf("transactions must be declared unsupported")
	}
	if info[flightsql.SqlInfoFlightSqlServerBulkIngestion] != true {
		t.Errorf("bulk ingestion is supported")
	}
}
