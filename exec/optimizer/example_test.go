package optimizer_test

import (
	"context"
	"fmt"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/optimizer"
	"github.com/quiverdb/quiver/exec/planbuilder"
)

// Build a plan, then optimize it with the default rules: the filter is
// negotiated with the table (here it accepts comparisons as Exact), the scan
// reads only the needed column, and the limit reaches the scan.
func Example() {
	var asked []string
	root := testRoot(&asked)
	b := &planbuilder.Builder{Root: root, Options: catalog.Options{Catalog: "demo", Schema: "public"}}
	plan, err := b.Build(context.Background(), planbuilder.NewParser(), "SELECT id FROM push WHERE day > 10 LIMIT 5")
	if err != nil {
		fmt.Println(err)
		return
	}
	opt, err := optimizer.Optimize(context.Background(), plan, optimizer.DefaultRules())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(logical.Format(opt))
	// Output:
	// Limit: offset=0 count=5
	//   Project: id
	//     Scan: demo.public.push projection=[id] full_filters=[day > 10] limit=5
}
