package flightsql_test

import (
	"fmt"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/sources/flightsql"
)

// Registering the provider and describing a remote Quiver's schema in the
// config (compile-only: it needs a running remote).
func ExampleFactory() {
	reg := catalog.NewRegistry()
	if err := reg.Register("flightsql", flightsql.Factory()); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(reg.Names())
	// catalogs.far.schemas.public:
	//   provider: flightsql
	//   options:
	//     uri: grpc+tls://quiver.example.com:443
	//     catalog: demo
	//     schema: public
	//     headers: {authorization: "Bearer ${FAR_TOKEN}"}

	// Output: [flightsql]
}
