package integration_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLIQueryFormats(t *testing.T) {
	s := startServer(t)
	out, errOut, err := runCLI(t, "query", "--server", s.URI(), "SELECT r_regionkey, r_name FROM tpch.region WHERE r_regionkey < 2 ORDER BY r_regionkey")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	if !strings.Contains(out, "r_regionkey | r_name") || !strings.Contains(out, "(2 rows)") {
		t.Fatalf("table output:\n%s", out)
	}
	out, _, err = runCLI(t, "query", "--server", s.URI(), "--format", "csv", "SELECT r_regionkey FROM tpch.region WHERE r_regionkey = 3")
	if err != nil || out != "r_regionkey\n3\n" {
		t.Fatalf("csv output %q (%v)", out, err)
	}
	out, _, err = runCLI(t, "query", "--server", s.URI(), "--format", "json", "SELECT r_regionkey FROM tpch.region WHERE r_regionkey = 3")
	if err != nil || !strings.Contains(out, `"r_regionkey":3`) {
		t.Fatalf("json output %q (%v)", out, err)
	}
	out, _, err = runCLI(t, "query", "--server", s.URI(), "EXPLAIN SELECT id FROM sales WHERE day > 150 LIMIT 3")
	if err != nil || !strings.Contains(out, "demo.public.sales") || !strings.Contains(out, "partial_filters=[") {
		t.Fatalf("explain output %q (%v)", out, err)
	}
	_, errOut, err = runCLI(t, "query", "--server", s.URI(), "SELECT * FROM nope")
	if err == nil || !strings.Contains(errOut, "nope") {
		t.Fatalf("error for unknown table: %v %q", err, errOut)
	}
}

func TestServeDirectoryWithoutConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pets.csv"), []byte("name,legs\ncat,4\nbird,2\nsnake,0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.jsonl"), []byte("{\"a\": 1}\n{\"a\": 2}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, dir)
	out, errOut, err := runCLI(t, "query", "--server", s.URI(), "--format", "csv", "SELECT name FROM pets WHERE legs > 1 ORDER BY legs")
	if err != nil || out != "name\nbird\ncat\n" {
		t.Fatalf("got %q %q %v", out, errOut, err)
	}
	out, _, err = runCLI(t, "query", "--server", s.URI(), "--format", "csv", "SELECT sum(a) FROM files.public.notes")
	if err != nil || !strings.HasSuffix(out, "\n3\n") {
		t.Fatalf("got %q %v", out, err)
	}
}

func TestMalformedFileNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "broken.parquet"), []byte("PAR1 this is not parquet PAR1"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := runCLI(t, "serve", "--listen", "127.0.0.1:0", dir)
	if err == nil || !strings.Contains(errOut, "broken.parquet") {
		t.Fatalf("want a startup error naming broken.parquet, got %v: %s", err, errOut)
	}
}

func TestVersionAndBadConfig(t *testing.T) {
	out, _, err := runCLI(t, "version")
	if err != nil || !strings.HasPrefix(out, "quiver ") {
		t.Fatalf("version: %q %v", out, err)
	}
	cfg := filepath.Join(t.TempDir(), "q.yaml")
	if err := os.WriteFile(cfg, []byte("catalogs: {c: {schemas: {s: {tables: {t: {provider: nosuch}}}}}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := runCLI(t, "serve", "--config", cfg)
	if err == nil || !strings.Contains(errOut, "catalogs.c.schemas.s.tables.t.provider") {
		t.Fatalf("want the config path in the error, got %v: %s", err, errOut)
	}
}
