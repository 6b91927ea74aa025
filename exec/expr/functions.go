package expr

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
)

// KernelContext is what a scalar kernel receives besides its arguments.
type KernelContext struct {
	Ctx context.Context
	Mem memory.Allocator // allocate results and temporaries here
	N   int              // rows in the batch
	// Result is the call's declared result type (Call.DataType); kernels
	// whose output type depends on constant arguments build exactly it.
	Result arrow.DataType
	// Call is the call being evaluated (nil when a kernel runs outside an
	// expression tree); it identifies the call site for state kept per
	// statement, such as a RAND(seed) sequence. Kernels must not modify it.
	Call *Call
}

// ScalarFunc describes one scalar SQL function: its arity, its type rule and
// its vectorized kernel. A ScalarFunc is immutable once registered and its
// funcs must be safe for concurrent use.
type ScalarFunc struct {
	// MinArgs and MaxArgs bound the argument count; MaxArgs < 0 = variadic.
	MinArgs, MaxArgs int
	// Resolve checks the argument types and returns the type each argument
	// is converted to before the kernel runs (nil = leave as is; a NULL
	// argument becomes a NULL of that type) and the result type. Return an error
	// saying what is wrong; it is reported as ErrInvalid.
	Resolve func(args []arrow.DataType) (argTypes []arrow.DataType, result arrow.DataType, err error)
	// Kernel computes the result over the converted arguments and returns a
	// new array the caller releases; it must not release its arguments.
	// Unless AcceptsConstants is set, every argument has exactly N values.
	// With AcceptsConstants an argument may also be a constant of length 1,
	// and the kernel may return length 1 when all arguments are constants.
	// Errors should carry errs kinds (ErrInvalid for bad data).
	Kernel func(kc KernelContext, args []arrow.Array) (arrow.Array, error)
	// Bind, when set, replaces Resolve: it sees the argument expressions, so
	// a type may depend on a constant argument (the unit of DATE_ADD, the
	// format of STR_TO_DATE). Same contract as Resolve otherwise.
	Bind func(args []Expr) (argTypes []arrow.DataType, result arrow.DataType, err error)
	// AcceptsConstants: see Kernel.
	AcceptsConstants bool
	// Volatile functions (RAND, NOW...) are never constant-folded.
	Volatile bool
}

func (f *ScalarFunc) arity() string {
	switch {
	case f.MaxArgs < 0:
		return fmt.Sprintf("want at least %d", f.MinArgs)
	case f.MinArgs == f.MaxArgs:
		return fmt.Sprintf("want %d", f.MinArgs)
	}
	return fmt.Sprintf("want %d to %d", f.MinArgs, f.MaxArgs)
}

// Registry maps lower-case function names to scalar functions. The zero
// value is not usable; build one with NewRegistry or DefaultFunctions.
// A Registry is safe for concurrent use.
type Registry struct {
	mu    sync.RWMutex
	funcs map[string]*ScalarFunc
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{funcs: map[string]*ScalarFunc{}} }

// RegisterFunc adds (or replaces) the function name, case-insensitively.
// ErrInvalid when the name is empty or fn lacks Resolve or Kernel.
func (r *Registry) RegisterFunc(name string, fn ScalarFunc) error {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return errs.Invalidf("function name is empty")
	}
	if (fn.Resolve == nil && fn.Bind == nil) || fn.Kernel == nil {
		return errs.Invalidf("function %s: Resolve (or Bind) and Kernel are required", name)
	}
	if fn.MaxArgs >= 0 && fn.MaxArgs < fn.MinArgs {
		return errs.Invalidf("function %s: MaxArgs %d < MinArgs %d", name, fn.MaxArgs, fn.MinArgs)
	}
	f := fn
	r.mu.Lock()
	r.funcs[name] = &f
	r.mu.Unlock()
	return nil
}

// Names lists the registered function names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.funcs))
	for n := range r.funcs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (r *Registry) lookup(name string) (*ScalarFunc, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f, ok := r.funcs[name]
	return f, ok
}

func (r *Registry) deterministic(name string) bool {
	f, ok := r.lookup(name)
	return !ok || !f.Volatile
}

