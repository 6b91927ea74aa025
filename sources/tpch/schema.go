package tpch

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

// Option names accepted in a tpch schema's `options:`.
const (
	// OptScale is the TPC-H scale factor: a positive number, default 0.01
	// (lineitem ≈ 60,000 rows; 1 gives ≈ 6 million).
	OptScale = "scale"
	// OptPartitionRows is the target number of rows per partition (default
	// 65536); smaller values give more, smaller partitions.
	OptPartitionRows = "partition_rows"
)

// Defaults and bounds of the options.
const (
	DefaultScale         = 0.01
	DefaultPartitionRows = 65536
	// MaxScale bounds the scale so keys and counts stay far from overflow.
	MaxScale = 10000
)

// Factory returns the provider factory for `provider: tpch` schema entries:
// a schema holding the eight TPC-H tables at the configured scale.
func Factory() catalog.Factory {
	return catalog.Factory{Schema: func(ctx context.Context, opts catalog.ProviderOptions) (catalog.Schema, error) {
		return newSchemaFromOptions(opts)
	}}
}

func newSchemaFromOptions(opts catalog.ProviderOptions) (*Schema, error) {
	scale, partRows := DefaultScale, int64(DefaultPartitionRows)
	for k, v := range opts.Values {
		switch k {
		case OptScale:
			f, ok := number(v)
			if !ok || !(f > 0) || math.IsInf(f, 0) || f > MaxScale {
				return nil, errs.Invalidf("%s.%s: must be a positive number up to %d (e.g. 0.01 or 1), got %v", opts.Path, OptScale, MaxScale, v)
			}
			scale = f
		case OptPartitionRows:
			f, ok := number(v)
			if !ok || f < 1 || f != math.Trunc(f) || f > math.MaxInt32 {
				return nil, errs.Invalidf("%s.%s: must be a positive integer, got %v", opts.Path, OptPartitionRows, v)
			}
			partRows = int64(f)
		default:
			return nil, errs.Invalidf("%s.%s: unknown option for the tpch provider (known: %s, %s)", opts.Path, k, OptScale, OptPartitionRows)
		}
	}
	return NewSchema(scale, partRows)
}

// number accepts the numeric shapes a config loader produces.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		return f, err == nil
	}
	return 0, false
}

// Schema is the TPC-H schema at one scale. Immutable; safe for concurrent use.
type Schema struct {
	sizes  sizes
	tables map[string]*Table
}

var _ catalog.Schema = (*Schema)(nil)

// NewSchema returns the eight TPC-H tables at the given scale factor, with
// partitions of about partitionRows rows. ErrInvalid for a bad argument.
func NewSchema(scale float64, partitionRows int64) (*Schema, error) {
	if !(scale > 0) || scale > MaxScale || math.IsInf(scale, 0) {
		return nil, errs.Invalidf("tpch: scale must be a positive number up to %d, got %v", MaxScale, scale)
	}
	if partitionRows < 1 {
		return nil, errs.Invalidf("tpch: partition rows must be positive, got %d", partitionRows)
	}
	sz := newSizes(scale)
	s := &Schema{sizes: sz, tables: make(map[string]*Table, len(tableDefs))}
	lineCount := &lineCounter{orders: sz.orders}
	for id := range tableDefs {
		s.tables[tableDefs[id].name] = &Table{def: &tableDefs[id], id: tableID(id), sizes: sz, partitionRows: partitionRows, lines: lineCount}
	}
	return s, nil
}

