package integration_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// The differential tests run the same SQL in Quiver and in DuckDB (installed
// into .venv by `make test`) over the same Parquet files and compare the
// rows: in order when the query has a top-level ORDER BY, as multisets
// otherwise; numbers as float64 within a small tolerance (MySQL's DECIMAL
// division keeps 4 extra digits where DuckDB divides in DOUBLE).

// diffQuery is one query of a differential run.
type diffQuery struct {
	ID      string `json:"id"`
	SQL     string `json:"sql"`
	Ordered bool   `json:"-"`
}

// duckResult is one line of integration_test/duckdb/run.py's output.
type duckResult struct {
	ID      string  `json:"id"`
	Rows    [][]any `json:"rows"`
	Error   *string `json:"error"`
	Seconds float64 `json:"seconds"`
}

func venvPython(t testing.TB) string {
	t.Helper()
	py := filepath.Join(repoRoot, ".venv", "bin", "python")
	if _, err := os.Stat(py); err != nil {
		t.Fatalf("%s is missing: run `make test` (it installs DuckDB into .venv)", py)
	}
	return py
}

// runDuckDB runs the queries in DuckDB over dir's Parquet files.
func runDuckDB(t testing.TB, dir string, queries []diffQuery, repeat int) map[string]duckResult {
	t.Helper()
	qfile := filepath.Join(t.TempDir(), "queries.json")
	data, _ := json.Marshal(queries)
	if err := os.WriteFile(qfile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, venvPython(t), filepath.Join(repoRoot, "integration_test", "duckdb", "run.py"),
		"--data", dir, "--queries", qfile, "--repeat", fmt.Sprint(repeat))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("duckdb runner: %v\n%s", err, stderr.String())
	}
	out := map[string]duckResult{}
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for sc.Scan() {
		var r duckResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("duckdb runner output: %v", err)
		}
		out[r.ID] = r
	}
	return out
}

// quiverRows runs sql through arrow-go's Flight SQL client and normalizes
// the values the way run.py does.
func quiverRows(ctx context.Context, client *flightsql.Client, sql string) ([][]any, error) {
	info, err := client.Execute(ctx, sql)
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, ep := range info.Endpoint {
		rdr, err := client.DoGet(ctx, ep.Ticket)
		if err != nil {
			return nil, err
		}
		for rdr.Next() {
			rec := rdr.RecordBatch()
			for r := 0; r < int(rec.NumRows()); r++ {
				row := make([]any, rec.NumCols())
				for c := range row {
					row[c] = normValue(rec.Column(c), r)
				}
				rows = append(rows, row)
			}
		}
		err = rdr.Err()
		rdr.Release()
		if err != nil {
			return nil, err
		}
	}
	return rows, nil
}

func normValue(col arrow.Array, i int) any {
	if col.IsNull(i) {
		return nil
	}
	switch a := col.(type) {
	case *array.Int8:
		return float64(a.Value(i))
	case *array.Int16:
		return float64(a.Value(i))
	case *array.Int32:
		return float64(a.Value(i))
	case *array.Int64:
		return float64(a.Value(i))
	case *array.Uint8:
		return float64(a.Value(i))
	case *array.Uint16:
		return float64(a.Value(i))
	case *array.Uint32:
		return float64(a.Value(i))
	case *array.Uint64:
		return float64(a.Value(i))
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		if a.Value(i) {
			return 1.0
		}
		return 0.0
	case *array.Decimal128:
		return a.Value(i).ToFloat64(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Date32:
		return a.Value(i).ToTime().Format("2006-01-02")
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC().Format("2006-01-02 15:04:05.999999")
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	default:
		return col.ValueStr(i)
	}
}

// sameRows compares two results; ordered keeps row order, otherwise both
// sides are sorted by a rounded rendering first.
func sameRows(got, want [][]any, ordered bool) string {
	if len(got) != len(want) {
		return fmt.Sprintf("row count %d, want %d (first rows: got %v, want %v)", len(got), len(want), head(got), head(want))
	}
	if !ordered {
		got, want = sortedRows(got), sortedRows(want)
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			return fmt.Sprintf("row %d has %d columns, want %d", i, len(got[i]), len(want[i]))
		}
		for j := range got[i] {
			if !sameValue(got[i][j], want[i][j]) {
				return fmt.Sprintf("row %d column %d: got %v, want %v (row got %v, want %v)", i, j, got[i][j], want[i][j], got[i], want[i])
			}
		}
	}
	return ""
}

func head(rows [][]any) [][]any {
	if len(rows) > 3 {
		return rows[:3]
	}
	return rows
}

func sameValue(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	fa, aNum := a.(float64)
	fb, bNum := b.(float64)
	if aNum && bNum {
		return math.Abs(fa-fb) <= 1e-4+1e-6*math.Max(math.Abs(fa), math.Abs(fb))
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func sortedRows(rows [][]any) [][]any {
	out := append([][]any(nil), rows...)
	key := func(r []any) string {
		parts := make([]string, len(r))
		for i, v := range r {
			switch x := v.(type) {
			case nil:
				parts[i] = "\x00NULL"
			case float64:
				parts[i] = fmt.Sprintf("%020.2f", x)
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		return strings.Join(parts, "\x1f")
	}
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}

func flightClient(t testing.TB, s *server) *flightsql.Client {
	t.Helper()
	client, err := flightsql.NewClient(s.addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}
