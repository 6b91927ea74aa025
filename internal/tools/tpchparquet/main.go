// Command tpchparquet writes Quiver's generated TPC-H tables as Parquet files:
//
//	go run ./internal/tools/tpchparquet -scale 1 -out .cache/tpch-sf1
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/quiverdb/quiver/internal/tpchfiles"
)

func main() {
	scale := flag.Float64("scale", 0.01, "TPC-H scale factor")
	out := flag.String("out", "tpch-parquet", "output directory")
	flag.Parse()
	if err := tpchfiles.Write(context.Background(), *out, *scale); err != nil {
		fmt.Fprintln(os.Stderr, "tpchparquet:", err)
		os.Exit(1)
	}
}
