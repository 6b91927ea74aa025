// Package gctune sets the Go garbage collector for a query server.
//
// Query processing allocates at a high rate (every batch is new buffers)
// while the live heap stays small, so with the runtime's default
// GOGC=100 the collector runs very often and spends a large share of the
// CPU marking and in write barriers. A larger GC percent trades heap
// headroom for CPU; a soft memory limit then keeps that headroom from
// growing past the machine: the runtime collects more often as the heap
// nears the limit, whatever the percent says.
//
// Apply honours the operator's own choice: an explicit GOGC or GOMEMLIMIT
// environment variable is left alone.
package gctune

import (
	"bufio"
	"io"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// Percent is the GC percent Apply sets when GOGC is not in the
// environment. 400 lets the heap grow to five times the live data between
// collections.
const Percent = 400

// LimitFraction is the share of the machine's (or cgroup's) memory that
// Apply sets as the soft memory limit when GOMEMLIMIT is not in the
// environment.
const LimitFraction = 0.75

// Settings reports what Apply did; zero fields were left as they were.
type Settings struct {
	Percent     int   // GC percent set, 0 if GOGC was given
	MemoryLimit int64 // soft memory limit set in bytes, 0 if GOMEMLIMIT was given or memory is unknown
}

// Apply sets the GC percent and the soft memory limit unless the
// environment sets them, and returns what it set. Call it once at process
// start; it is not meant for libraries.
func Apply() Settings {
	var s Settings
	if _, ok := os.LookupEnv("GOGC"); !ok {
		debug.SetGCPercent(Percent)
		s.Percent = Percent
	}
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok {
		if total := availableMemory(); total > 0 {
			s.MemoryLimit = int64(float64(total) * LimitFraction)
			debug.SetMemoryLimit(s.MemoryLimit)
		}
	}
	return s
}

// availableMemory is the smaller of the cgroup v2 limit and the machine's
// MemTotal, or 0 when neither can be read.
func availableMemory() int64 {
	total := readFile("/proc/meminfo", memTotal)
	if limit := readFile("/sys/fs/cgroup/memory.max", cgroupLimit); limit > 0 && (total == 0 || limit < total) {
		return limit
	}
	return total
}

func readFile(path string, parse func(io.Reader) int64) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	return parse(f)
}

// memTotal parses /proc/meminfo's "MemTotal: N kB" line into bytes.
func memTotal(r io.Reader) int64 {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil || kb <= 0 || kb > math.MaxInt64/1024 {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}

// cgroupLimit parses cgroup v2's memory.max: a byte count, or "max" for
// no limit (0).
func cgroupLimit(r io.Reader) int64 {
	b, err := io.ReadAll(io.LimitReader(r, 64))
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}
