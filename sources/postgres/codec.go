package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
	"github.com/quiverdb/quiver/sources/internal/sqlpush"
)

// bindArg converts a filter literal to the value pgx binds: bool, int64,
// float64, string, []byte, pgtype.Numeric (exact decimals), time.Time (UTC;
// dates at midnight) or pgtype.Time. Those are also the only kinds the
// partition codec carries.
func bindArg(l *expr.Literal) (any, bool) {
	// sqlgen.BindNative's values, except: []byte copied, exact decimals
	// as pgtype.Numeric, timestamps at microsecond precision only, TIME.
	switch v := l.Value.(type) {
	case []byte:
		return append([]byte(nil), v...), true
	case decimal128.Num:
		d, ok := l.DataType.(*arrow.Decimal128Type)
		if !ok {
			return nil, false
		}
		return pgtype.Numeric{Int: v.BigInt(), Exp: -d.Scale, Valid: true}, true
	case arrow.Timestamp:
		t, ok := sqlgen.BindNative(l)
		if !ok || t.(time.Time).Nanosecond()%1000 != 0 {
			return nil, false // PostgreSQL keeps microseconds only
		}
		return t, true
	case arrow.Time64:
		tt, ok := l.DataType.(*arrow.Time64Type)
		if !ok {
			return nil, false
		}
		us := int64(v)
		if tt.Unit == arrow.Nanosecond {
			if us%1000 != 0 {
				return nil, false
			}
			us /= 1000
		}
		return pgtype.Time{Microseconds: us, Valid: true}, true
	}
	return sqlgen.BindNative(l)
}

// wireArg is one bind value in a partition encoding.
type wireArg struct {
	T string `json:"t"` // b i f s x n ts tm
	V string `json:"v"`
	E int32  `json:"e,omitempty"` // numeric exponent
}

func encodeArg(a any) (wireArg, error) {
	switch v := a.(type) {
	case bool:
		return wireArg{T: "b", V: strconv.FormatBool(v)}, nil
	case int64:
		return wireArg{T: "i", V: strconv.FormatInt(v, 10)}, nil
	case float64:
		return wireArg{T: "f", V: strconv.FormatUint(math.Float64bits(v), 16)}, nil
	case string:
		return wireArg{T: "s", V: v}, nil
	case []byte:
		return wireArg{T: "x", V: base64.StdEncoding.EncodeToString(v)}, nil
	case pgtype.Numeric:
		if v.Int == nil || !v.Valid {
			return wireArg{}, errs.Internalf("postgres: cannot encode numeric bind value %v", v)
		}
		return wireArg{T: "n", V: v.Int.String(), E: v.Exp}, nil
	case time.Time:
		return wireArg{T: "ts", V: strconv.FormatInt(v.UnixMicro(), 10)}, nil
	case pgtype.Time:
		return wireArg{T: "tm", V: strconv.FormatInt(v.Microseconds, 10)}, nil
	}
	return wireArg{}, errs.Internalf("postgres: cannot encode bind value of type %T", a)
}

func decodeArg(w wireArg) (any, error) {
	bad := func() (any, error) {
		return nil, errs.Invalidf("postgres partition: bad bind value %q of kind %q", w.V, w.T)
	}
	switch w.T {
	case "b":
		b, err := strconv.ParseBool(w.V)
		if err != nil {
			return bad()
		}
		return b, nil
	case "i":
		i, err := strconv.ParseInt(w.V, 10, 64)
		if err != nil {
			return bad()
		}
		return i, nil
	case "f":
		u, err := strconv.ParseUint(w.V, 16, 64)
		if err != nil {
			return bad()
		}
		return math.Float64frombits(u), nil
	case "s":
		return w.V, nil
	case "x":
		b, err := base64.StdEncoding.DecodeString(w.V)
		if err != nil {
			return bad()
		}
		return b, nil
	case "n":
		if len(w.V) > 80 {
			return bad()
		}
		n, ok := new(big.Int).SetString(w.V, 10)
		if !ok || w.E < -1000 || w.E > 1000 {
			return bad()
		}
		return pgtype.Numeric{Int: n, Exp: w.E, Valid: true}, nil
	case "ts":
		us, err := strconv.ParseInt(w.V, 10, 64)
		if err != nil {
			return bad()
		}
		return time.UnixMicro(us).UTC(), nil
	case "tm":
		us, err := strconv.ParseInt(w.V, 10, 64)
		if err != nil {
			return bad()
		}
		return pgtype.Time{Microseconds: us, Valid: true}, nil
	}
	return bad()
}