// defaultRegistry backs NewCall and the evaluation of calls without Func.
// It is built once and never modified (DefaultFunctions hands out copies).
var defaultRegistry = DefaultFunctions()

// DefaultFunctions returns a fresh registry holding the built-in functions;
// callers may add their own functions to it.
func DefaultFunctions() *Registry {
	r := NewRegistry()
	for name, f := range builtins() {
		if err := r.RegisterFunc(name, f); err != nil {
			panic(err) // programming error in the built-in table
		}
	}
	for name, f := range moreBuiltins() {
		if err := r.RegisterFunc(name, f); err != nil {
			panic(err) // programming error in the built-in table
		}
	}
	return r
}

func (ev *evaluator) evalCall(c *Call) (arrow.Array, error) {
	f := c.Func
	if f == nil {
		var ok bool
		if f, ok = ev.reg.lookup(c.Name); !ok {
			return nil, errs.NotFoundf("FUNCTION %s does not exist", c.Name)
		}
	}
	args := make([]arrow.Array, 0, len(c.Args))
	defer func() { releaseAll(args...) }()
	for _, a := range c.Args {
		v, err := ev.eval(a)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	m := outLen(ev.n, args...)
	if len(args) == 0 || f.Volatile {
		m = ev.n // RAND(3) gives a new value per row even with constant arguments
	}
	if !f.AcceptsConstants {
		for i, a := range args {
			if a.Len() != m {
				b, err := broadcast(ev.mem, a, m)
				if err != nil {
					return nil, err
				}
				a.Release()
				args[i] = b
			}
		}
	}
	out, err := f.Kernel(KernelContext{Ctx: ev.ctx, Mem: ev.mem, N: m, Result: c.DataType, Call: c}, args)
	if err != nil {
		return nil, ev.wrap(c, err)
	}
	if out.Len() != m && out.Len() != 1 {
		out.Release()
		return nil, errs.Internalf("function %s returned %d values for %d rows", c.Name, out.Len(), m)
	}
	return out, nil
}

// ---- type rules ----

func fixed(args []arrow.DataType, t arrow.DataType) []arrow.DataType {
	out := make([]arrow.DataType, len(args))
	for i := range out {
		out[i] = t
	}
	return out
}

func stringArgs(result arrow.DataType) func([]arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
	return func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
		return fixed(args, TypeString), result, nil
	}
}

// numericUnary keeps integer/decimal/float argument types (strings → DOUBLE).
func numericArg(t arrow.DataType) (arrow.DataType, error) {
	switch c := classOf(t); {
	case c == clsString || c == clsBinary || c == clsNull:
		return TypeFloat64, nil
	case c == clsBool || c == clsInt:
		return TypeInt64, nil
	case c == clsUint:
		return TypeUint64, nil
	case c == clsFloat:
		return TypeFloat64, nil
	case c == clsDecimal:
		return t, nil
	}
	return nil, fmt.Errorf("%s is not a number", TypeName(t))
}

func mergeArgs(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
	t, _ := commonType(args)
	return fixed(args, t), t, nil
}

func temporalArg(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
	switch classOf(args[0]) {
	case clsDate, clsTimestamp:
		return []arrow.DataType{nil}, TypeInt64, nil
	case clsString, clsBinary, clsNull:
		return []arrow.DataType{TypeTimestamp}, TypeInt64, nil
	}
	return nil, nil, fmt.Errorf("%s is not a date", TypeName(args[0]))
}

// ---- kernels ----

// mapStrings applies f to every non-NULL string of a (a VARCHAR array).
func mapStrings(kc KernelContext, a arrow.Array, f func(string) string) arrow.Array {
	s := stringReader(a)
	b := array.NewStringBuilder(kc.Mem)
	defer b.Release()
	b.Reserve(a.Len())
	for i := 0; i < a.Len(); i++ {
		if validAt(a, i) {
			b.Append(f(s(i)))
		} else {
			b.AppendNull()
		}
	}
	return b.NewArray()
}

