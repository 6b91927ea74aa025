package internal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/internal/fsys"
)

// Options reads a provider's `options:` with errors that name the option's
// config path (ProviderOptions.Path + "." + key), and reports options
// nobody asked for (typos) through Unused.
type Options struct {
	opts catalog.ProviderOptions
	used map[string]bool
}

// NewOptions wraps opts.
func NewOptions(opts catalog.ProviderOptions) *Options {
	return &Options{opts: opts, used: map[string]bool{}}
}

// Key is the config path of option key, for error messages.
func (o *Options) Key(key string) string {
	if o.opts.Path == "" {
		return key
	}
	return o.opts.Path + "." + key
}

func (o *Options) get(key string) (any, bool) {
	o.used[key] = true
	v, ok := o.opts.Values[key]
	return v, ok && v != nil
}

// String returns a string option, def when absent.
func (o *Options) String(key, def string) (string, error) {
	v, ok := o.get(key)
	if !ok {
		return def, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", errs.Invalidf("%s: want a string, got %v (%T)", o.Key(key), v, v)
	}
	return s, nil
}

// Bool returns a boolean option (true/false, or a string viper left
// unconverted), def when absent.
func (o *Options) Bool(key string, def bool) (bool, error) {
	v, ok := o.get(key)
	if !ok {
		return def, nil
	}
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		if b, err := strconv.ParseBool(x); err == nil {
			return b, nil
		}
	}
	return false, errs.Invalidf("%s: want true or false, got %v", o.Key(key), v)
}

// Int returns a positive integer option, def when absent.
func (o *Options) Int(key string, def int) (int, error) {
	v, ok := o.get(key)
	if !ok {
		return def, nil
	}
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case float64:
		n = int64(x)
		if float64(n) != x {
			n = -1
		}
	case string:
		p, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			n = -1
		} else {
			n = p
		}
	default:
		n = -1
	}
	if n <= 0 || n > 1<<30 {
		return 0, errs.Invalidf("%s: want a positive integer, got %v", o.Key(key), v)
	}
	return int(n), nil
}

// Strings returns a list-of-strings option (nil when absent).
func (o *Options) Strings(key string) ([]string, error) {
	v, ok := o.get(key)
	if !ok {
		return nil, nil
	}
	switch x := v.(type) {
	case []string:
		return x, nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, errs.Invalidf("%s[%d]: want a string, got %v (%T)", o.Key(key), i, e, e)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, errs.Invalidf("%s: want a list of strings, got %v (%T)", o.Key(key), v, v)
}

// RemoteTable reads the `table` option of a remote-database provider (the
// remote table's name). When want is true the option is required and
// non-empty (ErrInvalid naming its key otherwise); when false it is not
// read at all, so a `table` given anyway is reported by Unused.
func (o *Options) RemoteTable(want bool) (string, error) {
	if !want {
		return "", nil
	}
	table, err := o.String("table", "")
	if err != nil {
		return "", err
	}
	if table == "" {
		return "", errs.Invalidf("%s: the remote table name is required", o.Key("table"))
	}
	return table, nil
}

// Unused returns an ErrInvalid error naming the options that were set but
// never read (typos), or nil.
func (o *Options) Unused() error {
	var bad []string
	for k := range o.opts.Values {
		if !o.used[k] {
			bad = append(bad, o.Key(k))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return errs.Invalidf("unknown option %s", strings.Join(bad, ", "))
}

// ExpandPaths resolves a `path` option: a file, a directory (its files with
// one of exts, and those of Hive-style `key=value` sub-directories), a glob,
// an http(s) URL or an object-store URL or prefix (s3://, gs://, azblob://,
// file://; see package fsys), relative to baseDir. Remote locations are
// listed here (I/O at factory time). The result is
// sorted and non-empty; otherwise the error (ErrNotFound or ErrInvalid)
// names key (the option's config path) and the pattern.
func ExpandPaths(key, baseDir, pattern string, exts ...string) ([]string, error) {
	if pattern == "" {
		return nil, errs.Invalidf("%s: a path is required (a file, a directory or a glob)", key)
	}
	p := fsys.Join(baseDir, pattern)
	if fsys.IsRemote(p) {
		// http(s) URLs and object stores (s3://, gs://, azblob://, file://).
		files, err := fsys.List(context.Background(), key, p, fsys.ListOptions{Exts: exts})
		if err != nil {
			return nil, err
		}
		out := make([]string, len(files))
		for i, f := range files {
			out[i] = f.URL
		}
		return out, nil
	}
	if strings.ContainsAny(pattern, "*?[") {
		matches, err := filepath.Glob(p)
		if err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "%s: bad glob %q", key, pattern)
		}
		var files []string
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() {
				files = append(files, m)
			}
		}
		if len(files) == 0 {
			return nil, errs.NotFoundf("%s: no file matches %q (resolved to %s)", key, pattern, p)
		}
		sort.Strings(files)
		return files, nil
	}
	st, err := os.Stat(p)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, errs.NotFoundf("%s: %q does not exist (resolved to %s)", key, pattern, p)
		}
		return nil, errs.Wrap(errs.ErrInvalid, err, "%s: cannot read %q", key, pattern)
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	// The directory's files, and those of Hive-style sub-directories
	// (year=2024/month=01/...).
	listed, err := fsys.List(context.Background(), key, p, fsys.ListOptions{Exts: exts})
	if err != nil && !errors.Is(err, errs.ErrNotFound) {
		return nil, err
	}
	var files []string
	for _, f := range listed {
		files = append(files, f.URL)
	}
	if len(files) == 0 {
		return nil, errs.NotFoundf("%s: directory %q has no %s files", key, pattern, strings.Join(exts, "/"))
	}
	sort.Strings(files)
	return files, nil
}

