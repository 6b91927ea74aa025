package server

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	pb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

type captureWriter struct{ msgs []*flight.FlightData }

func (c *captureWriter) Send(fd *flight.FlightData) error {
	c.msgs = append(c.msgs, proto.Clone(fd).(*flight.FlightData))
	return nil
}

var nestedSchema = arrow.NewSchema([]arrow.Field{
	{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true, Metadata: arrow.NewMetadata([]string{"k"}, []string{"v"})},
	{Name: "l", Type: arrow.ListOf(arrow.StructOf(arrow.Field{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true})), Nullable: true},
	{Name: "u", Type: arrow.DenseUnionOf([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, []arrow.UnionTypeCode{0}), Nullable: true},
}, nil)

// validMessages are the FlightData messages arrow-go writes for a schema
// and one batch.
func validMessages(t *testing.T) []*flight.FlightData {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewRecordBuilder(mem, nestedSchema)
	defer b.Release()
	b.Field(0).(*array.Int32Builder).Append(1)
	lb := b.Field(1).(*array.ListBuilder)
	lb.Append(true)
	sb := lb.ValueBuilder().(*array.StructBuilder)
	sb.Append(true)
	sb.FieldBuilder(0).(*array.StringBuilder).Append("x")
	ub := b.Field(2).(*array.DenseUnionBuilder)
	ub.Append(0)
	ub.Child(0).(*array.Int64Builder).Append(5)
	rec := b.NewRecordBatch()
	defer rec.Release()
	c := &captureWriter{}
	w := flight.NewRecordWriter(c, ipc.WithSchema(nestedSchema), ipc.WithAllocator(mem))
	must(t, w.Write(rec))
	must(t, w.Close())
	return c.msgs
}

// fieldsLengthPos is where the schema message stores its field count.
func fieldsLengthPos(t *testing.T, hdr []byte) int {
	b := fb(hdr)
	msg, _ := b.root()
	s, _, ok := b.table(msg, msgHeader)
	if !ok {
		t.Fatal("no header")
	}
	p, _ := b.field(s, schemaFields)
	v, _ := b.deref(p)
	return v
}

func TestCheckHeaderAcceptsValidMessages(t *testing.T) {
	msgs := validMessages(t)
	if len(msgs) < 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	for i, m := range msgs {
		if err := checkHeader(m.DataHeader, len(m.DataBody), 1<<20); err != nil {
			t.Fatalf("message %d rejected: %v", i, err)
		}
	}
}

func TestCheckHeaderRejectsForgedCounts(t *testing.T) {
	schemaMsg := validMessages(t)[0].DataHeader
	forged := append([]byte(nil), schemaMsg...)
	binary.LittleEndian.PutUint32(forged[fieldsLengthPos(t, forged):], 1<<30)
	if err := checkHeader(forged, 0, 1<<20); err == nil || !strings.Contains(err.Error(), "vector") {
		t.Fatalf("forged field count: %v", err)
	}
	// Every truncation is rejected or accepted without panicking.
	for n := range len(schemaMsg) {
		_ = checkHeader(schemaMsg[:n], 0, 1<<20)
	}
	// Body limit.
	batch := validMessages(t)[1]
	if err := checkHeader(batch.DataHeader, len(batch.DataBody), 8); err == nil {
		t.Fatal("body over the limit accepted")
	}
}

func TestCheckHeaderNestingAndFieldLimits(t *testing.T) {
	var typ arrow.DataType = arrow.PrimitiveTypes.Int8
	for range maxPutNesting + 1 {
		typ = arrow.ListOf(typ)
	}
	deep := arrow.NewSchema([]arrow.Field{{Name: "d", Type: typ}}, nil)
	hdr := schemaHeader(t, deep)
	if err := checkHeader(hdr, 0, 1<<20); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Fatalf("deep nesting: %v", err)
	}
	fields := make([]arrow.Field, maxPutFields+1)
	for i := range fields {
		fields[i] = arrow.Field{Name: "f", Type: arrow.Null}
	}
	if err := checkHeader(schemaHeader(t, arrow.NewSchema(fields, nil)), 0, 1<<20); err == nil || !strings.Contains(err.Error(), "fields") {
		t.Fatalf("too many fields: %v", err)
	}
}

func schemaHeader(t *testing.T, s *arrow.Schema) []byte {
	t.Helper()
	c := &captureWriter{}
	w := flight.NewRecordWriter(c, ipc.WithSchema(s))
	must(t, w.Close())
	return c.msgs[0].DataHeader
}

// Over the wire: a forged schema header in DoPut is refused with
// InvalidArgument and the server keeps serving.
func TestDoPutForgedHeaderRejected(t *testing.T) {
	h := start(t, nil)
	forged := append([]byte(nil), validMessages(t)[0].DataHeader...)
	binary.LittleEndian.PutUint32(forged[fieldsLengthPos(t, forged):], 1<<30)

	p, err := h.cl.Prepare(ctxT(t), "CREATE TABLE x (a INT)")
	must(t, err)
	var a anypb.Any
	must(t, a.MarshalFrom(&pb.CommandPreparedStatementUpdate{PreparedStatementHandle: p.Handle()}))
	cmd, err := proto.Marshal(&a)
	must(t, err)

	stream, err := h.cl.Client.DoPut(ctxT(t))
	must(t, err)
	must(t, stream.Send(&flight.FlightData{
		FlightDescriptor: &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: cmd},
		DataHeader:       forged,
	}))
	must(t, stream.CloseSend())
	_, err = stream.Recv()
	wantCode(t, err, codes.InvalidArgument)
	if !strings.Contains(err.Error(), "rejected uploaded Arrow message") {
		t.Fatalf("not rejected by the guard: %v", err)
	}

	// The same statement with a valid (empty) upload works.
	n, err := p.ExecuteUpdate(ctxT(t))
	must(t, err)
	if n != 7 {
		t.Fatalf("ExecuteUpdate = %d", n)
	}
	must(t, p.Close(ctxT(t)))
}

func FuzzCheckHeader(f *testing.F) {
	c := &captureWriter{}
	w := flight.NewRecordWriter(c, ipc.WithSchema(nestedSchema))
	_ = w.Close()
	f.Add(c.msgs[0].DataHeader)
	f.Fuzz(func(t *testing.T, hdr []byte) {
		_ = checkHeader(hdr, 0, 1<<20) // must not panic
	})
}
