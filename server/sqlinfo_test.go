package server

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql/schema_ref"
)

// Union member type codes of schema_ref.SqlInfo's value column.
const (
	memberString  = 0
	memberBool    = 1
	memberInt64   = 2
	memberInt32   = 3
	memberStrList = 4
	memberMap     = 5
)

func idRange(from, to uint32) []uint32 {
	var out []uint32
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func concat(parts ...[]uint32) []uint32 {
	var out []uint32
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// clientSqlInfo is CLIENTS.md item 2: every id JDBC/flightsql-dbapi/ADBC
// read, with the union member they cast to.
var clientSqlInfo = map[int8][]uint32{
	memberString:  {0, 1, 2, 504, 513, 514, 529, 530, 531},
	memberBool:    concat([]uint32{3, 515, 516}, idRange(518, 521), []uint32{523, 524, 527, 532, 536, 537, 539, 556, 563, 565, 566}, idRange(572, 576)),
	memberStrList: idRange(508, 512),
	memberInt32:   concat([]uint32{8, 522, 525, 526, 528}, idRange(533, 535), []uint32{538, 540, 564, 567}),
	memberInt64:   concat(idRange(541, 555), idRange(557, 562)),
	memberMap:     {517},
}

func TestGetSqlInfoClientIDs(t *testing.T) {
	h := start(t, nil)
	var ids []flightsql.SqlInfo
	want := map[uint32]int8{}
	for member, list := range clientSqlInfo {
		for _, id := range list {
			ids = append(ids, flightsql.SqlInfo(id))
			want[id] = member
		}
	}
	info, err := h.cl.GetSqlInfo(ctxT(t), ids)
	must(t, err)
	sc, batches := h.fetch(info)
	if !sc.Equal(schema_ref.SqlInfo) || !deserialize(t, info.Schema).Equal(schema_ref.SqlInfo) {
		t.Fatalf("SqlInfo schema %s", sc)
	}
	got := map[uint32]bool{}
	values := map[uint32]any{}
	for _, b := range batches {
		names := b.Column(0).(*array.Uint32)
		u := b.Column(1).(*array.DenseUnion)
		for i := 0; i < names.Len(); i++ {
			id := names.Value(i)
			got[id] = true
			code := u.TypeCode(i)
			if code != want[id] {
				t.Errorf("id %d (%s) is union member %d, want %d", id, flightsql.SqlInfo(id), code, want[id])
				continue
			}
			child := u.Field(u.ChildID(i))
			off := int(u.ValueOffset(i))
			switch code {
			case memberString:
				values[id] = child.(*array.String).Value(off)
			case memberBool:
				values[id] = child.(*array.Boolean).Value(off)
			case memberStrList:
				l := child.(*array.List)
				start, end := l.ValueOffsets(off)
				strs := l.ListValues().(*array.String)
				var out []string
				for j := start; j < end; j++ {
					out = append(out, strs.Value(int(j)))
				}
				values[id] = out
			}
		}
	}
	for id := range want {
		if !got[id] {
			t.Errorf("id %d (%s) not answered", id, flightsql.SqlInfo(id))
		}
	}
	if values[0] != "Quiver" {
		t.Errorf("server name %v", values[0])
	}
	if values[2] != arrow.PkgVersion {
		t.Errorf("arrow version %v", values[2])
	}
	if values[504] != "`" {
		t.Errorf("identifier quote %q, want backtick", values[504])
	}
	if values[3] != false {
		t.Errorf("read only %v", values[3])
	}
	if kw, _ := values[508].([]string); len(kw) == 0 {
		t.Errorf("keywords %v", values[508])
	}
}

func TestGetSqlInfoAll(t *testing.T) {
	h := start(t, nil)
	info, err := h.cl.GetSqlInfo(ctxT(t), nil)
	must(t, err)
	_, batches := h.fetch(info)
	var n int
	for _, b := range batches {
		n += int(b.NumRows())
	}
	if n != len(sqlInfo()) {
		t.Fatalf("%d rows, want all %d registered ids", n, len(sqlInfo()))
	}
}
