package catalog

import (
	"context"
	"errors"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/quiverdb/quiver/errs"
)

// Schema is a namespace of tables (a database, in MySQL's words). A provider
// may own a whole schema (tpch, memory, postgres) or a schema may be a Static
// one built from configured tables. Safe for concurrent use.
type Schema interface {
	// TableNames lists the tables, sorted.
	TableNames(ctx context.Context) ([]string, error)
	// Table returns the named table or an errs.ErrNotFound error naming it.
	Table(ctx context.Context, name string) (Table, error)
}

// Catalog is a set of schemas.
type Catalog struct {
	name    string
	mu      sync.RWMutex
	schemas map[string]Schema
}

// NewCatalog returns an empty catalog.
func NewCatalog(name string) *Catalog {
	return &Catalog{name: name, schemas: map[string]Schema{}}
}

// Name is the catalog's name.
func (c *Catalog) Name() string { return c.name }

// AddSchema adds a schema; ErrAlreadyExists if the name is taken.
func (c *Catalog) AddSchema(name string, s Schema) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.schemas[name]; ok {
		return errs.New(errs.ErrAlreadyExists, "schema %s.%s already exists", c.name, name)
	}
	c.schemas[name] = s
	return nil
}

// SchemaNames lists the schemas, sorted.
func (c *Catalog) SchemaNames() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return sortedKeys(c.schemas)
}

// Schema returns a schema by name (exact match first, then
// case-insensitive), or an ErrNotFound error naming it.
func (c *Catalog) Schema(name string) (Schema, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if s, ok := lookupFold(c.schemas, name); ok {
		return s, nil
	}
	return nil, errs.NotFoundf("unknown schema %s.%s", c.name, name)
}

// Root is the set of catalogs a server serves. Safe for concurrent use.
type Root struct {
	mu       sync.RWMutex
	catalogs map[string]*Catalog
}

// NewRoot returns an empty set of catalogs.
func NewRoot() *Root { return &Root{catalogs: map[string]*Catalog{}} }

// Add adds a catalog; ErrAlreadyExists if its name is taken.
func (r *Root) Add(c *Catalog) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.catalogs[c.name]; ok {
		return errs.New(errs.ErrAlreadyExists, "catalog %s already exists", c.name)
	}
	r.catalogs[c.name] = c
	return nil
}

// CatalogNames lists the catalogs, sorted.
func (r *Root) CatalogNames() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return sortedKeys(r.catalogs)
}

// Catalog returns a catalog by name or an ErrNotFound error naming it.
func (r *Root) Catalog(name string) (*Catalog, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if c, ok := lookupFold(r.catalogs, name); ok {
		return c, nil
	}
	return nil, errs.NotFoundf("unknown catalog %s", name)
}

// Name is a fully qualified table name.
type Name struct{ Catalog, Schema, Table string }

func (n Name) String() string { return n.Catalog + "." + n.Schema + "." + n.Table }

// ResolveTable looks up catalog.schema.table.
func (r *Root) ResolveTable(ctx context.Context, n Name) (Table, error) {
	c, err := r.Catalog(n.Catalog)
	if err != nil {
		return nil, err
	}
	s, err := c.Schema(n.Schema)
	if err != nil {
		return nil, err
	}
	return s.Table(ctx, n.Table)
}

// Static is a Schema of a fixed set of tables (configured ones). Safe for
// concurrent use.
type Static struct {
	tables map[string]Table
}

// NewStatic returns a schema serving the given tables.
func NewStatic(tables map[string]Table) *Static {
	m := make(map[string]Table, len(tables))
	for k, v := range tables {
		m[k] = v
	}
	return &Static{tables: m}
}

// TableNames lists the tables, sorted.
func (s *Static) TableNames(context.Context) ([]string, error) { return sortedKeys(s.tables), nil }

// Table returns the named table (exact, then case-insensitive match).
func (s *Static) Table(_ context.Context, name string) (Table, error) {
	if t, ok := lookupFold(s.tables, name); ok {
		return t, nil
	}
	return nil, errs.NotFoundf("unknown table %s", name)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// lookupFold finds name exactly, else case-insensitively when exactly one key
// matches that way.
func lookupFold[V any](m map[string]V, name string) (V, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	var found V
	n := 0
	for k, v := range m {
		if strings.EqualFold(k, name) {
			found = v
			n++
		}
	}
	return found, n == 1
}

// Close releases what the catalogs hold: every schema and every table of a
// Static schema that implements io.Closer is closed (connection pools, open
// files). Call it once, after the server has stopped. It returns the joined
// errors.
func (r *Root) Close() error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var errList []error
	for _, c := range r.catalogs {
		c.mu.RLock()
		for _, s := range c.schemas {
			if st, ok := s.(*Static); ok {
				for _, t := range st.tables {
					if cl, ok := t.(io.Closer); ok {
						errList = append(errList, cl.Close())
					}
				}
			}
			if cl, ok := s.(io.Closer); ok {
				errList = append(errList, cl.Close())
			}
		}
		c.mu.RUnlock()
	}
	return errors.Join(errList...)
}
