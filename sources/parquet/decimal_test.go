package parquet

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/quiverdb/quiver/catalog"
)

var decSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "d5", Type: &arrow.Decimal128Type{Precision: 5, Scale: 2}, Nullable: true},   // 3-byte FLBA
	{Name: "d15", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}},                 // 7-byte FLBA, required
	{Name: "d30", Type: &arrow.Decimal128Type{Precision: 30, Scale: 4}, Nullable: true}, // 13-byte FLBA
}, nil)

// decValue is row i's value of decimal column c (0 = NULL marker
// handled by decNull), negative for some rows, beyond 64 bits for d30.
func decValue(c, i int) decimal128.Num {
	v := int64(i%997)*131 - 50_000
	switch c {
	case 1:
		return decimal128.FromI64(v % 99_999)
	case 2:
		return decimal128.FromI64(v * 1_000_003)
	default:
		n := decimal128.FromI64(v).Mul(decimal128.FromI64(7_000_000_000_000))
		return n.Mul(decimal128.FromI64(1_000_000))
	}
}

func decNull(c, i int) bool { return c != 2 && i%(3+c) == 1 }

func writeDecimalFile(t testing.TB, path string, rows, group int, dict bool) {
	t.Helper()
	mem := memory.NewGoAllocator()
	b := array.NewRecordBuilder(mem, decSchema)
	defer b.Release()
	for i := 0; i < rows; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		for c := 1; c <= 3; c++ {
			db := b.Field(c).(*array.Decimal128Builder)
			if decNull(c, i) {
				db.AppendNull()
			} else {
				db.Append(decValue(c, i))
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	props := pq.NewWriterProperties(pq.WithMaxRowGroupLength(int64(group)), pq.WithDictionaryDefault(dict),
		pq.WithDataPageSize(4096), pq.WithStats(true))
	w, err := pqarrow.NewFileWriter(decSchema, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDirectDecimalColumns reads FIXED_LEN_BYTE_ARRAY decimals of 3, 7 and
// 13 bytes (nullable and required, dictionary and plain, many small pages,
// row groups larger than a batch) through the direct decimal path, alone
// and mixed with pqarrow-read columns, with limits, and checks every value.
func TestDirectDecimalColumns(t *testing.T) {
	const rows, group = 40_000, 35_000 // a row group spans 3 batches
	for _, dict := range []bool{true, false} {
		t.Run(fmt.Sprintf("dict=%v", dict), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dec.parquet")
			writeDecimalFile(t, path, rows, group, dict)
			tbl, err := OpenFile(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			pt := tbl.(*Table)
			for c := 1; c <= 3; c++ {
				if _, ok := directDecimal(decSchema.Field(c).Type, pt.files[0], c); !ok {
					t.Fatalf("column %d not read directly", c)
				}
			}
			for _, tc := range []struct {
				proj  []int
				limit int64
			}{
				{[]int{0, 1, 2, 3}, -1},
				{[]int{3, 1}, -1},     // decimals only, reordered
				{[]int{2, 0}, -1},     // mixed, reordered
				{[]int{1, 0}, 20_000}, // limit inside the first row group
				{[]int{3}, 35_001},    // limit one row into the second group
			} {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				s, err := pt.Scan(context.Background(), catalog.ScanRequest{Projection: tc.proj, Limit: tc.limit})
				if err != nil {
					t.Fatal(err)
				}
				bs := readAll(t, s, mem)
				got := 0
				for _, b := range bs {
					for k, c := range tc.proj {
						a := b.Column(k)
						for r := 0; r < a.Len(); r++ {
							i := got + r
							if c == 0 {
								if v := a.(*array.Int64).Value(r); v != int64(i) {
									t.Fatalf("%v: id row %d = %d", tc.proj, i, v)
								}
								continue
							}
							da := a.(*array.Decimal128)
							if decNull(c, i) != da.IsNull(r) {
								t.Fatalf("%v: column %d row %d null=%v", tc.proj, c, i, da.IsNull(r))
							}
							if !da.IsNull(r) && da.Value(r) != decValue(c, i) {
								t.Fatalf("%v: column %d row %d = %s, want %s", tc.proj, c, i, da.Value(r).ToString(0), decValue(c, i).ToString(0))
							}
						}
					}
					got += int(b.NumRows())
				}
				want := rows
				if tc.limit >= 0 {
					want = int(tc.limit)
				}
				if got < want || (tc.limit < 0 && got != rows) {
					t.Fatalf("%v limit %d: read %d rows, want %d", tc.proj, tc.limit, got, want)
				}
				release(bs)
				mem.AssertSize(t, 0)
			}
		})
	}
}

// BenchmarkDecimalScan reads a 200,000-row file of three decimal columns.
func BenchmarkDecimalScan(b *testing.B) {
	path := filepath.Join(b.TempDir(), "dec.parquet")
	writeDecimalFile(b, path, 200_000, 100_000, true)
	tbl, err := OpenFile(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	mem := memory.NewGoAllocator()
	b.ResetTimer()
	for range b.N {
		s, err := tbl.(*Table).Scan(context.Background(), catalog.ScanRequest{Projection: []int{1, 2, 3}, Limit: -1})
		if err != nil {
			b.Fatal(err)
		}
		release(readAll(b, s, mem))
	}
}

// TestDecodeBEMatchesBytewise checks decodeBE's 8-byte-load path and its
// byte-at-a-time tail against decimalFromBE for every width up to 8, with
// negative, positive and extreme values packed back to back in one page
// buffer (so the last values have less than 8 bytes of room).
func TestDecodeBEMatchesBytewise(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for width := 1; width <= 8; width++ {
		const n = 50
		buf := make([]byte, n*width)
		for i := range buf {
			buf[i] = byte(rng.Uint32())
		}
		copy(buf[:width], append([]byte{0x80}, make([]byte, width-1)...)) // most negative first
		copy(buf[width:2*width], bytes.Repeat([]byte{0xff}, width))       // then -1
		vals := make([]pq.FixedLenByteArray, n)
		for i := range vals {
			vals[i] = buf[i*width : (i+1)*width]
		}
		dst := make([]decimal128.Num, n)
		decodeBE(dst, vals, width)
		for i, v := range vals {
			want, ok := decimalFromBE(v)
			if !ok || dst[i] != want {
				t.Fatalf("width %d value %d (% x): got %v, want %v", width, i, []byte(v), dst[i].BigInt(), want.BigInt())
			}
		}
	}
}
