package planbuilder_test

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/planbuilder"
)

// A session keeps one Parser and builds each statement against the catalog.
func Example() {
	root := catalog.NewRoot()
	demo := catalog.NewCatalog("demo")
	sales := &metaTable{arrow.NewSchema([]arrow.Field{
		{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)}
	_ = demo.AddSchema("public", catalog.NewStatic(map[string]catalog.Table{"sales": sales}))
	_ = root.Add(demo)

	b := &planbuilder.Builder{Root: root, Options: catalog.Options{Catalog: "demo", Schema: "public"}}
	p := planbuilder.NewParser() // one per session: not goroutine-safe
	plan, err := b.Build(context.Background(), p,
		"SELECT region, sum(amount) AS total FROM sales WHERE amount > 0 GROUP BY region ORDER BY total DESC LIMIT 3")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(logical.Format(plan))
	// Output:
	// Limit: offset=0 count=3
	//   Sort: total DESC
	//     Project: region, sum(amount) AS total
	//       Aggregate: group_by=[region] aggs=[sum(amount)]
	//         Filter: amount > 0
	//           Scan: demo.public.sales
}
