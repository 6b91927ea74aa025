// Package ipc is Quiver's Arrow IPC file provider: a table over one
// `.arrow`, `.feather` (v2) or `.ipc` file, a directory of them (with Hive
// `key=value` sub-directories as partition columns), a glob, an http(s) URL
// or an object-store location (see sources/internal/fsys). Both the IPC
// file format (ARROW1 magic) and the IPC stream format are read; one
// partition per file.
//
// Configuration (`provider: ipc`, under `options:`):
//
//	path:            file, directory, glob or URL. Required.
//	max_batch_bytes: the largest record batch body accepted (default
//	                 256 MiB); a larger one is ErrInvalid naming the file.
//
// Hardening (design/HARDENING.md): files are untrusted bytes. They are read
// as a message stream (ipc.NewMessageReader with metadata and body size
// limits), never with ipc.NewReader / ipc.NewFileReader, and the schema
// message's field counts (nested ones included) are bounds-checked against
// its size, at most 10,000 fields nesting at most 64 deep, before arrow-go
// decodes it. Reading happens in Partition.Open under recover(); the schema
// is read at factory time from the first file, and every file must match it.
package ipc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/internal"
	"github.com/quiverdb/quiver/sources/internal/fsys"
)

// Limits applied to every file.
const (
	// MaxMetadataBytes bounds one message's flatbuffer metadata.
	MaxMetadataBytes = 1 << 20
	// DefaultMaxBatchBytes bounds one record batch body.
	DefaultMaxBatchBytes = 256 << 20
	// maxFields bounds a schema's field count, nested fields included.
	maxFields = 10000
	// maxDepth bounds how deeply fields nest (a top-level field is depth
	// 1): arrow-go decodes and builds nested types recursively.
	maxDepth = 64
)

var exts = []string{".arrow", ".feather", ".ipc", ".arrows"}

// Table is an Arrow IPC table. Safe for concurrent use.
type Table = internal.FileTable

// NewTable builds a table over files (locations as fsys lists them),
// reading the schema from the first one (its only I/O).
func NewTable(ctx context.Context, name string, files []string, maxBatchBytes int64) (t *Table, err error) {
	defer internal.Recover(&err, "%s: reading Arrow IPC", name)
	if len(files) == 0 {
		return nil, errs.Invalidf("%s: no files", name)
	}
	if maxBatchBytes <= 0 {
		maxBatchBytes = DefaultMaxBatchBytes
	}
	rc, err := fsys.Open(ctx, files[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	rd, err := openStream(fsys.Redact(files[0]), rc, maxBatchBytes, memory.DefaultAllocator)
	if err != nil {
		rc.Close()
		return nil, err
	}
	schema := rd.Schema()
	rd.Release()
	rc.Close()
	format := internal.FileFormat{Name: "ipc", ReadCloser: func(ctx context.Context, path string, r io.Reader, schema *arrow.Schema, proj internal.Projection, _ int, mem memory.Allocator) (internal.NextFunc, func(), error) {
		return read(path, r, schema, proj, maxBatchBytes, mem)
	}}
	return internal.NewFileTable(name, format, schema, files, 0)
}

// Factory is the ipc provider for catalog.Registry: tables only.
func Factory() catalog.Factory {
	return catalog.Factory{Table: func(ctx context.Context, po catalog.ProviderOptions) (catalog.Table, error) {
		o := internal.NewOptions(po)
		pattern, err := o.String("path", "")
		if err != nil {
			return nil, err
		}
		limit, err := o.Int("max_batch_bytes", DefaultMaxBatchBytes)
		if err != nil {
			return nil, err
		}
		if err := o.Unused(); err != nil {
			return nil, err
		}
		files, err := internal.ExpandPaths(o.Key("path"), po.BaseDir, pattern, exts...)
		if err != nil {
			return nil, err
		}
		t, err := NewTable(ctx, po.Path, files, int64(limit))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Key("path"), err)
		}
		return t, nil
	}}
}

