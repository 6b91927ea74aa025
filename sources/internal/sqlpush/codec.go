package sqlpush

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal"
)

// Shipping pushed scans (catalog.PartitionCodec).
//
// A partition of a pushed TopN or aggregate is encoded as the request that
// produced it (Spec: sort keys with direction and NULL placement, limit,
// filters with their bound values, group keys, aggregate calls and the
// output schema) plus the provider's own plain-scan metadata (table
// identity, projection, limit, the SQL text). The receiving node never
// trusts the SQL: Spec.Replay pushes the same request into its own catalog
// entry for the table and plans the same scan, and the provider refuses the
// encoding unless that yields the same SQL (and bind values). A partition
// can therefore never make a node send SQL its own planner would not have
// written, and a table whose definition changed in between is an error,
// not a different query.
//
// Encodings are JSON, versioned by the provider's envelope (WireVersion),
// and decoded strictly: an unknown version, field, kind or aggregate
// function is errs.ErrInvalid naming it (StrictUnmarshal). Values stay
// bind parameters: filters travel as expressions (their literals typed),
// never as SQL with values spliced in.

// WireVersion is the version of the partition encodings of the SQL
// providers (postgres, sqlite, flightsql) since pushed scans became
// encodable. Decoders accept exactly this version.
const WireVersion = 2

// Spec is what a pushed scan was planned from, on top of the plain scan
// request (projection, limit, and for a TopN its filters). Exactly one of
// TopN and Agg is set; GroupTopN only with Agg. Immutable once built.
type Spec struct {
	// TopN is a pushed ORDER BY + LIMIT on the table
	// (catalog.TopNPushdowner); its filters are the scan request's.
	TopN *catalog.TopNRequest
	// Agg is a pushed GROUP BY (catalog.AggregatePushdowner) with its
	// filters; the scan request then has none.
	Agg *catalog.AggregateRequest
	// GroupTopN is a TopN over Agg's groups (keys index Agg.Schema).
	GroupTopN *catalog.TopNRequest
}

// WireSpec is the JSON form of a Spec.
type WireSpec struct {
	// Kind is "topn" or "aggregate".
	Kind string `json:"kind"`
	// TopN is the pushed TopN (kind topn) or the TopN over the groups
	// (kind aggregate; absent: none).
	TopN *WireTopN `json:"topn,omitempty"`
	// Filters, GroupBy, Aggs and Schema are the aggregate request.
	Filters []json.RawMessage `json:"filters,omitempty"`
	GroupBy []json.RawMessage `json:"group_by,omitempty"`
	Aggs    []WireAgg         `json:"aggs,omitempty"`
	Schema  []WireField       `json:"schema,omitempty"`
}

// WireTopN is a catalog.TopNRequest.
type WireTopN struct {
	Keys  []WireKey `json:"keys"`
	Limit int64     `json:"limit"`
}

// WireKey is a catalog.SortKey.
type WireKey struct {
	Column     int  `json:"col"`
	Desc       bool `json:"desc,omitempty"`
	NullsFirst bool `json:"nulls_first,omitempty"`
}

// WireAgg is an expr.AggregateCall of the forms that are pushed (no
// MoreArgs, ORDER BY or separator: sqlgen.Aggregate refuses those).
type WireAgg struct {
	Func     string          `json:"func"`
	Arg      json.RawMessage `json:"arg,omitempty"` // absent: COUNT(*)
	Distinct bool            `json:"distinct,omitempty"`
	Type     json.RawMessage `json:"type"`
}

// WireField is one output field of a pushed aggregate.
type WireField struct {
	Name     string          `json:"name"`
	Type     json.RawMessage `json:"type"`
	Nullable bool            `json:"nullable,omitempty"`
}

const (
	kindTopN      = "topn"
	kindAggregate = "aggregate"
)

