package pgtest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStartStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	c, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster up in %v on port %d", time.Since(start), c.Port)
	if err := c.Exec(ctx, "CREATE TABLE t (a int); INSERT INTO t VALUES (1)"); err != nil {
		c.Stop()
		t.Fatal(err)
	}
	if err := c.Exec(ctx, "SELECT no_such_column FROM t"); err == nil {
		t.Error("a bad statement succeeded")
	}
	dir := c.Dir
	c.Stop()
	c.Stop() // idempotent
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("data directory still there after Stop: %v", err)
	}
}
