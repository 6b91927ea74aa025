// Command customsource shows how to build your own Quiver binary with your
// own data source. A provider is a catalog.Factory registered by an
// explicit call (no init() magic); the rest of Quiver finds it by the name
// used in the config's `provider:` field.
//
// This program registers the in-process "accounts" provider (accounts.go)
// next to the built-in ones and hands the registry to the stock CLI, so
// `go run ./examples/customsource serve` serves it over Flight SQL and
// `go run ./examples/customsource query "SELECT ..."` queries it.
package main

import (
	"fmt"
	"os"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/cli"
	"github.com/quiverdb/quiver/sources/builtin"
)

// Registry returns the providers this binary knows: the built-ins plus its
// own. (A build may also register only some built-ins, e.g.
// r.Register("csv", csv.Factory()).)
func Registry() (*catalog.Registry, error) {
	r := catalog.NewRegistry()
	if err := builtin.Register(r); err != nil {
		return nil, err
	}
	if err := r.Register("accounts", Factory()); err != nil {
		return nil, err
	}
	return r, nil
}

// config serves the accounts table (and a writable scratch schema) with
// the stock CLI: `go run ./examples/customsource serve`.
const config = `
listen: 127.0.0.1:32010
default_catalog: bank
default_schema: public
catalogs:
  bank:
    schemas:
      public:
        tables:
          accounts: {provider: accounts, options: {count: 1000}}
      scratch:
        provider: memory
`

func main() {
	reg, err := Registry()
	if err != nil {
		fmt.Fprintln(os.Stderr, "customsource:", err)
		os.Exit(1)
	}
	os.Exit(cli.Main(cli.Options{Registry: reg, DefaultConfig: []byte(config)}))
}