// partitionWire is a partition's encoding: metadata only (the SQL text,
// its bind values, the ctid range, and the plan it came from: projection,
// filters, limit, and for a pushed TopN or aggregate the request it came
// from), never a connection. Version sqlpush.WireVersion, decoded
// strictly (unknown fields are errors).
//
// The receiving node does not trust the SQL text: it re-plans the partition
// from the projection, filters and range on its own table and refuses the
// encoding unless that yields the same SQL and bind values. A forged
// fragment can therefore never run SQL the planner would not have written.
type partitionWire struct {
	V       int               `json:"v"`
	Schema  string            `json:"schema"`
	Table   string            `json:"table"`
	SQL     string            `json:"sql"`
	Args    []wireArg         `json:"args,omitempty"`
	Proj    []int             `json:"proj"`
	Cols    []wireCol         `json:"cols"`
	Filters []json.RawMessage `json:"filters,omitempty"`
	Limit   int64             `json:"limit"`
	Lo      int64             `json:"lo"`
	Hi      int64             `json:"hi"`
	Ranges  int               `json:"ranges,omitempty"`
	// Pushed is the pushed TopN or aggregate (nil: a plain scan). For an
	// aggregate Proj indexes its output and Cols is empty.
	Pushed *sqlpush.WireSpec `json:"pushed,omitempty"`
}

// wireCol pins a projected column: the decoding node checks that its own
// table has the same column with the same type.
type wireCol struct {
	Name string `json:"n"`
	OID  uint32 `json:"o"`
	Mod  int32  `json:"m"`
}

// EncodePartition encodes a partition of this table's scans as JSON
// metadata: SQL text, bind values, ctid range, and the projection,
// filters and limit it was planned from.
func (t *Table) EncodePartition(p catalog.Partition) ([]byte, error) {
	pp, ok := p.(*partition)
	if !ok || pp == nil || pp.scan == nil {
		return nil, errs.Invalidf("postgres table %s: cannot encode a partition of type %T", t.Name(), p)
	}
	if pp.t.src != t.src || pp.t.rel.Name != t.rel.Name {
		return nil, errs.Invalidf("postgres table %s: cannot encode a partition of table %s", t.Name(), pp.t.Name())
	}
	w := partitionWire{
		V: sqlpush.WireVersion, Schema: pp.t.src.schema, Table: pp.t.rel.Name, SQL: pp.sql,
		Proj: pp.scan.proj, Limit: pp.scan.limit, Lo: pp.lo, Hi: pp.hi, Ranges: pp.scan.ranges,
	}
	if spec := pp.scan.spec; spec != nil {
		ws, err := spec.Encode()
		if err != nil {
			return nil, errs.Wrap(err, err, "postgres table %s: encoding a pushed-down partition", t.Name())
		}
		w.Pushed = ws
	}
	for _, f := range pp.scan.filters {
		raw, err := internal.EncodeExpr(f)
		if err != nil {
			return nil, err
		}
		w.Filters = append(w.Filters, raw)
	}
	for _, a := range pp.args {
		wa, err := encodeArg(a)
		if err != nil {
			return nil, err
		}
		w.Args = append(w.Args, wa)
	}
	for _, c := range pp.scan.proj {
		if w.Pushed != nil && w.Pushed.Kind != "topn" {
			break // an aggregate's output columns are not table columns
		}
		col := pp.t.rel.Columns[c]
		w.Cols = append(w.Cols, wireCol{Name: col.Name, OID: col.OID, Mod: col.TypMod})
	}
	return json.Marshal(w)
}

