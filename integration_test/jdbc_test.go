package integration_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quiverdb/quiver/internal/tools/compatmatrix/matrix"
)

// jdbcVersions are the Apache Arrow Flight SQL JDBC driver releases the
// compatibility matrix covers. `make jdbc-deps` puts each one's jar in
// integration_test/jdbc/target/lib-<version>/.
var jdbcVersions = []string{"18.3.0", "19.0.0"}

// jdbcUnavailable is the marker `make jdbc-deps` leaves in lib-<version>/
// when Maven Central answered that the driver release does not exist there
// (as opposed to a network failure, which fails make).
const jdbcUnavailable = "UNAVAILABLE"

func jdbcDir() string { return filepath.Join(repoRoot, "integration_test", "jdbc") }

// TestJDBC runs integration_test/jdbc/JdbcCompat.java with each Flight SQL
// JDBC driver release against its own fresh server and compares the
// features it records with integration_test/compat/jdbc-<version>.jsonl.
func TestJDBC(t *testing.T) {
	for _, tool := range []string{"java", "javac"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: the JDBC tests need a JDK 17+ (make test-deps)", tool)
		}
	}
	classes := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	javac := exec.CommandContext(ctx, "javac", "-d", classes, filepath.Join(jdbcDir(), "JdbcCompat.java"))
	if out, err := javac.CombinedOutput(); err != nil {
		t.Fatalf("javac JdbcCompat.java: %v\n%s", err, out)
	}
	for _, v := range jdbcVersions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			testJDBCVersion(t, v, classes)
		})
	}
}

func testJDBCVersion(t *testing.T, version, classes string) {
	client := "jdbc-" + version
	lib := filepath.Join(jdbcDir(), "target", "lib-"+version)
	jar := filepath.Join(lib, "flight-sql-jdbc-driver-"+version+".jar")
	if _, err := os.Stat(jar); err != nil {
		if _, merr := os.Stat(filepath.Join(lib, jdbcUnavailable)); merr == nil {
			// The registry has no such release: record that honestly (one
			// failed row), so the matrix shows the driver was not exercised.
			checkCompat(t, client, []matrix.Result{{
				Client: client, Feature: "connect: URL with useEncryption=false", OK: false,
				Detail: "flight-sql-jdbc-driver " + version + " is not on the Maven Central that make jdbc-deps reaches; not exercised",
			}})
			return
		}
		t.Fatalf("JDBC driver %s missing (%v): run `make jdbc-deps`", version, err)
	}

	srv := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "java",
		"--add-opens=java.base/java.nio=ALL-UNNAMED",
		"-Duser.timezone=UTC",
		"-cp", jar+string(os.PathListSeparator)+classes,
		"JdbcCompat", srv.addr, client)
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	diag := func() string {
		return fmt.Sprintf("--- java stderr (tail) ---\n%s\n--- server log (tail) ---\n%s", tail(stderr.String(), 8000), tail(srv.Log(), 4000))
	}
	if err != nil {
		t.Fatalf("JdbcCompat with driver %s: %v\n--- stdout ---\n%s\n%s", version, err, stdout.String(), diag())
	}
	results, err := matrix.Parse(client+" stdout", stdout.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, diag())
	}
	checkCompat(t, client, results)
	if t.Failed() {
		t.Log(diag())
	}
}

// tail returns the last n bytes of s (whole lines where possible).
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return "…\n" + s
}
