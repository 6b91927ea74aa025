package server

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// DoPut header guard (HARDENING.md, first row). arrow-go's IPC decoder trusts
// the vector lengths in a message's flatbuffer header: a ~256-byte schema
// message claiming 2³⁰ fields makes it allocate hundreds of GB, a fatal
// out-of-memory that recover() cannot catch. Every FlightData a client
// uploads passes checkHeader before any decoder sees it: each vector the
// decoder will walk must fit inside the header bytes it came in, field
// counts and nesting are bounded, and compressed bodies (whose buffers carry
// an attacker-chosen uncompressed length) are refused.

const (
	maxPutFields  = 10_000  // fields in one schema, all nesting levels
	maxPutNesting = 64      // nested type depth
	maxPutBuffers = 100_000 // buffers/nodes in one record batch
)

// Flatbuffer field slots of the Arrow IPC tables (format/Message.fbs,
// format/Schema.fbs).
const (
	msgHeaderType  = 1
	msgHeader      = 2
	msgBodyLength  = 3
	msgCustomMeta  = 4
	schemaFields   = 1
	schemaMeta     = 2
	schemaFeatures = 3
	fieldName      = 0
	fieldTypeType  = 2
	fieldType      = 3
	fieldDict      = 4
	fieldChildren  = 5
	fieldMeta      = 6
	rbNodes        = 1
	rbBuffers      = 2
	rbCompression  = 3
	rbVariadic     = 4
	dictData       = 1
	unionTypeIDs   = 1
	kvKey          = 0
	kvValue        = 1

	headerSchema     = 1
	headerDictionary = 2
	headerRecord     = 3
	typeUnion        = 14
)

// guardedPutStream checks every message before arrow-go's reader decodes it.
type guardedPutStream struct {
	flight.FlightService_DoPutServer
	maxBody int
}

func (g *guardedPutStream) Recv() (*flight.FlightData, error) {
	fd, err := g.FlightService_DoPutServer.Recv()
	if err != nil {
		return fd, err
	}
	if err := checkHeader(fd.GetDataHeader(), len(fd.GetDataBody()), g.maxBody); err != nil {
		return nil, status.Error(codes.InvalidArgument, "rejected uploaded Arrow message: "+err.Error())
	}
	return fd, nil
}

// checkHeader validates an IPC message header (a flatbuffer Message). An
// empty header (metadata-only FlightData) is fine.
func checkHeader(hdr []byte, bodyLen, maxBody int) (err error) {
	if len(hdr) == 0 {
		return nil
	}
	// Out-of-range reads are caught by fb's bounds checks; this recover is
	// a second line of defence, not the mechanism.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed header")
		}
	}()
	b := fb(hdr)
	msg, ok := b.root()
	if !ok {
		return fmt.Errorf("malformed header")
	}
	if bl, ok := b.scalar64(msg, msgBodyLength); !ok || bl < 0 || bl > int64(maxBody) {
		return fmt.Errorf("body length %d exceeds the limit of %d bytes", bl, maxBody)
	}
	if bodyLen > maxBody {
		return fmt.Errorf("body of %d bytes exceeds the limit of %d bytes", bodyLen, maxBody)
	}
	if err := b.checkKeyValues(msg, msgCustomMeta); err != nil {
		return err
	}
	typ, _ := b.scalar8(msg, msgHeaderType)
	hdrTable, present, ok := b.table(msg, msgHeader)
	if !ok {
		return fmt.Errorf("malformed header")
	}
	if !present {
		return nil
	}
	switch typ {
	case headerSchema:
		return b.checkSchema(hdrTable)
	case headerRecord:
		return b.checkRecordBatch(hdrTable)
	case headerDictionary:
		rb, present, ok := b.table(hdrTable, dictData)
		if !ok {
			return fmt.Errorf("malformed dictionary batch")
		}
		if present {
			return b.checkRecordBatch(rb)
		}
		return nil
	default:
		return fmt.Errorf("unexpected message type %d", typ)
	}
}

// fb reads a flatbuffer with bounds checks on every access.
type fb []byte

func (b fb) u32(pos int) (uint32, bool) {
	if pos < 0 || pos+4 > len(b) {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b[pos:]), true
}

func (b fb) root() (int, bool) {
	off, ok := b.u32(0)
	return int(off), ok && int(off) < len(b)
}

// field returns the absolute position of table t's field slot i, or 0 when
// the field is absent.
func (b fb) field(t, i int) (int, bool) {
	soff, ok := b.u32(t)
	if !ok {
		return 0, false
	}
	vt := t - int(int32(soff))
	if vt < 0 || vt+4 > len(b) {
		return 0, false
	}
	vtSize := int(binary.LittleEndian.Uint16(b[vt:]))
	slot := 4 + 2*i
	if slot+2 > vtSize {
		return 0, true // absent (older schema)
	}
	if vt+slot+2 > len(b) {
		return 0, false
	}
	fo := int(binary.LittleEndian.Uint16(b[vt+slot:]))
	if fo == 0 {
		return 0, true
	}
	return t + fo, t+fo < len(b)
}

