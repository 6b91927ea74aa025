package tpch

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Generation model. Every row is a pure function of (table, key): its
// numeric fields come from a PCG stream seeded by the key, each text column
// from its own stream seeded by (column, key). So any key range can be
// generated on its own, on any node, identically, and skipping a column that
// is not projected changes nothing else. Orders and lineitem share one
// stream per order key, so an order's total price and status agree with
// its lines.

// Fixed TPC-H dates (days since the Unix epoch).
var (
	startDate   = days(1992, 1, 1)
	currentDate = days(1995, 6, 17)
	endDate     = days(1998, 12, 31)
	// lastOrderDate leaves room for the lines' ship and receipt dates.
	lastOrderDate = endDate - 151
)

func days(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// Stream seeds, one per table (text columns add the column index).
const (
	seedRegion   = 0x5eed_0001
	seedNation   = 0x5eed_0002
	seedSupplier = 0x5eed_0003
	seedCustomer = 0x5eed_0004
	seedPart     = 0x5eed_0005
	seedPartsupp = 0x5eed_0006
	seedOrder    = 0x5eed_0007 // shared by orders and lineitem
	seedLineText = 0x5eed_0008
	seedLines    = 0x5eed_0009 // line counts
	textSalt     = 0x7e47_0000
)

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// lineCount is the number of lines (1..7) of order key k.
func lineCount(k int64) int64 { return 1 + int64(splitmix(seedLines^uint64(k))%7) }

// retailCents is dbgen's part retail price formula, in cents.
func retailCents(partkey int64) int64 {
	return 90000 + (partkey/10)%20001 + 100*(partkey%1000)
}

// partSupplier is the i-th (0..3) supplier of a part: dbgen's bridge
// without its drift term, which repeats suppliers at small scales. The four
// are distinct whenever there are at least 4 suppliers (scale >= 0.0004).
func partSupplier(partkey, i, suppliers int64) int64 {
	return (partkey+i*max(1, suppliers/4))%suppliers + 1
}

// colSink holds the typed builder of one projected column (nil when the
// column is not produced).
type colSink struct {
	i64  *array.Int64Builder
	i32  *array.Int32Builder
	str  *array.StringBuilder
	dec  *array.Decimal128Builder
	date *array.Date32Builder
}

// gen generates rows of one table into typed builders. Not goroutine-safe;
// one per reader.
type gen struct {
	t    *Table
	sink []colSink // per table column
	rng  rand.PCG  // the row's numeric stream
	txt  rand.PCG  // the current text column's stream
	buf  []byte
	// the current order's header and lines (orders and lineitem)
	order orderFields
	lines [7]line
}

type line struct {
	partkey, suppkey, qty, disc, tax int64
	ship, commit, receipt            int64
	rflag, instr, mode               int64
}

func (g *gen) seed(tableSeed uint64, key int64) {
	g.rng.Seed(splitmix(tableSeed), splitmix(uint64(key)))
}

// uniform draws from [lo, hi].
func (g *gen) uniform(lo, hi int64) int64 {
	return lo + int64(g.rng.Uint64()%uint64(hi-lo+1))
}

func (g *gen) need(c int) bool {
	s := &g.sink[c]
	return s.i64 != nil || s.i32 != nil || s.str != nil || s.dec != nil || s.date != nil
}

func (g *gen) putI64(c int, v int64) {
	if b := g.sink[c].i64; b != nil {
		b.Append(v)
	}
}

func (g *gen) putI32(c int, v int64) {
	if b := g.sink[c].i32; b != nil {
		b.Append(int32(v))
	}
}

func (g *gen) putCents(c int, v int64) {
	if b := g.sink[c].dec; b != nil {
		b.Append(decimal128.FromI64(v))
	}
}

func (g *gen) putDate(c int, d int64) {
	if b := g.sink[c].date; b != nil {
		b.Append(arrow.Date32(d))
	}
}

func (g *gen) putStr(c int, s string) {
	if b := g.sink[c].str; b != nil {
		b.Append(s)
	}
}

func (g *gen) putBytes(c int, s []byte) {
	if b := g.sink[c].str; b != nil {
		b.BinaryBuilder.Append(s)
	}
}

// putNumbered appends e.g. "Supplier#000000042".
func (g *gen) putNumbered(c int, prefix string, n int64) {
	if !g.need(c) {
		return
	}
	g.buf = append(g.buf[:0], prefix...)
	g.buf = appendPadded(g.buf, n, 9)
	g.putBytes(c, g.buf)
}

func appendPadded(b []byte, n int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], n, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// putText appends a pseudo-text of minLen..maxLen bytes drawn from the
// column's own stream for this key.
func (g *gen) putText(c int, tableSeed uint64, key int64, minLen, maxLen int) {
	if !g.need(c) {
		return
	}
	g.txt.Seed(splitmix(tableSeed^textSalt^uint64(c)<<40), splitmix(uint64(key)))
	n := minLen + int(g.txt.Uint64()%uint64(maxLen-minLen+1))
	g.buf = g.buf[:0]
	for len(g.buf) < n {
		if len(g.buf) > 0 {
			g.buf = append(g.buf, ' ')
		}
		g.buf = append(g.buf, textWords[g.txt.Uint64()%uint64(len(textWords))]...)
	}
	g.buf = g.buf[:n]
	g.putBytes(c, g.buf)
}

// putAddress appends a random alphanumeric address of 10..40 characters.
func (g *gen) putAddress(c int, tableSeed uint64, key int64) {
	if !g.need(c) {
		return
	}
	g.txt.Seed(splitmix(tableSeed^textSalt^uint64(c)<<40), splitmix(uint64(key)))
	n := 10 + int(g.txt.Uint64()%31)
	g.buf = g.buf[:0]
	for i := 0; i < n; i++ {
		g.buf = append(g.buf, addressChars[g.txt.Uint64()%uint64(len(addressChars))])
	}
	g.putBytes(c, g.buf)
}

// phone renders dbgen's phone shape CC-DDD-DDD-DDDD (CC = nation + 10),
// drawing from the numeric stream whether or not the column is produced.
func (g *gen) putPhone(c int, nation int64) {
	a, b, d := g.uniform(100, 999), g.uniform(100, 999), g.uniform(1000, 9999)
	if !g.need(c) {
		return
	}
	g.buf = strconv.AppendInt(g.buf[:0], nation+10, 10)
	g.buf = append(g.buf, '-')
	g.buf = strconv.AppendInt(g.buf, a, 10)
	g.buf = append(g.buf, '-')
	g.buf = strconv.AppendInt(g.buf, b, 10)
	g.buf = append(g.buf, '-')
	g.buf = strconv.AppendInt(g.buf, d, 10)
	g.putBytes(c, g.buf)
}

// genKey appends every row of key k and returns how many it appended.
func (g *gen) genKey(k int64) int64 {
	sz := &g.t.sizes
	switch g.t.id {
	case tRegion:
		g.putI64(rRegionkey, k)
		g.putStr(rName, regions[k])
		g.putText(rComment, seedRegion, k, 31, 115)
		return 1
	case tNation:
		g.putI64(nNationkey, k)
		g.putStr(nName, nations[k].name)
		g.putI64(nRegionkey, nations[k].region)
		g.putText(nComment, seedNation, k, 31, 114)
		return 1
	case tSupplier:
		g.seed(seedSupplier, k)
		nation := g.uniform(0, int64(len(nations))-1)
		g.putI64(sSuppkey, k)
		g.putNumbered(sName, "Supplier#", k)
		g.putAddress(sAddress, seedSupplier, k)
		g.putI64(sNationkey, nation)
		g.putPhone(sPhone, nation)
		g.putCents(sAcctbal, g.uniform(-99999, 999999))
		complaint := g.uniform(0, 199) // dbgen plants "Customer ... Complaints/Recommends" in a few
		if g.need(sComment) {
			if complaint < 2 {
				g.putSupplierRemark(k, complaint == 0)
			} else {
				g.putText(sComment, seedSupplier, k, 25, 100)
			}
		}
		return 1
	case tCustomer:
		g.seed(seedCustomer, k)
		nation := g.uniform(0, int64(len(nations))-1)
		g.putI64(cCustkey, k)
		g.putNumbered(cName, "Customer#", k)
		g.putAddress(cAddress, seedCustomer, k)
		g.putI64(cNationkey, nation)
		g.putPhone(cPhone, nation)
		g.putCents(cAcctbal, g.uniform(-99999, 999999))
		g.putStr(cMktsegment, segments[g.uniform(0, int64(len(segments))-1)])
		g.putText(cComment, seedCustomer, k, 29, 116)
		return 1
	case tPart:
		g.seed(seedPart, k)
		m, n := g.uniform(1, 5), g.uniform(1, 5)
		t1, t2, t3 := g.uniform(0, 5), g.uniform(0, 4), g.uniform(0, 4)
		size := g.uniform(1, 50)
		c1, c2 := g.uniform(0, 4), g.uniform(0, 7)
		g.putI64(pPartkey, k)
		g.putPartName(k)
		if g.need(pMfgr) {
			g.buf = append(append(g.buf[:0], "Manufacturer#"...), byte('0'+m))
			g.putBytes(pMfgr, g.buf)
		}
		if g.need(pBrand) {
			g.buf = append(append(g.buf[:0], "Brand#"...), byte('0'+m), byte('0'+n))
			g.putBytes(pBrand, g.buf)
		}
		if g.need(pType) {
			g.buf = append(append(append(append(append(g.buf[:0], typeSyl1[t1]...), ' '), typeSyl2[t2]...), ' '), typeSyl3[t3]...)
			g.putBytes(pType, g.buf)
		}
		g.putI32(pSize, size)
		if g.need(pContainer) {
			g.buf = append(append(append(g.buf[:0], containerSyl1[c1]...), ' '), containerSyl2[c2]...)
			g.putBytes(pContainer, g.buf)
		}
		g.putCents(pRetailprice, retailCents(k))
		g.putText(pComment, seedPart, k, 5, 22)
		return 1
	case tPartsupp:
		for i := int64(0); i < 4; i++ {
			row := k*4 + i
			g.seed(seedPartsupp, row)
			g.putI64(psPartkey, k)
			g.putI64(psSuppkey, partSupplier(k, i, sz.suppliers))
			g.putI32(psAvailqty, g.uniform(1, 9999))
			g.putCents(psSupplycost, g.uniform(100, 100000))
			g.putText(psComment, seedPartsupp, row, 49, 198)
		}
		return 4
	case tOrders:
		n := g.genOrder(k)
		g.putI64(oOrderkey, k)
		g.putI64(oCustkey, g.order.custkey)
		if g.need(oOrderstatus) || g.need(oTotalprice) {
			var total int64
			nf, no := 0, 0
			for _, l := range g.lines[:n] {
				ext := l.qty * retailCents(l.partkey)
				total += (ext*(100-l.disc)*(100+l.tax) + 5000) / 10000
				if l.ship > currentDate {
					no++
				} else {
					nf++
				}
			}
			status := "P"
			switch {
			case no == 0:
				status = "F"
			case nf == 0:
				status = "O"
			}
			g.putStr(oOrderstatus, status)
			g.putCents(oTotalprice, total)
		}
		g.putDate(oOrderdate, g.order.date)
		g.putStr(oOrderpriority, priorities[g.order.priority])
		g.putNumbered(oClerk, "Clerk#", g.order.clerk)
		g.putI32(oShippriority, 0)
		g.putText(oComment, seedOrder, k, 19, 78)
		return 1
	default: // tLineitem
		n := g.genOrder(k)
		for i, l := range g.lines[:n] {
			g.putI64(lOrderkey, k)
			g.putI64(lPartkey, l.partkey)
			g.putI64(lSuppkey, l.suppkey)
			g.putI32(lLinenumber, int64(i+1))
			g.putCents(lQuantity, l.qty*100)
			g.putCents(lExtendedprice, l.qty*retailCents(l.partkey))
			g.putCents(lDiscount, l.disc)
			g.putCents(lTax, l.tax)
			switch {
			case l.receipt > currentDate:
				g.putStr(lReturnflag, "N")
			case l.rflag == 0:
				g.putStr(lReturnflag, "R")
			default:
				g.putStr(lReturnflag, "A")
			}
			if l.ship > currentDate {
				g.putStr(lLinestatus, "O")
			} else {
				g.putStr(lLinestatus, "F")
			}
			g.putDate(lShipdate, l.ship)
			g.putDate(lCommitdate, l.commit)
			g.putDate(lReceiptdate, l.receipt)
			g.putStr(lShipinstruct, instructions[l.instr])
			g.putStr(lShipmode, modes[l.mode])
			g.putText(lComment, seedLineText, k*8+int64(i), 10, 43)
		}
		return n
	}
}

// orderFields are an order's header fields (see genOrder).
type orderFields struct {
	custkey, date, priority, clerk int64
}

// genOrder draws order k's header into g.order and its lines into g.lines,
// returning the line count. Orders and lineitem both call it.
func (g *gen) genOrder(k int64) int64 {
	sz := &g.t.sizes
	n := lineCount(k)
	g.seed(seedOrder, k)
	cust := g.uniform(1, sz.customers)
	if sz.customers >= 3 && cust%3 == 0 { // as in dbgen, every third customer never orders
		cust--
	}
	g.order = orderFields{
		custkey:  cust,
		date:     g.uniform(startDate, lastOrderDate),
		priority: g.uniform(0, int64(len(priorities))-1),
		clerk:    g.uniform(1, sz.clrk),
	}
	for i := int64(0); i < n; i++ {
		l := &g.lines[i]
		l.partkey = g.uniform(1, sz.parts)
		l.suppkey = partSupplier(l.partkey, g.uniform(0, 3), sz.suppliers)
		l.qty = g.uniform(1, 50)
		l.disc = g.uniform(0, 10)
		l.tax = g.uniform(0, 8)
		l.ship = g.order.date + g.uniform(1, 121)
		l.commit = g.order.date + g.uniform(30, 90)
		l.receipt = l.ship + g.uniform(1, 30)
		l.rflag = g.uniform(0, 1)
		l.instr = g.uniform(0, int64(len(instructions))-1)
		l.mode = g.uniform(0, int64(len(modes))-1)
	}
	return n
}

// putPartName appends five distinct colour words (dbgen's p_name).
func (g *gen) putPartName(k int64) {
	if !g.need(pName) {
		return
	}
	g.txt.Seed(splitmix(seedPart^textSalt^uint64(pName)<<40), splitmix(uint64(k)))
	var picked [5]uint64
	g.buf = g.buf[:0]
	for i := 0; i < 5; i++ {
	again:
		w := g.txt.Uint64() % uint64(len(colors))
		for _, p := range picked[:i] {
			if p == w {
				goto again
			}
		}
		picked[i] = w
		if i > 0 {
			g.buf = append(g.buf, ' ')
		}
		g.buf = append(g.buf, colors[w]...)
	}
	g.putBytes(pName, g.buf)
}

// putSupplierRemark appends dbgen's planted "Customer ... Complaints" (or
// "... Recommends") supplier comment.
func (g *gen) putSupplierRemark(k int64, complaint bool) {
	g.txt.Seed(splitmix(seedSupplier^textSalt^uint64(sComment)<<40), splitmix(uint64(k)))
	g.buf = append(g.buf[:0], textWords[g.txt.Uint64()%uint64(len(textWords))]...)
	g.buf = append(g.buf, " Customer "...)
	g.buf = append(g.buf, textWords[g.txt.Uint64()%uint64(len(textWords))]...)
	if complaint {
		g.buf = append(g.buf, " Complaints"...)
	} else {
		g.buf = append(g.buf, " Recommends"...)
	}
	g.putBytes(sComment, g.buf)
}

var regions = []string{"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"}

var nations = []struct {
	name   string
	region int64
}{
	{"ALGERIA", 0}, {"ARGENTINA", 1}, {"BRAZIL", 1}, {"CANADA", 1}, {"EGYPT", 4},
	{"ETHIOPIA", 0}, {"FRANCE", 3}, {"GERMANY", 3}, {"INDIA", 2}, {"INDONESIA", 2},
	{"IRAN", 4}, {"IRAQ", 4}, {"JAPAN", 2}, {"JORDAN", 4}, {"KENYA", 0},
	{"MOROCCO", 0}, {"MOZAMBIQUE", 0}, {"PERU", 1}, {"CHINA", 2}, {"ROMANIA", 3},
	{"SAUDI ARABIA", 4}, {"VIETNAM", 2}, {"RUSSIA", 3}, {"UNITED KINGDOM", 3}, {"UNITED STATES", 1},
}

var (
	segments      = []string{"AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD"}
	priorities    = []string{"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"}
	instructions  = []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	modes         = []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
	typeSyl1      = []string{"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"}
	typeSyl2      = []string{"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"}
	typeSyl3      = []string{"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"}
	containerSyl1 = []string{"SM", "LG", "MED", "JUMBO", "WRAP"}
	containerSyl2 = []string{"CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"}
	addressChars  = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,"
)

var colors = []string{
	"almond", "antique", "aquamarine", "azure", "beige", "bisque", "black", "blanched", "blue",
	"blush", "brown", "burlywood", "burnished", "chartreuse", "chiffon", "chocolate", "coral",
	"cornflower", "cornsilk", "cream", "cyan", "dark", "deep", "dim", "dodger", "drab", "firebrick",
	"floral", "forest", "frosted", "gainsboro", "ghost", "goldenrod", "green", "grey", "honeydew",
	"hot", "indian", "ivory", "khaki", "lace", "lavender", "lawn", "lemon", "light", "lime", "linen",
	"magenta", "maroon", "medium", "metallic", "midnight", "mint", "misty", "moccasin", "navajo",
	"navy", "olive", "orange", "orchid", "pale", "papaya", "peach", "peru", "pink", "plum", "powder",
	"puff", "purple", "red", "rose", "rosy", "royal", "saddle", "salmon", "sandy", "seashell",
	"sienna", "sky", "slate", "smoke", "snow", "spring", "steel", "tan", "thistle", "tomato",
	"turquoise", "violet", "wheat", "white", "yellow",
}

// textWords is the vocabulary of comments (dbgen's grammar words).
var textWords = []string{
	"foxes", "ideas", "theodolites", "pinto", "beans", "instructions", "dependencies", "excuses",
	"platelets", "asymptotes", "courts", "dolphins", "multipliers", "sauternes", "warthogs", "frets",
	"dinos", "attainments", "somas", "patterns", "forges", "braids", "frays", "warhorses", "dugouts",
	"epitaphs", "pearls", "tithes", "waters", "orbits", "gifts", "sheaves", "depths", "sentiments",
	"decoys", "realms", "pains", "grouches", "escapades", "packages", "requests", "accounts", "deposits",
	"sleep", "wake", "are", "cajole", "haggle", "nag", "use", "boost", "affix", "detect", "integrate",
	"maintain", "nod", "was", "lose", "sublate", "solve", "thrash", "promise", "engage", "hinder",
	"print", "x-ray", "breach", "eat", "grow", "impress", "mold", "poach", "serve", "run", "dazzle",
	"snooze", "doze", "unwind", "kindle", "play", "hang", "believe", "doubt",
	"furious", "sly", "careful", "blithe", "quick", "fluffy", "slow", "quiet", "ruthless", "thin",
	"close", "dogged", "daring", "brave", "stealthy", "permanent", "enticing", "idle", "busy",
	"regular", "final", "ironic", "even", "bold", "silent", "special", "pending", "unusual", "express",
	"sometimes", "always", "never", "furiously", "slyly", "carefully", "blithely", "quickly",
	"fluffily", "slowly", "quietly", "ruthlessly", "thinly", "closely", "doggedly", "daringly",
	"bravely", "stealthily", "permanently", "enticingly", "idly", "busily", "regularly", "finally",
	"ironically", "evenly", "boldly", "silently",
	"about", "above", "across", "after", "against", "along", "among", "around", "at", "atop",
	"before", "behind", "beneath", "beside", "between", "beyond", "by", "despite", "during",
	"except", "for", "from", "inside", "into", "near", "of", "on", "outside", "over", "past",
	"since", "through", "to", "toward", "under", "until", "up", "upon", "without", "with", "within",
}
