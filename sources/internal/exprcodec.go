package internal

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// Limits on decoded expressions (the bytes may come from another node, or
// from a forged plan fragment): deeper or bigger trees are ErrInvalid.
const (
	maxExprDepth = 256
	maxExprNodes = 100_000
)

// EncodeExpr renders e as JSON metadata for a partition encoding. Every
// node kind of package expr and every type a Literal may carry is
// supported; anything else is an errs.ErrNotImplemented error.
func EncodeExpr(e expr.Expr) (json.RawMessage, error) {
	n, err := toNode(e)
	if err != nil {
		return nil, err
	}
	return json.Marshal(n)
}

// DecodeExpr parses what EncodeExpr produced. Malformed input is an
// errs.ErrInvalid error; it never panics.
func DecodeExpr(data json.RawMessage) (e expr.Expr, err error) {
	defer func() {
		if recover() != nil {
			e, err = nil, errs.Invalidf("malformed encoded expression")
		}
	}()
	var n exprNode
	if err := json.Unmarshal(data, &n); err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "malformed encoded expression")
	}
	count := 0
	return fromNode(&n, 0, &count)
}

// exprNode is the wire form of one expression node.
type exprNode struct {
	K        string      `json:"k"`
	Type     *typeNode   `json:"t,omitempty"`
	Index    int         `json:"i,omitempty"`
	Name     string      `json:"n,omitempty"`
	Value    *string     `json:"v,omitempty"` // Literal value; nil = NULL
	Op       int         `json:"op,omitempty"`
	Negated  bool        `json:"neg,omitempty"`
	Escape   rune        `json:"esc,omitempty"`
	Args     []*exprNode `json:"a,omitempty"`
	HasElse  bool        `json:"else,omitempty"`
	NumWhens int         `json:"w,omitempty"`
}

type typeNode struct {
	ID    string `json:"id"`
	Unit  int    `json:"u,omitempty"`
	TZ    string `json:"tz,omitempty"`
	Prec  int32  `json:"p,omitempty"`
	Scale int32  `json:"s,omitempty"`
}

func toNode(e expr.Expr) (*exprNode, error) {
	kids := func(k string, t arrow.DataType, es ...expr.Expr) (*exprNode, error) {
		n := &exprNode{K: k}
		if t != nil {
			tn, err := encodeType(t)
			if err != nil {
				return nil, err
			}
			n.Type = tn
		}
		for _, c := range es {
			cn, err := toNode(c)
			if err != nil {
				return nil, err
			}
			n.Args = append(n.Args, cn)
		}
		return n, nil
	}
	switch v := e.(type) {
	case *expr.Column:
		n, err := kids("col", v.DataType)
		if err != nil {
			return nil, err
		}
		n.Index, n.Name = v.Index, v.Name
		return n, nil
	case *expr.Literal:
		n, err := kids("lit", v.DataType)
		if err != nil {
			return nil, err
		}
		if v.Value != nil {
			s, err := encodeValue(v.DataType, v.Value)
			if err != nil {
				return nil, err
			}
			n.Value = &s
		}
		return n, nil
	case *expr.Binary:
		n, err := kids("bin", v.DataType, v.Left, v.Right)
		if err == nil {
			n.Op = int(v.Op)
		}
		return n, err
	case *expr.Not:
		return kids("not", nil, v.Input)
	case *expr.Negate:
		return kids("neg", nil, v.Input)
	case *expr.IsNull:
		n, err := kids("isnull", nil, v.Input)
		if err == nil {
			n.Negated = v.Negated
		}
		return n, err
	case *expr.Cast:
		return kids("cast", v.To, v.Input)
	case *expr.In:
		n, err := kids("in", nil, append([]expr.Expr{v.Input}, v.List...)...)
		if err == nil {
			n.Negated = v.Negated
		}
		return n, err
	case *expr.Like:
		n, err := kids("like", nil, v.Input, v.Pattern)
		if err == nil {
			n.Negated, n.Escape = v.Negated, v.Escape
		}
		return n, err
	case *expr.Call:
		n, err := kids("call", v.DataType, v.Args...)
		if err == nil {
			n.Name = v.Name
		}
		return n, err
	case *expr.Case:
		n, err := kids("case", v.DataType, v.Children()...)
		if err == nil {
			n.NumWhens, n.HasElse = len(v.Whens), v.Else != nil
		}
		return n, err
	}
	return nil, errs.NotImplementedf("cannot encode expression %s (%T)", e, e)
}

