package memory

import (
	"context"
	"sort"
	"strings"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

var _ catalog.ViewStore = (*Schema)(nil)

// viewKey finds a view's stored name (exact, else the one case-insensitive
// match). The caller holds s.mu.
func (s *Schema) viewKey(name string) (string, bool) {
	if _, ok := s.views[name]; ok {
		return name, true
	}
	var key string
	n := 0
	for k := range s.views {
		if strings.EqualFold(k, name) {
			key = k
			n++
		}
	}
	return key, n == 1
}

// CreateView stores def (catalog.ViewStore). A table of the same name is
// errs.ErrAlreadyExists even with orReplace, as in MySQL.
func (s *Schema) CreateView(_ context.Context, def catalog.ViewDef, orReplace bool) error {
	if def.Name == "" {
		return errs.Invalidf("CREATE VIEW in %s: the view name is empty", s.name)
	}
	if strings.TrimSpace(def.SQL) == "" {
		return errs.Invalidf("CREATE VIEW %s.%s: the view has no query", s.name, def.Name)
	}
	def.Columns = append([]string(nil), def.Columns...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, t, ok := s.lookup(def.Name); ok && t != nil {
		return errs.New(errs.ErrAlreadyExists, "table %s.%s already exists", s.name, def.Name)
	}
	if k, ok := s.viewKey(def.Name); ok {
		if !orReplace {
			return errs.New(errs.ErrAlreadyExists, "table %s.%s already exists", s.name, k)
		}
		delete(s.views, k)
	}
	if s.views == nil {
		s.views = map[string]catalog.ViewDef{}
	}
	s.views[def.Name] = def
	return nil
}

// DropView removes a view; errs.ErrNotFound unless ifExists.
func (s *Schema) DropView(_ context.Context, name string, ifExists bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.viewKey(name)
	if !ok {
		if ifExists {
			return nil
		}
		return errs.NotFoundf("unknown view %s.%s", s.name, name)
	}
	delete(s.views, k)
	return nil
}

// View returns the named view (a copy) and whether it exists.
func (s *Schema) View(_ context.Context, name string) (catalog.ViewDef, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.viewKey(name)
	if !ok {
		return catalog.ViewDef{}, false, nil
	}
	d := s.views[k]
	d.Columns = append([]string(nil), d.Columns...)
	return d, true, nil
}

// ViewNames lists the views, sorted.
func (s *Schema) ViewNames(context.Context) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.views))
	for k := range s.views {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}