// stringsToInt64 computes an integer per non-NULL string.
func stringsToInt64(kc KernelContext, a arrow.Array, f func(string) int64) arrow.Array {
	n := a.Len()
	s := stringReader(a)
	buf, out := newFixed[int64](kc.Mem, n)
	for i := 0; i < n; i++ {
		out[i] = 0
		if validAt(a, i) {
			out[i] = f(s(i))
		}
	}
	return makeArray(TypeInt64, n, copyValidity(kc.Mem, a), buf)
}

// rowWise builds a VARCHAR result from several same-length arguments; a row
// is NULL when any argument is NULL (or f reports !ok).
func rowWiseString(kc KernelContext, args []arrow.Array, f func(i int) (string, bool)) arrow.Array {
	b := array.NewStringBuilder(kc.Mem)
	defer b.Release()
	b.Reserve(kc.N)
	for i := 0; i < kc.N; i++ {
		ok := true
		for _, a := range args {
			if !validAt(a, i) {
				ok = false
				break
			}
		}
		if ok {
			var s string
			if s, ok = f(i); ok {
				b.Append(s)
				continue
			}
		}
		b.AppendNull()
	}
	return b.NewArray()
}

func substringRunes(s string, pos, length int64, hasLen bool) string {
	n := int64(utf8.RuneCountInString(s))
	if pos == 0 || (hasLen && length <= 0) {
		return ""
	}
	start := pos - 1
	if pos < 0 {
		start = n + pos
		if start < 0 {
			return ""
		}
	}
	if start >= n {
		return ""
	}
	end := n
	if hasLen && start+length < n {
		end = start + length
	}
	if isASCII(s) {
		return s[start:end]
	}
	rs := []rune(s)
	return string(rs[start:end])
}

