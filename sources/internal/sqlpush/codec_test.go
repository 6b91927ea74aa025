package sqlpush

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
)

func aggSpec(t *testing.T) *Spec {
	t.Helper()
	cnt, err := expr.NewAggregate(expr.AggCount, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := expr.NewAggregate(expr.AggSum, col(0), false)
	if err != nil {
		t.Fatal(err)
	}
	filter := &expr.Binary{Op: expr.OpGt, Left: col(0), Right: &expr.Literal{DataType: arrow.PrimitiveTypes.Int64, Value: int64(7)}, DataType: arrow.FixedWidthTypes.Boolean}
	return &Spec{
		Agg: &catalog.AggregateRequest{
			Filters: []expr.Expr{filter},
			GroupBy: []expr.Expr{col(2)},
			Aggs:    []expr.AggregateCall{cnt, sum},
			Schema: arrow.NewSchema([]arrow.Field{
				{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
				{Name: "count(*)", Type: cnt.DataType},
				{Name: "sum(id)", Type: sum.DataType, Nullable: true},
			}, nil),
		},
		GroupTopN: &catalog.TopNRequest{Keys: []catalog.SortKey{{Column: 1, Desc: true}, {Column: 0, NullsFirst: true}}, Limit: 4},
	}
}

func roundTrip(t *testing.T, s *Spec) *Spec {
	t.Helper()
	w, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	var back WireSpec
	if err := StrictUnmarshal(data, &back, "test table t"); err != nil {
		t.Fatal(err)
	}
	got, err := DecodeSpec(&back, "test table t")
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	return got
}

func TestSpecRoundTrip(t *testing.T) {
	top := &Spec{TopN: &catalog.TopNRequest{Keys: []catalog.SortKey{{Column: 2, Desc: true, NullsFirst: true}, {Column: 0}}, Limit: 9}}
	got := roundTrip(t, top)
	if got.TopN == nil || got.Agg != nil || got.TopN.Limit != 9 || len(got.TopN.Keys) != 2 || got.TopN.Keys[0] != top.TopN.Keys[0] || got.TopN.Keys[1] != top.TopN.Keys[1] {
		t.Fatalf("TopN round trip: %+v", got.TopN)
	}

	want := aggSpec(t)
	got = roundTrip(t, want)
	a, w := got.Agg, want.Agg
	if a == nil || got.TopN != nil || got.GroupTopN == nil || got.GroupTopN.Limit != 4 ||
		len(got.GroupTopN.Keys) != 2 || got.GroupTopN.Keys[0] != want.GroupTopN.Keys[0] || got.GroupTopN.Keys[1] != want.GroupTopN.Keys[1] {
		t.Fatalf("aggregate round trip: %+v", got)
	}
	if a.Schema.String() != w.Schema.String() {
		t.Errorf("schema %s, want %s", a.Schema, w.Schema)
	}
	if len(a.Filters) != 1 || a.Filters[0].String() != w.Filters[0].String() {
		t.Errorf("filters %v, want %v", a.Filters, w.Filters)
	}
	if len(a.GroupBy) != 1 || a.GroupBy[0].String() != w.GroupBy[0].String() {
		t.Errorf("group by %v, want %v", a.GroupBy, w.GroupBy)
	}
	for i := range w.Aggs {
		if a.Aggs[i].String() != w.Aggs[i].String() || !arrow.TypeEqual(a.Aggs[i].DataType, w.Aggs[i].DataType) {
			t.Errorf("aggregate %d: %s %s, want %s %s", i, a.Aggs[i], a.Aggs[i].DataType, w.Aggs[i], w.Aggs[i].DataType)
		}
	}
}

// TestDecodeRejectsUnknown: unknown kinds, functions, fields (in the spec
// and inside encoded expressions and types), versions and trailing data
// are errs.ErrInvalid naming what is unknown; nothing panics.
func TestDecodeRejectsUnknown(t *testing.T) {
	w, err := aggSpec(t).Encode()
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	enc := string(data)
	for _, c := range []struct{ name, data, mention string }{
		{"kind", strings.Replace(enc, `"kind":"aggregate"`, `"kind":"window"`, 1), `"window"`},
		{"function", strings.Replace(enc, `"func":"sum"`, `"func":"median"`, 1), `"median"`},
		{"spec field", strings.Replace(enc, `"kind":"aggregate"`, `"kind":"aggregate","having":[]`, 1), `"having"`},
		{"expression field", strings.Replace(enc, `"k":"bin"`, `"k":"bin","collation":"x"`, 1), `"collation"`},
		{"type field", strings.Replace(enc, `"id":"int64"`, `"id":"int64","tz2":"x"`, 1), `"tz2"`},
		{"schema size", strings.Replace(enc, `{"name":"f",`, `{"name":"f2","type":{"k":"col","t":{"id":"int64"}}},{"name":"f",`, 1), "output fields"},
		{"trailing", enc + `{}`, "after the JSON value"},
		{"topn without keys", `{"kind":"topn"}`, "keys"},
		{"topn with aggregate fields", `{"kind":"topn","topn":{"keys":[{"col":0}],"limit":1},"aggs":[{"func":"count","type":{"k":"col","t":{"id":"int64"}}}]}`, "aggregate fields"},
		{"negative limit", `{"kind":"topn","topn":{"keys":[{"col":0}],"limit":-1}}`, "limit"},
		{"not json", `{"kind":`, "malformed"},
	} {
		var back WireSpec
		err := StrictUnmarshal([]byte(c.data), &back, "test table t")
		if err == nil {
			_, err = DecodeSpec(&back, "test table t")
		}
		if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), c.mention) || !strings.Contains(err.Error(), "test table t") {
			t.Errorf("%s: %v, want ErrInvalid naming %s", c.name, err, c.mention)
		}
	}
	if err := CheckVersion(WireVersion+1, "test table t"); !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "version 3") {
		t.Errorf("version: %v", err)
	}
	if err := CheckVersion(WireVersion, "test table t"); err != nil {
		t.Errorf("current version: %v", err)
	}
}

