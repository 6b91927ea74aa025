// Package jsonl is Quiver's JSON Lines provider: one JSON object per line,
// a table over one file, a directory of .jsonl/.ndjson files or a glob, one
// partition per file.
//
// Configuration (`provider: jsonl`, under `options:`):
//
//	path:        file, directory or glob, relative to the config's directory.
//	columns:     an explicit schema as "name TYPE" strings; default inferred.
//	sample_rows: lines of the first file used for inference (default 1000).
//	batch_rows:  rows per batch (default 8192).
//
// Inference reads the first sample_rows lines of the first file: columns
// appear in first-seen key order; integers are BIGINT, other numbers DOUBLE
// (integers and non-integers mixed: DOUBLE), true/false BOOLEAN, strings
// VARCHAR (dates stay strings), nested objects and arrays VARCHAR holding
// their JSON text, anything mixed VARCHAR. A missing key is NULL; keys not
// in the schema are ignored. A line that is not a JSON object, or a value
// that does not fit its column, is an errs.ErrInvalid error naming the file,
// line and key.
//
// Reading: projection is pushed down (values of other keys are skipped, not
// converted); filters are not pushed; a limit stops each file early. I/O
// only in Partition.Open; parsing runs under recover().
package jsonl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/internal"
	"github.com/quiverdb/quiver/sources/internal/fsys"
)

// Config is a JSON Lines table's configuration.
type Config struct {
	// Files are the files to read, in order. Required.
	Files []string
	// Schema, when set, is used instead of inference.
	Schema *arrow.Schema
	// SampleRows is how many lines inference reads; 0 means 1000.
	SampleRows int
	// BatchRows is the batch size; 0 means 8192.
	BatchRows int
}

// Table is a JSON Lines table. Safe for concurrent use.
type Table = internal.FileTable

// maxLine bounds one line (a hostile file must not make us buffer GBs).
const maxLine = 64 << 20

var exts = []string{".jsonl", ".ndjson", ".json"}

