package postgres_test

import (
	"context"
	"fmt"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/sources/postgres"
)

// Registering the provider and building a schema from config options, as
// the server does for
//
//	schemas:
//	  pg: {provider: postgres, options: {dsn_env: PG_DSN, schema: public}}
//
// (Not run: it needs a server.)
func ExampleFactory() {
	reg := catalog.NewRegistry()
	if err := reg.Register("postgres", postgres.Factory()); err != nil {
		panic(err)
	}
	f, _ := reg.Lookup("postgres")
	sch, err := f.Schema(context.Background(), catalog.ProviderOptions{
		Path:   "catalogs.demo.schemas.pg",
		Values: map[string]any{"dsn_env": "PG_DSN", "schema": "public"},
	})
	if err != nil {
		fmt.Println(err) // names the option path or the source, never the password
		return
	}
	defer sch.(*postgres.Schema).Close()
	names, _ := sch.TableNames(context.Background())
	fmt.Println(names)
}
