// Package config is Quiver's typed configuration: the Config struct (every
// field documents its key and default), loading it from YAML with
// environment overrides, and building the catalog root it describes from a
// provider registry. It is the only importer of viper.
//
// Environment overrides: every key can be overridden by QUIVER_ followed by
// the key path in upper case with dots as underscores, e.g. QUIVER_LISTEN,
// QUIVER_LIMITS_MAX_SQL_BYTES,
// QUIVER_CATALOGS_DEMO_SCHEMAS_PUBLIC_TABLES_SALES_OPTIONS_PATH (for keys
// present in the file).
package config

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"

	"github.com/quiverdb/quiver/errs"
)

// Config is the whole server configuration.
type Config struct {
	// Listen is the host:port to serve Flight SQL on (key listen, default
	// 127.0.0.1:32010). Port 0 picks a free port.
	Listen string `mapstructure:"listen"`
	// DefaultCatalog and DefaultSchema are a new session's current catalog
	// and schema (keys default_catalog, default_schema).
	DefaultCatalog string `mapstructure:"default_catalog"`
	DefaultSchema  string `mapstructure:"default_schema"`
	// Catalogs maps catalog names to their schemas (key catalogs).
	Catalogs map[string]Catalog `mapstructure:"catalogs"`
	// Limits bound what one query may ask for (key limits).
	Limits Limits `mapstructure:"limits"`
	// LogLevel is debug, info, warn or error (key log_level, default info).
	LogLevel string `mapstructure:"log_level"`
	// BaseDir resolves relative file paths in provider options. It is not a
	// config key: the loader sets it to the config file's directory (or the
	// working directory for the embedded default).
	BaseDir string `mapstructure:"-"`
}

// Limits are the query limits (see HARDENING.md). Zero means the default.
type Limits struct {
	// MaxSQLBytes bounds SQL text (key limits.max_sql_bytes, default 1 MiB).
	MaxSQLBytes int `mapstructure:"max_sql_bytes"`
	// MaxNestingDepth bounds expression nesting (limits.max_nesting_depth, default 1000).
	MaxNestingDepth int `mapstructure:"max_nesting_depth"`
	// MaxInListItems bounds one IN list (limits.max_in_list_items, default 100000).
	MaxInListItems int `mapstructure:"max_in_list_items"`
	// MemoryLimit bounds the bytes one query's sorts and aggregates hold
	// (limits.memory_limit, default 4 GiB).
	MemoryLimit int64 `mapstructure:"memory_limit"`
	// MaxMessageBytes bounds one received gRPC message, e.g. a DoPut batch
	// (limits.max_message_bytes, default 64 MiB).
	MaxMessageBytes int `mapstructure:"max_message_bytes"`
}

// Catalog is one catalog: a set of schemas.
type Catalog struct {
	Schemas map[string]Schema `mapstructure:"schemas"`
}

// Schema is either owned by one provider (Provider set: the provider lists
// the tables, e.g. tpch or a writable memory schema) or a set of Tables, each
// from its own provider. Not both.
type Schema struct {
	Provider string            `mapstructure:"provider"`
	Options  map[string]any    `mapstructure:"options"`
	Tables   map[string]Source `mapstructure:"tables"`
}

// Source is one table from a provider.
type Source struct {
	Provider string         `mapstructure:"provider"`
	Options  map[string]any `mapstructure:"options"`
}

// Defaults are applied under whatever the file sets.
var Defaults = map[string]any{
	"listen":          "127.0.0.1:32010",
	"default_catalog": "demo",
	"default_schema":  "public",
	"log_level":       "info",
}

// Parse reads YAML config text, applies defaults and QUIVER_* environment
// overrides, and validates the result. baseDir resolves relative paths.
// Errors are errs.ErrInvalid naming the key path at fault.
func Parse(yaml []byte, baseDir string) (*Config, error) {
	v := viper.New()
	v.SetConfigType("yaml")
	for k, d := range Defaults {
		v.SetDefault(k, d)
	}
	for _, k := range []string{"max_sql_bytes", "max_nesting_depth", "max_in_list_items", "memory_limit", "max_message_bytes"} {
		v.SetDefault("limits."+k, 0)
	}
	v.SetEnvPrefix("QUIVER")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if err := v.ReadConfig(bytes.NewReader(yaml)); err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "config is not valid YAML")
	}
	// AutomaticEnv only answers Get calls; rebuild the tree through Get so
	// overrides reach Unmarshal for every key.
	settings := map[string]any{}
	for _, k := range v.AllKeys() {
		setPath(settings, strings.Split(k, "."), v.Get(k))
	}
	var cfg Config
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result:           &cfg,
		WeaklyTypedInput: true,
		ErrorUnused:      true,
		TagName:          "mapstructure",
	})
	if err != nil {
		return nil, errs.Wrap(errs.ErrInternal, err, "config decoder")
	}
	if err := dec.Decode(settings); err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "config")
	}
	cfg.BaseDir = baseDir
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

func setPath(m map[string]any, path []string, val any) {
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = val
}

// Validate checks the structure (providers named, no schema with both a
// provider and tables, limits non-negative). Provider options are checked
// when the catalog is built.
func (c *Config) Validate() error {
	if c.Listen == "" {
		return errs.Invalidf("config listen: must be HOST:PORT")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return errs.Invalidf("config log_level: %q is not one of debug, info, warn, error", c.LogLevel)
	}
	for _, l := range []struct {
		key string
		v   int64
	}{
		{"max_sql_bytes", int64(c.Limits.MaxSQLBytes)}, {"max_nesting_depth", int64(c.Limits.MaxNestingDepth)},
		{"max_in_list_items", int64(c.Limits.MaxInListItems)}, {"memory_limit", c.Limits.MemoryLimit},
		{"max_message_bytes", int64(c.Limits.MaxMessageBytes)},
	} {
		if l.v < 0 {
			return errs.Invalidf("config limits.%s: must not be negative", l.key)
		}
	}
	for cn, cat := range c.Catalogs {
		for sn, s := range cat.Schemas {
			path := fmt.Sprintf("catalogs.%s.schemas.%s", cn, sn)
			if s.Provider != "" && len(s.Tables) > 0 {
				return errs.Invalidf("config %s: set either provider or tables, not both", path)
			}
			if s.Provider == "" && len(s.Tables) == 0 {
				return errs.Invalidf("config %s: needs a provider or tables", path)
			}
			for tn, t := range s.Tables {
				if t.Provider == "" {
					return errs.Invalidf("config %s.tables.%s.provider: missing", path, tn)
				}
			}
		}
	}
	return nil
}