func builtins() map[string]ScalarFunc {
	lower := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: stringArgs(TypeString),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			return mapStrings(kc, a[0], strings.ToLower), nil
		}}
	upper := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: stringArgs(TypeString),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			return mapStrings(kc, a[0], strings.ToUpper), nil
		}}
	length := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: stringArgs(TypeInt64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			return stringsToInt64(kc, a[0], func(s string) int64 { return int64(len(s)) }), nil
		}}
	charLength := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: stringArgs(TypeInt64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			return stringsToInt64(kc, a[0], func(s string) int64 { return int64(utf8.RuneCountInString(s)) }), nil
		}}
	trimFn := func(f func(string) string) ScalarFunc {
		return ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: stringArgs(TypeString),
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				return mapStrings(kc, a[0], f), nil
			}}
	}
	concat := ScalarFunc{MinArgs: 1, MaxArgs: -1, Resolve: stringArgs(TypeString),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			rs := make([]func(int) string, len(a))
			for k := range a {
				rs[k] = stringReader(a[k])
			}
			var sb strings.Builder
			return rowWiseString(kc, a, func(i int) (string, bool) {
				sb.Reset()
				for _, r := range rs {
					sb.WriteString(r(i))
				}
				return sb.String(), true
			}), nil
		}}
	substring := ScalarFunc{MinArgs: 2, MaxArgs: 3,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			out := fixed(args, TypeInt64)
			out[0] = TypeString
			return out, TypeString, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s := stringReader(a[0])
			pos := fixedVals[int64](a[1])
			var ln []int64
			if len(a) == 3 {
				ln = fixedVals[int64](a[2])
			}
			return rowWiseString(kc, a, func(i int) (string, bool) {
				if ln != nil {
					return substringRunes(s(i), pos[i], ln[i], true), true
				}
				return substringRunes(s(i), pos[i], 0, false), true
			}), nil
		}}
	replace := ScalarFunc{MinArgs: 3, MaxArgs: 3, Resolve: stringArgs(TypeString),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s, f, t := stringReader(a[0]), stringReader(a[1]), stringReader(a[2])
			return rowWiseString(kc, a, func(i int) (string, bool) {
				if f(i) == "" {
					return s(i), true
				}
				return strings.ReplaceAll(s(i), f(i), t(i)), true
			}), nil
		}}
	abs := ScalarFunc{MinArgs: 1, MaxArgs: 1,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			t, err := numericArg(args[0])
			return []arrow.DataType{t}, t, err
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			return mapNumeric(kc, a[0], a[0].DataType(), func(x int64) (int64, bool) {
				if x == math.MinInt64 {
					return 0, false
				}
				if x < 0 {
					return -x, true
				}
				return x, true
			}, math.Abs, func(d decimal256.Num) decimal256.Num { return d.Abs() })
		}}
	roundLike := func(mode int) ScalarFunc { // 0 round, 1 floor, 2 ceil
		maxArgs := 1
		if mode == 0 {
			maxArgs = 2
		}
		return ScalarFunc{MinArgs: 1, MaxArgs: maxArgs,
			// MySQL: ROUND(dec, d) with a constant d has scale d (clamped to
			// [0, scale]); FLOOR/CEIL/ROUND(dec) have scale 0.
			Bind: func(args []Expr) ([]arrow.DataType, arrow.DataType, error) {
				t, err := numericArg(args[0].Type())
				if err != nil {
					return nil, nil, err
				}
				out := []arrow.DataType{t}
				res := t
				if d, ok := t.(*arrow.Decimal128Type); ok {
					res = decimalRoundType(d, args, mode != 0)
				}
				if len(args) == 2 {
					out = append(out, digitsArgType(args[1].Type()))
				}
				return out, res, nil
			},
			AcceptsConstants: false,
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				return roundKernel(kc, a, mode)
			}}
	}
	coalesce := ScalarFunc{MinArgs: 1, MaxArgs: -1, Resolve: mergeArgs, AcceptsConstants: true,
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			m := outLen(kc.N, a...)
			choice := make([]int32, m)
			strides := make([]int, len(a))
			for k := range a {
				strides[k] = strideOf(a[k], m)
			}
			for i := 0; i < m; i++ {
				choice[i] = -1
				for k := range a {
					if !allNull(a[k]) && validAt(a[k], i*strides[k]) {
						choice[i] = int32(k)
						break
					}
				}
			}
			return selectRows(kc.Mem, resultTypeOf(a), a, choice, m)
		}}
	ifnull := coalesce
	ifnull.MinArgs, ifnull.MaxArgs = 2, 2
	ifFn := ScalarFunc{MinArgs: 3, MaxArgs: 3, AcceptsConstants: true,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			if _, err := asCondition(&Literal{DataType: args[0]}, "IF"); err != nil {
				return nil, nil, err
			}
			t, _ := commonType(args[1:])
			return []arrow.DataType{nil, t, t}, t, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			cond, err := toBool(kc.Mem, a[0])
			if err != nil {
				return nil, err
			}
			defer cond.Release()
			m := outLen(kc.N, a...)
			v := viewBool(cond, m)
			choice := make([]int32, m)
			for i := 0; i < m; i++ {
				choice[i] = 2
				if b, ok := v.at(i); ok && b {
					choice[i] = 1
				}
			}
			return selectRows(kc.Mem, resultTypeOf(a[1:]), []arrow.Array{a[0], a[1], a[2]}[1:], shift(choice, -1), m)
		}}
	nullif := ScalarFunc{MinArgs: 2, MaxArgs: 2, AcceptsConstants: true,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			t, ok := comparisonType(args[0], args[1])
			if !ok {
				return nil, nil, fmt.Errorf("cannot compare %s with %s", TypeName(args[0]), TypeName(args[1]))
			}
			// MySQL: the result has the first argument's type
			// (NULLIF(1, 1.1) is 1, NULLIF('01', 1) is '01'); only the
			// comparison happens in the common type.
			if classOf(args[0]) == clsNull {
				return []arrow.DataType{t, t}, t, nil
			}
			return []arrow.DataType{nil, t}, args[0], nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			m := outLen(kc.N, a...)
			cmp0, err := castDatum(kc.Mem, a[0], a[1].DataType())
			if err != nil {
				return nil, err
			}
			defer cmp0.Release()
			eq, err := compareArrays(kc.Mem, OpEq, cmp0, a[1], m)
			if err != nil {
				return nil, err
			}
			defer eq.Release()
			v := viewBool(eq, m)
			choice := make([]int32, m)
			for i := 0; i < m; i++ {
				if b, ok := v.at(i); ok && b {
					choice[i] = -1
				}
			}
			return selectRows(kc.Mem, resultTypeOf(a[:1]), a[:1], choice, m)
		}}
	extreme := func(greatest bool) ScalarFunc {
		return ScalarFunc{MinArgs: 2, MaxArgs: -1, Resolve: mergeArgs, AcceptsConstants: true,
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				m := outLen(kc.N, a...)
				t := resultTypeOf(a)
				if t.ID() == arrow.NULL {
					return nullArray(kc.Mem, t, m), nil
				}
				acc := a[0]
				acc.Retain()
				for _, b := range a[1:] {
					op := OpLt
					if greatest {
						op = OpGt
					}
					cmp, err := compareArrays(kc.Mem, op, b, acc, m)
					if err != nil {
						acc.Release()
						return nil, err
					}
					v := viewBool(cmp, m)
					choice := make([]int32, m)
					for i := 0; i < m; i++ {
						b, ok := v.at(i)
						switch {
						case !ok:
							choice[i] = -1 // any NULL argument → NULL
						case b:
							choice[i] = 1
						}
					}
					next, err := selectRows(kc.Mem, t, []arrow.Array{acc, b}, choice, m)
					cmp.Release()
					acc.Release()
					if err != nil {
						return nil, err
					}
					acc = next
				}
				return acc, nil
			}}
	}
	datePart := func(f func(y, mo, d int) int64) ScalarFunc {
		return ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: temporalArg,
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				return datePartKernel(kc, a[0], f)
			}}
	}
	dateFn := ScalarFunc{MinArgs: 1, MaxArgs: 1,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			switch classOf(args[0]) {
			case clsDate, clsTimestamp, clsString, clsBinary, clsNull:
				return []arrow.DataType{TypeDate}, TypeDate, nil
			}
			return nil, nil, fmt.Errorf("%s is not a date", TypeName(args[0]))
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			a[0].Retain()
			return a[0], nil
		}}
	mod := ScalarFunc{MinArgs: 2, MaxArgs: 2, AcceptsConstants: true,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			res, l, r, ok := arithType(OpMod, args[0], args[1])
			if !ok {
				return nil, nil, fmt.Errorf("MOD cannot be applied to %s and %s", TypeName(args[0]), TypeName(args[1]))
			}
			return []arrow.DataType{l, r}, res, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			to := resultTypeForMod(a)
			return arith(kc.Mem, OpMod, a[0], a[1], to, kc.N)
		}}
	return map[string]ScalarFunc{
		"lower": lower, "lcase": lower, "upper": upper, "ucase": upper,
		"length": length, "octet_length": length,
		"char_length": charLength, "character_length": charLength,
		"concat":    concat,
		"substring": substring, "substr": substring,
		"trim":    trimFn(func(s string) string { return strings.Trim(s, " ") }),
		"ltrim":   trimFn(func(s string) string { return strings.TrimLeft(s, " ") }),
		"rtrim":   trimFn(func(s string) string { return strings.TrimRight(s, " ") }),
		"replace": replace,
		"abs":     abs,
		"round":   roundLike(0), "floor": roundLike(1), "ceil": roundLike(2), "ceiling": roundLike(2),
		"mod":      mod,
		"coalesce": coalesce, "ifnull": ifnull, "nullif": nullif, "if": ifFn,
		"greatest": extreme(true), "least": extreme(false),
		"year":       datePart(func(y, _, _ int) int64 { return int64(y) }),
		"month":      datePart(func(_, m, _ int) int64 { return int64(m) }),
		"day":        datePart(func(_, _, d int) int64 { return int64(d) }),
		"dayofmonth": datePart(func(_, _, d int) int64 { return int64(d) }),
		"date":       dateFn,
	}
}

