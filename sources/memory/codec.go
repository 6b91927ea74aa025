package memory

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal"
)

// codecVersion is the partition encoding's version; DecodePartition rejects
// any other.
const codecVersion = 1

// encodedPartition is a partition as metadata: the batch range, the scan's
// projection, filters and limit, and the table's schema (so a node whose
// table differs refuses the fragment instead of reading the wrong columns).
type encodedPartition struct {
	V       int               `json:"v"`
	Schema  string            `json:"schema"`
	Lo      int               `json:"lo"`
	Hi      int               `json:"hi"`
	Proj    []int             `json:"proj"`
	Filters []json.RawMessage `json:"filters,omitempty"`
	Limit   int64             `json:"limit"`
}

// EncodePartition encodes a partition of a Scan of this table (or of a table
// with the same schema) as JSON metadata.
func (t *Table) EncodePartition(p catalog.Partition) ([]byte, error) {
	mp, ok := p.(*partition)
	if !ok {
		return nil, errs.Invalidf("%s: cannot encode a %T partition (not from a memory table)", t.name, p)
	}
	s := mp.scan
	enc := encodedPartition{
		V: codecVersion, Schema: s.table.schema.String(),
		Lo: mp.lo, Hi: mp.hi, Proj: s.proj.Columns, Limit: s.limit,
	}
	for _, f := range s.filters {
		raw, err := internal.EncodeExpr(f)
		if err != nil {
			return nil, fmt.Errorf("%s: encoding pushed filter: %w", t.name, err)
		}
		enc.Filters = append(enc.Filters, raw)
	}
	return json.Marshal(enc)
}

// DecodePartition rebuilds a partition against this table's current
// contents. Malformed data, a different schema or a batch range this table
// does not have are errs.ErrInvalid errors.
func (t *Table) DecodePartition(ctx context.Context, data []byte) (catalog.Partition, error) {
	var enc encodedPartition
	if err := json.Unmarshal(data, &enc); err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "%s: malformed encoded partition", t.name)
	}
	if enc.V != codecVersion {
		return nil, errs.Invalidf("%s: encoded partition version %d, this node reads version %d", t.name, enc.V, codecVersion)
	}
	if enc.Schema != t.schema.String() {
		return nil, errs.Invalidf("%s: encoded partition is for schema %s, this node's table has %s", t.name, enc.Schema, t.schema)
	}
	filters := make([]expr.Expr, len(enc.Filters))
	for i, raw := range enc.Filters {
		f, err := internal.DecodeExpr(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: encoded partition filter %d: %w", t.name, i, err)
		}
		filters[i] = f
	}
	if enc.Proj == nil {
		enc.Proj = []int{}
	}
	sc, err := t.Scan(ctx, catalog.ScanRequest{Projection: enc.Proj, Filters: filters, Limit: enc.Limit})
	if err != nil {
		return nil, err
	}
	s := sc.(*scan)
	if enc.Lo < 0 || enc.Hi <= enc.Lo || enc.Hi > len(s.snap.batches) {
		return nil, errs.Invalidf("%s: encoded partition covers batches [%d,%d), this node's table has %d", t.name, enc.Lo, enc.Hi, len(s.snap.batches))
	}
	if enc.Limit < -1 {
		return nil, errs.Invalidf("%s: encoded partition has limit %d", t.name, enc.Limit)
	}
	return &partition{scan: s, lo: enc.Lo, hi: enc.Hi}, nil
}