// Encode renders s for a partition encoding. A request the codec cannot
// describe (an aggregate with extra arguments, an unencodable expression)
// is errs.ErrNotImplemented.
func (s *Spec) Encode() (*WireSpec, error) {
	switch {
	case s == nil:
		return nil, nil
	case s.TopN != nil && s.Agg == nil && s.GroupTopN == nil:
		return &WireSpec{Kind: kindTopN, TopN: encodeTopN(s.TopN)}, nil
	case s.Agg != nil && s.TopN == nil:
	default:
		return nil, errs.Internalf("sqlpush: malformed pushed-scan spec (topn %v, aggregate %v, group topn %v)", s.TopN != nil, s.Agg != nil, s.GroupTopN != nil)
	}
	a := s.Agg
	w := &WireSpec{Kind: kindAggregate}
	if s.GroupTopN != nil {
		w.TopN = encodeTopN(s.GroupTopN)
	}
	var err error
	if w.Filters, err = encodeExprs(a.Filters); err != nil {
		return nil, err
	}
	if w.GroupBy, err = encodeExprs(a.GroupBy); err != nil {
		return nil, err
	}
	for _, c := range a.Aggs {
		if len(c.MoreArgs) > 0 || len(c.OrderBy) > 0 || c.Separator != "" {
			return nil, errs.NotImplementedf("sqlpush: cannot encode pushed aggregate %s", c)
		}
		wa := WireAgg{Func: string(c.Func), Distinct: c.Distinct}
		if c.Arg != nil {
			if wa.Arg, err = internal.EncodeExpr(c.Arg); err != nil {
				return nil, err
			}
		}
		if wa.Type, err = encodeType(c.DataType); err != nil {
			return nil, err
		}
		w.Aggs = append(w.Aggs, wa)
	}
	if a.Schema == nil {
		return nil, errs.Internalf("sqlpush: pushed aggregate without an output schema")
	}
	for _, f := range a.Schema.Fields() {
		ft, err := encodeType(f.Type)
		if err != nil {
			return nil, err
		}
		w.Schema = append(w.Schema, WireField{Name: f.Name, Type: ft, Nullable: f.Nullable})
	}
	return w, nil
}

func encodeTopN(r *catalog.TopNRequest) *WireTopN {
	w := &WireTopN{Limit: r.Limit, Keys: make([]WireKey, len(r.Keys))}
	for i, k := range r.Keys {
		w.Keys[i] = WireKey{Column: k.Column, Desc: k.Desc, NullsFirst: k.NullsFirst}
	}
	return w
}

func encodeExprs(es []expr.Expr) ([]json.RawMessage, error) {
	var out []json.RawMessage
	for _, e := range es {
		raw, err := internal.EncodeExpr(e)
		if err != nil {
			return nil, err
		}
		out = append(out, raw)
	}
	return out, nil
}

// encodeType carries an Arrow type through the expression codec's type
// encoding (as the type of a column reference), so that types are written
// one way in every encoding.
func encodeType(t arrow.DataType) (json.RawMessage, error) {
	if t == nil {
		return nil, errs.Internalf("sqlpush: cannot encode a missing type")
	}
	return internal.EncodeExpr(&expr.Column{DataType: t})
}

func decodeType(raw json.RawMessage, what string) (arrow.DataType, error) {
	e, err := decodeExpr(raw, what)
	if err != nil {
		return nil, err
	}
	c, ok := e.(*expr.Column)
	if !ok || c.DataType == nil {
		return nil, errs.Invalidf("%s: malformed encoded type", what)
	}
	return c.DataType, nil
}

