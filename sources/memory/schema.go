package memory

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

// Schema is a writable namespace of memory tables: CREATE TABLE and DROP
// TABLE create and drop them. Safe for concurrent use. Build with NewSchema.
type Schema struct {
	name   string
	mu     sync.RWMutex
	tables map[string]*Table
	views  map[string]catalog.ViewDef // views.go; shares the tables' namespace
}

var (
	_ catalog.Schema    = (*Schema)(nil)
	_ catalog.Creatable = (*Schema)(nil)
)

// NewSchema returns an empty schema; name is used in error messages.
func NewSchema(name string) *Schema {
	return &Schema{name: name, tables: map[string]*Table{}}
}

// TableNames lists the tables, sorted.
func (s *Schema) TableNames(context.Context) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.tables))
	for k := range s.tables {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

// Table returns the named table (exact name, else the one case-insensitive
// match) or an errs.ErrNotFound error naming it.
func (s *Schema) Table(_ context.Context, name string) (catalog.Table, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, t, ok := s.lookup(name); ok {
		return t, nil
	}
	return nil, errs.NotFoundf("unknown table %s.%s", s.name, name)
}

func (s *Schema) lookup(name string) (string, *Table, bool) {
	if t, ok := s.tables[name]; ok {
		return name, t, true
	}
	var key string
	var found *Table
	n := 0
	for k, t := range s.tables {
		if strings.EqualFold(k, name) {
			key, found = k, t
			n++
		}
	}
	return key, found, n == 1
}

// CreateTable creates an empty table. Names are unique case-insensitively;
// errs.ErrAlreadyExists unless ifNotExists.
func (s *Schema) CreateTable(_ context.Context, name string, schema *arrow.Schema, ifNotExists bool) error {
	if name == "" {
		return errs.Invalidf("CREATE TABLE in %s: the table name is empty", s.name)
	}
	if schema == nil || len(schema.Fields()) == 0 {
		return errs.Invalidf("CREATE TABLE %s.%s: a table needs at least one column", s.name, name)
	}
	seen := map[string]bool{}
	for _, f := range schema.Fields() {
		k := strings.ToLower(f.Name)
		if seen[k] {
			return errs.Invalidf("CREATE TABLE %s.%s: duplicate column name %s", s.name, name, f.Name)
		}
		seen[k] = true
	}
	t, err := newNamedTable(s.name+"."+name, schema)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.tables {
		if strings.EqualFold(k, name) {
			if ifNotExists {
				return nil
			}
			return errs.New(errs.ErrAlreadyExists, "table %s.%s already exists", s.name, k)
		}
	}
	if k, ok := s.viewKey(name); ok {
		if ifNotExists {
			return nil
		}
		return errs.New(errs.ErrAlreadyExists, "table %s.%s already exists (it is a view)", s.name, k)
	}
	s.tables[name] = t
	return nil
}

// AddTable adds an existing table (e.g. one built with NewTable or
// NewNamedTable) under name; the schema takes over the caller's reference
// and releases the table on DROP TABLE or Release.
func (s *Schema) AddTable(name string, t *Table) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.tables {
		if strings.EqualFold(k, name) {
			return errs.New(errs.ErrAlreadyExists, "table %s.%s already exists", s.name, k)
		}
	}
	if k, ok := s.viewKey(name); ok {
		return errs.New(errs.ErrAlreadyExists, "table %s.%s already exists (it is a view)", s.name, k)
	}
	s.tables[name] = t
	return nil
}

// DropTable removes a table and releases its data (running scans finish on
// the references they hold). errs.ErrNotFound unless ifExists.
func (s *Schema) DropTable(_ context.Context, name string, ifExists bool) error {
	s.mu.Lock()
	key, t, ok := s.lookup(name)
	if ok {
		delete(s.tables, key)
	}
	s.mu.Unlock()
	if !ok {
		if ifExists {
			return nil
		}
		return errs.NotFoundf("DROP TABLE: unknown table %s.%s", s.name, name)
	}
	t.Release()
	return nil
}

// Release drops every table's data. The schema is empty afterwards.
func (s *Schema) Release() {
	s.mu.Lock()
	tables := s.tables
	s.tables = map[string]*Table{}
	s.mu.Unlock()
	for _, t := range tables {
		t.Release()
	}
}
