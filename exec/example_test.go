package exec_test

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
	qmem "github.com/quiverdb/quiver/sources/memory"
)

// An engine over one writable memory schema: prepare once, execute, stream.
func Example() {
	ctx := context.Background()
	data := qmem.NewSchema("public")
	defer data.Release()
	c := catalog.NewCatalog("demo")
	_ = c.AddSchema("public", data)
	root := catalog.NewRoot()
	_ = root.Add(c)

	eng := exec.New(exec.Config{Root: root})
	session := catalog.Options{Catalog: "demo", Schema: "public"}
	for _, sql := range []string{
		"CREATE TABLE t (a INT, b VARCHAR(10))",
		"INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')",
		"SELECT b, a * 10 AS x FROM t WHERE a >= 2 ORDER BY a",
	} {
		st, err := eng.Prepare(ctx, session, sql)
		if err != nil {
			fmt.Println(err)
			return
		}
		rr, err := st.Execute(ctx, memory.DefaultAllocator, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%v update=%v:", rr.Schema().Field(0).Name, st.IsUpdate())
		for rr.Next() {
			b := rr.RecordBatch()
			for i := 0; i < int(b.NumRows()); i++ {
				fmt.Print(" [")
				for c := 0; c < int(b.NumCols()); c++ {
					if c > 0 {
						fmt.Print(" ")
					}
					fmt.Print(b.Column(c).ValueStr(i))
				}
				fmt.Print("]")
			}
		}
		fmt.Println()
		if err := rr.Err(); err != nil {
			fmt.Println(err)
		}
		rr.Release()
	}
	// Output:
	// rows_affected update=true: [0]
	// rows_affected update=true: [3]
	// b update=false: [two 20] [three 30]
}
