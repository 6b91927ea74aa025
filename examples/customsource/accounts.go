package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// accountsSchema is the table's schema: id BIGINT, name VARCHAR, balance
// DOUBLE.
var accountsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String},
	{Name: "balance", Type: arrow.PrimitiveTypes.Float64},
}, nil)

const (
	colID = iota
	colName
	colBalance
)

// bucketWidth is the balance range of one bucket: the coarse index that
// lets `balance > x` skip whole buckets.
const bucketWidth = 1000.0

type account struct {
	id      int64
	name    string
	balance float64
}

// bucket is a run of accounts whose balances fall in one bucketWidth range;
// maxBalance is what pruning compares against.
type bucket struct {
	rows       []account
	maxBalance float64
}

// Accounts is an in-process data source: a fixed set of accounts, indexed
// by id (for `id = x`, answered exactly by lookup) and bucketed by balance
// (for `balance > x`, answered inexactly by skipping buckets). Immutable
// after NewAccounts, so safe for concurrent use.
type Accounts struct {
	byID    map[int64]account
	buckets []bucket
	minID   int64
	maxID   int64
	total   int64
}

var (
	_ catalog.Table              = (*Accounts)(nil)
	_ catalog.FilterPushdowner   = (*Accounts)(nil)
	_ catalog.StatisticsProvider = (*Accounts)(nil)
)

// NewAccounts builds n deterministic accounts (ids 1..n).
func NewAccounts(n int) *Accounts {
	a := &Accounts{byID: make(map[int64]account, n), minID: 1, maxID: int64(n), total: int64(n)}
	byBucket := map[int][]account{}
	for i := 1; i <= n; i++ {
		acc := account{
			id:      int64(i),
			name:    fmt.Sprintf("customer-%03d", i%97),
			balance: math.Round(float64((i*7919)%10007)*100) / 100, // 0 .. 10006
		}
		a.byID[acc.id] = acc
		k := int(acc.balance / bucketWidth)
		byBucket[k] = append(byBucket[k], acc)
	}
	keys := make([]int, 0, len(byBucket))
	for k := range byBucket {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		b := bucket{rows: byBucket[k], maxBalance: math.Inf(-1)}
		for _, r := range b.rows {
			b.maxBalance = max(b.maxBalance, r.balance)
		}
		a.buckets = append(a.buckets, b)
	}
	return a
}

// Schema is id, name, balance.
func (a *Accounts) Schema() *arrow.Schema { return accountsSchema }

// pushdown is what the accepted filters of one scan ask for.
type pushdown struct {
	ids        []int64 // nil: any id; otherwise only these (an empty set: none)
	minBalance float64 // keep buckets whose max balance is above this
}

// plan is the one function that classifies a filter AND translates it into
// what Scan does, so the verdict and the behaviour cannot drift:
//   - `id = <integer literal>` (either side) is Exact: Scan looks the id up.
//   - `balance > <number>` (or `<number> < balance`) is Inexact: Scan skips
//     buckets whose largest balance is not above the number; the engine
//     re-checks the rows of the buckets it keeps.
//   - anything else is Unsupported (apply is nil).
func plan(f expr.Expr) (catalog.Verdict, func(*pushdown)) {
	b, ok := f.(*expr.Binary)
	if !ok {
		return catalog.FilterUnsupported, nil
	}
	col, lit, op := columnAndLiteral(b)
	if col == nil {
		return catalog.FilterUnsupported, nil
	}
	switch {
	case op == expr.OpEq && col.Index == colID && col.DataType.ID() == arrow.INT64:
		if lit.Value == nil { // id = NULL matches nothing
			return catalog.FilterExact, func(p *pushdown) { p.ids = []int64{} }
		}
		id, ok := lit.Value.(int64)
		if !ok {
			return catalog.FilterUnsupported, nil
		}
		return catalog.FilterExact, func(p *pushdown) {
			if p.ids == nil {
				p.ids = []int64{id}
			} else if slices.Contains(p.ids, id) {
				p.ids = []int64{id}
			} else {
				p.ids = []int64{}
			}
		}
	case op == expr.OpGt && col.Index == colBalance && col.DataType.ID() == arrow.FLOAT64:
		var x float64
		switch v := lit.Value.(type) {
		case float64:
			x = v
		case int64:
			x = float64(v)
		default:
			return catalog.FilterUnsupported, nil
		}
		return catalog.FilterInexact, func(p *pushdown) { p.minBalance = max(p.minBalance, x) }
	}
	return catalog.FilterUnsupported, nil
}

// columnAndLiteral matches `column op literal` or `literal op column`
// (flipping op so it reads column-first).
func columnAndLiteral(b *expr.Binary) (*expr.Column, *expr.Literal, expr.Op) {
	if c, ok := b.Left.(*expr.Column); ok {
		if l, ok := b.Right.(*expr.Literal); ok {
			return c, l, b.Op
		}
	}
	if c, ok := b.Right.(*expr.Column); ok {
		if l, ok := b.Left.(*expr.Literal); ok {
			flip := map[expr.Op]expr.Op{expr.OpEq: expr.OpEq, expr.OpLt: expr.OpGt, expr.OpGt: expr.OpLt}
			if op, ok := flip[b.Op]; ok {
				return c, l, op
			}
		}
	}
	return nil, nil, 0
}

