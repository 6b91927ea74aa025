// Package builtin registers Quiver's built-in providers in a registry. The
// stock binary (main.go) calls Register; a custom build may call it and then
// add its own providers, or register only the providers it wants.
package builtin

import (
	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/sources/csv"
	"github.com/quiverdb/quiver/sources/flightsql"
	"github.com/quiverdb/quiver/sources/ipc"
	"github.com/quiverdb/quiver/sources/jsonl"
	"github.com/quiverdb/quiver/sources/memory"
	"github.com/quiverdb/quiver/sources/parquet"
	"github.com/quiverdb/quiver/sources/postgres"
	"github.com/quiverdb/quiver/sources/sqlite"
	"github.com/quiverdb/quiver/sources/tpch"
)

// Register adds the built-in providers (memory, csv, jsonl, parquet, tpch, sqlite, postgres, ipc, flightsql)
// to reg. It fails if any of those names is already registered.
func Register(reg *catalog.Registry) error {
	for _, p := range []struct {
		name    string
		factory catalog.Factory
	}{
		{"memory", memory.Factory()},
		{"csv", csv.Factory()},
		{"jsonl", jsonl.Factory()},
		{"parquet", parquet.Factory()},
		{"tpch", tpch.Factory()},
		{"sqlite", sqlite.Factory()},
		{"postgres", postgres.Factory()},
		{"ipc", ipc.Factory()},
		{"flightsql", flightsql.Factory()},
	} {
		if err := reg.Register(p.name, p.factory); err != nil {
			return err
		}
	}
	return nil
}