// TableNames lists the eight tables, sorted.
func (s *Schema) TableNames(context.Context) ([]string, error) {
	out := make([]string, 0, len(s.tables))
	for n := range s.tables {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// Table returns a table by name (case-insensitive), or ErrNotFound.
func (s *Schema) Table(_ context.Context, name string) (catalog.Table, error) {
	if t, ok := s.tables[strings.ToLower(name)]; ok {
		return t, nil
	}
	return nil, errs.NotFoundf("unknown table %s (tpch has customer, lineitem, nation, orders, part, partsupp, region, supplier)", name)
}

// Scale is the schema's scale factor.
func (s *Schema) Scale() float64 { return s.sizes.scale }

// sizes are the row (key) counts at a scale factor.
type sizes struct {
	scale                                     float64
	suppliers, customers, parts, orders, clrk int64
}

func newSizes(scale float64) sizes {
	n := func(base float64) int64 { return max(1, int64(math.Round(base*scale))) }
	return sizes{
		scale:     scale,
		suppliers: n(10_000),
		customers: n(150_000),
		parts:     n(200_000),
		orders:    n(1_500_000),
		clrk:      n(1_000),
	}
}

// tableID names the tables; their generators switch on it.
type tableID int

const (
	tRegion tableID = iota
	tNation
	tSupplier
	tCustomer
	tPart
	tPartsupp
	tOrders
	tLineitem
)

// tableDef is a table's fixed shape. Column 0 is the key column.
type tableDef struct {
	name   string
	schema *arrow.Schema
	// rowsPerKey is the (average) number of rows per key value: 1, except
	// partsupp (4) and lineitem (1 to 7, 4 on average).
	rowsPerKey int64
	// uniqueKey: the key column alone identifies a row.
	uniqueKey bool
}

var (
	tBigint = arrow.PrimitiveTypes.Int64
	tInt    = arrow.PrimitiveTypes.Int32
	tMoney  = &arrow.Decimal128Type{Precision: 15, Scale: 2}
	tDate   = arrow.FixedWidthTypes.Date32
	tString = arrow.BinaryTypes.String
)

func schemaOf(cols ...any) *arrow.Schema {
	fields := make([]arrow.Field, 0, len(cols)/2)
	for i := 0; i < len(cols); i += 2 {
		fields = append(fields, arrow.Field{Name: cols[i].(string), Type: cols[i+1].(arrow.DataType)})
	}
	return arrow.NewSchema(fields, nil)
}

// Column indexes, per table, in schema order.
const (
	rRegionkey = iota
	rName
	rComment
)

const (
	nNationkey = iota
	nName
	nRegionkey
	nComment
)

const (
	sSuppkey = iota
	sName
	sAddress
	sNationkey
	sPhone
	sAcctbal
	sComment
)

const (
	cCustkey = iota
	cName
	cAddress
	cNationkey
	cPhone
	cAcctbal
	cMktsegment
	cComment
)

const (
	pPartkey = iota
	pName
	pMfgr
	pBrand
	pType
	pSize
	pContainer
	pRetailprice
	pComment
)

const (
	psPartkey = iota
	psSuppkey
	psAvailqty
	psSupplycost
	psComment
)

const (
	oOrderkey = iota
	oCustkey
	oOrderstatus
	oTotalprice
	oOrderdate
	oOrderpriority
	oClerk
	oShippriority
	oComment
)

const (
	lOrderkey = iota
	lPartkey
	lSuppkey
	lLinenumber
	lQuantity
	lExtendedprice
	lDiscount
	lTax
	lReturnflag
	lLinestatus
	lShipdate
	lCommitdate
	lReceiptdate
	lShipinstruct
	lShipmode
	lComment
)

var tableDefs = [...]tableDef{
	tRegion: {name: "region", rowsPerKey: 1, uniqueKey: true, schema: schemaOf(
		"r_regionkey", tBigint, "r_name", tString, "r_comment", tString)},
	tNation: {name: "nation", rowsPerKey: 1, uniqueKey: true, schema: schemaOf(
		"n_nationkey", tBigint, "n_name", tString, "n_regionkey", tBigint, "n_comment", tString)},
	tSupplier: {name: "supplier", rowsPerKey: 1, uniqueKey: true, schema: schemaOf(
		"s_suppkey", tBigint, "s_name", tString, "s_address", tString, "s_nationkey", tBigint,
		"s_phone", tString, "s_acctbal", tMoney, "s_comment", tString)},
	tCustomer: {name: "customer", rowsPerKey: 1, uniqueKey: true, schema: schemaOf(
		"c_custkey", tBigint, "c_name", tString, "c_address", tString, "c_nationkey", tBigint,
		"c_phone", tString, "c_acctbal", tMoney, "c_mktsegment", tString, "c_comment", tString)},
	tPart: {name: "part", rowsPerKey: 1, uniqueKey: true, schema: schemaOf(
		"p_partkey", tBigint, "p_name", tString, "p_mfgr", tString, "p_brand", tString, "p_type", tString,
		"p_size", tInt, "p_container", tString, "p_retailprice", tMoney, "p_comment", tString)},
	tPartsupp: {name: "partsupp", rowsPerKey: 4, schema: schemaOf(
		"ps_partkey", tBigint, "ps_suppkey", tBigint, "ps_availqty", tInt, "ps_supplycost", tMoney, "ps_comment", tString)},
	tOrders: {name: "orders", rowsPerKey: 1, uniqueKey: true, schema: schemaOf(
		"o_orderkey", tBigint, "o_custkey", tBigint, "o_orderstatus", tString, "o_totalprice", tMoney,
		"o_orderdate", tDate, "o_orderpriority", tString, "o_clerk", tString, "o_shippriority", tInt, "o_comment", tString)},
	tLineitem: {name: "lineitem", rowsPerKey: 4, schema: schemaOf(
		"l_orderkey", tBigint, "l_partkey", tBigint, "l_suppkey", tBigint, "l_linenumber", tInt,
		"l_quantity", tMoney, "l_extendedprice", tMoney, "l_discount", tMoney, "l_tax", tMoney,
		"l_returnflag", tString, "l_linestatus", tString, "l_shipdate", tDate, "l_commitdate", tDate,
		"l_receiptdate", tDate, "l_shipinstruct", tString, "l_shipmode", tString, "l_comment", tString)},
}

// keyBounds is the table's key range [lo, hi].
func (t *Table) keyBounds() (lo, hi int64) {
	switch t.id {
	case tRegion:
		return 0, int64(len(regions)) - 1
	case tNation:
		return 0, int64(len(nations)) - 1
	case tSupplier:
		return 1, t.sizes.suppliers
	case tCustomer:
		return 1, t.sizes.customers
	case tPart, tPartsupp:
		return 1, t.sizes.parts
	default: // orders, lineitem
		return 1, t.sizes.orders
	}
}

// lineCounter counts lineitem rows (the sum of every order's line count),
// once, on first use; it is cheap hashing, no generation.
type lineCounter struct {
	orders int64
	once   sync.Once
	total  int64
}

// maxExactLineCount bounds the orders counted exactly; beyond it the count
// is the Inexact estimate 4 per order (the mean).
const maxExactLineCount = 200_000_000

func (c *lineCounter) count() (int64, bool) {
	if c.orders > maxExactLineCount {
		return 4 * c.orders, false
	}
	c.once.Do(func() {
		var n int64
		for k := int64(1); k <= c.orders; k++ {
			n += lineCount(k)
		}
		c.total = n
	})
	return c.total, true
}

func (t *Table) String() string { return fmt.Sprintf("tpch(sf=%g).%s", t.sizes.scale, t.def.name) }
