package expr

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// WindowFunc names a window function.
type WindowFunc string

// The window functions (MySQL 8). WinAggregate is an aggregate used as a
// window function (SUM(x) OVER ...); its aggregate is WindowCall.Agg.
const (
	WinRowNumber   WindowFunc = "row_number"
	WinRank        WindowFunc = "rank"
	WinDenseRank   WindowFunc = "dense_rank"
	WinPercentRank WindowFunc = "percent_rank"
	WinCumeDist    WindowFunc = "cume_dist"
	WinNtile       WindowFunc = "ntile"
	WinLag         WindowFunc = "lag"
	WinLead        WindowFunc = "lead"
	WinFirstValue  WindowFunc = "first_value"
	WinLastValue   WindowFunc = "last_value"
	WinNthValue    WindowFunc = "nth_value"
	WinAggregate   WindowFunc = "aggregate"
)

// FrameUnits is ROWS or RANGE.
type FrameUnits int

const (
	// FrameRows counts physical rows from the current one.
	FrameRows FrameUnits = iota
	// FrameRange spans rows whose ORDER BY value lies within an offset of
	// the current row's (CURRENT ROW: its peers).
	FrameRange
)

// BoundKind is the kind of a frame bound.
type BoundKind int

// Frame bound kinds.
const (
	UnboundedPreceding BoundKind = iota
	Preceding
	CurrentRow
	Following
	UnboundedFollowing
)

// FrameBound is one end of a frame. Offset is set for Preceding and
// Following: a non-negative integer literal for ROWS, a non-negative numeric
// literal for RANGE (Unit, e.g. "DAY", when it is an INTERVAL over a
// temporal ORDER BY key; empty otherwise).
type FrameBound struct {
	Kind   BoundKind
	Offset *Literal
	Unit   string
}

// WindowFrame is a ROWS or RANGE frame.
type WindowFrame struct {
	Units      FrameUnits
	Start, End FrameBound
}

// String renders e.g. "ROWS BETWEEN 1 PRECEDING AND CURRENT ROW".
func (f *WindowFrame) String() string {
	u := "ROWS"
	if f.Units == FrameRange {
		u = "RANGE"
	}
	return u + " BETWEEN " + f.Start.String() + " AND " + f.End.String()
}

func (b FrameBound) String() string {
	switch b.Kind {
	case UnboundedPreceding:
		return "UNBOUNDED PRECEDING"
	case UnboundedFollowing:
		return "UNBOUNDED FOLLOWING"
	case CurrentRow:
		return "CURRENT ROW"
	}
	off := "?"
	if b.Offset != nil {
		off = b.Offset.String()
	}
	if b.Unit != "" {
		off = "INTERVAL " + off + " " + b.Unit
	}
	if b.Kind == Preceding {
		return off + " PRECEDING"
	}
	return off + " FOLLOWING"
}

// WindowCall is one window function of a window node (the node holds the
// PARTITION BY and ORDER BY it shares with its other calls). Results, as in
// MySQL:
//
//   - ROW_NUMBER, RANK, DENSE_RANK, NTILE: BIGINT (MySQL says BIGINT
//     UNSIGNED; the values are the same), never NULL.
//   - PERCENT_RANK, CUME_DIST: DOUBLE, never NULL.
//   - LAG/LEAD(Args[0], N, Args[1]): the common type of value and default;
//     the default (NULL when Args has one element) is used when the row N
//     before/after is outside the partition.
//   - FIRST_VALUE, LAST_VALUE, NTH_VALUE(Args[0], N): Args[0]'s type, over
//     the frame; NULL when the frame (or its N-th row) is empty.
//   - WinAggregate: Agg over the frame; Agg.DataType is the result type.
//
// Frame applies to the aggregates and the *_VALUE functions; nil means
// MySQL's default (with ORDER BY: RANGE BETWEEN UNBOUNDED PRECEDING AND
// CURRENT ROW; without: the whole partition). Ranking functions and
// LAG/LEAD ignore it.
type WindowCall struct {
	Func     WindowFunc
	Args     []Expr
	N        int64 // NTILE's bucket count, LAG/LEAD's offset, NTH_VALUE's N
	Agg      *AggregateCall
	Frame    *WindowFrame
	DataType arrow.DataType
}

// Exprs returns every expression the call reads: Args, then the
// aggregate's (AggregateCall.Exprs).
func (w WindowCall) Exprs() []Expr {
	out := append([]Expr(nil), w.Args...)
	if w.Agg != nil {
		out = append(out, w.Agg.Exprs()...)
	}
	return out
}

// WithExprs returns a copy with its expressions replaced (same count and
// order as Exprs); the receiver is not modified.
func (w WindowCall) WithExprs(es []Expr) WindowCall {
	n := len(w.Args)
	w.Args = append([]Expr(nil), es[:n]...)
	if w.Agg != nil {
		a := w.Agg.WithExprs(es[n:])
		w.Agg = &a
	}
	return w
}

// String renders the call without its window, e.g. "lag(a, 1, 0)",
// "sum(x) ROWS BETWEEN 1 PRECEDING AND CURRENT ROW".
func (w WindowCall) String() string {
	var s string
	switch w.Func {
	case WinAggregate:
		if w.Agg != nil {
			s = w.Agg.String()
		}
	case WinNtile:
		s = fmt.Sprintf("ntile(%d)", w.N)
	case WinLag, WinLead:
		parts := []string{w.Args[0].String(), fmt.Sprint(w.N)}
		if len(w.Args) > 1 {
			parts = append(parts, w.Args[1].String())
		}
		s = string(w.Func) + "(" + strings.Join(parts, ", ") + ")"
	case WinNthValue:
		s = fmt.Sprintf("nth_value(%s, %d)", w.Args[0], w.N)
	default:
		parts := make([]string, len(w.Args))
		for i, a := range w.Args {
			parts[i] = a.String()
		}
		s = string(w.Func) + "(" + strings.Join(parts, ", ") + ")"
	}
	if w.Frame != nil {
		s += " " + w.Frame.String()
	}
	return s
}

// UsesFrame reports whether the function is computed over its frame
// (aggregates and FIRST_VALUE/LAST_VALUE/NTH_VALUE).
func (w WindowCall) UsesFrame() bool {
	switch w.Func {
	case WinAggregate, WinFirstValue, WinLastValue, WinNthValue:
		return true
	}
	return false
}