// ParseColumns parses an explicit schema given as "name TYPE" strings
// (e.g. "id BIGINT", "amount DECIMAL(15,2)", "day DATE"). Types: BIGINT,
// INT/INTEGER, SMALLINT, TINYINT, DOUBLE/REAL, FLOAT, VARCHAR/TEXT/STRING/
// CHAR, BOOLEAN/BOOL, DATE, DATETIME/TIMESTAMP (microseconds), DECIMAL(p,s).
// Every column is nullable.
func ParseColumns(key string, specs []string) (*arrow.Schema, error) {
	fields := make([]arrow.Field, 0, len(specs))
	seen := map[string]bool{}
	for i, spec := range specs {
		parts := strings.Fields(spec)
		if len(parts) < 2 {
			return nil, errs.Invalidf("%s[%d]: want \"name TYPE\", got %q", key, i, spec)
		}
		name := parts[0]
		if seen[strings.ToLower(name)] {
			return nil, errs.Invalidf("%s[%d]: duplicate column %s", key, i, name)
		}
		seen[strings.ToLower(name)] = true
		t, err := ParseType(strings.Join(parts[1:], ""))
		if err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "%s[%d] (%s)", key, i, name)
		}
		fields = append(fields, arrow.Field{Name: name, Type: t, Nullable: true})
	}
	if len(fields) == 0 {
		return nil, errs.Invalidf("%s: an explicit schema needs at least one column", key)
	}
	return arrow.NewSchema(fields, nil), nil
}

// ParseType maps a SQL type name to an Arrow type.
func ParseType(s string) (arrow.DataType, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if strings.HasPrefix(u, "DECIMAL") || strings.HasPrefix(u, "NUMERIC") {
		var p, sc int32 = 10, 0
		rest := strings.TrimLeft(u, "DECIMALNUMERIC")
		if rest != "" {
			rest = strings.TrimSpace(rest)
			if !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
				return nil, fmt.Errorf("bad type %q", s)
			}
			args := strings.Split(rest[1:len(rest)-1], ",")
			pv, err := strconv.Atoi(strings.TrimSpace(args[0]))
			if err != nil || len(args) > 2 {
				return nil, fmt.Errorf("bad type %q", s)
			}
			p = int32(pv)
			if len(args) == 2 {
				sv, err := strconv.Atoi(strings.TrimSpace(args[1]))
				if err != nil {
					return nil, fmt.Errorf("bad type %q", s)
				}
				sc = int32(sv)
			}
		}
		if p < 1 || p > 38 || sc < 0 || sc > p {
			return nil, fmt.Errorf("DECIMAL(%d,%d): precision must be 1..38 and scale 0..precision", p, sc)
		}
		return &arrow.Decimal128Type{Precision: p, Scale: sc}, nil
	}
	if i := strings.IndexByte(u, '('); i > 0 { // VARCHAR(255), CHAR(3)
		u = u[:i]
	}
	switch u {
	case "BIGINT", "INT64":
		return arrow.PrimitiveTypes.Int64, nil
	case "INT", "INTEGER", "INT32":
		return arrow.PrimitiveTypes.Int32, nil
	case "SMALLINT":
		return arrow.PrimitiveTypes.Int16, nil
	case "TINYINT":
		return arrow.PrimitiveTypes.Int8, nil
	case "DOUBLE", "REAL", "FLOAT64":
		return arrow.PrimitiveTypes.Float64, nil
	case "FLOAT", "FLOAT32":
		return arrow.PrimitiveTypes.Float32, nil
	case "VARCHAR", "TEXT", "STRING", "CHAR":
		return arrow.BinaryTypes.String, nil
	case "BOOLEAN", "BOOL":
		return arrow.FixedWidthTypes.Boolean, nil
	case "DATE":
		return arrow.FixedWidthTypes.Date32, nil
	case "DATETIME", "TIMESTAMP":
		return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
	}
	return nil, fmt.Errorf("unknown type %q (use BIGINT, INT, DOUBLE, VARCHAR, BOOLEAN, DATE, TIMESTAMP or DECIMAL(p,s))", s)
}

// TextFileOptions are the options every text-format provider (csv, jsonl)
// reads the same way: `columns` (declared schema, e.g. ["id BIGINT"]),
// `sample_rows` (rows read to infer a schema, default 1000) and `batch_rows`
// (default DefaultBatchRows).
type TextFileOptions struct {
	Schema     *arrow.Schema // nil: infer
	SampleRows int
	BatchRows  int
}

// TextFile reads the shared text-format options.
func (o *Options) TextFile() (TextFileOptions, error) {
	var t TextFileOptions
	cols, err := o.Strings("columns")
	if err != nil {
		return t, err
	}
	if cols != nil {
		if t.Schema, err = ParseColumns(o.Key("columns"), cols); err != nil {
			return t, err
		}
	}
	if t.SampleRows, err = o.Int("sample_rows", 1000); err != nil {
		return t, err
	}
	if t.BatchRows, err = o.Int("batch_rows", DefaultBatchRows); err != nil {
		return t, err
	}
	return t, nil
}
