// Package integration_test is Quiver's black-box test suite: it builds the
// real binary, starts it on a free loopback port, and talks to it with real
// Flight SQL clients (the ADBC Go driver, arrow-go's flightsql client and its
// database/sql driver) and with the `quiver` CLI itself.
package integration_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// quiverBin is the binary built once for the whole run.
var quiverBin string

// repoRoot is the module root (the binary serves its demo config from there).
var repoRoot string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "quiver-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	repoRoot, _ = filepath.Abs("..")
	quiverBin = filepath.Join(dir, "quiver")
	build := exec.Command("go", "build", "-o", quiverBin, ".")
	build.Dir = repoRoot
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building quiver:", err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		// grpc-go keeps a few process-wide goroutines alive after clients close.
		return goleakRun(m)
	}()
	os.Exit(code)
}

func goleakRun(m *testing.M) int {
	code := m.Run()
	if code != 0 {
		return code
	}
	if err := goleak.Find(goleak.IgnoreTopFunction("google.golang.org/grpc/internal/grpcsync.(*CallbackSerializer).run"),
		goleak.IgnoreTopFunction("google.golang.org/grpc.(*addrConn).resetTransportAndUnlock"),
		goleak.IgnoreAnyFunction("google.golang.org/grpc/internal/transport.(*controlBuffer).get")); err != nil {
		fmt.Fprintln(os.Stderr, "goleak:", err)
		return 1
	}
	return 0
}

// server is a running quiver process.
type server struct {
	addr   string // host:port
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
}

// URI is the grpc:// URI clients dial.
func (s *server) URI() string { return "grpc://" + s.addr }

// Log returns what the server has logged so far.
func (s *server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

var servingLine = regexp.MustCompile(`serving Flight SQL on grpc://(\S+?)"?$`)

// startServer runs `quiver serve --listen 127.0.0.1:0 ARGS...` from the repo
// root and waits for its "serving Flight SQL on grpc://HOST:PORT" line. The
// process is stopped (SIGTERM, then kill) when the test ends.
func startServer(t testing.TB, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, quiverBin, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Dir = repoRoot
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 15 * time.Second
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.stderr.WriteString(line + "\n")
			s.mu.Unlock()
			if m := servingLine.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		close(found)
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	select {
	case addr, ok := <-found:
		if !ok {
			_ = cmd.Wait()
			t.Fatalf("quiver exited before serving:\n%s", s.Log())
		}
		s.addr = addr
	case <-time.After(60 * time.Second):
		t.Fatalf("quiver did not log its serving line within 60s:\n%s", s.Log())
	}
	if !strings.HasPrefix(s.addr, "127.0.0.1:") || strings.HasSuffix(s.addr, ":0") {
		t.Fatalf("serving line must show the real bound port, got %q", s.addr)
	}
	return s
}

// runCLI runs the quiver binary with args and returns stdout, stderr and
// the error from running it.
func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, quiverBin, args...)
	cmd.Dir = repoRoot
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}
