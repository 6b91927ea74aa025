package catalog_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// nameOnly is a metadata-only fixture: these tests never scan it.
type nameOnly struct{ catalog.Table }

func TestRegistryRejectsDuplicatesAndEmptyFactories(t *testing.T) {
	reg := catalog.NewRegistry()
	f := catalog.Factory{Table: func(context.Context, catalog.ProviderOptions) (catalog.Table, error) { return nameOnly{}, nil }}
	if err := reg.Register("files", f); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register("files", f); !errors.Is(err, errs.ErrAlreadyExists) {
		t.Fatalf("duplicate registration: %v", err)
	}
	if err := reg.Register("empty", catalog.Factory{}); !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("empty factory: %v", err)
	}
	if _, err := reg.Lookup("nope"); !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "files") {
		t.Fatalf("unknown provider should list the registered ones: %v", err)
	}
	if got := reg.Names(); len(got) != 1 || got[0] != "files" {
		t.Fatalf("names %v", got)
	}
}

func TestLookupsAreCaseInsensitiveUnlessAmbiguous(t *testing.T) {
	ctx := context.Background()
	root := catalog.NewRoot()
	c := catalog.NewCatalog("demo")
	if err := c.AddSchema("public", catalog.NewStatic(map[string]catalog.Table{"Sales": nameOnly{}, "a": nameOnly{}, "A": nameOnly{}})); err != nil {
		t.Fatal(err)
	}
	if err := c.AddSchema("public", catalog.NewStatic(nil)); !errors.Is(err, errs.ErrAlreadyExists) {
		t.Fatalf("duplicate schema: %v", err)
	}
	if err := root.Add(c); err != nil {
		t.Fatal(err)
	}
	if _, err := root.ResolveTable(ctx, catalog.Name{Catalog: "DEMO", Schema: "Public", Table: "sales"}); err != nil {
		t.Fatalf("case-insensitive lookup: %v", err)
	}
	if _, err := root.ResolveTable(ctx, catalog.Name{Catalog: "demo", Schema: "public", Table: "a"}); err != nil {
		t.Fatalf("exact match wins over a fold match: %v", err)
	}
	s, _ := c.Schema("public")
	if _, err := s.Table(ctx, "nope"); !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("unknown table: %v", err)
	}
	names, _ := s.TableNames(ctx)
	if strings.Join(names, ",") != "A,Sales,a" {
		t.Fatalf("sorted names: %v", names)
	}
	for _, n := range []catalog.Name{{Catalog: "x", Schema: "public", Table: "a"}, {Catalog: "demo", Schema: "x", Table: "a"}} {
		if _, err := root.ResolveTable(ctx, n); !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "x") {
			t.Fatalf("%v: %v", n, err)
		}
	}
}

func TestVerdictAndPrecisionNames(t *testing.T) {
	if catalog.FilterExact.String() != "Exact" || catalog.FilterInexact.String() != "Inexact" || catalog.FilterUnsupported.String() != "Unsupported" {
		t.Fatal("verdict names")
	}
	var zero catalog.Verdict
	if zero != catalog.FilterUnsupported {
		t.Fatal("the zero verdict must be Unsupported")
	}
	var p catalog.Precision
	if p != catalog.Absent || catalog.Exact.String() != "Exact" || catalog.Inexact.String() != "Inexact" {
		t.Fatal("precision")
	}
	o := catalog.Options{Values: map[string]string{"k": "v"}}
	if v, ok := o.Get("k"); !ok || v != "v" {
		t.Fatal("options")
	}
}

type closer struct {
	catalog.Table
	closed *int
}

func (c closer) Close() error { *c.closed++; return nil }

type closerSchema struct {
	*catalog.Static
	closed *int
}

func (c closerSchema) Close() error { *c.closed++; return nil }

func TestRootCloseClosesTablesAndSchemas(t *testing.T) {
	n := 0
	root := catalog.NewRoot()
	c := catalog.NewCatalog("c")
	if err := c.AddSchema("tables", catalog.NewStatic(map[string]catalog.Table{"a": closer{closed: &n}, "b": nameOnly{}})); err != nil {
		t.Fatal(err)
	}
	if err := c.AddSchema("owned", closerSchema{Static: catalog.NewStatic(nil), closed: &n}); err != nil {
		t.Fatal(err)
	}
	if err := root.Add(c); err != nil {
		t.Fatal(err)
	}
	if err := root.Close(); err != nil || n != 2 {
		t.Fatalf("Close: %v, closed %d of 2", err, n)
	}
}
