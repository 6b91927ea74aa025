// Package csv is Quiver's CSV file provider: a table over one file, a
// directory of .csv files or a glob, one partition per file.
//
// Configuration (`provider: csv`, under `options:`):
//
//	path:      file, directory or glob (e.g. testdata/sales/*.csv); relative
//	           paths resolve against the config file's directory. Required.
//	header:    the first line of every file holds column names (default true).
//	delimiter: one character (default ","; "\t" or "tab" for TSV).
//	null:      the texts that mean NULL (default ["", "\N"]).
//	columns:   an explicit schema as "name TYPE" strings, e.g.
//	           ["id BIGINT", "amount DECIMAL(15,2)"]; default: inferred.
//	sample_rows: rows of the first file used to infer types (default 1000).
//	batch_rows: rows per batch (default 8192).
//
// Inference reads the first file's header and first sample_rows rows at
// factory time: a column whose non-null values all parse as integers is
// BIGINT, as numbers DOUBLE, as true/false BOOLEAN, as YYYY-MM-DD DATE,
// otherwise VARCHAR. A value later in a file that does not parse as its
// column's type is an errs.ErrInvalid error naming the file, line and column
// (declare `columns` to fix the type).
//
// Reading: projection is pushed down (columns not asked for are not
// parsed); filters are not pushed; a limit stops each file early. All I/O
// happens in Partition.Open; parsing runs under recover().
package csv

import (
	"bufio"
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/internal"
	"github.com/quiverdb/quiver/sources/internal/fsys"
)

// Config is a CSV table's configuration (the typed form of the options).
type Config struct {
	// Files are the files to read, in order. Required.
	Files []string
	// Header: the first line of each file holds column names.
	Header bool
	// Delimiter separates fields; 0 means ','.
	Delimiter rune
	// Nulls are the texts read as NULL; nil means "" and `\N`.
	Nulls []string
	// Schema, when set, is used instead of inference.
	Schema *arrow.Schema
	// SampleRows is how many rows inference reads; 0 means 1000.
	SampleRows int
	// BatchRows is the batch size; 0 means 8192.
	BatchRows int
}

// Table is a CSV table (see the package doc). Safe for concurrent use.
type Table = internal.FileTable

// NewTable builds a table from cfg, inferring the schema from the first
// file when cfg.Schema is nil (the only I/O it does). name is used in
// errors.
func NewTable(ctx context.Context, name string, cfg Config) (t *Table, err error) {
	defer internal.Recover(&err, "%s: reading CSV", name)
	if len(cfg.Files) == 0 {
		return nil, errs.Invalidf("%s: no files", name)
	}
	if cfg.Delimiter == 0 {
		cfg.Delimiter = ','
	}
	if cfg.Delimiter == '"' || cfg.Delimiter == '\r' || cfg.Delimiter == '\n' || !utf8.ValidRune(cfg.Delimiter) || cfg.Delimiter == utf8.RuneError {
		return nil, errs.Invalidf("%s: %q cannot be a delimiter", name, cfg.Delimiter)
	}
	if cfg.Nulls == nil {
		cfg.Nulls = []string{"", `\N`}
	}
	if cfg.SampleRows <= 0 {
		cfg.SampleRows = 1000
	}
	header := []string(nil)
	if cfg.Schema == nil {
		cfg.Schema, header, err = infer(ctx, cfg)
		if err != nil {
			return nil, err
		}
	}
	for _, f := range cfg.Schema.Fields() {
		b := array.NewBuilder(memory.DefaultAllocator, f.Type)
		_, err := internal.NewTextParser(b)
		b.Release()
		if err != nil {
			return nil, fmt.Errorf("%s: column %s: %w", name, f.Name, err)
		}
	}
	format := internal.FileFormat{Name: "csv", Read: func(ctx context.Context, path string, r io.Reader, schema *arrow.Schema, proj internal.Projection, batchRows int, mem memory.Allocator) (internal.NextFunc, error) {
		return read(path, r, cfg, header, schema, proj, batchRows, mem)
	}}
	return internal.NewFileTable(name, format, cfg.Schema, cfg.Files, cfg.BatchRows)
}

// Factory is the csv provider for catalog.Registry: tables only.
func Factory() catalog.Factory {
	return catalog.Factory{Table: func(ctx context.Context, po catalog.ProviderOptions) (catalog.Table, error) {
		o := internal.NewOptions(po)
		pattern, err := o.String("path", "")
		if err != nil {
			return nil, err
		}
		files, err := internal.ExpandPaths(o.Key("path"), po.BaseDir, pattern, ".csv", ".tsv")
		if err != nil {
			return nil, err
		}
		var cfg Config
		cfg.Files = files
		if cfg.Header, err = o.Bool("header", true); err != nil {
			return nil, err
		}
		delim, err := o.String("delimiter", ",")
		if err != nil {
			return nil, err
		}
		switch delim {
		case `\t`, "tab", "\t":
			cfg.Delimiter = '\t'
		default:
			r, n := utf8.DecodeRuneInString(delim)
			if n == 0 || n != len(delim) {
				return nil, errs.Invalidf("%s: want one character, got %q", o.Key("delimiter"), delim)
			}
			cfg.Delimiter = r
		}
		if cfg.Nulls, err = o.Strings("null"); err != nil {
			return nil, err
		}
		text, err := o.TextFile()
		if err != nil {
			return nil, err
		}
		cfg.Schema, cfg.SampleRows, cfg.BatchRows = text.Schema, text.SampleRows, text.BatchRows
		if err := o.Unused(); err != nil {
			return nil, err
		}
		t, err := NewTable(ctx, po.Path, cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Key("path"), err)
		}
		return t, nil
	}}
}

