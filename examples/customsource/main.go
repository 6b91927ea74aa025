// Command customsource shows how to build your own Quiver binary with your
// own data source. A provider is a catalog.Factory registered by an
// explicit call (no init() magic); the rest of Quiver finds it by the name
// used in the config's `provider:` field.
//
// This program registers the in-process "accounts" provider (accounts.go)
// next to the built-in ones, builds its table the way the server does from
// config, shows the filter negotiation the planner would see, and prints
// the rows of one scan. Serving it over Flight SQL is one more call into the
// server package's public API (see the repository README).
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
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

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "customsource:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer) error {
	reg, err := Registry()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "providers: %v\n", reg.Names())
	f, err := reg.Lookup("accounts")
	if err != nil {
		return err
	}
	tbl, err := f.Table(ctx, catalog.ProviderOptions{Path: "catalogs.bank.schemas.public.tables.accounts", Values: map[string]any{"count": 50}})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "accounts: %s\n", tbl.Schema())

	id := &expr.Column{Index: colID, Name: "id", DataType: arrow.PrimitiveTypes.Int64}
	bal := &expr.Column{Index: colBalance, Name: "balance", DataType: arrow.PrimitiveTypes.Float64}
	name := &expr.Column{Index: colName, Name: "name", DataType: arrow.BinaryTypes.String}
	boolT := arrow.FixedWidthTypes.Boolean
	filters := []expr.Expr{
		&expr.Binary{Op: expr.OpEq, Left: id, Right: &expr.Literal{DataType: arrow.PrimitiveTypes.Int64, Value: int64(7)}, DataType: boolT},
		&expr.Binary{Op: expr.OpGt, Left: bal, Right: &expr.Literal{DataType: arrow.PrimitiveTypes.Float64, Value: 9000.0}, DataType: boolT},
		&expr.Binary{Op: expr.OpEq, Left: name, Right: &expr.Literal{DataType: arrow.BinaryTypes.String, Value: "x"}, DataType: boolT},
	}
	verdicts, err := tbl.(catalog.FilterPushdowner).SupportsFilters(filters)
	if err != nil {
		return err
	}
	for i, f := range filters {
		fmt.Fprintf(w, "filter %-20s %s\n", f, verdicts[i])
	}

	// What the engine does for WHERE balance > 9000: push the Inexact filter,
	// read the partitions that survive pruning, re-filter.
	scan, err := tbl.Scan(ctx, catalog.ScanRequest{Filters: filters[1:2], Limit: -1})
	if err != nil {
		return err
	}
	mem := memory.NewGoAllocator()
	for _, p := range scan.Partitions() {
		rr, err := p.Open(ctx, mem)
		if err != nil {
			return err
		}
		for rr.Next() {
			kept, err := expr.FilterBatch(ctx, filters[1], rr.RecordBatch(), mem)
			if err != nil {
				rr.Release()
				return err
			}
			for r := 0; r < int(kept.NumRows()); r++ {
				fmt.Fprintf(w, "  %s %s %s\n", kept.Column(0).ValueStr(r), kept.Column(1).ValueStr(r), kept.Column(2).ValueStr(r))
			}
			kept.Release()
		}
		err = rr.Err()
		rr.Release()
		if err != nil {
			return err
		}
	}
	return nil
}
