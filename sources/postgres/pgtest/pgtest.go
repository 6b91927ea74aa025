// Package pgtest starts a throw-away PostgreSQL cluster for tests: initdb
// into a fresh temporary directory, a server on a free 127.0.0.1 port with
// its Unix socket inside that directory, one database, and everything
// removed by Stop. It needs the PostgreSQL server binaries (Debian package
// `postgresql`; `make test-deps` installs them). When they are missing Start
// returns an error telling the caller to run `make test`; tests must fail on
// it, never skip.
//
// When the tests run as root (CI), initdb and the server run as an
// unprivileged user (PostgreSQL refuses to run as root): $QUIVER_PG_USER, or
// `postgres` (created by the Debian package), or `nobody`.
//
// The cluster trades durability for speed (fsync off, no WAL-sync): it is
// for tests only.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Cluster is a running throw-away PostgreSQL server. Its fields are
// read-only. Stop it exactly once (Stop is idempotent).
type Cluster struct {
	// Dir is the temporary directory holding the data directory, the
	// socket and the server log.
	Dir string
	// Port is the TCP port the server listens on (127.0.0.1 only).
	Port int
	// User and Password are the superuser's credentials (password
	// authentication over TCP).
	User, Password string
	// Database is the database created for the tests.
	Database string

	bin     string   // directory of initdb/pg_ctl/postgres
	runAs   []string // command prefix that drops root privileges, or nil
	stopped bool
}

// DSN returns a connection URL for the test database (TCP, password).
func (c *Cluster) DSN() string {
	return c.DSNFor(c.User, c.Password, c.Database)
}

// DSNFor returns a connection URL for another user, password or database.
func (c *Cluster) DSNFor(user, password, database string) string {
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", user, password, c.Port, database)
}