// TestReplayOnTable: a spec re-pushed into a table yields the pushed
// table's scan, and a table that refuses the push is ErrInvalid.
func TestReplayOnTable(t *testing.T) {
	pt := table(sqlgen.Postgres, false)
	var planned *Spec
	pusher := pushTable{t: pt, plan: func(req catalog.ScanRequest, order []sqlgen.OrderItem, spec *Spec) (catalog.Scan, error) {
		planned = spec
		return nil, nil
	}}
	spec := &Spec{TopN: &catalog.TopNRequest{Keys: []catalog.SortKey{{Column: 0, Desc: true}}, Limit: 3}}
	if _, err := spec.Replay(context.Background(), pusher, catalog.ScanRequest{Limit: -1}, "test table t"); err != nil {
		t.Fatal(err)
	}
	if planned == nil || planned.TopN.Limit != 3 || !planned.TopN.Keys[0].Desc {
		t.Fatalf("replayed spec %+v", planned)
	}
	refused := &Spec{TopN: &catalog.TopNRequest{Keys: []catalog.SortKey{{Column: 1}}, Limit: 3}} // a string key
	if _, err := refused.Replay(context.Background(), pusher, catalog.ScanRequest{Limit: -1}, "test table t"); !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "refuses") {
		t.Fatalf("refused push: %v", err)
	}
	if _, err := spec.Replay(context.Background(), plainTable{}, catalog.ScanRequest{Limit: -1}, "test table t"); !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("table without TopN pushdown: %v", err)
	}
}

// pushTable is a catalog table whose PushTopN is sqlpush's.
type pushTable struct {
	plainTable
	t    *Table
	plan PlanFunc
}

func (p pushTable) PushTopN(req catalog.TopNRequest) (catalog.Table, bool, error) {
	return p.t.PushTopN(req, p.plan)
}

type plainTable struct{}

func (plainTable) Schema() *arrow.Schema { return testSchema }
func (plainTable) Scan(context.Context, catalog.ScanRequest) (catalog.Scan, error) {
	return nil, errs.Internalf("not used")
}
