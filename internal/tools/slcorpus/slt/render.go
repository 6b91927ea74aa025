package slt

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Values renders every row of rr as the corpus's flat list of values (row
// after row, one string per column), converting each column to the type its
// letter in types asks for, the way the corpus's ODBC runner reads a MySQL
// result:
//
//	I  SQL_C_SLONG: integers as is; DECIMAL and DOUBLE truncated toward zero;
//	   text by its leading number (MySQL's string→number rule)
//	R  SQL_C_DOUBLE printed "%.3f"
//	T  SQL_C_CHAR: the value's MySQL text; "" as "(empty)"; bytes outside
//	   ' '..'~' as '@'
//
// NULL is "NULL" whatever the letter. A column count other than len(types)
// is an error. Values does not Release rr.
func Values(rr array.RecordReader, types string) ([]string, error) {
	sch := rr.Schema()
	if sch.NumFields() != len(types) {
		return nil, fmt.Errorf("wrong number of result columns: expected %d but got %d", len(types), sch.NumFields())
	}
	var out []string
	for rr.Next() {
		b := rr.RecordBatch()
		n := int(b.NumRows())
		start := len(out)
		out = append(out, make([]string, n*len(types))...)
		for c := range types {
			col := b.Column(c)
			for row := 0; row < n; row++ {
				out[start+row*len(types)+c] = Render(col, row, types[c])
			}
		}
	}
	return out, rr.Err()
}

// Render converts one value of a to the corpus text for type letter t (see
// Values).
func Render(a arrow.Array, i int, t byte) string {
	if a.DataType().ID() == arrow.NULL || a.IsNull(i) {
		return "NULL"
	}
	switch t {
	case 'I':
		return renderInt(a, i)
	case 'R':
		return strconv.FormatFloat(toFloat(a, i), 'f', 3, 64)
	default:
		s := Text(a, i)
		if s == "" {
			return "(empty)"
		}
		return printable(s)
	}
}

func renderInt(a arrow.Array, i int) string {
	switch arr := a.(type) {
	case *array.Int8:
		return strconv.FormatInt(int64(arr.Value(i)), 10)
	case *array.Int16:
		return strconv.FormatInt(int64(arr.Value(i)), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(arr.Value(i)), 10)
	case *array.Int64:
		return strconv.FormatInt(arr.Value(i), 10)
	case *array.Uint8:
		return strconv.FormatUint(uint64(arr.Value(i)), 10)
	case *array.Uint16:
		return strconv.FormatUint(uint64(arr.Value(i)), 10)
	case *array.Uint32:
		return strconv.FormatUint(uint64(arr.Value(i)), 10)
	case *array.Uint64:
		return strconv.FormatUint(arr.Value(i), 10)
	case *array.Boolean:
		if arr.Value(i) {
			return "1"
		}
		return "0"
	case *array.Float32, *array.Float64:
		return truncFloat(toFloat(a, i))
	case *array.Decimal128, *array.Decimal256:
		return intPart(Text(a, i))
	}
	return truncFloat(leadingNumber(Text(a, i)))
}

// truncFloat renders f truncated toward zero, as ODBC converts a DOUBLE to
// SQL_C_SLONG.
func truncFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "0"
	}
	t := math.Trunc(f)
	if t == 0 {
		return "0" // not "-0"
	}
	return strconv.FormatFloat(t, 'f', 0, 64)
}

// intPart cuts a decimal's text at its point ("-12.50" → "-12"; "-0.5" → "0").
func intPart(s string) string {
	if k := strings.IndexByte(s, '.'); k >= 0 {
		s = s[:k]
	}
	if s == "-0" || s == "" || s == "-" {
		return "0"
	}
	return s
}

func toFloat(a arrow.Array, i int) float64 {
	switch arr := a.(type) {
	case *array.Float32:
		return float64(arr.Value(i))
	case *array.Float64:
		return arr.Value(i)
	case *array.Int8:
		return float64(arr.Value(i))
	case *array.Int16:
		return float64(arr.Value(i))
	case *array.Int32:
		return float64(arr.Value(i))
	case *array.Int64:
		return float64(arr.Value(i))
	case *array.Uint8:
		return float64(arr.Value(i))
	case *array.Uint16:
		return float64(arr.Value(i))
	case *array.Uint32:
		return float64(arr.Value(i))
	case *array.Uint64:
		return float64(arr.Value(i))
	case *array.Boolean:
		if arr.Value(i) {
			return 1
		}
		return 0
	}
	return leadingNumber(Text(a, i))
}

