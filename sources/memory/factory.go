package memory

import (
	"context"
	"sort"
	"strings"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

// Factory is the memory provider for catalog.Registry. It builds schemas
// only (`schemas: {scratch: {provider: memory}}`): an empty, writable
// Schema. A memory table needs a schema, which CREATE TABLE supplies, so
// there is no Table factory. It accepts no options.
func Factory() catalog.Factory {
	return catalog.Factory{Schema: func(_ context.Context, opts catalog.ProviderOptions) (catalog.Schema, error) {
		if len(opts.Values) > 0 {
			keys := make([]string, 0, len(opts.Values))
			for k := range opts.Values {
				keys = append(keys, opts.Path+"."+k)
			}
			sort.Strings(keys)
			return nil, errs.Invalidf("%s: the memory provider takes no options (got %s)", opts.Path, strings.Join(keys, ", "))
		}
		name := opts.Path
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		if name == "" {
			name = "memory"
		}
		return NewSchema(name), nil
	}}
}
