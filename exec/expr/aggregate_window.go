package expr

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/errs"
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

// NewWindowCall builds a window call and its MySQL result type (see
// WindowCall). args: none for the ranking functions and NTILE (n buckets,
// >= 1); value[, default] for LAG/LEAD (n the offset, >= 0; value and
// default are cast to their common type); value for FIRST_VALUE and
// LAST_VALUE; value for NTH_VALUE (n >= 1). For WinAggregate, agg is the
// aggregate (DISTINCT is not allowed, as in MySQL) and args is empty.
// ErrInvalid names what is wrong.
func NewWindowCall(fn WindowFunc, args []Expr, n int64, agg *AggregateCall, frame *WindowFrame) (WindowCall, error) {
	call := WindowCall{Func: fn, N: n, Frame: frame}
	want := func(k int) error {
		if len(args) != k {
			return errs.Invalidf("Incorrect parameter count in the call to native function '%s'", strings.ToUpper(string(fn)))
		}
		return nil
	}
	switch fn {
	case WinRowNumber, WinRank, WinDenseRank, WinNtile:
		call.DataType = TypeInt64
	case WinPercentRank, WinCumeDist:
		call.DataType = TypeFloat64
	case WinLag, WinLead:
		if len(args) < 1 || len(args) > 2 {
			return WindowCall{}, want(1)
		}
		if n < 0 {
			return WindowCall{}, errs.Invalidf("Incorrect arguments to %s: the offset must be a non-negative integer", strings.ToUpper(string(fn)))
		}
		t := args[0].Type()
		if len(args) == 2 {
			t, _ = commonType([]arrow.DataType{args[0].Type(), args[1].Type()})
		}
		if t.ID() == arrow.NULL {
			t = TypeNull
		}
		call.Args = make([]Expr, len(args))
		for i, a := range args {
			c, err := implicitCast(a, t)
			if err != nil {
				return WindowCall{}, errs.Wrap(errs.ErrInvalid, err, "in %s", strings.ToUpper(string(fn)))
			}
			call.Args[i] = c
		}
		call.DataType = t
		return call, nil
	case WinFirstValue, WinLastValue, WinNthValue:
		if err := want(1); err != nil {
			return WindowCall{}, err
		}
		if fn == WinNthValue && n < 1 {
			return WindowCall{}, errs.Invalidf("Incorrect arguments to NTH_VALUE: N must be a positive integer")
		}
		call.DataType = args[0].Type()
	case WinAggregate:
		if agg == nil {
			return WindowCall{}, errs.Internalf("window aggregate without an aggregate")
		}
		if agg.Distinct {
			return WindowCall{}, errs.NotImplementedf("This version of MySQL doesn't yet support '<window function>(DISTINCT ..)'")
		}
		if agg.Func == AggGroupConcat {
			return WindowCall{}, errs.NotImplementedf("GROUP_CONCAT as a window function is not supported (MySQL does not allow it either)")
		}
		a := *agg
		call.Agg = &a
		call.DataType = agg.DataType
		return call, nil
	default:
		return WindowCall{}, errs.NotFoundf("window function %s does not exist", fn)
	}
	if fn == WinNtile && n < 1 {
		return WindowCall{}, errs.Invalidf("Incorrect arguments to ntile")
	}
	if fn != WinFirstValue && fn != WinLastValue && fn != WinNthValue {
		if err := want(0); err != nil {
			return WindowCall{}, err
		}
	}
	call.Args = args
	return call, nil
}
