package catalog

import (
	"context"
	"sort"
	"sync"

	"github.com/quiverdb/quiver/errs"
)

// Factory builds a provider's tables or schemas from configuration. A
// provider fills in one or both: Table for `tables: {t: {provider: x}}`
// entries, Schema for `schemas: {s: {provider: x}}` entries. Factories may do
// I/O (open a file's footer, connect) and should fail fast with an error
// naming the bad option.
type Factory struct {
	Table  func(ctx context.Context, opts ProviderOptions) (Table, error)
	Schema func(ctx context.Context, opts ProviderOptions) (Schema, error)
}

// ProviderOptions are a provider's `options:` from the config. Path is the
// config path of the entry (e.g. "catalogs.demo.schemas.public.tables.sales"),
// used in error messages; BaseDir resolves relative file paths.
type ProviderOptions struct {
	Path    string
	BaseDir string
	Values  map[string]any
}

// Registry maps provider names to factories. Providers are registered by
// explicit calls (main.go, or a custom build's own main); there are no init()
// side effects. Safe for concurrent use.
type Registry struct {
	mu        sync.RWMutex
	factories map[string]Factory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{factories: map[string]Factory{}} }

// Register adds a provider. It is an error to register a name twice or a
// factory with neither Table nor Schema.
func (r *Registry) Register(name string, f Factory) error {
	if f.Table == nil && f.Schema == nil {
		return errs.Invalidf("provider %q: factory builds neither tables nor schemas", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.factories[name]; ok {
		return errs.New(errs.ErrAlreadyExists, "provider %q is already registered", name)
	}
	r.factories[name] = f
	return nil
}

// Lookup returns the named provider's factory, or an ErrNotFound error that
// lists the registered names.
func (r *Registry) Lookup(name string) (Factory, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if f, ok := r.factories[name]; ok {
		return f, nil
	}
	return Factory{}, errs.NotFoundf("unknown provider %q (registered: %v)", name, r.names())
}

// Names lists registered providers, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.names()
}

func (r *Registry) names() []string {
	out := make([]string, 0, len(r.factories))
	for k := range r.factories {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
