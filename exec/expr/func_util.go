package expr

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// maxStringResult bounds strings built by REPEAT, LPAD, SPACE...: MySQL
// returns NULL (with a warning) past max_allowed_packet (64 MiB default).
const maxStringResult = 64 << 20

// moreBuiltins gathers the function tables of the func_*.go files.
func moreBuiltins() map[string]ScalarFunc {
	out := map[string]ScalarFunc{}
	for _, m := range []map[string]ScalarFunc{stringBuiltins(), mathBuiltins(), dateBuiltins(), conditionBuiltins(), bitBuiltins(), analystBuiltins()} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// allValid reports whether row i of every argument is non-NULL.
func allValid(args []arrow.Array, i int) bool {
	for _, a := range args {
		if !validAt(a, i) {
			return false
		}
	}
	return true
}

// rowWise builds a column of kc.N rows in b, which it releases: row i is
// NULL when any argument is NULL at i or f reports !ok, else the value f
// returns, appended with add (a method of b).
func rowWise[T any](b array.Builder, kc KernelContext, args []arrow.Array, f func(i int) (T, bool), add func(T)) arrow.Array {
	defer b.Release()
	b.Reserve(kc.N)
	for i := 0; i < kc.N; i++ {
		if allValid(args, i) {
			if v, ok := f(i); ok {
				add(v)
				continue
			}
		}
		b.AppendNull()
	}
	return b.NewArray()
}

// rowWiseInt64 builds a BIGINT result; a row is NULL when any argument is
// NULL or f reports !ok.
func rowWiseInt64(kc KernelContext, args []arrow.Array, f func(i int) (int64, bool)) arrow.Array {
	b := array.NewInt64Builder(kc.Mem)
	return rowWise(b, kc, args, f, b.UnsafeAppend)
}

// rowWiseFloat64 builds a DOUBLE result like rowWiseInt64.
func rowWiseFloat64(kc KernelContext, args []arrow.Array, f func(i int) (float64, bool)) arrow.Array {
	b := array.NewFloat64Builder(kc.Mem)
	return rowWise(b, kc, args, f, b.UnsafeAppend)
}

// int64Vals returns a row reader over an argument converted to BIGINT.
func int64Vals(a arrow.Array) func(i int) int64 {
	if a.DataType().ID() == arrow.INT64 {
		v := fixedVals[int64](a)
		return func(i int) int64 { return v[i] }
	}
	r := int64Reader(a)
	return func(i int) int64 { x, _ := r(i); return x }
}

// resolveFixed returns a Resolve that converts every argument to the given
// types (the last one repeats for variadic tails) and yields result.
func resolveFixed(result arrow.DataType, types ...arrow.DataType) func([]arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
	return func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
		out := make([]arrow.DataType, len(args))
		for i := range args {
			t := types[len(types)-1]
			if i < len(types) {
				t = types[i]
			}
			if t != nil && !canCast(args[i], t) {
				return nil, nil, fmt.Errorf("argument %d (%s) cannot be converted to %s", i+1, TypeName(args[i]), TypeName(t))
			}
			out[i] = t
		}
		return out, result, nil
	}
}

// constString returns the value of a constant string argument (a Literal,
// possibly of another type rendered as text).
func constString(e Expr) (string, bool) {
	l, ok := e.(*Literal)
	if !ok || l.Value == nil {
		return "", false
	}
	switch v := l.Value.(type) {
	case string:
		return v, true
	case []byte:
		return string(v), true
	}
	return "", false
}

// unitArg reads the unit argument the planner passes for INTERVAL, EXTRACT
// and TIMESTAMPDIFF (a constant upper-case keyword such as 'DAY').
func unitArg(e Expr) (string, error) {
	s, ok := constString(e)
	if !ok {
		return "", fmt.Errorf("the unit must be a constant keyword such as DAY, got %s", e)
	}
	u := strings.ToUpper(strings.TrimSpace(s))
	if _, ok := intervalUnits[u]; !ok {
		return "", fmt.Errorf("unknown time unit %s", u)
	}
	return u, nil
}

// conditionBuiltins are ISNULL() and INTERVAL().
func conditionBuiltins() map[string]ScalarFunc {
	isnull := ScalarFunc{MinArgs: 1, MaxArgs: 1, AcceptsConstants: true,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			return []arrow.DataType{nil}, TypeBool, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			return isNullArray(kc.Mem, a[0], false), nil
		}}
	// INTERVAL(N, N1, N2, ...): the number of Ni that are <= N, assuming
	// N1 < N2 < ...; -1 when N is NULL. Compared as DOUBLE.
	intervalFn := ScalarFunc{MinArgs: 2, MaxArgs: -1, Resolve: resolveFixed(TypeInt64, TypeFloat64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			b := array.NewInt64Builder(kc.Mem)
			defer b.Release()
			b.Reserve(kc.N)
			vals := make([][]float64, len(a))
			for k := range a {
				vals[k] = fixedVals[float64](a[k])
			}
			for i := 0; i < kc.N; i++ {
				if !validAt(a[0], i) {
					b.UnsafeAppend(-1)
					continue
				}
				res := int64(0)
				for k := 1; k < len(a); k++ {
					if validAt(a[k], i) && vals[k][i] <= vals[0][i] {
						res = int64(k)
					} else if validAt(a[k], i) {
						break
					}
				}
				b.UnsafeAppend(res)
			}
			return b.NewArray(), nil
		}}
	return map[string]ScalarFunc{"isnull": isnull, "interval": intervalFn}
}