func (b fb) scalar8(t, i int) (byte, bool) {
	p, ok := b.field(t, i)
	if !ok || p == 0 || p >= len(b) {
		return 0, ok && p == 0
	}
	return b[p], true
}

func (b fb) scalar64(t, i int) (int64, bool) {
	p, ok := b.field(t, i)
	if !ok {
		return 0, false
	}
	if p == 0 {
		return 0, true
	}
	if p+8 > len(b) {
		return 0, false
	}
	return int64(binary.LittleEndian.Uint64(b[p:])), true
}

// deref follows the uoffset stored at p.
func (b fb) deref(p int) (int, bool) {
	off, ok := b.u32(p)
	if !ok {
		return 0, false
	}
	q := p + int(off)
	return q, q < len(b)
}

// table returns the table referenced by field i of t.
func (b fb) table(t, i int) (pos int, present, ok bool) {
	p, ok := b.field(t, i)
	if !ok || p == 0 {
		return 0, false, ok
	}
	q, ok := b.deref(p)
	return q, true, ok
}

// vector returns the start and length of the vector in field i of t after
// checking that n elements of elemSize bytes fit in the buffer.
func (b fb) vector(t, i, elemSize int) (start, n int, ok bool) {
	p, ok := b.field(t, i)
	if !ok || p == 0 {
		return 0, 0, ok
	}
	v, ok := b.deref(p)
	if !ok {
		return 0, 0, false
	}
	ln, ok := b.u32(v)
	if !ok {
		return 0, 0, false
	}
	if uint64(ln)*uint64(elemSize) > uint64(len(b)-v-4) {
		return 0, 0, false
	}
	return v + 4, int(ln), true
}

var errVector = fmt.Errorf("a vector is longer than the header holding it")

func (b fb) checkKeyValues(t, i int) error {
	start, n, ok := b.vector(t, i, 4)
	if !ok {
		return errVector
	}
	for k := range n {
		kv, ok := b.deref(start + 4*k)
		if !ok {
			return errVector
		}
		for _, slot := range []int{kvKey, kvValue} {
			if _, _, ok := b.vector(kv, slot, 1); !ok {
				return errVector
			}
		}
	}
	return nil
}

func (b fb) checkSchema(s int) error {
	if err := b.checkKeyValues(s, schemaMeta); err != nil {
		return err
	}
	if _, _, ok := b.vector(s, schemaFeatures, 8); !ok {
		return errVector
	}
	count := 0
	return b.checkFields(s, schemaFields, 1, &count)
}

func (b fb) checkFields(t, slot, depth int, count *int) error {
	if depth > maxPutNesting {
		return fmt.Errorf("types nested deeper than %d levels", maxPutNesting)
	}
	start, n, ok := b.vector(t, slot, 4)
	if !ok {
		return errVector
	}
	*count += n
	if *count > maxPutFields {
		return fmt.Errorf("more than %d fields", maxPutFields)
	}
	for k := range n {
		f, ok := b.deref(start + 4*k)
		if !ok {
			return errVector
		}
		if _, _, ok := b.vector(f, fieldName, 1); !ok {
			return errVector
		}
		if err := b.checkKeyValues(f, fieldMeta); err != nil {
			return err
		}
		if _, _, ok := b.table(f, fieldDict); !ok {
			return errVector
		}
		tt, _ := b.scalar8(f, fieldTypeType)
		typ, present, ok := b.table(f, fieldType)
		if !ok {
			return errVector
		}
		if present && tt == typeUnion {
			if _, _, ok := b.vector(typ, unionTypeIDs, 4); !ok {
				return errVector
			}
		}
		if err := b.checkFields(f, fieldChildren, depth+1, count); err != nil {
			return err
		}
	}
	return nil
}

func (b fb) checkRecordBatch(rb int) error {
	if _, present, ok := b.table(rb, rbCompression); !ok || present {
		if !ok {
			return errVector
		}
		return fmt.Errorf("compressed batches are not accepted; send them uncompressed")
	}
	for _, slot := range []int{rbNodes, rbBuffers} {
		_, n, ok := b.vector(rb, slot, 16)
		if !ok {
			return errVector
		}
		if n > maxPutBuffers {
			return fmt.Errorf("more than %d nodes or buffers in one batch", maxPutBuffers)
		}
	}
	if _, _, ok := b.vector(rb, rbVariadic, 8); !ok {
		return errVector
	}
	return nil
}