// OpenFile makes a table of one Arrow IPC file (for the CLI's `query`).
func OpenFile(ctx context.Context, path string) (catalog.Table, error) {
	files, err := internal.ExpandPaths("path", "", path, exts...)
	if err != nil {
		return nil, err
	}
	return NewTable(ctx, fsys.Redact(path), files, 0)
}

var fileMagic = []byte("ARROW1")

// openStream positions r at the first message (skipping the file format's
// 8-byte header), bounds-checks the schema message and returns a reader
// with size limits. Malformed input is ErrInvalid naming path.
func openStream(path string, r io.Reader, maxBatch int64, mem memory.Allocator) (rd *ipc.Reader, err error) {
	defer func() {
		if x := recover(); x != nil {
			rd, err = nil, errs.Invalidf("malformed Arrow IPC file %s: %v", path, x)
		}
	}()
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(8)
	if bytes.HasPrefix(head, fileMagic) {
		if _, err := br.Discard(8); err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "Arrow IPC file %s", path)
		}
	}
	head, meta, err := readSchemaMessage(br)
	if err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "malformed Arrow IPC file %s", path)
	}
	if err := checkSchema(meta); err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "malformed Arrow IPC file %s", path)
	}
	// The decoder reads the checked schema message again from memory, then
	// the rest of the stream.
	mr := ipc.NewMessageReader(io.MultiReader(bytes.NewReader(head), br), ipc.WithMetadataSizeLimit(MaxMetadataBytes), ipc.WithBodySizeLimit(maxBatch), ipc.WithAllocator(mem))
	rd, err = ipc.NewReaderFromMessageReader(mr, ipc.WithAllocator(mem))
	if err != nil {
		mr.Release()
		return nil, errs.Wrap(errs.ErrInvalid, err, "malformed Arrow IPC file %s", path)
	}
	return rd, nil
}

// readSchemaMessage reads the first message's length prefix and flatbuffer
// metadata (at most MaxMetadataBytes, allocated only once the prefix says
// how many bytes follow and they are under the limit). head is every byte
// consumed; meta is its metadata part.
func readSchemaMessage(br *bufio.Reader) (head, meta []byte, err error) {
	pre, err := br.Peek(8)
	if err != nil {
		return nil, nil, fmt.Errorf("too short for an Arrow IPC stream: %w", err)
	}
	off := 0
	n := int64(int32(binary.LittleEndian.Uint32(pre)))
	if binary.LittleEndian.Uint32(pre) == 0xFFFFFFFF {
		off = 4
		n = int64(int32(binary.LittleEndian.Uint32(pre[4:])))
	}
	if n <= 0 || n > MaxMetadataBytes {
		return nil, nil, fmt.Errorf("schema message of %d bytes (the limit is %d)", n, MaxMetadataBytes)
	}
	head = make([]byte, off+4+int(n))
	if _, err := io.ReadFull(br, head); err != nil {
		return nil, nil, fmt.Errorf("truncated schema message: %w", err)
	}
	return head, head[off+4:], nil
}