// DecodeSpec parses a WireSpec (nil: a plain scan, nil Spec). Anything
// unknown or out of shape is errs.ErrInvalid naming it; it never panics.
// what names the table in errors.
func DecodeSpec(w *WireSpec, what string) (s *Spec, err error) {
	if w == nil {
		return nil, nil
	}
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, errs.Invalidf("%s: malformed pushed-scan encoding", what)
		}
	}()
	switch w.Kind {
	case kindTopN:
		if w.TopN == nil {
			return nil, errs.Invalidf("%s: pushed TopN encoding without its keys", what)
		}
		if len(w.Filters) > 0 || len(w.GroupBy) > 0 || len(w.Aggs) > 0 || len(w.Schema) > 0 {
			return nil, errs.Invalidf("%s: pushed TopN encoding carries aggregate fields", what)
		}
		r, err := decodeTopN(w.TopN, what)
		if err != nil {
			return nil, err
		}
		return &Spec{TopN: r}, nil
	case kindAggregate:
	default:
		return nil, errs.Invalidf("%s: unknown pushed-scan kind %q (this node knows %q and %q)", what, w.Kind, kindTopN, kindAggregate)
	}
	a := &catalog.AggregateRequest{}
	for _, raw := range w.Filters {
		f, err := decodeExpr(raw, what)
		if err != nil {
			return nil, err
		}
		a.Filters = append(a.Filters, f)
	}
	for _, raw := range w.GroupBy {
		g, err := decodeExpr(raw, what)
		if err != nil {
			return nil, err
		}
		a.GroupBy = append(a.GroupBy, g)
	}
	for _, wa := range w.Aggs {
		var c expr.AggregateCall
		switch f := expr.AggFunc(wa.Func); f {
		case expr.AggCount, expr.AggSum, expr.AggAvg, expr.AggMin, expr.AggMax:
			c.Func = f
		default:
			return nil, errs.Invalidf("%s: unknown aggregate function %q in a pushed aggregate", what, wa.Func)
		}
		if len(wa.Arg) > 0 {
			if c.Arg, err = decodeExpr(wa.Arg, what); err != nil {
				return nil, err
			}
		}
		c.Distinct = wa.Distinct
		if c.DataType, err = decodeType(wa.Type, what); err != nil {
			return nil, err
		}
		a.Aggs = append(a.Aggs, c)
	}
	if len(w.Schema) != len(a.GroupBy)+len(a.Aggs) {
		return nil, errs.Invalidf("%s: pushed aggregate encoding has %d output fields for %d keys and %d aggregates", what, len(w.Schema), len(a.GroupBy), len(a.Aggs))
	}
	fields := make([]arrow.Field, len(w.Schema))
	for i, f := range w.Schema {
		t, err := decodeType(f.Type, what)
		if err != nil {
			return nil, err
		}
		fields[i] = arrow.Field{Name: f.Name, Type: t, Nullable: f.Nullable}
	}
	a.Schema = arrow.NewSchema(fields, nil)
	s = &Spec{Agg: a}
	if w.TopN != nil {
		if s.GroupTopN, err = decodeTopN(w.TopN, what); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func decodeTopN(w *WireTopN, what string) (*catalog.TopNRequest, error) {
	if len(w.Keys) == 0 || w.Limit < 0 {
		return nil, errs.Invalidf("%s: pushed TopN encoding needs keys and a limit >= 0 (got %d keys, limit %d)", what, len(w.Keys), w.Limit)
	}
	r := &catalog.TopNRequest{Limit: w.Limit, Keys: make([]catalog.SortKey, len(w.Keys))}
	for i, k := range w.Keys {
		r.Keys[i] = catalog.SortKey{Column: k.Column, Desc: k.Desc, NullsFirst: k.NullsFirst}
	}
	return r, nil
}

// DecodeExpr decodes an expression of a partition encoding
// (internal.EncodeExpr's form) strictly: a field name the expression codec
// does not know (a newer encoder's, which silently ignoring could change
// the expression) is errs.ErrInvalid naming it, as is malformed input.
// what names the table in errors.
func DecodeExpr(raw json.RawMessage, what string) (expr.Expr, error) {
	return decodeExpr(raw, what)
}

func decodeExpr(raw json.RawMessage, what string) (expr.Expr, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "%s: malformed encoded expression", what)
	}
	if err := checkExprKeys(v, 0); err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "%s", what)
	}
	e, err := internal.DecodeExpr(raw)
	if err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "%s", what)
	}
	return e, nil
}

// The field names of internal.EncodeExpr's nodes and types.
var (
	exprKeys = map[string]bool{"k": true, "t": true, "i": true, "n": true, "v": true, "op": true, "neg": true, "esc": true, "a": true, "else": true, "w": true}
	typeKeys = map[string]bool{"id": true, "u": true, "tz": true, "p": true, "s": true}
)