func fromNode(n *exprNode, depth int, count *int) (expr.Expr, error) {
	if n == nil {
		return nil, errs.Invalidf("malformed encoded expression: empty node")
	}
	*count++
	if depth > maxExprDepth || *count > maxExprNodes {
		return nil, errs.Invalidf("encoded expression is too deep or too large")
	}
	args := make([]expr.Expr, len(n.Args))
	for i, a := range n.Args {
		c, err := fromNode(a, depth+1, count)
		if err != nil {
			return nil, err
		}
		args[i] = c
	}
	var typ arrow.DataType
	if n.Type != nil {
		t, err := decodeType(n.Type)
		if err != nil {
			return nil, err
		}
		typ = t
	}
	need := func(k int, withType bool) error {
		if len(args) != k && k >= 0 {
			return errs.Invalidf("malformed encoded expression: %s node with %d children", n.K, len(args))
		}
		if withType && typ == nil {
			return errs.Invalidf("malformed encoded expression: %s node without a type", n.K)
		}
		return nil
	}
	switch n.K {
	case "col":
		if err := need(0, true); err != nil {
			return nil, err
		}
		if n.Index < 0 {
			return nil, errs.Invalidf("malformed encoded expression: column index %d", n.Index)
		}
		return &expr.Column{Index: n.Index, Name: n.Name, DataType: typ}, nil
	case "lit":
		if err := need(0, true); err != nil {
			return nil, err
		}
		l := &expr.Literal{DataType: typ}
		if n.Value != nil {
			v, err := decodeValue(typ, *n.Value)
			if err != nil {
				return nil, err
			}
			l.Value = v
		}
		return l, nil
	case "bin":
		if err := need(2, true); err != nil {
			return nil, err
		}
		if n.Op < 0 || n.Op > int(expr.OpMod) {
			return nil, errs.Invalidf("malformed encoded expression: operator %d", n.Op)
		}
		return &expr.Binary{Op: expr.Op(n.Op), Left: args[0], Right: args[1], DataType: typ}, nil
	case "not":
		if err := need(1, false); err != nil {
			return nil, err
		}
		return &expr.Not{Input: args[0]}, nil
	case "neg":
		if err := need(1, false); err != nil {
			return nil, err
		}
		return &expr.Negate{Input: args[0]}, nil
	case "isnull":
		if err := need(1, false); err != nil {
			return nil, err
		}
		return &expr.IsNull{Input: args[0], Negated: n.Negated}, nil
	case "cast":
		if err := need(1, true); err != nil {
			return nil, err
		}
		return &expr.Cast{Input: args[0], To: typ}, nil
	case "in":
		if len(args) < 1 {
			return nil, errs.Invalidf("malformed encoded expression: IN without input")
		}
		return &expr.In{Input: args[0], List: args[1:], Negated: n.Negated}, nil
	case "like":
		if err := need(2, false); err != nil {
			return nil, err
		}
		return &expr.Like{Input: args[0], Pattern: args[1], Escape: n.Escape, Negated: n.Negated}, nil
	case "call":
		if err := need(-1, true); err != nil {
			return nil, err
		}
		return &expr.Call{Name: n.Name, Args: args, DataType: typ}, nil
	case "case":
		if err := need(-1, true); err != nil {
			return nil, err
		}
		want := 2 * n.NumWhens
		if n.HasElse {
			want++
		}
		if n.NumWhens < 0 || len(args) != want {
			return nil, errs.Invalidf("malformed encoded expression: CASE with %d children for %d arms", len(args), n.NumWhens)
		}
		c := &expr.Case{DataType: typ, Whens: make([]expr.When, n.NumWhens)}
		for i := range c.Whens {
			c.Whens[i] = expr.When{Cond: args[2*i], Then: args[2*i+1]}
		}
		if n.HasElse {
			c.Else = args[len(args)-1]
		}
		return c, nil
	}
	return nil, errs.Invalidf("malformed encoded expression: unknown node kind %q", n.K)
}

var simpleTypes = map[string]arrow.DataType{
	"null": arrow.Null, "bool": arrow.FixedWidthTypes.Boolean,
	"int8": arrow.PrimitiveTypes.Int8, "int16": arrow.PrimitiveTypes.Int16,
	"int32": arrow.PrimitiveTypes.Int32, "int64": arrow.PrimitiveTypes.Int64,
	"uint8": arrow.PrimitiveTypes.Uint8, "uint16": arrow.PrimitiveTypes.Uint16,
	"uint32": arrow.PrimitiveTypes.Uint32, "uint64": arrow.PrimitiveTypes.Uint64,
	"float32": arrow.PrimitiveTypes.Float32, "float64": arrow.PrimitiveTypes.Float64,
	"utf8": arrow.BinaryTypes.String, "large_utf8": arrow.BinaryTypes.LargeString,
	"binary": arrow.BinaryTypes.Binary, "date32": arrow.FixedWidthTypes.Date32,
}

