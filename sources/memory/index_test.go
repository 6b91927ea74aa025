package memory_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	qmem "github.com/quiverdb/quiver/sources/memory"
)

func TestIndexes(t *testing.T) {
	mem := newMem(t)
	tbl := newTable(t, mem, 2, 10) // ids 0..19 unique; name repeats, with NULLs
	ctx := context.Background()
	if err := tbl.CreateIndex(ctx, catalog.IndexDef{Name: "i_id", Columns: []string{"ID"}, Unique: true}); err != nil {
		t.Fatal(err)
	}
	if err := tbl.CreateIndex(ctx, catalog.IndexDef{Name: "I_ID", Columns: []string{"name"}}); !errors.Is(err, errs.ErrAlreadyExists) {
		t.Errorf("duplicate index name: %v, want ErrAlreadyExists", err)
	}
	if err := tbl.CreateIndex(ctx, catalog.IndexDef{Name: "i_x", Columns: []string{"nope"}}); !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown column: %v, want ErrNotFound naming it", err)
	}
	err := tbl.CreateIndex(ctx, catalog.IndexDef{Name: "u_name", Columns: []string{"name"}, Unique: true})
	if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "duplicate entry") {
		t.Errorf("unique index over duplicates: %v, want ErrInvalid duplicate entry", err)
	}
	// (name, id) is unique; rows with a NULL name never conflict.
	if err := tbl.CreateIndex(ctx, catalog.IndexDef{Name: "u_name_id", Columns: []string{"name", "id"}, Unique: true}); err != nil {
		t.Errorf("unique (name, id): %v", err)
	}
	got, _ := tbl.Indexes(ctx)
	if len(got) != 2 || got[0].Name != "i_id" || got[0].Columns[0] != "id" || !got[0].Unique || got[1].Name != "u_name_id" {
		t.Errorf("Indexes = %+v", got)
	}
	if err := tbl.DropIndex(ctx, "I_id", false); err != nil {
		t.Errorf("DROP INDEX: %v", err)
	}
	if err := tbl.DropIndex(ctx, "i_id", false); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("DROP INDEX of a dropped index: %v, want ErrNotFound", err)
	}
	if err := tbl.DropIndex(ctx, "i_id", true); err != nil {
		t.Errorf("DROP INDEX IF EXISTS: %v", err)
	}
}

func TestUniqueIndexUsesCollation(t *testing.T) {
	mem := newMem(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	b := array.NewStringBuilder(mem)
	b.AppendValues([]string{"abc", "", "ABC"}, []bool{true, false, true})
	col := b.NewArray()
	b.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, 3)
	col.Release()
	tbl, err := qmem.NewNamedTable("s.t", schema, rec)
	rec.Release()
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	err = tbl.CreateIndex(context.Background(), catalog.IndexDef{Name: "u", Columns: []string{"s"}, Unique: true})
	if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "'ABC'") {
		t.Errorf("'abc' and 'ABC' under a unique index: %v, want a duplicate entry error", err)
	}
}

func TestViews(t *testing.T) {
	ctx := context.Background()
	s := qmem.NewSchema("scratch")
	defer s.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	if err := s.CreateTable(ctx, "t", schema, false); err != nil {
		t.Fatal(err)
	}
	def := catalog.ViewDef{Name: "v", SQL: "SELECT a FROM t", Catalog: "c", Schema: "scratch", Columns: []string{"a"}}
	if err := s.CreateView(ctx, def, false); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateView(ctx, def, false); !errors.Is(err, errs.ErrAlreadyExists) {
		t.Errorf("CREATE VIEW twice: %v, want ErrAlreadyExists", err)
	}
	def.SQL = "SELECT a + 1 AS a FROM t"
	if err := s.CreateView(ctx, def, true); err != nil {
		t.Errorf("CREATE OR REPLACE VIEW: %v", err)
	}
	got, ok, err := s.View(ctx, "V")
	if err != nil || !ok || got.SQL != def.SQL || got.Columns[0] != "a" {
		t.Errorf("View(V) = %+v, %v, %v", got, ok, err)
	}
	if err := s.CreateView(ctx, catalog.ViewDef{Name: "T", SQL: "SELECT 1"}, true); !errors.Is(err, errs.ErrAlreadyExists) {
		t.Errorf("view named like a table: %v, want ErrAlreadyExists", err)
	}
	if err := s.CreateTable(ctx, "v", schema, false); !errors.Is(err, errs.ErrAlreadyExists) {
		t.Errorf("table named like a view: %v, want ErrAlreadyExists", err)
	}
	if err := s.CreateTable(ctx, "v", schema, true); err != nil {
		t.Errorf("CREATE TABLE IF NOT EXISTS over a view: %v, want a no-op", err)
	}
	if _, err := s.Table(ctx, "v"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("Table(view) = %v, want ErrNotFound", err)
	}
	names, _ := s.ViewNames(ctx)
	if len(names) != 1 || names[0] != "v" {
		t.Errorf("ViewNames = %v", names)
	}
	if err := s.DropView(ctx, "v", false); err != nil {
		t.Errorf("DROP VIEW: %v", err)
	}
	if err := s.DropView(ctx, "v", false); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("DROP VIEW twice: %v, want ErrNotFound", err)
	}
	if err := s.DropView(ctx, "v", true); err != nil {
		t.Errorf("DROP VIEW IF EXISTS: %v", err)
	}
	if _, ok, _ := s.View(ctx, "v"); ok {
		t.Error("dropped view still found")
	}
}
