// Command demodata writes the demo data files under testdata/ that the
// embedded config.yaml serves: testdata/sales/*.parquet (two files, several
// row groups each, ordered by day so row-group pruning shows in EXPLAIN),
// testdata/customers.csv and testdata/events.jsonl. The output is
// deterministic; run `go run ./internal/tools/demodata` from the repo root to
// regenerate it.
package main

import (
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

var regions = []string{"north", "south", "east", "west"}
var products = []string{"anvil", "rocket", "magnet", "spring", "tunnel", "bird seed"}

func main() {
	dir := "testdata"
	if err := os.MkdirAll(filepath.Join(dir, "sales"), 0o755); err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for f := 0; f < 2; f++ {
		if err := writeSales(filepath.Join(dir, "sales", fmt.Sprintf("part-%d.parquet", f)), f, rng); err != nil {
			log.Fatal(err)
		}
	}
	if err := writeCustomers(filepath.Join(dir, "customers.csv"), rng); err != nil {
		log.Fatal(err)
	}
	if err := writeEvents(filepath.Join(dir, "events.jsonl"), rng); err != nil {
		log.Fatal(err)
	}
}

// writeSales writes 4 row groups of 250 rows; file f covers days
// [f*100, f*100+100), so each row group spans 25 days.
func writeSales(path string, f int, rng *rand.Rand) error {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "day", Type: arrow.PrimitiveTypes.Int32},
		{Name: "region", Type: arrow.BinaryTypes.String},
		{Name: "product", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "customer_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "quantity", Type: arrow.PrimitiveTypes.Int32},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}},
	}, nil)
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	props := parquet.NewWriterProperties(parquet.WithStats(true), parquet.WithMaxRowGroupLength(250))
	w, err := pqarrow.NewFileWriter(schema, out, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return err
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := 0; i < 1000; i++ {
		id := int64(f*1000 + i + 1)
		b.Field(0).(*array.Int64Builder).Append(id)
		b.Field(1).(*array.Int32Builder).Append(int32(f*100 + i/10))
		b.Field(2).(*array.StringBuilder).Append(regions[rng.IntN(len(regions))])
		if rng.IntN(20) == 0 {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.StringBuilder).Append(products[rng.IntN(len(products))])
		}
		b.Field(4).(*array.Int64Builder).Append(int64(rng.IntN(50) + 1))
		b.Field(5).(*array.Int32Builder).Append(int32(rng.IntN(9) + 1))
		b.Field(6).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(rng.IntN(100000) + 100)))
		if (i+1)%250 == 0 {
			rec := b.NewRecordBatch()
			err := w.Write(rec)
			rec.Release()
			if err != nil {
				return err
			}
		}
	}
	return w.Close()
}

func writeCustomers(path string, rng *rand.Rand) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	first := []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Ken", "Margaret", "Dennis", "Frances"}
	last := []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Thompson", "Hamilton", "Ritchie", "Allen"}
	fmt.Fprintln(out, "id,name,region,signup_year,vip")
	for i := 1; i <= 50; i++ {
		fmt.Fprintf(out, "%d,%s %s,%s,%d,%t\n", i, first[rng.IntN(len(first))], last[rng.IntN(len(last))],
			regions[rng.IntN(len(regions))], 2015+rng.IntN(10), rng.IntN(5) == 0)
	}
	return nil
}

func writeEvents(path string, rng *rand.Rand) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	kinds := []string{"login", "view", "purchase", "logout"}
	for i := 1; i <= 200; i++ {
		fmt.Fprintf(out, `{"id": %d, "customer_id": %d, "kind": %q, "duration_ms": %.1f}`+"\n",
			i, rng.IntN(50)+1, kinds[rng.IntN(len(kinds))], rng.Float64()*1000)
	}
	return nil
}