func encodeType(t arrow.DataType) (*typeNode, error) {
	switch v := t.(type) {
	case *arrow.TimestampType:
		return &typeNode{ID: "timestamp", Unit: int(v.Unit), TZ: v.TimeZone}, nil
	case *arrow.Time64Type:
		return &typeNode{ID: "time64", Unit: int(v.Unit)}, nil
	case *arrow.Decimal128Type:
		return &typeNode{ID: "decimal128", Prec: v.Precision, Scale: v.Scale}, nil
	}
	for name, st := range simpleTypes {
		if arrow.TypeEqual(st, t) {
			return &typeNode{ID: name}, nil
		}
	}
	return nil, errs.NotImplementedf("cannot encode type %s", t)
}

func decodeType(n *typeNode) (arrow.DataType, error) {
	switch n.ID {
	case "timestamp":
		if n.Unit < 0 || n.Unit > int(arrow.Nanosecond) {
			return nil, errs.Invalidf("malformed encoded type: time unit %d", n.Unit)
		}
		return &arrow.TimestampType{Unit: arrow.TimeUnit(n.Unit), TimeZone: n.TZ}, nil
	case "time64":
		if n.Unit != int(arrow.Microsecond) && n.Unit != int(arrow.Nanosecond) {
			return nil, errs.Invalidf("malformed encoded type: time64 unit %d", n.Unit)
		}
		return &arrow.Time64Type{Unit: arrow.TimeUnit(n.Unit)}, nil
	case "decimal128":
		if n.Prec < 1 || n.Prec > 38 || n.Scale < 0 || n.Scale > n.Prec {
			return nil, errs.Invalidf("malformed encoded type: decimal(%d,%d)", n.Prec, n.Scale)
		}
		return &arrow.Decimal128Type{Precision: n.Prec, Scale: n.Scale}, nil
	}
	if t, ok := simpleTypes[n.ID]; ok {
		return t, nil
	}
	return nil, errs.Invalidf("malformed encoded type %q", n.ID)
}

func encodeValue(t arrow.DataType, v any) (string, error) {
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case string:
		return x, nil
	case []byte:
		b, _ := json.Marshal(x) // base64, quoted
		return string(b), nil
	case decimal128.Num:
		return strconv.FormatInt(x.HighBits(), 10) + ":" + strconv.FormatUint(x.LowBits(), 10), nil
	case arrow.Date32:
		return strconv.FormatInt(int64(x), 10), nil
	case arrow.Timestamp:
		return strconv.FormatInt(int64(x), 10), nil
	case arrow.Time64:
		return strconv.FormatInt(int64(x), 10), nil
	}
	return "", errs.NotImplementedf("cannot encode a %T literal of type %s", v, t)
}

func decodeValue(t arrow.DataType, s string) (any, error) {
	bad := func(err error) error {
		return errs.Wrap(errs.ErrInvalid, err, "malformed encoded %s literal %q", t, s)
	}
	switch t.ID() {
	case arrow.BOOL:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, bad(err)
		}
		return b, nil
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, bad(err)
		}
		return i, nil
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		u, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, bad(err)
		}
		return u, nil
	case arrow.FLOAT32, arrow.FLOAT64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !math.IsInf(f, 0) {
			return nil, bad(err)
		}
		return f, nil
	case arrow.STRING, arrow.LARGE_STRING:
		return s, nil
	case arrow.BINARY:
		var b []byte
		if err := json.Unmarshal([]byte(s), &b); err != nil {
			return nil, bad(err)
		}
		return b, nil
	case arrow.DECIMAL128:
		for i := 0; i < len(s); i++ {
			if s[i] == ':' {
				hi, err1 := strconv.ParseInt(s[:i], 10, 64)
				lo, err2 := strconv.ParseUint(s[i+1:], 10, 64)
				if err1 != nil || err2 != nil {
					return nil, bad(nil)
				}
				return decimal128.New(hi, lo), nil
			}
		}
		return nil, bad(nil)
	case arrow.DATE32, arrow.TIMESTAMP, arrow.TIME64:
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, bad(err)
		}
		switch t.ID() {
		case arrow.DATE32:
			if i < math.MinInt32 || i > math.MaxInt32 {
				return nil, bad(nil)
			}
			return arrow.Date32(i), nil
		case arrow.TIMESTAMP:
			return arrow.Timestamp(i), nil
		default:
			return arrow.Time64(i), nil
		}
	}
	return nil, errs.Invalidf("malformed encoded literal of type %s", t)
}
