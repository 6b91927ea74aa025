package slt

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A small file in the corpus format, written for this test.
const sample = `# comment
hash-threshold 8

statement ok
CREATE TABLE t(x INTEGER, s VARCHAR(10))

statement ok
INSERT INTO t VALUES(1,'a'),(2,''),(NULL,'b')

skipif mysql # not compatible
query I nosort
SELECT 99
----
98

onlyif sqlite
statement ok
SELECT no_such_function()

query IT rowsort
SELECT x, s FROM t
# a comment inside a record
----
1
a
2
(empty)
NULL
b

query R valuesort label-1
SELECT x / 3 FROM t
----
3 values hashing to 7f9c4ca2dc52c7a4e6d0e0a4e0d57e1f

statement error
SELECT nope FROM t

query I nosort
SELECT x FROM t WHERE x > 5
----

halt

query I nosort
SELECT 1
----
2
`

func TestParse(t *testing.T) {
	recs, err := Parse(sample)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 11 {
		t.Fatalf("%d records", len(recs))
	}
	if recs[0].Kind != HashThreshold || recs[0].Threshold != 8 {
		t.Errorf("threshold %+v", recs[0])
	}
	if !recs[3].Skipped("mysql") || !recs[4].Skipped("MySQL") || recs[4].Skipped("sqlite") || recs[5].Skipped("mysql") {
		t.Errorf("skip conditions %+v %+v", recs[3], recs[4])
	}
	q := recs[5]
	if q.Kind != Query || q.Types != "IT" || q.Sort != "rowsort" || q.SQL != "SELECT x, s FROM t" || len(q.Expected) != 6 || q.Line != 20 {
		t.Errorf("query %+v", q)
	}
	if l := recs[6]; l.Label != "label-1" || l.Sort != "valuesort" {
		t.Errorf("labeled %+v", l)
	}
	if n, h, ok := recs[6].Hashed(); !ok || n != 3 || len(h) != 32 {
		t.Errorf("hashed %d %q %v", n, h, ok)
	}
	if recs[7].Kind != StatementError || len(recs[8].Expected) != 0 || recs[8].Kind != Query || recs[9].Kind != Halt || recs[10].Expected[0] != "2" {
		t.Errorf("tail %+v %+v %+v", recs[7], recs[8], recs[9])
	}
	for _, bad := range []string{"query\nSELECT 1\n", "query X\nSELECT 1\n", "query I sorted\nSELECT 1\n", "statement maybe\nSELECT 1\n", "frobnicate\n", "skipif\nquery I\nSELECT 1\n"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestRender(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dec := &arrow.Decimal128Type{Precision: 10, Scale: 4}
	schema := arrow.NewSchema([]arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int64}, {Name: "d", Type: dec},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64}, {Name: "s", Type: arrow.BinaryTypes.String}, {Name: "b", Type: arrow.FixedWidthTypes.Boolean}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{-7, 0}, []bool{true, false})
	b.Field(1).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(-125000), decimal128.FromI64(-5000)}, nil)
	b.Field(2).(*array.Float64Builder).AppendValues([]float64{2.71828, -0.0004}, nil)
	b.Field(3).(*array.StringBuilder).AppendValues([]string{"", " 12.5e1x\x01é"}, nil)
	b.Field(4).(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	want := map[byte][2][5]string{
		'I': {{"-7", "-12", "2", "0", "1"}, {"NULL", "0", "0", "125", "0"}},
		'R': {{"-7.000", "-12.500", "2.718", "0.000", "1.000"}, {"NULL", "-0.500", "-0.000", "125.000", "0.000"}},
		'T': {{"-7", "-12.5000", "2.71828", "(empty)", "1"}, {"NULL", "-0.5000", "-0.0004", " 12.5e1x@@@", "0"}},
	}
	for letter, rows := range want {
		for row := 0; row < 2; row++ {
			for c := 0; c < 5; c++ {
				if got := Render(rec.Column(c), row, letter); got != rows[row][c] {
					t.Errorf("%c row %d col %d: got %q want %q", letter, row, c, got, rows[row][c])
				}
			}
		}
	}
	rr, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec, rec})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	vals, err := Values(rr, "ITTTI")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(vals, ","); got != "-7,-12.5000,2.71828,(empty),1,NULL,-0.5000,-0.0004, 12.5e1x@@@,0,-7,-12.5000,2.71828,(empty),1,NULL,-0.5000,-0.0004, 12.5e1x@@@,0" {
		t.Errorf("values %s", got)
	}
	rr2, _ := array.NewRecordReader(schema, nil)
	defer rr2.Release()
	if _, err := Values(rr2, "II"); err == nil || !strings.Contains(err.Error(), "expected 2 but got 5") {
		t.Errorf("column count: %v", err)
	}
}

