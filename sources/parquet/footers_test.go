package parquet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

// Footers are read concurrently; the table is the same as read one by one
// (files in path order), and a malformed file among many is reported by
// name every time, not a read cut short because of it.
func TestConcurrentFooters(t *testing.T) {
	dir := t.TempDir()
	for i := range 20 {
		writeFile(t, dir, fmt.Sprintf("f%02d.parquet", i), i*10, i*10+10, 5)
	}
	open := func() (catalog.Table, error) {
		return Factory().Table(context.Background(), catalog.ProviderOptions{Path: "tables.t", BaseDir: dir, Values: map[string]any{"path": "."}})
	}
	tbl, err := open()
	if err != nil {
		t.Fatal(err)
	}
	pt := tbl.(*Table)
	if len(pt.files) != 20 || pt.RowGroupCount() != 40 || pt.stats.NumRows.Value != 200 {
		t.Fatalf("%d files, %d row groups, %d rows", len(pt.files), pt.RowGroupCount(), pt.stats.NumRows.Value)
	}
	for i, f := range pt.files {
		if f.key != fmt.Sprintf("f%02d.parquet", i) || f.index != i {
			t.Fatalf("file %d is %s (index %d)", i, f.key, f.index)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "f13.parquet"), []byte("PAR1 not really PAR1"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		_, err := open()
		if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "f13.parquet") {
			t.Fatalf("malformed f13: %v", err)
		}
	}
}
