package ipc_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	arrowipc "github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/ipc"
)

// nestedSchema is one column of `depth` nested structs around a BIGINT.
func nestedSchema(depth int) *arrow.Schema {
	var typ arrow.DataType = arrow.PrimitiveTypes.Int64
	for i := 1; i < depth; i++ {
		typ = arrow.StructOf(arrow.Field{Name: "s" + strconv.Itoa(i), Type: typ, Nullable: true})
	}
	return arrow.NewSchema([]arrow.Field{{Name: "deep", Type: typ, Nullable: true}}, nil)
}

// wideSchema is one struct column with n BIGINT children.
func wideSchema(n int) *arrow.Schema {
	fields := make([]arrow.Field, n)
	for i := range fields {
		fields[i] = arrow.Field{Name: "c" + strconv.Itoa(i), Type: arrow.PrimitiveTypes.Int64}
	}
	return arrow.NewSchema([]arrow.Field{{Name: "wide", Type: arrow.StructOf(fields...)}}, nil)
}

// writeSchemaOnly writes an IPC stream holding only the schema message.
func writeSchemaOnly(t *testing.T, path string, s *arrow.Schema) {
	t.Helper()
	var buf bytes.Buffer
	w := arrowipc.NewWriter(&buf, arrowipc.WithSchema(s), arrowipc.WithAllocator(memory.NewGoAllocator()))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Deeply nested or very wide nested schemas are refused before arrow-go
// decodes them, with ErrInvalid saying what is wrong; schemas within the
// limits open.
func TestNestedSchemaGuard(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name   string
		schema *arrow.Schema
		want   string // "" = accepted
	}{
		{"depth64.arrows", nestedSchema(64), ""},
		{"depth65.arrows", nestedSchema(65), "levels deep"},
		{"depth500.arrows", nestedSchema(500), "levels deep"},
		{"wide9999.arrows", wideSchema(9999), ""},
		{"wide10000.arrows", wideSchema(10000), "nested fields included"},
	} {
		path := filepath.Join(dir, c.name)
		writeSchemaOnly(t, path, c.schema)
		tbl, err := ipc.NewTable(context.Background(), "tables."+c.name, []string{path}, 0)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			if !tbl.Schema().Equal(c.schema) {
				t.Errorf("%s: schema %s", c.name, tbl.Schema())
			}
			continue
		}
		if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%s: %v, want ErrInvalid naming the file and saying %q", c.name, err, c.want)
		}
	}
}
