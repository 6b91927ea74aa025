package flightsql

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

// metadataTimeout bounds one metadata call (GetTables) so that a remote
// that accepts connections but never answers fails startup and lookups
// instead of hanging them.
const metadataTimeout = 30 * time.Second

// Schema serves every table of one remote namespace (catalog + schema).
// Tables are listed with GetTables (include_schema) and the listing is
// reused for Config.CacheTTL, so tables created or dropped on the remote
// show up within that time (a lookup of a name missing from the cached
// listing always asks again). Safe for concurrent use; Close releases the
// connection.
type Schema struct {
	src *source
}

var _ catalog.Schema = (*Schema)(nil)

// Factory returns the flightsql provider's factory: `table` entries (option
// table) and `schema` entries (every table of the remote namespace). See
// doc.go for the options. Both connect at startup and fail fast: an
// unreachable remote is errs.ErrUnavailable naming the URI.
func Factory() catalog.Factory {
	return catalog.Factory{
		Table: func(ctx context.Context, opts catalog.ProviderOptions) (catalog.Table, error) {
			cfg, table, err := parseOptions(opts, true)
			if err != nil {
				return nil, err
			}
			return OpenTable(ctx, cfg, table)
		},
		Schema: func(ctx context.Context, opts catalog.ProviderOptions) (catalog.Schema, error) {
			cfg, _, err := parseOptions(opts, false)
			if err != nil {
				return nil, err
			}
			return OpenSchema(ctx, cfg)
		},
	}
}

// OpenSchema connects to the remote and lists the namespace's tables once
// (failing fast when the remote is unreachable or refuses the headers).
// The caller Closes the Schema when done.
func OpenSchema(ctx context.Context, cfg Config) (*Schema, error) {
	src, err := newSource(cfg)
	if err != nil {
		return nil, err
	}
	if _, err := src.listTables(ctx, true); err != nil {
		_ = src.close()
		return nil, err
	}
	return &Schema{src: src}, nil
}

// OpenTable connects to the remote and resolves one table of the
// configured namespace (exact name, or the one case-insensitive match).
// The returned Table owns its connection: Close it when done.
func OpenTable(ctx context.Context, cfg Config, table string) (*Table, error) {
	src, err := newSource(cfg)
	if err != nil {
		return nil, err
	}
	m, err := src.fetchTables(ctx, &table)
	if err != nil {
		_ = src.close()
		return nil, err
	}
	name, sc, ok := lookupFold(m, table)
	if !ok {
		// The name filter is a LIKE pattern and case handling differs
		// between servers: try the whole namespace before giving up.
		if m, err = src.fetchTables(ctx, nil); err != nil {
			_ = src.close()
			return nil, err
		}
		if name, sc, ok = lookupFold(m, table); !ok {
			_ = src.close()
			return nil, src.notFound(table)
		}
	}
	return newTable(src, name, sc, true), nil
}

func (s *source) notFound(table string) error {
	return errs.NotFoundf("flightsql source %s (%s): table %s does not exist in %s", s.name, s.uri, table, s.namespace())
}

// TableNames lists the remote namespace's tables, sorted.
func (s *Schema) TableNames(ctx context.Context) ([]string, error) {
	m, err := s.src.listTables(ctx, false)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

// Table resolves a remote table (exact name, or the one case-insensitive
// match) with the schema the remote reports; ErrNotFound naming it when
// the remote has no such table.
func (s *Schema) Table(ctx context.Context, name string) (catalog.Table, error) {
	m, err := s.src.listTables(ctx, false)
	if err != nil {
		return nil, err
	}
	stored, sc, ok := lookupFold(m, name)
	if !ok {
		if m, err = s.src.listTables(ctx, true); err != nil {
			return nil, err
		}
		if stored, sc, ok = lookupFold(m, name); !ok {
			return nil, s.src.notFound(name)
		}
	}
	return newTable(s.src, stored, sc, false), nil
}

// Calls is the number of RPCs sent to the remote so far.
func (s *Schema) Calls() int64 { return s.src.calls.Load() }

// Close closes the connection shared by the schema's tables; tables handed
// out fail with ErrUnavailable afterwards. Idempotent.
func (s *Schema) Close() error { return s.src.close() }

// lookupFold finds name exactly, else case-insensitively when exactly one
// table matches so.
func lookupFold(m map[string]*arrow.Schema, name string) (string, *arrow.Schema, bool) {
	if sc, ok := m[name]; ok {
		return name, sc, true
	}
	found, n := "", 0
	for k := range m {
		if strings.EqualFold(k, name) {
			found = k
			n++
		}
	}
	if n != 1 {
		return "", nil, false
	}
	return found, m[found], true
}