// SupportsFilters reports plan's verdict for each filter.
func (a *Accounts) SupportsFilters(filters []expr.Expr) ([]catalog.Verdict, error) {
	out := make([]catalog.Verdict, len(filters))
	for i, f := range filters {
		out[i], _ = plan(f)
	}
	return out, nil
}

// Statistics: the row count and id range are exact.
func (a *Accounts) Statistics(context.Context) (catalog.Statistics, error) {
	cols := make([]catalog.ColumnStatistics, 3)
	cols[colID] = catalog.ColumnStatistics{
		NullCount: catalog.Count{Value: 0, Precision: catalog.Exact},
		Min:       catalog.Bound{Value: a.minID, Precision: catalog.Exact},
		Max:       catalog.Bound{Value: a.maxID, Precision: catalog.Exact},
	}
	return catalog.Statistics{NumRows: catalog.Count{Value: a.total, Precision: catalog.Exact}, Columns: cols}, nil
}

// Scan applies the pushed filters' translations; it does no I/O (the data
// is in memory, but nothing is built until Open).
func (a *Accounts) Scan(_ context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	pd := pushdown{minBalance: math.Inf(-1)}
	for _, f := range req.Filters {
		v, apply := plan(f)
		if v == catalog.FilterUnsupported {
			return nil, errs.Invalidf("accounts: filter %s was not accepted", f)
		}
		apply(&pd)
	}
	proj := req.Projection
	if proj == nil {
		proj = []int{colID, colName, colBalance}
	}
	fields := make([]arrow.Field, len(proj))
	for i, c := range proj {
		if c < 0 || c > colBalance {
			return nil, errs.Invalidf("accounts: projection column %d out of range", c)
		}
		fields[i] = accountsSchema.Field(c)
	}
	s := &accountsScan{schema: arrow.NewSchema(fields, nil), proj: proj, limit: req.Limit}
	if pd.ids != nil {
		// Exact lookup: one partition holding the matching accounts.
		var rows []account
		for _, id := range pd.ids {
			if acc, ok := a.byID[id]; ok && acc.balance > pd.minBalance {
				rows = append(rows, acc)
			}
		}
		if len(rows) > 0 {
			s.parts = append(s.parts, &accountsPartition{scan: s, rows: rows})
		}
		return s, nil
	}
	for _, b := range a.buckets {
		if b.maxBalance > pd.minBalance { // else no row can pass: prune
			s.parts = append(s.parts, &accountsPartition{scan: s, rows: b.rows})
		}
	}
	return s, nil
}

type accountsScan struct {
	schema *arrow.Schema
	proj   []int
	limit  int64
	parts  []catalog.Partition
}

func (s *accountsScan) Schema() *arrow.Schema           { return s.schema }
func (s *accountsScan) Partitions() []catalog.Partition { return s.parts }

type accountsPartition struct {
	scan *accountsScan
	rows []account
}

// Open builds the partition's rows into one batch with typed builders.
func (p *accountsPartition) Open(ctx context.Context, mem memory.Allocator) (array.RecordReader, error) {
	if err := ctx.Err(); err != nil {
		return nil, errs.Wrap(errs.ErrUnavailable, err, "accounts: opening a partition")
	}
	rows := p.rows
	if l := p.scan.limit; l >= 0 && int64(len(rows)) > l {
		rows = rows[:l]
	}
	b := array.NewRecordBuilder(mem, p.scan.schema)
	defer b.Release()
	for j, c := range p.scan.proj {
		switch c {
		case colID:
			fb := b.Field(j).(*array.Int64Builder)
			for _, r := range rows {
				fb.Append(r.id)
			}
		case colName:
			fb := b.Field(j).(*array.StringBuilder)
			for _, r := range rows {
				fb.Append(r.name)
			}
		case colBalance:
			fb := b.Field(j).(*array.Float64Builder)
			for _, r := range rows {
				fb.Append(r.balance)
			}
		}
	}
	var batch arrow.RecordBatch
	if len(p.scan.proj) == 0 {
		batch = array.NewRecordBatch(p.scan.schema, nil, int64(len(rows)))
	} else {
		batch = b.NewRecordBatch()
	}
	defer batch.Release()
	return array.NewRecordReader(p.scan.schema, []arrow.RecordBatch{batch})
}

// Factory is the accounts provider: `tables: {accounts: {provider:
// accounts, options: {count: 1000}}}`.
func Factory() catalog.Factory {
	return catalog.Factory{Table: func(_ context.Context, opts catalog.ProviderOptions) (catalog.Table, error) {
		n := 1000
		for k, v := range opts.Values {
			switch k {
			case "count":
				c, ok := v.(int)
				if !ok || c <= 0 || c > 10_000_000 {
					return nil, errs.Invalidf("%s.count: want a positive integer up to 10,000,000, got %v", opts.Path, v)
				}
				n = c
			default:
				return nil, errs.Invalidf("%s.%s: unknown option (the accounts provider takes count)", opts.Path, k)
			}
		}
		return NewAccounts(n), nil
	}}
}
