package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/envvar"
	"github.com/quiverdb/quiver/sources/postgres/pgtest"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

func TestBadCredentials(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const secret = "s3cr3t-Wrong-pw"
	cfg := testConfig()
	cfg.DSN = cluster.DSNFor(cluster.User, secret, cluster.Database)
	_, err := OpenSchema(ctx, cfg)
	if !errors.Is(err, errs.ErrPermission) {
		t.Fatalf("wrong password: %v, want ErrPermission", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error leaks the password: %v", err)
	}
	if !strings.Contains(err.Error(), "test.pg") {
		t.Errorf("error does not name the source: %v", err)
	}

	cfg.DSN = cluster.DSNFor("nobody_here", secret, cluster.Database)
	if _, err := OpenTable(ctx, cfg, "t"); !errors.Is(err, errs.ErrPermission) || strings.Contains(err.Error(), secret) {
		t.Errorf("unknown user: %v, want ErrPermission without the password", err)
	}

	cfg.DSN = cluster.DSNFor(cluster.User, cluster.Password, "no_such_db")
	if _, err := OpenSchema(ctx, cfg); !errors.Is(err, errs.ErrNotFound) || strings.Contains(err.Error(), cluster.Password) {
		t.Errorf("unknown database: %v, want ErrNotFound without the password", err)
	}

	cfg = testConfig()
	cfg.Schema = "no_such_schema"
	if _, err := OpenSchema(ctx, cfg); !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "no_such_schema") {
		t.Errorf("unknown schema: %v, want ErrNotFound naming it", err)
	}
	if _, err := OpenTable(ctx, testConfig(), "no_such_table"); !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "no_such_table") {
		t.Errorf("unknown table: %v, want ErrNotFound naming it", err)
	}
}

func TestUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg := testConfig()
	// Port 1 on loopback: nothing listens there.
	cfg.DSN = "postgres://quiver:hunter2-pw@127.0.0.1:1/x?sslmode=disable&connect_timeout=3"
	_, err := OpenSchema(ctx, cfg)
	if !errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("unreachable server: %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "test.pg") {
		t.Errorf("error %q must name the source and not the password", err)
	}
	cfg.DSN = "postgres://quiver:hunter2-pw@127.0.0.1:notaport/x"
	if _, err := OpenSchema(ctx, cfg); !errors.Is(err, errs.ErrInvalid) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad DSN: %v, want ErrInvalid without the password", err)
	}
}

