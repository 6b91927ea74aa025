// Package physical is Quiver's physical plan: immutable trees of executable
// nodes lowered from a logical plan (exec/logical) by Lower, rewritten by the
// physical rules (exec/physopt), printed by EXPLAIN (Format), and turned into
// a running operator tree (exec/operator) by Instantiate.
//
// Contract:
//   - Nodes are immutable values. Rewrites build new nodes with WithChildren
//     (or by copying a node and changing a field); nobody mutates a node that
//     may be shared. A plan is safe to read from many goroutines at once and
//     may be instantiated many times (a prepared statement executes often).
//   - Expressions in a node bind to its input's schema (the child's Schema());
//     ScanExec filters bind to the table's full schema, as in catalog.
//   - String() describes one node on one line, deterministically; Format
//     prints the indented tree. Every node kind prints.
//   - Lowering (Lower) calls catalog.Table.Scan, which does no I/O: a physical
//     plan can be explained without touching a source. I/O starts when an
//     instantiated operator tree is opened.
package physical

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Plan is a physical plan node.
type Plan interface {
	// Schema is the node's output schema.
	Schema() *arrow.Schema
	// Children are the inputs, in order.
	Children() []Plan
	// WithChildren returns a copy with the inputs replaced (same count). It
	// never mutates the receiver.
	WithChildren(children []Plan) Plan
	// String describes this node alone, on one line (no children).
	String() string
}

// Format renders the plan as an indented tree, one node per line, children
// indented by two spaces, each line ending in a newline.
func Format(p Plan) string {
	var sb strings.Builder
	for _, l := range Lines(p, nil) {
		sb.WriteString(l)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// Lines renders the plan as indented lines (pre-order, children indented by
// two spaces). When suffix is non-nil, its result for a node, if not empty,
// is appended to that node's line after a space (EXPLAIN ANALYZE uses it to
// print metrics).
func Lines(p Plan, suffix func(Plan) string) []string {
	var out []string
	var walk func(p Plan, depth int)
	walk = func(p Plan, depth int) {
		line := strings.Repeat("  ", depth) + p.String()
		if suffix != nil {
			if s := suffix(p); s != "" {
				line += " " + s
			}
		}
		out = append(out, line)
		for _, c := range p.Children() {
			walk(c, depth+1)
		}
	}
	walk(p, 0)
	return out
}

// Transform rewrites p bottom-up: children first, then f on the (possibly
// rebuilt) node. f returns the replacement and whether it changed anything.
// Transform never mutates p; it reports whether any call of f changed a node.
func Transform(p Plan, f func(Plan) (Plan, bool, error)) (Plan, bool, error) {
	changed := false
	ch := p.Children()
	if len(ch) > 0 {
		nc := make([]Plan, len(ch))
		for i, c := range ch {
			n, ok, err := Transform(c, f)
			if err != nil {
				return nil, false, err
			}
			nc[i] = n
			changed = changed || ok
		}
		if changed {
			p = p.WithChildren(nc)
		}
	}
	n, ok, err := f(p)
	if err != nil {
		return nil, false, err
	}
	return n, changed || ok, nil
}

// Walk calls f on p and its descendants, pre-order, until f returns false
// for a node (its subtree is then skipped).
func Walk(p Plan, f func(Plan) bool) {
	if !f(p) {
		return
	}
	for _, c := range p.Children() {
		Walk(c, f)
	}
}
