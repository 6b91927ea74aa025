package server

import (
	"context"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
)

// keyedTable is a slowTable-free stub table with declared keys.
type keyedTable struct {
	slowTable
	pk  catalog.PrimaryKey
	fks []catalog.ForeignKey
}

func (k *keyedTable) PrimaryKey(context.Context) (catalog.PrimaryKey, error) { return k.pk, nil }
func (k *keyedTable) ForeignKeys(context.Context) ([]catalog.ForeignKey, error) {
	return k.fks, nil
}

// cells renders columns of every row with ValueStr (nulls as "(null)").
func cells(batches []arrow.RecordBatch, cols ...int) [][]string {
	out := [][]string{}
	for _, b := range batches {
		for r := 0; r < int(b.NumRows()); r++ {
			row := make([]string, len(cols))
			for i, c := range cols {
				row[i] = b.Column(c).ValueStr(r)
			}
			out = append(out, row)
		}
	}
	return out
}

func TestKeysFromProviders(t *testing.T) {
	orders := &keyedTable{pk: catalog.PrimaryKey{Name: "orders_pk", Columns: []string{"id"}}}
	lines := &keyedTable{
		pk: catalog.PrimaryKey{Columns: []string{"order_id", "line"}},
		fks: []catalog.ForeignKey{{Name: "lines_order", Columns: []string{"order_id"}, RefTable: "orders",
			RefColumns: []string{"id"}, RefKeyName: "orders_pk", OnDelete: catalog.KeyRuleCascade, OnUpdate: catalog.KeyRuleNoAction}},
	}
	c := catalog.NewCatalog("demo")
	must(t, c.AddSchema("public", catalog.NewStatic(map[string]catalog.Table{"orders": orders, "lines": lines})))
	root := catalog.NewRoot()
	must(t, root.Add(c))
	h := start(t, func(cfg *Config) { cfg.Engine = exec.New(exec.Config{Root: root}) })
	ctx := ctxT(t)

	info, err := h.cl.GetPrimaryKeys(ctx, flightsql.TableRef{Table: "lines"})
	must(t, err)
	_, b := h.fetch(info)
	if got := cells(b, 2, 3, 4, 5); !reflect.DeepEqual(got, [][]string{{"lines", "order_id", "1", "(null)"}, {"lines", "line", "2", "(null)"}}) {
		t.Fatalf("primary keys %v", got)
	}
	want := [][]string{{"orders", "id", "lines", "order_id", "1", "lines_order", "orders_pk", "3", "0"}}
	cols := []int{2, 3, 6, 7, 8, 9, 10, 11, 12}
	info, err = h.cl.GetImportedKeys(ctx, flightsql.TableRef{Table: "lines"})
	must(t, err)
	if _, b = h.fetch(info); !reflect.DeepEqual(cells(b, cols...), want) {
		t.Fatalf("imported %v", cells(b, cols...))
	}
	info, err = h.cl.GetExportedKeys(ctx, flightsql.TableRef{Table: "orders"})
	must(t, err)
	if _, b = h.fetch(info); !reflect.DeepEqual(cells(b, cols...), want) {
		t.Fatalf("exported %v", cells(b, cols...))
	}
	info, err = h.cl.GetCrossReference(ctx, flightsql.TableRef{Table: "orders"}, flightsql.TableRef{Table: "lines"})
	must(t, err)
	if _, b = h.fetch(info); !reflect.DeepEqual(cells(b, cols...), want) {
		t.Fatalf("cross reference %v", cells(b, cols...))
	}
	// The other direction and unknown tables: valid and empty.
	info, err = h.cl.GetCrossReference(ctx, flightsql.TableRef{Table: "lines"}, flightsql.TableRef{Table: "orders"})
	must(t, err)
	if _, b = h.fetch(info); len(cells(b, 0)) != 0 {
		t.Fatal("reverse cross reference not empty")
	}
	info, err = h.cl.GetPrimaryKeys(ctx, flightsql.TableRef{Table: "nowhere"})
	must(t, err)
	if _, b = h.fetch(info); len(cells(b, 0)) != 0 {
		t.Fatal("keys of a missing table")
	}
}
