// Package logical defines Quiver's logical plan: immutable trees of relational
// operators over bound expressions (exec/expr). The plan builder
// (exec/planbuilder) produces them from SQL, the optimizer (exec/optimizer)
// rewrites them, and exec/physical lowers them to executable operators.
//
// Contract: nodes are immutable; rewrites build new nodes with WithChildren.
// Every expression in a node is bound to the node's input schema (the
// concatenation of its children's schemas, left to right, for nodes with two
// inputs); Scan filters are bound to the table's full schema. Format prints a
// deterministic indented tree used by EXPLAIN and golden tests, and every node
// kind prints.
package logical

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Plan is a logical plan node.
type Plan interface {
	// Schema is the node's output schema.
	Schema() *arrow.Schema
	// Children are the inputs, in order.
	Children() []Plan
	// WithChildren returns a copy with the inputs replaced.
	WithChildren(children []Plan) Plan
	// String describes this node alone, on one line (no children).
	String() string
}

// Format renders the plan as an indented tree, one node per line, children
// indented by two spaces.
func Format(p Plan) string {
	var sb strings.Builder
	var walk func(p Plan, depth int)
	walk = func(p Plan, depth int) {
		sb.WriteString(strings.Repeat("  ", depth))
		sb.WriteString(p.String())
		sb.WriteByte('\n')
		for _, c := range p.Children() {
			walk(c, depth+1)
		}
	}
	walk(p, 0)
	return sb.String()
}