// checkSchema walks the flatbuffer Message → Schema → fields vector, and
// every Field's children recursively, and checks that each declared
// vector length fits in the bytes present, that the fields number at most
// maxFields in all and nest at most maxDepth deep, so the decoder cannot be
// made to allocate unbounded memory (or recurse unboundedly) from a tiny
// forged header. Offsets in a flatbuffer only point forward, so the walk
// ends; the field budget bounds it even when tables are shared.
func checkSchema(b []byte) error {
	bad := errors.New("schema message is not a valid flatbuffer")
	u32 := func(pos int) (int, bool) {
		if pos < 0 || pos+4 > len(b) {
			return 0, false
		}
		return int(binary.LittleEndian.Uint32(b[pos:])), true
	}
	// field returns the absolute position of table t's field i (0 = absent).
	field := func(t, i int) (int, bool) {
		so, ok := u32(t)
		if !ok {
			return 0, false
		}
		vt := t - int(int32(so))
		if vt < 0 || vt+4 > len(b) {
			return 0, false
		}
		vlen := int(binary.LittleEndian.Uint16(b[vt:]))
		if 4+2*i+2 > vlen || vt+4+2*i+2 > len(b) {
			return 0, true
		}
		fo := int(binary.LittleEndian.Uint16(b[vt+4+2*i:]))
		if fo == 0 {
			return 0, true
		}
		return t + fo, true
	}
	deref := func(pos int) (int, bool) {
		o, ok := u32(pos)
		return pos + o, ok && pos+o < len(b)
	}
	// vector follows the offset at pos to a vector of offsets: its position
	// and declared length (not yet checked against the bytes present).
	vector := func(pos int) (vec, n int, ok bool) {
		if vec, ok = deref(pos); !ok {
			return 0, 0, false
		}
		n, ok = u32(vec)
		return vec, n, ok
	}
	// fits reports whether a vector of n offsets at vec is within the
	// field budget and the bytes present.
	fits := func(vec, n int) bool { return n <= maxFields && vec+4+4*n <= len(b) }
	root, ok := deref(0)
	if !ok {
		return bad
	}
	hp, ok := field(root, 2) // Message.header
	if !ok || hp == 0 {
		return bad
	}
	schema, ok := deref(hp)
	if !ok {
		return bad
	}
	fp, ok := field(schema, 1) // Schema.fields
	if !ok {
		return bad
	}
	if fp == 0 {
		return nil
	}
	vec, n, ok := vector(fp)
	if !ok {
		return bad
	}
	if !fits(vec, n) {
		return fmt.Errorf("schema declares %d fields in %d bytes (at most %d fields)", n, len(b), maxFields)
	}
	total := 0
	var walk func(vec, n, depth int) error
	walk = func(vec, n, depth int) error {
		if n > 0 && depth > maxDepth {
			return fmt.Errorf("schema nests fields more than %d levels deep; flatten the nested types", maxDepth)
		}
		for i := 0; i < n; i++ {
			if total++; total > maxFields {
				return fmt.Errorf("schema declares more than %d fields, nested fields included", maxFields)
			}
			f, ok := deref(vec + 4 + 4*i)
			if !ok {
				return bad
			}
			cp, ok := field(f, 5) // Field.children (slots: name, nullable, type_type, type, dictionary, children)
			if !ok {
				return bad
			}
			if cp == 0 {
				continue // a leaf
			}
			cv, cn, ok := vector(cp)
			if !ok {
				return bad
			}
			if !fits(cv, cn) {
				return fmt.Errorf("a field declares %d children in %d bytes (at most %d fields)", cn, len(b), maxFields)
			}
			if err := walk(cv, cn, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(vec, n, 1)
}

// read streams one file's batches, projected.
func read(path string, r io.Reader, schema *arrow.Schema, proj internal.Projection, maxBatch int64, mem memory.Allocator) (internal.NextFunc, func(), error) {
	rd, err := openStream(path, r, maxBatch, mem)
	if err != nil {
		return nil, nil, err
	}
	if !rd.Schema().Equal(schema) {
		got := rd.Schema()
		rd.Release()
		return nil, nil, errs.Invalidf("Arrow IPC file %s has schema %s, but the table's (from its first file) is %s", path, got, schema)
	}
	done := false
	release := func() {
		if !done {
			done = true
			rd.Release()
		}
	}
	return func(ctx context.Context) (arrow.RecordBatch, error) {
		if done {
			return nil, nil
		}
		if !rd.Next() {
			err := rd.Err()
			release()
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, errs.Wrap(errs.ErrInvalid, err, "malformed Arrow IPC file %s", path)
			}
			return nil, nil
		}
		b := rd.RecordBatch()
		cols := make([]arrow.Array, len(proj.Columns))
		for i, c := range proj.Columns {
			cols[i] = b.Column(c)
		}
		return array.NewRecordBatch(proj.Schema, cols, b.NumRows()), nil
	}, release, nil
}