func TestSortHashCompare(t *testing.T) {
	vals := []string{"b", "2", "a", "10", "a", "1"}
	SortValues(vals, 2, "rowsort")
	if got := strings.Join(vals, ","); got != "a,1,a,10,b,2" {
		t.Errorf("rowsort %s", got)
	}
	SortValues(vals, 2, "valuesort")
	if got := strings.Join(vals, ","); got != "1,10,2,a,a,b" {
		t.Errorf("valuesort %s", got)
	}
	SortValues(vals, 2, "nosort")
	// md5("1\n10\n2\na\na\nb\n"), computed independently with md5sum.
	const line = "6 values hashing to 74627f237939f5d241f41c351a23290e"
	if got := HashLine(vals); got != line {
		t.Errorf("hash %s", got)
	}
	if d := Compare(Record{Expected: []string{line}}, vals); d != "" {
		t.Errorf("hash compare: %s", d)
	}
	if d := Compare(Record{Expected: []string{"7 values hashing to 74627f237939f5d241f41c351a23290e"}}, vals); !strings.Contains(d, "expected 7 got 6") {
		t.Errorf("hash count: %s", d)
	}
	if d := Compare(Record{Expected: []string{"1", "10", "3"}}, vals[:3]); d != "wrong value 3: expected [3] got [2]" {
		t.Errorf("value compare: %s", d)
	}
	if _, err := RunFile(context.Background(), "x", nil, Options{Provider: "oracle"}); err == nil {
		t.Error("unknown provider accepted")
	}
	if d := Compare(Record{Expected: []string{"1"}}, vals[:2]); !strings.Contains(d, "expected 1 got 2") {
		t.Errorf("count compare: %s", d)
	}
}

func TestRunFile(t *testing.T) {
	recs, err := Parse(sample)
	if err != nil {
		t.Fatal(err)
	}
	// Fix the labeled query's expectation to the real hash of its values.
	recs[6].Expected = []string{HashLine([]string{"0.333", "0.667", "NULL"})}
	for _, o := range []Options{{}, {DisableOptimizer: true}, {Provider: "sqlite", TempDir: t.TempDir()}} {
		o.Timeout, o.CheckLeaks = 5*time.Second, true
		rep, err := RunFile(context.Background(), "sample", recs, o)
		if err != nil {
			t.Fatal(err)
		}
		// Run: 2 statements, query IT, query R, statement error, empty query.
		if rep.Run != 6 || rep.Pass != 6 || rep.Fail != 0 || rep.Skip != 2 || !rep.Halted || rep.LeakedBytes != 0 {
			t.Errorf("report %+v", rep)
		}
	}
	// Failures are reported, not fatal: a wrong expectation, an unexpected
	// error and an unexpected success.
	bad, err := Parse(`statement ok
CREATE TABLE t(x INTEGER)

statement ok
SELECT nope

statement error
SELECT 1

query I nosort
SELECT 1
----
2

query II nosort
SELECT 1
----
1
`)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := RunFile(context.Background(), "bad", bad, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Run != 5 || rep.Pass != 1 || rep.Fail != 4 || len(rep.Results) != 4 {
		t.Fatalf("report %+v", rep)
	}
	for i, want := range []string{"not found", "expected an error", "expected [2] got [1]", "wrong number of result columns"} {
		if !strings.Contains(rep.Results[i].Detail, want) {
			t.Errorf("failure %d: %q does not contain %q", i, rep.Results[i].Detail, want)
		}
	}
}

func TestKeepSlowest(t *testing.T) {
	var ts []Timing
	for _, ms := range []int{5, 1, 9, 3, 7} {
		ts = keepSlowest(ts, Timing{Elapsed: time.Duration(ms) * time.Millisecond}, 3)
	}
	if len(ts) != 3 || ts[0].Elapsed != 9*time.Millisecond || ts[1].Elapsed != 7*time.Millisecond || ts[2].Elapsed != 5*time.Millisecond {
		t.Errorf("slowest %v", ts)
	}
	if got := keepSlowest(nil, Timing{Elapsed: time.Second}, 0); got != nil {
		t.Errorf("n=0 kept %v", got)
	}
}

// A record that runs past the timeout fails with "timeout" and the file
// goes on.
func TestRunFileTimeout(t *testing.T) {
	recs, err := Parse(`query I nosort
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000) SELECT COUNT(*) FROM r AS a, r AS b, r AS c WHERE a.n + b.n + c.n > 0
----
1000000000

query I nosort
SELECT 1
----
1
`)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := RunFile(context.Background(), "slow", recs, Options{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Run != 2 || rep.Pass != 1 || rep.Fail != 1 || !strings.Contains(rep.Results[0].Detail, "timeout") {
		t.Fatalf("report %+v", rep)
	}
}
