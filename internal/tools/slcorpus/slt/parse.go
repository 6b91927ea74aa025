// Package slt reads the public sqllogictest corpus format (SQLite's
// sqllogictest, as mirrored in gregrahn/sqllogictest) and renders Arrow
// results the way that corpus expects them from a MySQL engine reached over
// ODBC. It is dev-time tooling for internal/tools/slcorpus; nothing in the
// server imports it.
//
// The format, as src/sqllogictest.c reads it: records are separated by blank
// lines; lines starting with '#' are comments anywhere. A record's first line
// is tokenized on white space (first four tokens kept):
//
//	statement ok|error         SQL on the following lines
//	query <types> [sort] [label]   SQL, then "----", then expected values
//	hash-threshold <n>         hash results with more than n values (0 = never)
//	halt                       stop reading the file
//
// and may be preceded by "skipif <engine>" / "onlyif <engine>" lines.
// <types> has one letter per column: T text, I integer, R real. sort is
// nosort (default), rowsort or valuesort. Expected values are one per line,
// or a single "<n> values hashing to <md5>" line.
package slt

import (
	"fmt"
	"os"
	"strings"
)

// Kind is a record's kind.
type Kind int

// The record kinds.
const (
	StatementOK Kind = iota
	StatementError
	Query
	HashThreshold
	Halt
)

// String names the kind as the corpus spells it.
func (k Kind) String() string {
	switch k {
	case StatementOK:
		return "statement ok"
	case StatementError:
		return "statement error"
	case Query:
		return "query"
	case HashThreshold:
		return "hash-threshold"
	case Halt:
		return "halt"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Record is one parsed record. The zero value is a "statement ok" with no SQL.
type Record struct {
	Kind Kind
	Line int // 1-based line of the record's first (non-condition) line
	// Conditions are the skipif/onlyif lines before the record, each as
	// {"skipif", "mysql"}.
	Conditions [][2]string
	SQL        string
	Types      string   // query: one of T, I, R per column
	Sort       string   // query: "nosort", "rowsort" or "valuesort"
	Label      string   // query: optional result label
	Expected   []string // query: expected values, one per line, or one hash line
	Threshold  int      // hash-threshold value
}

// Skipped reports whether the record is skipped for engine (e.g. "mysql"):
// a matching skipif, or an onlyif naming another engine. Engine names compare
// case-insensitively, as the C runner does.
func (r Record) Skipped(engine string) bool {
	for _, c := range r.Conditions {
		match := strings.EqualFold(c[1], engine)
		if (c[0] == "skipif" && match) || (c[0] == "onlyif" && !match) {
			return true
		}
	}
	return false
}

// Hashed reports whether the expected result is a "<n> values hashing to
// <md5>" line, returning n and the hash.
func (r Record) Hashed() (n int, hash string, ok bool) {
	if len(r.Expected) != 1 {
		return 0, "", false
	}
	var h string
	if c, err := fmt.Sscanf(r.Expected[0], "%d values hashing to %s", &n, &h); err != nil || c != 2 {
		return 0, "", false
	}
	return n, h, true
}

// ParseFile reads and parses one corpus file.
func ParseFile(path string) ([]Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	recs, err := Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return recs, nil
}

// Parse parses corpus text. An unknown record kind or a malformed query
// header is an error naming its line (the C runner stops there too).
func Parse(text string) ([]Record, error) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var lines []string
	var nums []int
	for i, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "#") {
			continue // comments are dropped wherever they are
		}
		if strings.TrimSpace(l) == "" {
			l = ""
		}
		lines = append(lines, l)
		nums = append(nums, i+1)
	}
	var out []Record
	for i := 0; i < len(lines); {
		if lines[i] == "" {
			i++
			continue
		}
		var r Record
		tok := strings.Fields(lines[i])
		for len(tok) > 0 && (tok[0] == "skipif" || tok[0] == "onlyif") {
			if len(tok) < 2 {
				return nil, fmt.Errorf("line %d: %s without an engine name", nums[i], tok[0])
			}
			r.Conditions = append(r.Conditions, [2]string{tok[0], tok[1]})
			i++
			if i >= len(lines) || lines[i] == "" {
				return nil, fmt.Errorf("line %d: %s not followed by a record", nums[i-1], tok[0])
			}
			tok = strings.Fields(lines[i])
		}
		r.Line = nums[i]
		i++
		body := i
		for i < len(lines) && lines[i] != "" {
			i++
		}
		rest := lines[body:i]
		switch tok[0] {
		case "statement":
			switch {
			case len(tok) > 1 && tok[1] == "ok":
				r.Kind = StatementOK
			case len(tok) > 1 && tok[1] == "error":
				r.Kind = StatementError
			default:
				return nil, fmt.Errorf("line %d: statement must be followed by ok or error", r.Line)
			}
			r.SQL = strings.Join(rest, "\n")
		case "query":
			r.Kind = Query
			if len(tok) < 2 {
				return nil, fmt.Errorf("line %d: query without a type string", r.Line)
			}
			r.Types = tok[1]
			for _, c := range r.Types {
				if c != 'T' && c != 'I' && c != 'R' {
					return nil, fmt.Errorf("line %d: unknown type character %q in %q", r.Line, c, r.Types)
				}
			}
			r.Sort = "nosort"
			if len(tok) > 2 {
				r.Sort = tok[2]
			}
			switch r.Sort {
			case "nosort", "rowsort", "valuesort":
			default:
				return nil, fmt.Errorf("line %d: unknown sort method %q", r.Line, r.Sort)
			}
			if len(tok) > 3 {
				r.Label = tok[3]
			}
			sep := len(rest)
			for j, l := range rest {
				if l == "----" {
					sep = j
					break
				}
			}
			r.SQL = strings.Join(rest[:sep], "\n")
			if sep < len(rest) {
				r.Expected = append([]string{}, rest[sep+1:]...)
			}
		case "hash-threshold":
			r.Kind = HashThreshold
			if len(tok) < 2 {
				return nil, fmt.Errorf("line %d: hash-threshold without a value", r.Line)
			}
			if _, err := fmt.Sscanf(tok[1], "%d", &r.Threshold); err != nil {
				return nil, fmt.Errorf("line %d: hash-threshold %q: %v", r.Line, tok[1], err)
			}
		case "halt":
			r.Kind = Halt
		default:
			return nil, fmt.Errorf("line %d: unknown record type %q", r.Line, tok[0])
		}
		out = append(out, r)
	}
	return out, nil
}
