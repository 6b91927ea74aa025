package config

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

const sample = `
listen: 127.0.0.1:0
catalogs:
  demo:
    schemas:
      public:
        tables:
          sales: {provider: fake, options: {path: data/sales.csv}}
      scratch:
        provider: fakeschema
`

type fakeTable struct{ catalog.Table }

func registry(t *testing.T) *catalog.Registry {
	reg := catalog.NewRegistry()
	if err := reg.Register("fake", catalog.Factory{Table: func(_ context.Context, o catalog.ProviderOptions) (catalog.Table, error) {
		if o.Values["path"] == nil {
			return nil, errs.Invalidf("%s.path: missing", o.Path)
		}
		return fakeTable{}, nil
	}}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register("fakeschema", catalog.Factory{Schema: func(context.Context, catalog.ProviderOptions) (catalog.Schema, error) {
		return catalog.NewStatic(nil), nil
	}}); err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestParseDefaultsAndBuild(t *testing.T) {
	cfg, err := Parse([]byte(sample), "/base")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:0" || cfg.DefaultCatalog != "demo" || cfg.DefaultSchema != "public" || cfg.LogLevel != "info" {
		t.Fatalf("unexpected config %+v", cfg)
	}
	root, err := BuildRoot(context.Background(), cfg, registry(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := root.ResolveTable(context.Background(), catalog.Name{Catalog: "demo", Schema: "public", Table: "sales"}); err != nil {
		t.Fatal(err)
	}
	c, _ := root.Catalog("demo")
	if got := strings.Join(c.SchemaNames(), ","); got != "public,scratch" {
		t.Fatalf("schemas %s", got)
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	t.Setenv("QUIVER_LISTEN", "127.0.0.1:9999")
	t.Setenv("QUIVER_LIMITS_MAX_SQL_BYTES", "4096")
	t.Setenv("QUIVER_CATALOGS_DEMO_SCHEMAS_PUBLIC_TABLES_SALES_OPTIONS_PATH", "other.csv")
	cfg, err := Parse([]byte(sample), "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:9999" || cfg.Limits.MaxSQLBytes != 4096 {
		t.Fatalf("env not applied: %+v", cfg)
	}
	if got := cfg.Catalogs["demo"].Schemas["public"].Tables["sales"].Options["path"]; got != "other.csv" {
		t.Fatalf("nested env override not applied: %v", got)
	}
}

func TestConfigMistakesNameThePath(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"listen: [\n", "not valid YAML"},
		{"log_level: loud\n", "log_level"},
		{"limits: {memory_limit: -1}\n", "limits.memory_limit"},
		{"bogus_key: 1\n", "bogus_key"},
		{"catalogs: {c: {schemas: {s: {provider: x, tables: {t: {provider: y}}}}}}\n", "catalogs.c.schemas.s"},
		{"catalogs: {c: {schemas: {s: {tables: {t: {options: {a: 1}}}}}}}\n", "catalogs.c.schemas.s.tables.t.provider"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.yaml), "")
		if err == nil || !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid mentioning %q", c.yaml, err, c.want)
		}
	}
}

func TestBuildErrorsNameThePath(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"catalogs: {c: {schemas: {s: {tables: {t: {provider: nope}}}}}}\n", `catalogs.c.schemas.s.tables.t.provider: unknown provider "nope"`},
		{"catalogs: {c: {schemas: {s: {tables: {t: {provider: fake}}}}}}\n", "catalogs.c.schemas.s.tables.t.options.path: missing"},
		{"catalogs: {c: {schemas: {s: {provider: fake}}}}\n", "serves single tables"},
		{"catalogs: {c: {schemas: {s: {tables: {t: {provider: fakeschema}}}}}}\n", "serves whole schemas"},
	}
	for _, c := range cases {
		cfg, err := Parse([]byte(c.yaml), "")
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.yaml, err)
		}
		_, err = BuildRoot(context.Background(), cfg, registry(t))
		if err == nil || !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("BuildRoot(%q) = %v, want ErrInvalid mentioning %q", c.yaml, err, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("listen: ':0'\nlimits: {max_sql_bytes: 10}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "")
		if err == nil && cfg.Listen == "" {
			t.Fatal("accepted config without listen address")
		}
	})
}