func checkExprKeys(v any, depth int) error {
	if depth > 300 {
		return errors.New("encoded expression nested too deeply")
	}
	n, ok := v.(map[string]any)
	if !ok {
		return errors.New("malformed encoded expression: a node is not an object")
	}
	for k, sub := range n {
		if !exprKeys[k] {
			return errors.New("unknown field " + strconvQuote(k) + " in an encoded expression")
		}
		switch k {
		case "t":
			tn, ok := sub.(map[string]any)
			if !ok {
				return errors.New("malformed encoded expression: type is not an object")
			}
			for tk := range tn {
				if !typeKeys[tk] {
					return errors.New("unknown field " + strconvQuote(tk) + " in an encoded type")
				}
			}
		case "a":
			kids, ok := sub.([]any)
			if !ok {
				return errors.New("malformed encoded expression: arguments are not a list")
			}
			for _, c := range kids {
				if err := checkExprKeys(c, depth+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// StrictUnmarshal decodes one JSON value into v, refusing unknown fields
// and trailing data: an encoding from a newer node must fail loudly, not
// lose what this node does not understand. Errors are errs.ErrInvalid
// naming the offending field; what names the table.
func StrictUnmarshal(data []byte, v any, what string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := err.Error()
		if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
			return errs.Invalidf("%s: unknown field %s in a partition encoding (encoded by a newer version?)", what, f)
		}
		return errs.Wrap(errs.ErrInvalid, err, "%s: malformed partition encoding", what)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errs.Invalidf("%s: malformed partition encoding: data after the JSON value", what)
	}
	return nil
}

// CheckVersion refuses any partition encoding version but WireVersion.
func CheckVersion(v int, what string) error {
	if v != WireVersion {
		return errs.Invalidf("%s: unknown partition encoding version %d (this node reads version %d)", what, v, WireVersion)
	}
	return nil
}

// Replay pushes s into base (this node's own catalog entry for the table:
// a catalog.TopNPushdowner or catalog.AggregatePushdowner) as the planner
// did on the node that encoded it, and plans req on the result. A table
// that refuses the push now (its definition or this node's version
// differs) is errs.ErrInvalid. No I/O.
func (s *Spec) Replay(ctx context.Context, base catalog.Table, req catalog.ScanRequest, what string) (catalog.Scan, error) {
	var pushed catalog.Table
	switch {
	case s.TopN != nil:
		tp, ok := base.(catalog.TopNPushdowner)
		if !ok {
			return nil, errs.Invalidf("%s: cannot push a TopN here", what)
		}
		t, ok, err := tp.PushTopN(*s.TopN)
		if err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "%s: re-pushing the encoded TopN", what)
		}
		if !ok {
			return nil, errs.Invalidf("%s: this node refuses the encoded TopN (did the table change?)", what)
		}
		pushed = t
	case s.Agg != nil:
		if len(req.Filters) > 0 {
			return nil, errs.Invalidf("%s: a pushed aggregate's scan takes no filters", what)
		}
		ap, ok := base.(catalog.AggregatePushdowner)
		if !ok {
			return nil, errs.Invalidf("%s: cannot push an aggregate here", what)
		}
		t, ok, err := ap.PushAggregate(*s.Agg)
		if err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "%s: re-pushing the encoded aggregate", what)
		}
		if !ok {
			return nil, errs.Invalidf("%s: this node refuses the encoded aggregate (did the table change?)", what)
		}
		if s.GroupTopN != nil {
			tp, isTP := t.(catalog.TopNPushdowner)
			if !isTP {
				return nil, errs.Invalidf("%s: cannot push a TopN over this aggregate", what)
			}
			if t, ok, err = tp.PushTopN(*s.GroupTopN); err != nil {
				return nil, errs.Wrap(errs.ErrInvalid, err, "%s: re-pushing the encoded TopN over the groups", what)
			}
			if !ok {
				return nil, errs.Invalidf("%s: this node refuses the encoded TopN over the groups", what)
			}
		}
		pushed = t
	default:
		return nil, errs.Invalidf("%s: empty pushed-scan spec", what)
	}
	sc, err := pushed.Scan(ctx, req)
	if err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "%s: re-planning the encoded scan", what)
	}
	return sc, nil
}
