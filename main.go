// Command quiver is an Apache Arrow Flight SQL server that puts a SQL engine
// in front of data sources. This file only wires the CLI: it registers the
// built-in providers explicitly and embeds the default config. To build your
// own binary with your own provider, see examples/customsource.
package main

import (
	_ "embed"
	"fmt"
	"os"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/cli"
	"github.com/quiverdb/quiver/sources/builtin"
)

//go:embed config.yaml
var defaultConfig []byte

func main() {
	reg := catalog.NewRegistry()
	if err := builtin.Register(reg); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	os.Exit(cli.Main(cli.Options{Registry: reg, DefaultConfig: defaultConfig}))
}
