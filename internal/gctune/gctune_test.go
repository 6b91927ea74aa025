package gctune

import (
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestMemTotal(t *testing.T) {
	for in, want := range map[string]int64{
		"MemTotal:       24684084 kB\nMemFree: 1 kB\n": 24684084 * 1024,
		"MemFree: 1 kB\n":     0,
		"MemTotal: lots kB\n": 0,
		"":                    0,
	} {
		if got := memTotal(strings.NewReader(in)); got != want {
			t.Errorf("memTotal(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestCgroupLimit(t *testing.T) {
	for in, want := range map[string]int64{"max\n": 0, "1073741824\n": 1 << 30, "": 0, "-1": 0} {
		if got := cgroupLimit(strings.NewReader(in)); got != want {
			t.Errorf("cgroupLimit(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestApplyRespectsEnvironment(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))

	t.Setenv("GOGC", "50")
	t.Setenv("GOMEMLIMIT", "1GiB")
	if s := Apply(); s != (Settings{}) {
		t.Fatalf("with GOGC and GOMEMLIMIT set, Apply changed %+v", s)
	}
}

func TestApplySetsDefaults(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))

	for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Setenv(k, "") // restored after the test
		os.Unsetenv(k)
	}
	s := Apply()
	if s.Percent != Percent {
		t.Fatalf("Apply set percent %d, want %d", s.Percent, Percent)
	}
	if got := debug.SetGCPercent(Percent); got != Percent {
		t.Fatalf("GC percent is %d, want %d", got, Percent)
	}
	total := availableMemory()
	if total <= 0 || s.MemoryLimit <= 0 || s.MemoryLimit > total {
		t.Fatalf("limit %d for %d bytes of memory", s.MemoryLimit, total)
	}
	if got := debug.SetMemoryLimit(-1); got != s.MemoryLimit {
		t.Fatalf("memory limit is %d, want %d", got, s.MemoryLimit)
	}
}
