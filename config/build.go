package config

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

// BuildRoot instantiates every configured catalog, schema and table with the
// registry's provider factories. An unknown provider or a factory error fails
// with the config path of the entry at fault. Entries are built in sorted
// order so errors are deterministic.
func BuildRoot(ctx context.Context, cfg *Config, reg *catalog.Registry) (*catalog.Root, error) {
	root := catalog.NewRoot()
	for _, cn := range sortedKeys(cfg.Catalogs) {
		cat := catalog.NewCatalog(cn)
		for _, sn := range sortedKeys(cfg.Catalogs[cn].Schemas) {
			sc := cfg.Catalogs[cn].Schemas[sn]
			path := fmt.Sprintf("catalogs.%s.schemas.%s", cn, sn)
			schema, err := buildSchema(ctx, cfg, reg, path, sc)
			if err != nil {
				return nil, err
			}
			if err := cat.AddSchema(sn, schema); err != nil {
				return nil, err
			}
		}
		if err := root.Add(cat); err != nil {
			return nil, err
		}
	}
	return root, nil
}

func buildSchema(ctx context.Context, cfg *Config, reg *catalog.Registry, path string, sc Schema) (catalog.Schema, error) {
	if sc.Provider != "" {
		f, err := lookup(reg, path, sc.Provider)
		if err != nil {
			return nil, err
		}
		if f.Schema == nil {
			return nil, errs.Invalidf("config %s.provider: provider %q serves single tables, not whole schemas; list them under tables", path, sc.Provider)
		}
		s, err := f.Schema(ctx, catalog.ProviderOptions{Path: path + ".options", BaseDir: cfg.BaseDir, Values: sc.Options})
		if err != nil {
			return nil, errs.Wrap(kindOf(err), err, "config %s", path)
		}
		return s, nil
	}
	tables := map[string]catalog.Table{}
	for _, tn := range sortedKeys(sc.Tables) {
		src := sc.Tables[tn]
		tpath := path + ".tables." + tn
		f, err := lookup(reg, tpath, src.Provider)
		if err != nil {
			return nil, err
		}
		if f.Table == nil {
			return nil, errs.Invalidf("config %s.provider: provider %q serves whole schemas; configure it as a schema's provider", tpath, src.Provider)
		}
		t, err := f.Table(ctx, catalog.ProviderOptions{Path: tpath + ".options", BaseDir: cfg.BaseDir, Values: src.Options})
		if err != nil {
			return nil, errs.Wrap(kindOf(err), err, "config %s", tpath)
		}
		tables[tn] = t
	}
	return catalog.NewStatic(tables), nil
}

func lookup(reg *catalog.Registry, path, name string) (catalog.Factory, error) {
	f, err := reg.Lookup(name)
	if err != nil {
		return f, errs.Wrap(errs.ErrInvalid, err, "config %s.provider", path)
	}
	return f, nil
}

// kindOf keeps a factory error's kind (or ErrInvalid when it has none).
func kindOf(err error) error {
	for _, k := range []error{errs.ErrNotFound, errs.ErrUnavailable, errs.ErrPermission, errs.ErrInternal, errs.ErrInvalid} {
		if errors.Is(err, k) {
			return k
		}
	}
	return errs.ErrInvalid
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
