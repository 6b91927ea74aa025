package exec_test

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/exec/expr"
	qmem "github.com/quiverdb/quiver/sources/memory"
)

// A user-defined scalar function registered from Go: start from the
// built-ins, add a vectorized kernel, hand the registry to the engine.
func ExampleConfig_funcs() {
	funcs := expr.DefaultFunctions()
	err := funcs.RegisterFunc("twice", expr.ScalarFunc{
		MinArgs: 1, MaxArgs: 1,
		// Arguments are converted to BIGINT before the kernel runs.
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			return []arrow.DataType{expr.TypeInt64}, expr.TypeInt64, nil
		},
		Kernel: func(kc expr.KernelContext, args []arrow.Array) (arrow.Array, error) {
			in := args[0].(*array.Int64)
			b := array.NewInt64Builder(kc.Mem)
			defer b.Release()
			b.Reserve(in.Len())
			for i, v := range in.Int64Values() {
				if in.IsNull(i) {
					b.AppendNull()
					continue
				}
				b.Append(2 * v)
			}
			return b.NewArray(), nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	data := qmem.NewSchema("public")
	defer data.Release()
	c := catalog.NewCatalog("demo")
	_ = c.AddSchema("public", data)
	root := catalog.NewRoot()
	_ = root.Add(c)
	eng := exec.New(exec.Config{Root: root, Funcs: funcs})
	session := catalog.Options{Catalog: "demo", Schema: "public"}
	for _, sql := range []string{
		"CREATE TABLE t (a INT)",
		"INSERT INTO t VALUES (1), (NULL), (21)",
		"SELECT TWICE(a) FROM t",
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
		for rr.Next() && !st.IsUpdate() {
			col := rr.RecordBatch().Column(0)
			for i := 0; i < col.Len(); i++ {
				fmt.Println(col.ValueStr(i))
			}
		}
		rr.Release()
	}
	// Output:
	// 2
	// (null)
	// 42
}
