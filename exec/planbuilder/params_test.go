package planbuilder_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/planbuilder"
)

// TestParamsPrepareAndBind builds a statement with placeholders (types
// inferred), then again with bound values: the plan then holds literals of
// the declared types.
func TestParamsPrepareAndBind(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := &planbuilder.Builder{Root: testRoot(t), Options: catalog.Options{Catalog: "demo", Schema: "public"}}
	p := planbuilder.NewParser()
	sql := "SELECT id FROM sales WHERE amount > ? AND day IN (?, 7) AND region LIKE ? AND (? + 1) > price"
	prep := planbuilder.NewParams()
	if _, err := b.Build(planbuilder.WithParams(context.Background(), prep), p, sql); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, f := range prep.Schema().Fields() {
		types = append(types, f.Name+":"+f.Type.String())
	}
	if got := strings.Join(types, ","); got != "1:decimal(10, 2),2:int32,3:utf8,4:utf8" {
		t.Fatalf("parameter schema %s", got)
	}

	ib := array.NewInt64Builder(mem)
	ib.Append(12)
	day := ib.NewArray()
	ib.Release()
	sb := array.NewStringBuilder(mem)
	sb.AppendValues([]string{"1.25", "eu%", "2"}, nil)
	strs := sb.NewArray()
	sb.Release()
	amount, region, four := array.NewSlice(strs, 0, 1), array.NewSlice(strs, 1, 2), array.NewSlice(strs, 2, 3)
	strs.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.BinaryTypes.String}, {Name: "b", Type: arrow.PrimitiveTypes.Int64},
		{Name: "c", Type: arrow.BinaryTypes.String}, {Name: "d", Type: arrow.BinaryTypes.String}}, nil)
	row := array.NewRecordBatch(schema, []arrow.Array{amount, day, region, four}, 1)
	for _, a := range []arrow.Array{amount, day, region, four} {
		a.Release()
	}
	defer row.Release()
	bound, err := prep.Bind(row)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := b.Build(planbuilder.WithParams(context.Background(), bound), p, sql)
	if err != nil {
		t.Fatal(err)
	}
	text := formatPlan(plan)
	for _, want := range []string{"1.25", "12", "'eu%'", "(2 + 1)"} {
		if !strings.Contains(text, want) {
			t.Errorf("bound plan lacks %s:\n%s", want, text)
		}
	}

	// Wrong count, and a value that does not convert, are ErrInvalid.
	if _, err := prep.Bind(nil); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("Bind(nil): %v", err)
	}
	bad := array.NewRecordBatch(arrow.NewSchema(schema.Fields()[:1], nil), []arrow.Array{row.Column(0)}, 1)
	defer bad.Release()
	if _, err := prep.Bind(bad); !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "1 parameter value(s) bound") {
		t.Errorf("Bind(1 of 4): %v", err)
	}
	sb = array.NewStringBuilder(mem)
	sb.Append("lots")
	word := sb.NewArray()
	sb.Release()
	defer word.Release()
	cols := []arrow.Array{word, row.Column(1), row.Column(2), row.Column(3)}
	nan := array.NewRecordBatch(schema, cols, 1)
	defer nan.Release()
	bp, err := prep.Bind(nan)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Build(planbuilder.WithParams(context.Background(), bp), p, sql); !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "parameter 1") {
		t.Errorf("'lots' for a DECIMAL parameter: %v", err)
	}

	// Without Params in the context a placeholder is refused.
	if _, err := b.Build(context.Background(), p, "SELECT ?"); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("unprepared ?: %v", err)
	}
}
