package expr

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var keyValues = []string{"a", "A", "á", "a ", "", "Straße", "STRASSE", "Ж", "ж1", "x\ty", "Æon", "_x", "ΣΊΣΥΦΟΣ"}

// buildStrings builds n values cycling keyValues, every fifth row NULL.
func buildStrings(mem memory.Allocator, dt arrow.DataType, n int) arrow.Array {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	for i := 0; i < n; i++ {
		if i%5 == 4 {
			b.AppendNull()
			continue
		}
		v := keyValues[i%len(keyValues)]
		switch x := b.(type) {
		case *array.StringBuilder:
			x.Append(v)
		case *array.LargeStringBuilder:
			x.Append(v)
		case *array.StringViewBuilder:
			x.Append(v)
		}
	}
	return b.NewArray()
}

// CollationKeys agrees with CollationKey row by row, for every string
// layout, batch size and a sliced input.
func TestCollationKeysArray(t *testing.T) {
	for _, dt := range []arrow.DataType{arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.StringView} {
		for _, n := range batchSizes {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			full := buildStrings(mem, dt, n+3)
			arr := array.NewSlice(full, 2, int64(n+2))
			keys := CollationKeys(mem, arr)
			kb, ok := keys.(*array.Binary)
			if !ok || keys.Len() != n || keys.NullN() != arr.NullN() {
				t.Fatalf("%s n=%d: keys %s len %d nulls %d", dt, n, keys.DataType(), keys.Len(), keys.NullN())
			}
			for i := 0; i < n; i++ {
				if arr.IsNull(i) {
					if kb.IsValid(i) {
						t.Errorf("%s n=%d row %d: want NULL key", dt, n, i)
					}
					continue
				}
				v := keyValues[(i+2)%len(keyValues)]
				if want := CollationKey(nil, v); !bytes.Equal(kb.Value(i), want) {
					t.Errorf("%s n=%d row %d %q: key %x, want %x", dt, n, i, v, kb.Value(i), want)
				}
			}
			keys.Release()
			arr.Release()
			full.Release()
			mem.AssertSize(t, 0)
		}
	}
}

// Keys of a long non-ASCII value outgrow the reserved bytes.
func TestCollationKeysGrow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewStringBuilder(mem)
	long := strings.Repeat("ßÆŒĳ", 100)
	b.AppendValues([]string{"", long, "abc"}, nil)
	arr := b.NewArray()
	b.Release()
	defer arr.Release()
	keys := CollationKeys(mem, arr).(*array.Binary)
	defer keys.Release()
	if !bytes.Equal(keys.Value(1), CollationKey(nil, long)) || !bytes.Equal(keys.Value(2), CollationKey(nil, "ABC")) {
		t.Errorf("keys %x / %x", keys.Value(1), keys.Value(2))
	}
	if !bytes.Equal(keys.Value(1), CollationKey(nil, strings.Repeat("ssaeoeij", 100))) {
		t.Errorf("long key differs from its folded spelling")
	}
}

// NewCollationKey wraps VARCHAR expressions in WEIGHT_STRING, evaluated
// by CollationKeys; other expressions are left as they are.
func TestNewCollationKey(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: TypeString, Nullable: true}}, nil)
	arr := buildStrings(mem, TypeString, 6)
	batch := array.NewRecordBatch(schema, []arrow.Array{arr}, 6)
	arr.Release()
	defer batch.Release()
	s := &Column{Index: 0, Name: "s", DataType: TypeString}
	k := NewCollationKey(s)
	if k.String() != "weight_string(s)" || k.Type().ID() != arrow.BINARY {
		t.Fatalf("NewCollationKey = %s of %s", k, k.Type())
	}
	for _, e := range []Expr{NewLiteral(int64(1)), NewLiteral([]byte("x")), k} {
		if NewCollationKey(e) != e {
			t.Errorf("%s was wrapped", e)
		}
	}
	for _, e := range []Expr{k, NewCollationKey(NewLiteral("Á"))} {
		out, err := Eval(context.Background(), e, batch, mem)
		if err != nil {
			t.Fatal(err)
		}
		b := out.(*array.Binary)
		if b.Len() != 6 || !bytes.Equal(b.Value(0), CollationKey(nil, "a")) {
			t.Errorf("%s: len %d, row 0 %x", e, b.Len(), b.Value(0))
		}
		if e == k && (!bytes.Equal(b.Value(0), b.Value(1)) || !bytes.Equal(b.Value(0), b.Value(2)) || bytes.Equal(b.Value(0), b.Value(3)) || b.IsValid(4)) {
			t.Errorf("%s: %x %x %x %x valid4=%v", e, b.Value(0), b.Value(1), b.Value(2), b.Value(3), b.IsValid(4))
		}
		out.Release()
	}
}

// BenchmarkCollationKeysASCII measures the key cost per ASCII value.
func BenchmarkCollationKeysASCII(b *testing.B) {
	mem := memory.NewGoAllocator()
	sb := array.NewStringBuilder(mem)
	for i := 0; i < 8192; i++ {
		sb.Append("Customer#0000" + string(rune('A'+i%26)) + "xyz")
	}
	arr := sb.NewArray()
	sb.Release()
	defer arr.Release()
	b.SetBytes(int64(len(arr.(*array.String).ValueBytes())))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		CollationKeys(mem, arr).Release()
	}
}