func shift(c []int32, by int32) []int32 {
	for i := range c {
		c[i] += by
	}
	return c
}

// resultTypeOf is the common type of already-converted arguments (the first
// non-NULL-typed one).
func resultTypeOf(a []arrow.Array) arrow.DataType {
	for _, x := range a {
		if x.DataType().ID() != arrow.NULL {
			return x.DataType()
		}
	}
	return TypeNull
}

func resultTypeForMod(a []arrow.Array) arrow.DataType {
	res, _, _, ok := arithType(OpMod, a[0].DataType(), a[1].DataType())
	if !ok {
		return TypeFloat64
	}
	return res
}

// mapNumeric applies a per-type function to an INT64/UINT64/DOUBLE/DECIMAL
// array, producing type `to`. fi reporting !ok is an out-of-range error.
func mapNumeric(kc KernelContext, a arrow.Array, to arrow.DataType, fi func(int64) (int64, bool), ff func(float64) float64, fd func(decimal256.Num) decimal256.Num) (arrow.Array, error) {
	n := a.Len()
	validity := copyValidity(kc.Mem, a)
	switch a.DataType().ID() {
	case arrow.INT64:
		buf, out := newFixed[int64](kc.Mem, n)
		for i, x := range fixedVals[int64](a) {
			v, ok := fi(x)
			if !ok && validAt(a, i) {
				buf.Release()
				if validity != nil {
					validity.Release()
				}
				return nil, errOutOfRange
			}
			out[i] = v
		}
		return makeArray(to, n, validity, buf), nil
	case arrow.UINT64:
		a.Retain()
		if validity != nil {
			validity.Release()
		}
		return a, nil
	case arrow.FLOAT64:
		buf, out := newFixed[float64](kc.Mem, n)
		for i, x := range fixedVals[float64](a) {
			out[i] = ff(x)
		}
		return makeArray(to, n, validity, buf), nil
	case arrow.DECIMAL128:
		p, _ := decimalOf(to)
		buf, out := newFixed[decimal128.Num](kc.Mem, n)
		for i, x := range fixedVals[decimal128.Num](a) {
			v, ok := from256(fd(to256(x)), p)
			if !ok && validAt(a, i) {
				buf.Release()
				if validity != nil {
					validity.Release()
				}
				return nil, errOutOfRange
			}
			out[i] = v
		}
		return makeArray(to, n, validity, buf), nil
	}
	if validity != nil {
		validity.Release()
	}
	return nil, notImplementedf("numeric function on %s", TypeName(a.DataType()))
}