func TestFactoryOptions(t *testing.T) {
	t.Setenv("QUIVER_TEST_SET", "X")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	f := Factory()
	path := "catalogs.c.schemas.pg"
	if _, err := f.Schema(ctx, catalog.ProviderOptions{Path: path, Values: map[string]any{}}); !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), path+".dsn") {
		t.Errorf("missing dsn: %v, want ErrInvalid naming %s.dsn", err, path)
	}
	if _, err := f.Schema(ctx, catalog.ProviderOptions{Path: path, Values: map[string]any{"dsn_env": "QUIVER_TEST_UNSET_VAR"}}); !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "QUIVER_TEST_UNSET_VAR") {
		t.Errorf("unset dsn_env: %v, want ErrInvalid naming the variable", err)
	}
	if _, err := f.Schema(ctx, catalog.ProviderOptions{Path: path, Values: map[string]any{"dsn": "x", "sceham": "public"}}); !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), path+".sceham") {
		t.Errorf("typo option: %v, want ErrInvalid naming it", err)
	}
	if _, err := f.Table(ctx, catalog.ProviderOptions{Path: path, Values: map[string]any{"dsn": cluster.DSN()}}); !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), path+".table") {
		t.Errorf("table provider without table: %v, want ErrInvalid naming %s.table", err, path)
	}
	if got, err := envvar.Expand("a$b${QUIVER_TEST_SET}c$$"); err != nil || got != "a$bXc$$" {
		t.Errorf("expandEnv: %q, %v", got, err)
	}
	if _, err := f.Schema(ctx, catalog.ProviderOptions{Path: path, Values: map[string]any{"dsn": "postgres://u:${QUIVER_TEST_UNSET_PW}@h/db"}}); !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "QUIVER_TEST_UNSET_PW") {
		t.Errorf("dsn referencing an unset variable: %v, want ErrInvalid naming it", err)
	}
	// A DSN built from the environment connects.
	t.Setenv("QUIVER_TEST_PG_PW", cluster.Password)
	dsnTmpl := strings.Replace(cluster.DSN(), ":"+cluster.Password+"@", ":${QUIVER_TEST_PG_PW}@", 1)
	sch0, err := f.Schema(ctx, catalog.ProviderOptions{Path: path, Values: map[string]any{"dsn": dsnTmpl}})
	if err != nil {
		t.Fatalf("dsn with ${VAR}: %v", err)
	}
	sch0.(*Schema).Close()
	t.Setenv("QUIVER_TEST_PG_DSN", cluster.DSN())
	sch, err := f.Schema(ctx, catalog.ProviderOptions{Path: path, Values: map[string]any{"dsn_env": "QUIVER_TEST_PG_DSN", "schema": "public", "partitions": 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer sch.(*Schema).Close()
	name := uniqueName("fact")
	execSQL(t, sch.(*Schema), "CREATE TABLE "+quoteIdent(name)+" (a int)")
	tbl, err := f.Table(ctx, catalog.ProviderOptions{Path: path, Values: map[string]any{"dsn_env": "QUIVER_TEST_PG_DSN", "table": name}})
	if err != nil {
		t.Fatal(err)
	}
	tbl.(*Table).Close()
}

func TestDecodeNumeric(t *testing.T) {
	enc := func(digits []uint16, weight int16, sign uint16, dscale int16) []byte {
		b := []byte{byte(len(digits) >> 8), byte(len(digits)), byte(uint16(weight) >> 8), byte(weight), byte(sign >> 8), byte(sign), byte(dscale >> 8), byte(dscale)}
		for _, d := range digits {
			b = append(b, byte(d>>8), byte(d))
		}
		return b
	}
	cases := []struct {
		name        string
		v           []byte
		scale, prec int32
		want        string
		wantErr     bool
	}{
		{"zero", enc(nil, 0, numericPos, 2), 2, 10, "0.00", false},
		{"1.5 at scale 2", enc([]uint16{1, 5000}, 0, numericPos, 1), 2, 10, "1.50", false},
		{"-12345.6789", enc([]uint16{1, 2345, 6789}, 1, numericNeg, 4), 4, 12, "-12345.6789", false},
		{"0.0001", enc([]uint16{1}, -1, numericPos, 4), 4, 10, "0.0001", false},
		{"round half up", enc([]uint16{0, 125}, 0, numericPos, 4), 2, 10, "0.01", false},   // 0.0125 -> 0.01
		{"round half away", enc([]uint16{0, 150}, 0, numericPos, 4), 2, 10, "0.02", false}, // 0.0150 -> 0.02
		{"negative half away", enc([]uint16{0, 150}, 0, numericNeg, 4), 2, 10, "-0.02", false},
		{"tiny rounds to zero", enc([]uint16{1}, -5, numericPos, 20), 10, 38, "0.0000000000", false},
		{"many fraction digits", enc([]uint16{3, 1415, 9265, 3589, 7932, 3846, 2643, 3832, 7950, 2884, 1971}, 0, numericPos, 40), 10, 38, "3.1415926536", false},
		{"10^30 fits 38,0", enc([]uint16{100, 0, 0, 0, 0, 0, 0, 0}, 7, numericPos, 0), 0, 38, "1000000000000000000000000000000", false},
		{"overflow", enc([]uint16{1, 0, 0, 0}, 3, numericPos, 0), 2, 10, "", true},
		{"NaN", enc(nil, 0, numericNaN, 0), 2, 10, "", true},
		{"Infinity", enc(nil, 0, numericPInf, 0), 2, 10, "", true},
		{"truncated", []byte{0, 1, 0}, 2, 10, "", true},
	}
	for _, c := range cases {
		n, err := decodeNumeric(c.v, c.scale, c.prec)
		if c.wantErr {
			if err == nil {
				t.Errorf("%s: got %s, want an error", c.name, n.ToString(c.scale))
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := n.ToString(c.scale); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	// appendNumeric round-trips through decodeNumeric.
	for _, s := range []string{"0", "1", "-1", "123456789.123", "-0.001", "99999999999999999999999999999999999.999", "10000", "0.0001"} {
		const scale = 3
		n, err := decimal128.FromString(s, 38, scale)
		if err != nil {
			t.Fatal(err)
		}
		b := appendNumeric(nil, n, scale)
		back, err := decodeNumeric(b[4:], scale, 38)
		if err != nil || back != n {
			t.Errorf("round trip of %s: %s, %v", s, back.ToString(scale), err)
		}
	}
}

// TestSourceDown: a second server goes away at query time; reads from it
// fail with ErrUnavailable naming the source, the first server's tables
// keep working.
func TestSourceDown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	other, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Stop()
	if err := other.Exec(ctx, "CREATE TABLE t AS SELECT 1 AS x"); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Name = "catalogs.c.schemas.other"
	cfg.DSN = other.DSN()
	down := openSchema(t, cfg)
	td, err := down.Table(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	scan, err := td.Scan(ctx, catalog.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	mem := newMem(t)
	if err := readAll(ctx, scan, mem); err != nil {
		t.Fatalf("before the server stops: %v", err)
	}
	other.Stop()
	err = readAll(ctx, scan, mem)
	if !errors.Is(err, errs.ErrUnavailable) || !strings.Contains(err.Error(), cfg.Name) {
		t.Errorf("reading from a stopped server: %v, want ErrUnavailable naming %s", err, cfg.Name)
	}
	if _, err := down.Table(ctx, "t"); !errors.Is(err, errs.ErrUnavailable) {
		t.Errorf("resolving on a stopped server: %v, want ErrUnavailable", err)
	}
	if strings.Contains(fmt.Sprint(err), other.Password) {
		t.Errorf("error leaks the password: %v", err)
	}

	up := openSchema(t, testConfig())
	name := uniqueName("up")
	execSQL(t, up, "CREATE TABLE "+quoteIdent(name)+" AS SELECT 2 AS x")
	tu, err := up.Table(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if got := sourcetest.ReadRows(t, tu, catalog.ScanRequest{Limit: -1}, mem); len(got) != 1 || got[0] != "2" {
		t.Errorf("the other source: %v", got)
	}
}

// TestCodecOtherNode decodes a partition on a table opened through its own
// pool (as another node would) and reads it there.
func TestCodecOtherNode(t *testing.T) {
	ctx := context.Background()
	s := openSchema(t, testConfig())
	name := uniqueName("codec")
	createKitTable(t, s, name, 3000)
	tbl, err := s.Table(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	f := sourcetest.Cmp(tbl.Schema(), "id", expr.OpGt, 1234)
	scan, err := tbl.Scan(ctx, catalog.ScanRequest{Projection: []int{3, 0}, Filters: []expr.Expr{f}, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(scan.Partitions()) < 2 {
		t.Fatalf("want a split scan, got %d partitions", len(scan.Partitions()))
	}
	remote, err := OpenTable(ctx, testConfig(), name)
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()
	mem := newMem(t)
	want := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Projection: []int{3, 0}, Filters: []expr.Expr{f}, Limit: -1}, mem)
	var got []string
	for _, p := range scan.Partitions() {
		data, err := tbl.(*Table).EncodePartition(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), `"1234"`) {
			t.Errorf("encoding %s does not carry the bind value", data)
		}
		dp, err := remote.DecodePartition(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, readPartitionRows(t, dp, mem)...)
	}
	if strings.Join(sorted(got), "\n") != strings.Join(sorted(want), "\n") {
		t.Errorf("decoded on another pool: %d rows, want %d", len(got), len(want))
	}
	// The receiver re-plans: forged SQL or bind values are refused.
	data0, err := tbl.(*Table).EncodePartition(scan.Partitions()[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, forge := range [][2]string{
		{`"sql":"SELECT `, `"sql":"SELECT pg_read_file('/etc/passwd'), `},
		{`"1234"`, `"1"`},
		{`"lo":0,"hi":`, `"lo":2,"hi":`},
	} {
		bad := strings.Replace(string(data0), forge[0], forge[1], 1)
		if bad == string(data0) {
			t.Fatalf("forgery %q did not apply to %s", forge, data0)
		}
		if _, err := remote.DecodePartition(ctx, []byte(bad)); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("forged partition (%s → %s): %v, want ErrInvalid", forge[0], forge[1], err)
		}
	}
	// An encoding for another table is refused.
	other := uniqueName("codec_other")
	execSQL(t, s, "CREATE TABLE "+quoteIdent(other)+" (a int)")
	ot, err := s.Table(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := tbl.(*Table).EncodePartition(scan.Partitions()[0])
	if _, err := ot.(*Table).DecodePartition(ctx, data); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("decoding on another table: %v, want ErrInvalid", err)
	}
}

func readPartitionRows(t *testing.T, p catalog.Partition, mem memory.Allocator) []string {
	t.Helper()
	rr, err := p.Open(context.Background(), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	var bs []arrow.RecordBatch
	for rr.Next() {
		b := rr.RecordBatch()
		b.Retain()
		bs = append(bs, b)
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	out := sourcetest.RowStrings(bs)
	for _, b := range bs {
		b.Release()
	}
	return out
}