// NewTable builds a table from cfg, inferring the schema from the first
// file when cfg.Schema is nil (the only I/O it does).
func NewTable(ctx context.Context, name string, cfg Config) (t *Table, err error) {
	defer internal.Recover(&err, "%s: reading JSON lines", name)
	if len(cfg.Files) == 0 {
		return nil, errs.Invalidf("%s: no files", name)
	}
	if cfg.SampleRows <= 0 {
		cfg.SampleRows = 1000
	}
	if cfg.Schema == nil {
		if cfg.Schema, err = infer(ctx, cfg); err != nil {
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
	format := internal.FileFormat{Name: "jsonl", Read: read}
	return internal.NewFileTable(name, format, cfg.Schema, cfg.Files, cfg.BatchRows)
}

// Factory is the jsonl provider for catalog.Registry: tables only.
func Factory() catalog.Factory {
	return catalog.Factory{Table: func(ctx context.Context, po catalog.ProviderOptions) (catalog.Table, error) {
		o := internal.NewOptions(po)
		pattern, err := o.String("path", "")
		if err != nil {
			return nil, err
		}
		files, err := internal.ExpandPaths(o.Key("path"), po.BaseDir, pattern, exts...)
		if err != nil {
			return nil, err
		}
		cfg := Config{Files: files}
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

// OpenFile makes a table of one JSON Lines file with an inferred schema,
// for the CLI's `query` on a bare file.
func OpenFile(ctx context.Context, path string) (catalog.Table, error) {
	files, err := internal.ExpandPaths("path", "", path, exts...)
	if err != nil {
		return nil, err
	}
	return NewTable(ctx, path, Config{Files: files})
}

// lineReader yields non-blank lines with their 1-based numbers.
type lineReader struct {
	br   *bufio.Reader
	line int
}

func newLineReader(r io.Reader) *lineReader {
	br := bufio.NewReaderSize(r, 64*1024)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	return &lineReader{br: br}
}

// next returns the next non-blank line (valid until the following call),
// or io.EOF.
func (l *lineReader) next(path string) ([]byte, error) {
	for {
		var buf []byte
		for {
			chunk, err := l.br.ReadSlice('\n')
			if len(buf)+len(chunk) > maxLine {
				return nil, errs.Invalidf("jsonl file %s line %d: longer than %d bytes", path, l.line+1, maxLine)
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				buf = append(buf, chunk...)
				continue
			}
			if buf != nil {
				buf = append(buf, chunk...)
			} else {
				buf = chunk
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, errs.Wrap(errs.ErrUnavailable, err, "reading jsonl file %s", path)
			}
			if errors.Is(err, io.EOF) && len(buf) == 0 {
				return nil, io.EOF
			}
			break
		}
		l.line++
		if t := bytes.TrimSpace(buf); len(t) > 0 {
			return t, nil
		}
	}
}

// forEachKey calls f for each key of the JSON object in line with its raw
// value. Duplicate keys and non-objects are errors.
func forEachKey(line []byte, f func(key string, raw json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("a line must hold one JSON object, found %v", tok)
	}
	seen := map[string]bool{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		key := kt.(string)
		if seen[key] {
			return fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("key %q: %w", key, err)
		}
		if err := f(key, raw); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("extra data after the object")
	}
	return nil
}

func kindOfRaw(raw json.RawMessage) internal.Inferred {
	switch raw[0] {
	case 'n':
		return internal.InferUnknown
	case 't', 'f':
		return internal.InferBool
	case '"', '{', '[':
		return internal.InferString
	}
	if bytes.ContainsAny(raw, ".eE") {
		return internal.InferFloat
	}
	if k := internal.KindOf(string(raw)); k == internal.InferInt {
		return k
	}
	return internal.InferFloat // an integer too large for BIGINT
}

func infer(ctx context.Context, cfg Config) (*arrow.Schema, error) {
	path := cfg.Files[0]
	f, err := fsys.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("jsonl: %w", err)
	}
	defer f.Close()
	lr := newLineReader(f)
	var names []string
	kinds := map[string]internal.Inferred{}
	for rows := 0; rows < cfg.SampleRows; rows++ {
		if rows%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, errs.Wrap(errs.ErrUnavailable, err, "jsonl file %s: inferring the schema", path)
			}
		}
		line, err := lr.next(path)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		err = forEachKey(line, func(key string, raw json.RawMessage) error {
			k, ok := kinds[key]
			if !ok {
				names = append(names, key)
			}
			kinds[key] = k.Merge(kindOfRaw(raw))
			return nil
		})
		if err != nil {
			return nil, errs.Invalidf("jsonl file %s line %d: %v", path, lr.line, err)
		}
	}
	if len(names) == 0 {
		return nil, errs.Invalidf("jsonl file %s has no keys in its first %d lines: cannot infer a schema (declare columns)", path, cfg.SampleRows)
	}
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		fields[i] = arrow.Field{Name: n, Type: kinds[n].Type(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil), nil
}

// read streams one file into batches of the projected columns.
func read(_ context.Context, path string, r io.Reader, schema *arrow.Schema, proj internal.Projection, batchRows int, mem memory.Allocator) (internal.NextFunc, error) {
	lr := newLineReader(r)
	col := make(map[string]int, len(proj.Columns)) // key → output column
	for j, c := range proj.Columns {
		col[schema.Field(c).Name] = j
	}
	done := false
	return func(ctx context.Context) (arrow.RecordBatch, error) {
		if done {
			return nil, nil
		}
		bld := array.NewRecordBuilder(mem, proj.Schema)
		defer bld.Release()
		parsers := make([]internal.TextParser, len(proj.Columns))
		for j := range parsers {
			p, err := internal.NewTextParser(bld.Field(j))
			if err != nil {
				return nil, err
			}
			parsers[j] = p
		}
		isString := make([]bool, len(parsers))
		for j, f := range proj.Schema.Fields() {
			isString[j] = f.Type.ID() == arrow.STRING || f.Type.ID() == arrow.LARGE_STRING
		}
		set := make([]bool, len(parsers))
		n := 0
		for n < batchRows {
			line, err := lr.next(path)
			if errors.Is(err, io.EOF) {
				done = true
				break
			}
			if err != nil {
				return nil, err
			}
			clear(set)
			err = forEachKey(line, func(key string, raw json.RawMessage) error {
				j, ok := col[key]
				if !ok {
					return nil
				}
				set[j] = true
				return appendRaw(bld.Field(j), parsers[j], isString[j], key, raw)
			})
			if err != nil {
				return nil, errs.Invalidf("jsonl file %s line %d: %v", path, lr.line, err)
			}
			for j, ok := range set {
				if !ok {
					bld.Field(j).AppendNull()
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

// appendRaw appends one JSON value to a column: null is NULL; strings go
// through the column's text parser (so "2024-01-02" fills a DATE column);
// numbers and booleans too; objects and arrays only fit text columns, as
// their JSON text.
func appendRaw(b array.Builder, parse internal.TextParser, isString bool, key string, raw json.RawMessage) error {
	var text string
	switch raw[0] {
	case 'n':
		b.AppendNull()
		return nil
	case '"':
		if err := json.Unmarshal(raw, &text); err != nil {
			return fmt.Errorf("key %q: %w", key, err)
		}
	case '{', '[':
		if !isString {
			return fmt.Errorf("key %q: a nested value cannot fill a %s column", key, b.Type())
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return fmt.Errorf("key %q: %w", key, err)
		}
		text = buf.String()
	default:
		text = string(raw)
	}
	if !parse(text) {
		return fmt.Errorf("key %q: cannot read %s as %s (declare the column's type in `columns`)", key, truncate(string(raw)), b.Type())
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