// roundKernel implements ROUND(x[, d]) (mode 0), FLOOR (1) and CEIL (2).
// DECIMAL and integers round half away from zero; DOUBLE rounds half to
// even like MySQL on common platforms.
func roundKernel(kc KernelContext, a []arrow.Array, mode int) (arrow.Array, error) {
	x := a[0]
	n := x.Len()
	d := func(int) int64 { return 0 }
	if len(a) == 2 {
		d = digitsVals(a[1])
	}
	validity := combineValidity(kc.Mem, n, a...)
	switch x.DataType().ID() {
	case arrow.INT64:
		buf, out := newFixed[int64](kc.Mem, n)
		for i, v := range fixedVals[int64](x) {
			out[i] = v
			if mode == 0 && d(i) < 0 {
				q, ok := roundInt64(v, -d(i))
				if !ok {
					buf.Release()
					releaseBuf(validity)
					return nil, errOutOfRange
				}
				out[i] = q
			}
		}
		return makeArray(TypeInt64, n, validity, buf), nil
	case arrow.UINT64:
		buf, out := newFixed[uint64](kc.Mem, n)
		for i, v := range fixedVals[uint64](x) {
			out[i] = v
			if mode == 0 && d(i) < 0 {
				q, ok := roundUint64(v, -d(i), false)
				if !ok {
					buf.Release()
					releaseBuf(validity)
					return nil, errOutOfRange
				}
				out[i] = q
			}
		}
		return makeArray(TypeUint64, n, validity, buf), nil
	case arrow.FLOAT64:
		buf, out := newFixed[float64](kc.Mem, n)
		for i, v := range fixedVals[float64](x) {
			switch mode {
			case 1:
				out[i] = math.Floor(v)
			case 2:
				out[i] = math.Ceil(v)
			default:
				p := math.Pow10(int(d(i)))
				if p == 0 { // 10^-k underflows: every digit is dropped
					out[i] = 0
					continue
				}
				out[i] = math.RoundToEven(v*p) / p
				if math.IsNaN(out[i]) || math.IsInf(out[i], 0) {
					out[i] = v
				}
			}
		}
		return makeArray(TypeFloat64, n, validity, buf), nil
	case arrow.DECIMAL128:
		dt := x.DataType().(*arrow.Decimal128Type)
		outT := dt
		if len(a) == 1 {
			outT = Decimal(dt.Precision-dt.Scale+1, 0).(*arrow.Decimal128Type)
		}
		if rt, ok := kc.Result.(*arrow.Decimal128Type); ok {
			outT = rt
		}
		buf, out := newFixed[decimal128.Num](kc.Mem, n)
		vb := []byte(nil)
		if validity != nil {
			vb = validity.Bytes()
		}
		for i, v := range fixedVals[decimal128.Num](x) {
			out[i] = decimal128.Num{}
			if !validBit(vb, i) {
				continue
			}
			keep := int32(d(i)) // digits after the point to keep
			if keep >= dt.Scale {
				r, ok := from256(rescale256(to256(v), dt.Scale, outT.Scale), outT.Precision)
				if !ok {
					buf.Release()
					if validity != nil {
						validity.Release()
					}
					return nil, errOutOfRange
				}
				out[i] = r
				continue
			}
			drop := dt.Scale - keep
			if drop > 76 {
				continue
			}
			v256 := to256(v)
			unit := pow10_256[drop]
			var q decimal256.Num
			switch mode {
			case 1, 2:
				qq, rem := v256.Div(unit)
				q = qq
				if rem.Sign() != 0 && ((mode == 1 && v256.Sign() < 0) || (mode == 2 && v256.Sign() > 0)) {
					if mode == 1 {
						q = q.Sub(decimal256.FromI64(1))
					} else {
						q = q.Add(decimal256.FromI64(1))
					}
				}
			default:
				q = divRoundHalfUp256(v256, unit)
			}
			// q has scale keep; bring to the output scale.
			var r decimal256.Num
			if outT.Scale >= keep {
				r = q.Mul(pow10_256[outT.Scale-keep])
			} else {
				r = q
			}
			res, ok := from256(r, outT.Precision)
			if !ok {
				buf.Release()
				if validity != nil {
					validity.Release()
				}
				return nil, errOutOfRange
			}
			out[i] = res
		}
		return makeArray(outT, n, validity, buf), nil
	}
	if validity != nil {
		validity.Release()
	}
	return nil, notImplementedf("ROUND of %s", TypeName(x.DataType()))
}