// OpenFile makes a table of one CSV file (header, comma, inferred types;
// a .tsv file is tab-separated), for the CLI's `query` on a bare file.
func OpenFile(ctx context.Context, path string) (catalog.Table, error) {
	files, err := internal.ExpandPaths("path", "", path, ".csv", ".tsv")
	if err != nil {
		return nil, err
	}
	cfg := Config{Files: files, Header: true}
	if strings.EqualFold(filepath.Ext(path), ".tsv") {
		cfg.Delimiter = '\t'
	}
	return NewTable(ctx, path, cfg)
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// newCSVReader wraps r: skips a UTF-8 BOM, sets the delimiter and the
// expected field count (0 = take it from the first record).
func newCSVReader(r io.Reader, cfg Config, fields int) *stdcsv.Reader {
	br := bufio.NewReaderSize(r, 64*1024)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(3)
	}
	cr := stdcsv.NewReader(br)
	cr.Comma = cfg.Delimiter
	cr.FieldsPerRecord = fields
	cr.ReuseRecord = true
	return cr
}

// infer reads the first file's header and sample rows. It returns the
// schema and the header (nil without one).
func infer(ctx context.Context, cfg Config) (*arrow.Schema, []string, error) {
	path := cfg.Files[0]
	f, err := fsys.Open(ctx, path)
	if err != nil {
		return nil, nil, fmt.Errorf("csv: %w", err)
	}
	defer f.Close()
	cr := newCSVReader(f, cfg, 0)
	var names []string
	var kinds []internal.Inferred
	rows := 0
	for rows < cfg.SampleRows {
		if rows%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, errs.Wrap(errs.ErrUnavailable, err, "csv file %s: inferring the schema", path)
			}
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, errs.Wrap(errs.ErrInvalid, err, "csv file %s", path)
		}
		if names == nil {
			names = make([]string, len(rec))
			kinds = make([]internal.Inferred, len(rec))
			if cfg.Header {
				copy(names, rec)
				for i := range names {
					names[i] = strings.Clone(strings.TrimSpace(names[i]))
				}
				continue
			}
			for i := range names {
				names[i] = fmt.Sprintf("column%d", i+1)
			}
		}
		for i, v := range rec {
			if !slices.Contains(cfg.Nulls, v) {
				kinds[i] = kinds[i].Merge(internal.KindOf(v))
			}
		}
		rows++
	}
	if names == nil {
		return nil, nil, errs.Invalidf("csv file %s is empty: cannot infer a schema (declare columns)", path)
	}
	fields := make([]arrow.Field, len(names))
	seen := map[string]int{}
	for i, n := range names {
		if n == "" {
			n = fmt.Sprintf("column%d", i+1)
		}
		key := strings.ToLower(n)
		if c := seen[key]; c > 0 {
			n = fmt.Sprintf("%s_%d", n, c+1)
		}
		seen[key]++
		fields[i] = arrow.Field{Name: n, Type: kinds[i].Type(), Nullable: true}
	}
	var header []string
	if cfg.Header {
		header = names
	}
	return arrow.NewSchema(fields, nil), header, nil
}

// read streams one file into batches of the projected columns.
func read(path string, r io.Reader, cfg Config, header []string, schema *arrow.Schema, proj internal.Projection, batchRows int, mem memory.Allocator) (internal.NextFunc, error) {
	width := len(schema.Fields())
	cr := newCSVReader(r, cfg, width)
	started := false
	done := false
	isNull := func(s string) bool {
		for _, n := range cfg.Nulls {
			if s == n {
				return true
			}
		}
		return false
	}
	return func(ctx context.Context) (arrow.RecordBatch, error) {
		if done {
			return nil, nil
		}
		if !started && cfg.Header {
			started = true
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				done = true
				return nil, nil
			}
			if err != nil {
				return nil, csvError(path, err)
			}
			if header != nil {
				for i, h := range rec {
					if strings.TrimSpace(h) != header[i] {
						return nil, errs.Invalidf("csv file %s: header column %d is %q, but the table's (from %s) is %q; all files must share one header", path, i+1, h, cfg.Files[0], header[i])
					}
				}
			}
		}
		started = true
		bld := array.NewRecordBuilder(mem, proj.Schema)
		defer bld.Release()
		parsers := make([]internal.TextParser, len(proj.Columns))
		for j := range proj.Columns {
			p, err := internal.NewTextParser(bld.Field(j))
			if err != nil {
				return nil, err
			}
			parsers[j] = p
		}
		n := 0
		for n < batchRows {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				done = true
				break
			}
			if err != nil {
				return nil, csvError(path, err)
			}
			for j, c := range proj.Columns {
				v := rec[c]
				if isNull(v) {
					bld.Field(j).AppendNull()
					continue
				}
				if !parsers[j](v) {
					line, col := cr.FieldPos(c)
					f := schema.Field(c)
					return nil, errs.Invalidf("csv file %s line %d column %d (%s): cannot read %q as %s (declare the column's type in `columns`)",
						path, line, col, f.Name, truncate(v), f.Type)
				}
			}
			n++
		}
		if n == 0 {
			return nil, nil
		}
		if len(proj.Columns) == 0 {
			return array.NewRecordBatch(proj.Schema, nil, int64(n)), nil
		}
		return bld.NewRecordBatch(), nil
	}, nil
}

func csvError(path string, err error) error {
	var pe *stdcsv.ParseError
	if errors.As(err, &pe) {
		return errs.Invalidf("csv file %s line %d: %v", path, pe.Line, pe.Err)
	}
	return errs.Wrap(errs.ErrUnavailable, err, "reading csv file %s", path)
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
