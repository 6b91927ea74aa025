package sqltest_test

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/exec/sqltest"
)

const sample = `# File header.
# Second line.

# About the first record.
statement ok
CREATE TABLE t (a INT)

statement error unknown column
SELECT nope
FROM t

query IT rowsort explain
SELECT a, b FROM t
----
1 x
2 NULL

query I
SELECT a FROM t WHERE 1 = 0
----

# trailing note
`

// Rewriting keeps everything a person wrote: comments, blank lines between
// comment blocks, multi-line SQL, empty results.
func TestParseFormatRoundTrip(t *testing.T) {
	recs, err := sqltest.Parse(sample)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[2]
	if r.Kind != sqltest.Query || r.Types != "IT" || !r.RowSort || !r.Explain || len(r.Expected) != 2 || r.Line != 12 {
		t.Errorf("query record %+v", r)
	}
	if recs[1].ErrPattern != "unknown column" || recs[1].SQL != "SELECT nope\nFROM t" {
		t.Errorf("error record %+v", recs[1])
	}
	if got := sqltest.Format(recs); got != sample {
		t.Errorf("round trip:\n%s\nwant:\n%s", got, sample)
	}
	for _, bad := range []string{"statement maybe\nSELECT 1\n", "query\nSELECT 1\n", "query I sorted\nSELECT 1\n", "statement ok\n\n"} {
		if _, err := sqltest.Parse(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestRows(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dec := &arrow.Decimal128Type{Precision: 10, Scale: 4}
	schema := arrow.NewSchema([]arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int32}, {Name: "s", Type: arrow.BinaryTypes.String},
		{Name: "d", Type: dec}, {Name: "n", Type: arrow.Null}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.Int32Builder).AppendValues([]int32{1, 0}, []bool{true, false})
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"", "time=12ms bytes=7"}, nil)
	b.Field(2).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(54000), decimal128.FromI64(-5)}, nil)
	b.Field(3).(*array.NullBuilder).AppendNulls(2)
	rec := b.NewRecordBatch()
	defer rec.Release()
	rr, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	rows, err := sqltest.Rows(rr, "ITR?")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows, "|"); got != "1 (empty) 5.4000 NULL|NULL time=? bytes=? -0.0005 NULL" {
		t.Errorf("rows %q", got)
	}
	rr2, _ := array.NewRecordReader(schema, nil)
	defer rr2.Release()
	if _, err := sqltest.Rows(rr2, "IIR?"); err == nil || !strings.Contains(err.Error(), "column 1 (s)") {
		t.Errorf("type letter mismatch: %v", err)
	}
	if _, err := sqltest.Rows(rr2, "I"); err == nil {
		t.Error("column count mismatch accepted")
	}
}