// decimalRoundType is the result type of ROUND/TRUNCATE (and, with
// noDigits, FLOOR/CEIL) of a DECIMAL: the scale becomes the constant digit
// argument clamped to [0, 30] as in MySQL 8 (ROUND(1.5, 3) is 1.500; 0
// without one); one more integer digit for a carry.
func decimalRoundType(d *arrow.Decimal128Type, args []Expr, noDigits bool) arrow.DataType {
	s := int32(0)
	if !noDigits && len(args) == 2 {
		s = d.Scale
		if l, ok := args[1].(*Literal); ok && l.Value != nil {
			switch v := l.Value.(type) {
			case int64:
				s = int32(max(0, min(v, maxDecimalScale)))
			case uint64:
				s = int32(min(v, maxDecimalScale))
			}
		}
	}
	return Decimal(d.Precision-d.Scale+s+1, s)
}

// datePartKernel extracts a calendar field from DATE or DATETIME values.
func datePartKernel(kc KernelContext, a arrow.Array, f func(y, m, d int) int64) (arrow.Array, error) {
	n := a.Len()
	validity := copyValidity(kc.Mem, a)
	buf, out := newFixed[int64](kc.Mem, n)
	switch a.DataType().ID() {
	case arrow.DATE32:
		for i, v := range fixedVals[arrow.Date32](a) {
			t := v.ToTime()
			out[i] = f(t.Year(), int(t.Month()), t.Day())
		}
	case arrow.TIMESTAMP:
		u := timestampUnit(a.DataType())
		for i, v := range fixedVals[arrow.Timestamp](a) {
			t := v.ToTime(u).UTC()
			out[i] = f(t.Year(), int(t.Month()), t.Day())
		}
	default:
		buf.Release()
		if validity != nil {
			validity.Release()
		}
		return nil, notImplementedf("date part of %s", TypeName(a.DataType()))
	}
	return makeArray(TypeInt64, n, validity, buf), nil
}