// leadingNumber is MySQL's string→DOUBLE conversion: the longest numeric
// prefix after leading spaces, 0 when there is none.
func leadingNumber(s string) float64 {
	s = strings.TrimLeft(s, " \t\n\r")
	end := 0
	digits := false
	if end < len(s) && (s[end] == '+' || s[end] == '-') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end, digits = end+1, true
	}
	if end < len(s) && s[end] == '.' {
		end++
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end, digits = end+1, true
		}
	}
	if !digits {
		return 0
	}
	if end < len(s) && (s[end] == 'e' || s[end] == 'E') {
		e := end + 1
		if e < len(s) && (s[e] == '+' || s[e] == '-') {
			e++
		}
		if e < len(s) && s[e] >= '0' && s[e] <= '9' {
			for e < len(s) && s[e] >= '0' && s[e] <= '9' {
				e++
			}
			end = e
		}
	}
	f, _ := strconv.ParseFloat(s[:end], 64)
	return f
}

// Text is the value's text as a MySQL client shows it: decimals with all
// their scale's digits, booleans as 1/0, doubles in shortest form.
func Text(a arrow.Array, i int) string {
	switch arr := a.(type) {
	case *array.String:
		return arr.Value(i)
	case *array.LargeString:
		return arr.Value(i)
	case *array.StringView:
		return arr.Value(i)
	case *array.Binary:
		return string(arr.Value(i))
	case *array.Decimal128:
		return arr.Value(i).ToString(arr.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Decimal256:
		return arr.Value(i).ToString(arr.DataType().(*arrow.Decimal256Type).Scale)
	case *array.Boolean:
		if arr.Value(i) {
			return "1"
		}
		return "0"
	case *array.Float64:
		return strconv.FormatFloat(arr.Value(i), 'g', -1, 64)
	case *array.Float32:
		return strconv.FormatFloat(float64(arr.Value(i)), 'g', -1, 32)
	}
	return a.ValueStr(i)
}

func printable(s string) string {
	for j := 0; j < len(s); j++ {
		if s[j] < ' ' || s[j] > '~' {
			b := []byte(s)
			for k := j; k < len(b); k++ {
				if b[k] < ' ' || b[k] > '~' {
					b[k] = '@'
				}
			}
			return string(b)
		}
	}
	return s
}

// SortValues applies a query's sort method to vals (ncol values per row) in
// place: rowsort orders rows by their values compared bytewise column by
// column, valuesort orders all values independently, nosort leaves them.
func SortValues(vals []string, ncol int, method string) {
	switch method {
	case "rowsort":
		if ncol <= 0 || len(vals)%ncol != 0 {
			return
		}
		rows := make([][]string, len(vals)/ncol)
		for r := range rows {
			rows[r] = vals[r*ncol : (r+1)*ncol : (r+1)*ncol]
		}
		sort.SliceStable(rows, func(x, y int) bool {
			for c := 0; c < ncol; c++ {
				if rows[x][c] != rows[y][c] {
					return rows[x][c] < rows[y][c]
				}
			}
			return false
		})
		sorted := make([]string, 0, len(vals))
		for _, r := range rows {
			sorted = append(sorted, r...)
		}
		copy(vals, sorted)
	case "valuesort":
		sort.Strings(vals)
	}
}

// HashLine is the corpus's "<n> values hashing to <md5>" line for vals: the
// md5 of every value followed by "\n".
func HashLine(vals []string) string {
	h := md5.New()
	for _, v := range vals {
		h.Write([]byte(v))
		h.Write([]byte{'\n'})
	}
	return fmt.Sprintf("%d values hashing to %s", len(vals), hex.EncodeToString(h.Sum(nil)))
}

// Compare checks a query's sorted values against the record's expectation.
// An expectation written as "<n> values hashing to <md5>" (the C runner
// writes one for results of more than hash-threshold values, or for labeled
// queries) compares by hash line; otherwise values compare one by one. It
// returns "" on a match, else a short description of the difference.
func Compare(r Record, vals []string) string {
	if n, _, ok := r.Hashed(); ok {
		if r.Expected[0] == HashLine(vals) {
			return ""
		}
		if n != len(vals) {
			return fmt.Sprintf("wrong value count: expected %d got %d", n, len(vals))
		}
		return "wrong result hash"
	}
	for i := 0; i < len(vals) && i < len(r.Expected); i++ {
		if vals[i] != r.Expected[i] {
			return fmt.Sprintf("wrong value %d: expected [%s] got [%s]", i+1, r.Expected[i], vals[i])
		}
	}
	if len(vals) != len(r.Expected) {
		return fmt.Sprintf("wrong value count: expected %d got %d", len(r.Expected), len(vals))
	}
	return ""
}