// FindBinDir returns the directory holding initdb, pg_ctl and postgres:
// $QUIVER_PG_BIN when set, else the newest /usr/lib/postgresql/*/bin, else
// initdb's directory on $PATH.
func FindBinDir() (string, error) {
	has := func(dir string) bool {
		for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
			if st, err := os.Stat(filepath.Join(dir, b)); err != nil || st.IsDir() {
				return false
			}
		}
		return true
	}
	if d := os.Getenv("QUIVER_PG_BIN"); d != "" {
		if has(d) {
			return d, nil
		}
		return "", fmt.Errorf("pgtest: QUIVER_PG_BIN=%s has no initdb/pg_ctl/postgres", d)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if has(d) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && has(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
		if has(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	return "", errors.New("pgtest: the PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed; " +
		"run `make test` (its test-deps target installs the Debian package postgresql) or set QUIVER_PG_BIN")
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// Start creates and starts a cluster. The caller must Stop it. It takes a
// few seconds (initdb dominates).
func Start(ctx context.Context) (*Cluster, error) {
	bin, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin, User: "quiver", Password: "quiver-test-pw", Database: "quiver_test"}
	uid, gid := -1, -1
	if os.Geteuid() == 0 {
		name, u, g, err := unprivilegedUser()
		if err != nil {
			return nil, err
		}
		uid, gid = u, g
		c.runAs = []string{"setpriv", "--reuid=" + strconv.Itoa(u), "--regid=" + strconv.Itoa(g), "--clear-groups", "--"}
		if _, err := exec.LookPath("setpriv"); err != nil {
			c.runAs = []string{"runuser", "-u", name, "--"}
		}
	}
	c.Dir, err = os.MkdirTemp("", "quiver-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			c.Stop()
		}
	}()
	if uid >= 0 {
		if err := os.Chown(c.Dir, uid, gid); err != nil {
			return nil, fmt.Errorf("pgtest: chown %s: %w", c.Dir, err)
		}
	}
	pwfile := filepath.Join(c.Dir, "pw")
	if err := os.WriteFile(pwfile, []byte(c.Password+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if uid >= 0 {
		if err := os.Chown(pwfile, uid, gid); err != nil {
			return nil, fmt.Errorf("pgtest: %w", err)
		}
	}
	data := filepath.Join(c.Dir, "data")
	if out, err := c.run(ctx, "initdb", "-D", data, "-U", c.User, "--pwfile="+pwfile,
		"--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "-N"); err != nil {
		return nil, fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	// A free port can be taken between our probe and the server's bind:
	// retry a few times.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, fmt.Errorf("pgtest: %w", err)
		}
		opts := strings.Join([]string{
			"-c listen_addresses=127.0.0.1",
			"-c port=" + strconv.Itoa(port),
			"-c unix_socket_directories=" + c.Dir,
			"-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
			"-c max_connections=100", "-c shared_buffers=128MB",
		}, " ")
		out, err := c.run(ctx, "pg_ctl", "start", "-w", "-t", "60", "-D", data,
			"-l", filepath.Join(c.Dir, "server.log"), "-o", opts)
		if err == nil {
			c.Port = port
			lastErr = nil
			break
		}
		log, _ := os.ReadFile(filepath.Join(c.Dir, "server.log"))
		lastErr = fmt.Errorf("pgtest: pg_ctl start: %w\n%s\n%s", err, out, tail(log, 2000))
		if !bytes.Contains(log, []byte("could not bind")) && !bytes.Contains(log, []byte("in use")) {
			break
		}
	}
	if lastErr != nil {
		return nil, lastErr
	}
	if out, err := c.psql(ctx, "postgres", "CREATE DATABASE "+c.Database); err != nil {
		return nil, fmt.Errorf("pgtest: create database: %w\n%s", err, out)
	}
	ok = true
	return c, nil
}

// Exec runs SQL in the test database through the server's own psql over
// the Unix socket (for setup that must not depend on the code under test).
func (c *Cluster) Exec(ctx context.Context, sql string) error {
	out, err := c.psql(ctx, c.Database, sql)
	if err != nil {
		return fmt.Errorf("pgtest: psql: %w\n%s", err, out)
	}
	return nil
}

func (c *Cluster) psql(ctx context.Context, db, sql string) ([]byte, error) {
	return c.run(ctx, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", c.Dir, "-p", strconv.Itoa(c.Port),
		"-U", c.User, "-d", db, "-c", sql)
}

// Stop shuts the server down immediately and removes the directory. It is
// idempotent and safe on a partly started cluster.
func (c *Cluster) Stop() {
	if c == nil || c.stopped {
		return
	}
	c.stopped = true
	if c.Dir == "" {
		return
	}
	data := filepath.Join(c.Dir, "data")
	if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, _ = c.run(ctx, "pg_ctl", "stop", "-m", "immediate", "-w", "-D", data)
		cancel()
	}
	_ = os.RemoveAll(c.Dir)
}

// run runs one of the cluster's binaries (psql may come from PATH), as the
// unprivileged user when we are root, and returns its combined output.
func (c *Cluster) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, name)
	if _, err := os.Stat(path); err != nil {
		if p, err := exec.LookPath(name); err == nil {
			path = p
		}
	}
	argv := append(append(append([]string{}, c.runAs...), path), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "LC_ALL=C", "PGTZ=UTC", "PGPASSWORD=")
	// pg_ctl start leaves the postmaster running (its output goes to the
	// log file, so it holds none of our pipes): put it in its own process
	// group so a test's Ctrl-C doesn't reach it before Stop does.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

func unprivilegedUser() (name string, uid, gid int, err error) {
	cands := []string{"postgres", "nobody"}
	if u := os.Getenv("QUIVER_PG_USER"); u != "" {
		cands = []string{u}
	}
	for _, n := range cands {
		u, err := user.Lookup(n)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if uid == 0 {
			continue
		}
		return n, uid, gid, nil
	}
	return "", 0, 0, fmt.Errorf("pgtest: running as root and none of the users %v exists to run PostgreSQL as; "+
		"run `make test-deps` or set QUIVER_PG_USER", cands)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