// DecodePartition rebuilds a partition on this node's own table (and so
// its own connection pool). The encoding must name this table, its
// columns must still match, and re-planning it here must give the same SQL
// and bind values; anything else is ErrInvalid.
func (t *Table) DecodePartition(_ context.Context, data []byte) (p catalog.Partition, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, errs.Invalidf("postgres table %s: malformed partition encoding", t.Name())
		}
	}()
	what := "postgres table " + t.Name()
	var w partitionWire
	if err := sqlpush.StrictUnmarshal(data, &w, what); err != nil {
		return nil, err
	}
	if err := sqlpush.CheckVersion(w.V, what); err != nil {
		return nil, err
	}
	spec, err := sqlpush.DecodeSpec(w.Pushed, what)
	if err != nil {
		return nil, err
	}
	if w.Schema != t.src.schema || w.Table != t.rel.Name {
		return nil, errs.Invalidf("postgres table %s: the partition reads %s.%s", t.Name(), w.Schema, w.Table)
	}
	if spec != nil && spec.Agg != nil {
		if len(w.Cols) != 0 || len(w.Filters) != 0 || w.Lo != -1 || w.Hi != -1 || w.Ranges != 0 {
			return nil, errs.Invalidf("postgres table %s: a pushed aggregate's partition has table columns, filters or a ctid range", t.Name())
		}
		return t.decodePushed(w, spec, nil, what)
	}
	if w.Proj == nil || len(w.Proj) != len(w.Cols) {
		return nil, errs.Invalidf("postgres table %s: partition columns do not match its projection", t.Name())
	}
	for i, p := range w.Proj {
		if p < 0 || p >= len(t.rel.Columns) {
			return nil, errs.Invalidf("postgres table %s: partition column index %d out of range", t.Name(), p)
		}
		c := t.rel.Columns[p]
		if c.Name != w.Cols[i].Name || c.OID != w.Cols[i].OID || c.TypMod != w.Cols[i].Mod {
			return nil, errs.Invalidf("postgres table %s: column %d is %s here but %s in the partition (the table changed)", t.Name(), p, c.Name, w.Cols[i].Name)
		}
	}
	req := catalog.ScanRequest{Projection: w.Proj, Limit: w.Limit}
	for _, raw := range w.Filters {
		f, err := sqlpush.DecodeExpr(raw, what)
		if err != nil {
			return nil, err
		}
		req.Filters = append(req.Filters, f)
	}
	if spec != nil {
		if w.Lo != -1 || w.Hi != -1 || w.Ranges != 0 {
			return nil, errs.Invalidf("postgres table %s: a pushed TopN's partition has a ctid range", t.Name())
		}
		return t.decodePushed(w, spec, req.Filters, what)
	}
	var ranges [][2]int64
	if w.Lo != -1 || w.Hi != -1 {
		if w.Lo < 0 || (w.Hi != -1 && w.Hi <= w.Lo) || w.Ranges < 2 {
			return nil, errs.Invalidf("postgres table %s: bad ctid range [%d, %d) in partition", t.Name(), w.Lo, w.Hi)
		}
		ranges = [][2]int64{{w.Lo, w.Hi}}
	}
	sc, err := t.plan(req, ranges, nil, nil)
	if err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "postgres table %s: cannot re-plan the partition", t.Name())
	}
	pp := sc.parts[0].(*partition)
	if err := t.sameQuery(pp, w); err != nil {
		return nil, err
	}
	sc.ranges = w.Ranges
	return pp, nil
}

// decodePushed re-pushes an encoded TopN or aggregate into this table
// (sqlpush.Spec.Replay) and checks that it plans the encoded query.
func (t *Table) decodePushed(w partitionWire, spec *sqlpush.Spec, filters []expr.Expr, what string) (catalog.Partition, error) {
	sc, err := spec.Replay(context.Background(), t, catalog.ScanRequest{Projection: w.Proj, Filters: filters, Limit: w.Limit}, what)
	if err != nil {
		return nil, err
	}
	s, ok := sc.(*Scan)
	if !ok || len(s.parts) != 1 {
		return nil, errs.Internalf("%s: a pushed-down scan planned %T", what, sc)
	}
	pp := s.parts[0].(*partition)
	if err := t.sameQuery(pp, w); err != nil {
		return nil, err
	}
	return pp, nil
}

// sameQuery checks that a re-planned partition sends exactly the encoded
// SQL and bind values.
func (t *Table) sameQuery(pp *partition, w partitionWire) error {
	if pp.sql != w.SQL {
		return errs.Invalidf("postgres table %s: the partition's SQL does not match its plan (forged, planned by another version, or the table changed): planned %s, now %s", t.Name(), w.SQL, pp.sql)
	}
	if len(pp.args) != len(w.Args) {
		return errs.Invalidf("postgres table %s: the partition's bind values do not match its plan", t.Name())
	}
	for i, a := range pp.args {
		wa, err := encodeArg(a)
		if err != nil || wa != w.Args[i] {
			return errs.Invalidf("postgres table %s: the partition's bind value $%d does not match its plan", t.Name(), i+1)
		}
	}
	return nil
}
